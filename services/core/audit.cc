#include "services/core/audit.h"

#include "absl/strings/numbers.h"
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

AuditEntry AuditEntryOf(
    const std::vector<std::pair<std::string, std::string>>& fields) {
  AuditEntry entry;
  for (const auto& [field, value] : fields) {
    if (field == "at") {
      int64_t millis = 0;
      if (absl::SimpleAtoi(value, &millis))
        entry.at = absl::FromUnixMillis(millis);
    } else if (field == "actor") {
      entry.actor.set_user_id(value);
    } else if (field == "actor_name") {
      entry.actor.set_display_name(value);
    } else if (field == "role") {
      int role = 0;
      if (absl::SimpleAtoi(value, &role) && v1::Role_IsValid(role)) {
        entry.actor.set_role(static_cast<v1::Role>(role));
      }
    } else if (field == "action") {
      entry.action = value;
    } else if (field == "target") {
      entry.target = value;
    } else if (field == "request_id") {
      entry.request_id = value;
    } else if (field == "reason") {
      entry.reason = value;
    }
  }
  return entry;
}

}  // namespace kepu
