#include "services/core/admin_scope.h"

#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/status_macros.h"

namespace kepu {
bool AdminGrantCoversCounty(const v1::RoleGrant& grant,
                            absl::string_view tenant,
                            absl::string_view county_id) {
  if (grant.role() != v1::ROLE_ADMIN || grant.scope_id().empty()) return false;
  return grant.scope_id() == tenant ||
         (!county_id.empty() && grant.scope_id() == county_id);
}

bool AdministersCounty(const v1::Principal& principal,
                       absl::string_view county_id) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (AdminGrantCoversCounty(grant, principal.tenant(), county_id)) {
      return true;
    }
  }
  return false;
}

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

bool AdminScope::CoversCounty(absl::string_view county_id) const {
  if (city_) return true;
  if (county_id.empty()) return false;
  return std::find(counties_.begin(), counties_.end(), county_id) !=
         counties_.end();
}

bool AdminScope::CoversOrder(const v1::Order& order) const {
  return CoversCounty(order.county_id());
}

absl::StatusOr<bool> AdminScope::CoversRegion(absl::string_view region_id) {
  if (city_) return true;
  if (counties_.empty()) return false;
  auto it = county_of_.find(region_id);
  if (it == county_of_.end()) {
    ASSIGN_OR_RETURN(std::optional<v1::Region> region,
                     IfFound(directory_.GetRegion(region_id)));
    it = county_of_
             .emplace(std::string(region_id),
                      region.has_value() ? region->county_id() : "")
             .first;
  }
  return CoversCounty(it->second);
}

absl::StatusOr<bool> AdminScope::CoversTeam(const v1::Team& team) {
  if (city_) return true;
  if (counties_.empty() || team.service_area_region_ids().empty()) {
    return false;
  }
  for (const std::string& area : team.service_area_region_ids()) {
    ASSIGN_OR_RETURN(const bool inside, CoversRegion(area));
    if (!inside) return false;
  }
  return true;
}

absl::StatusOr<bool> AdminScope::CoversTeamId(absl::string_view team_id) {
  if (city_) return true;
  if (counties_.empty()) return false;
  ASSIGN_OR_RETURN(std::optional<v1::Team> team,
                   IfFound(directory_.GetTeam(team_id)));
  if (!team.has_value()) return false;
  return CoversTeam(*team);
}

absl::StatusOr<bool> AdminScope::CoversVolunteer(
    const v1::Volunteer& volunteer) {
  if (city_) return true;
  if (counties_.empty() || volunteer.team_ids().empty()) return false;
  for (const std::string& team : volunteer.team_ids()) {
    ASSIGN_OR_RETURN(const bool covered, CoversTeamId(team));
    if (!covered) return false;
  }
  return true;
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
      return CoversRegion(scope);
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER:
      return CoversTeamId(scope);
    case v1::ROLE_ADMIN:
      return std::find(counties_.begin(), counties_.end(), scope) !=
             counties_.end();
    default:
      return false;
  }
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

std::string AdminScope::Describe() const {
  return absl::StrCat("the counties you administer (",
                      absl::StrJoin(counties_, ", "), ")");
}

}  // namespace kepu
