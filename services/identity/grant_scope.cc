#include "services/identity/grant_scope.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"

namespace kepu {

absl::Status CheckGrantScope(const v1::RoleGrant& grant,
                             absl::string_view tenant, DirectoryView& directory,
                             absl::string_view path) {
  const std::string field = FieldPath(path, "scope_id");
  const std::string& scope = grant.scope_id();
  auto region_of_level = [&](std::initializer_list<v1::RegionLevel> levels,
                             absl::string_view what) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Region> region,
                     IfFound(directory.GetRegion(scope)));
    if (!region.has_value() || std::find(levels.begin(), levels.end(),
                                         region->level()) == levels.end()) {
      return FieldError(field, absl::StrCat("must be ", what));
    }
    return absl::OkStatus();
  };
  switch (grant.role()) {
    case v1::ROLE_RESIDENT:
      return absl::OkStatus();
    case v1::ROLE_COMMUNITY_WORKER:
      return region_of_level(
          {v1::REGION_LEVEL_COMMUNITY, v1::REGION_LEVEL_TOWN},
          "a community or town of the directory");
    case v1::ROLE_DEPARTMENT_STAFF: {
      ASSIGN_OR_RETURN(std::optional<v1::Department> department,
                       IfFound(directory.GetDepartment(scope)));
      if (!department.has_value()) {
        return FieldError(field, "must be a department of the directory");
      }
      return absl::OkStatus();
    }
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER: {
      ASSIGN_OR_RETURN(std::optional<v1::Team> team,
                       IfFound(directory.GetTeam(scope)));
      if (!team.has_value()) {
        return FieldError(field, "must be a team of the directory");
      }
      return absl::OkStatus();
    }
    case v1::ROLE_ADMIN:
      if (scope == tenant) return absl::OkStatus();
      return region_of_level(
          {v1::REGION_LEVEL_COUNTY, v1::REGION_LEVEL_ZONE},
          absl::StrCat("the city (", tenant, ") or a county of the directory"));
    default:
      return FieldError(FieldPath(path, "role"), "cannot be granted");
  }
}

}  // namespace kepu
