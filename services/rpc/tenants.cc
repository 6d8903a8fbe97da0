#include "services/rpc/tenants.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

absl::StatusOr<Tenants> Tenants::Make(const std::vector<std::string>& served,
                                      absl::string_view default_tenant) {
  if (served.empty()) {
    return absl::InvalidArgumentError("at least one tenant must be served");
  }
  std::set<std::string, std::less<>> names;
  for (const std::string& name : served) {
    if (absl::Status valid = CheckTenant(name); !valid.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", name, "\": ", valid.message()));
    }
    names.insert(name);
  }
  if (names.count(default_tenant) == 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("the default tenant \"", default_tenant,
                     "\" is not one of the tenants served"));
  }
  return Tenants(std::move(names), std::string(default_tenant));
}

absl::Status Tenants::Check(absl::string_view tenant) const {
  // Names are checked before they are echoed: a well-formed one is short and
  // plain (a-z, 0-9 and '-').
  if (absl::Status valid = CheckTenant(tenant); !valid.ok()) return valid;
  if (served_.count(tenant) == 0) {
    return absl::NotFoundError(
        absl::StrCat("tenant \"", tenant, "\" is not served here"));
  }
  return absl::OkStatus();
}

std::vector<std::string> Tenants::names() const {
  return std::vector<std::string>(served_.begin(), served_.end());
}

}  // namespace kepu
