#include "services/core/audit.h"

#include "absl/strings/str_cat.h"

namespace kepu {

std::vector<std::pair<std::string, std::string>> AuditFields(
    const AuditEntry& entry) {
  std::vector<std::pair<std::string, std::string>> fields = {
      {"at", absl::StrCat(absl::ToUnixMillis(entry.at))},
      {"actor", entry.actor.user_id()},
      {"actor_name", entry.actor.display_name()},
      {"role", absl::StrCat(static_cast<int>(entry.actor.role()))},
      {"action", entry.action},
      {"target", entry.target},
      {"request_id", entry.request_id},
      {"outcome", "OK"}};
  if (!entry.reason.empty()) fields.emplace_back("reason", entry.reason);
  return fields;
}

}  // namespace kepu
