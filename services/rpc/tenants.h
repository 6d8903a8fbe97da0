// The tenants a server serves: configured (kepud --tenants), never invented by
// a caller. A call naming any other tenant, in "x-kepu-tenant" or in its token,
// is refused before anything is made or read for it.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kepu {

// Immutable, so thread-safe.
class Tenants {
 public:
  // `served` (at least one, each a well-formed tenant name, see CheckTenant)
  // and `default_tenant`, one of them: the tenant of public calls that name
  // none. kInvalidArgument otherwise, naming the flag's value at fault.
  static absl::StatusOr<Tenants> Make(const std::vector<std::string>& served,
                                      absl::string_view default_tenant);

  // OK when `tenant` is served here;
  //   kInvalidArgument: not a well-formed tenant name;
  //   kNotFound:        well-formed, but not served here (the message names
  //                     it).
  absl::Status Check(absl::string_view tenant) const;

  const std::string& default_tenant() const { return default_; }
  // In name order.
  std::vector<std::string> names() const;

 private:
  Tenants(std::set<std::string, std::less<>> served, std::string default_tenant)
      : served_(std::move(served)), default_(std::move(default_tenant)) {}

  std::set<std::string, std::less<>> served_;
  std::string default_;
};

}  // namespace kepu
