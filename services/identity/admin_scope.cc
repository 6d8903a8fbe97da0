#include "services/identity/admin_scope.h"

#include <algorithm>
#include <initializer_list>
#include <optional>

#include "absl/strings/str_cat.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// A record the directory does not know: no error, just outside every scope.
template <typename T>
absl::StatusOr<std::optional<T>> Optional(absl::StatusOr<T> found) {
  if (absl::IsNotFound(found.status())) return std::nullopt;
  if (!found.ok()) return found.status();
  return *std::move(found);
}

}  // namespace

AdminScope::AdminScope(const v1::Principal& principal, DirectoryView& directory)
    : directory_(directory) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() != v1::ROLE_ADMIN || grant.scope_id().empty()) continue;
    if (grant.scope_id() == principal.tenant()) {
      city_ = true;
    } else {
      counties_.push_back(grant.scope_id());
    }
  }
}

absl::StatusOr<bool> AdminScope::Covers(const v1::RoleGrant& grant) {
  if (city_) return true;
  if (counties_.empty()) return false;
  const std::string key =
      absl::StrCat(static_cast<int>(grant.role()), "/", grant.scope_id());
  if (auto it = covered_.find(key); it != covered_.end()) return it->second;
  ASSIGN_OR_RETURN(const bool covered, CoversUncached(grant));
  covered_[key] = covered;
  return covered;
}

absl::StatusOr<bool> AdminScope::CoversUncached(const v1::RoleGrant& grant) {
  const std::string& scope = grant.scope_id();
  if (scope.empty()) return false;
  switch (grant.role()) {
    case v1::ROLE_COMMUNITY_WORKER:
      return RegionInScope(scope);
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER: {
      ASSIGN_OR_RETURN(std::optional<v1::Team> team,
                       Optional(directory_.GetTeam(scope)));
      if (!team.has_value() || team->service_area_region_ids().empty()) {
        return false;
      }
      for (const std::string& area : team->service_area_region_ids()) {
        ASSIGN_OR_RETURN(const bool inside, RegionInScope(area));
        if (!inside) return false;
      }
      return true;
    }
    case v1::ROLE_ADMIN:
      return std::find(counties_.begin(), counties_.end(), scope) !=
             counties_.end();
    default:
      return false;
  }
}

absl::StatusOr<bool> AdminScope::RegionInScope(absl::string_view region_id) {
  ASSIGN_OR_RETURN(std::optional<std::vector<v1::Region>> chain,
                   Optional(directory_.RegionChain(region_id)));
  if (!chain.has_value()) return false;
  for (const v1::Region& region : *chain) {
    if (std::find(counties_.begin(), counties_.end(), region.id()) !=
        counties_.end()) {
      return true;
    }
  }
  return false;
}

absl::StatusOr<Reach> AdminScope::ReachOf(const v1::User& user) {
  if (city_) return Reach::kWhole;
  int covered = 0;
  for (const v1::RoleGrant& grant : user.grants()) {
    ASSIGN_OR_RETURN(const bool covers, Covers(grant));
    if (covers) ++covered;
  }
  if (covered == 0) return Reach::kNone;
  return covered == user.grants_size() ? Reach::kWhole : Reach::kPartly;
}

absl::Status CheckGrantScope(const v1::RoleGrant& grant,
                             absl::string_view tenant, DirectoryView& directory,
                             absl::string_view path) {
  const std::string field = FieldPath(path, "scope_id");
  const std::string& scope = grant.scope_id();
  auto region_of_level = [&](std::initializer_list<v1::RegionLevel> levels,
                             absl::string_view what) -> absl::Status {
    ASSIGN_OR_RETURN(std::optional<v1::Region> region,
                     Optional(directory.GetRegion(scope)));
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
                       Optional(directory.GetDepartment(scope)));
      if (!department.has_value()) {
        return FieldError(field, "must be a department of the directory");
      }
      return absl::OkStatus();
    }
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER: {
      ASSIGN_OR_RETURN(std::optional<v1::Team> team,
                       Optional(directory.GetTeam(scope)));
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
