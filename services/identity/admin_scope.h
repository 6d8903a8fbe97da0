// Which accounts an admin reaches. A city admin (ROLE_ADMIN over the tenant)
// reaches every account of the tenant; a county admin (ROLE_ADMIN over a
// county or functional zone) reaches grants whose scope lies in the county:
//   community worker:   the community (or town) lies in the county;
//   team leader, volunteer: the team serves only regions in the county;
//   admin:              the scope is that county;
//   department staff, resident: never (city admins only).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/directory_view.h"

namespace kepu {

// How much of an account an admin reaches.
enum class Reach {
  // None of its grants (or it holds none and the admin is not a city admin).
  kNone,
  // Some of its grants, not all.
  kPartly,
  // Every grant (any account for a city admin).
  kWhole,
};

// The admin grants of one principal, for one call: remembers what it read of
// the directory. Not thread-safe.
class AdminScope {
 public:
  // `principal` is the caller (its tenant set); `directory` must outlive this.
  AdminScope(const v1::Principal& principal, DirectoryView& directory);

  bool is_admin() const { return city_ || !counties_.empty(); }
  bool is_city_admin() const { return city_; }

  // Whether `grant` lies in the admin's scope (see above); false for a scope
  // the directory does not know. kUnavailable: the directory cannot be read.
  absl::StatusOr<bool> Covers(const v1::RoleGrant& grant);

  // How much of `user` the admin reaches. kUnavailable as Covers.
  absl::StatusOr<Reach> ReachOf(const v1::User& user);

 private:
  absl::StatusOr<bool> CoversUncached(const v1::RoleGrant& grant);
  // Whether the region lies in one of the admin's counties.
  absl::StatusOr<bool> RegionInScope(absl::string_view region_id);

  DirectoryView& directory_;
  bool city_ = false;
  std::vector<std::string> counties_;
  std::map<std::string, bool, std::less<>> covered_;  // "<role>/<scope>"
};

// Whether `grant` names a scope that exists and fits its role: a community or
// town for a community worker, a department for department staff, a team for a
// team leader or volunteer, the tenant (the city) or a county or zone for an
// admin; a resident's grant has none.
//   kInvalidArgument: "<path>.scope_id: ..." naming what is wrong;
//   kUnavailable:     the directory cannot be read.
absl::Status CheckGrantScope(const v1::RoleGrant& grant,
                             absl::string_view tenant, DirectoryView& directory,
                             absl::string_view path);

}  // namespace kepu
