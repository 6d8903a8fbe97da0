#include "services/core/authorization.h"

#include "absl/strings/str_cat.h"

namespace kepu {

bool GrantCovers(const v1::Principal& principal, const v1::RoleGrant& grant,
                 const v1::Order& order) {
  const std::string& scope = grant.scope_id();
  switch (grant.role()) {
    case v1::ROLE_RESIDENT:
      return !order.resident_id().empty() &&
             order.resident_id() == principal.user_id();
    case v1::ROLE_COMMUNITY_WORKER:
      return !scope.empty() && scope == order.draft().community_id();
    case v1::ROLE_DEPARTMENT_STAFF:
      return !scope.empty() && scope == order.department_id();
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER:
      return !scope.empty() && scope == order.team_id();
    case v1::ROLE_ADMIN:
      return !scope.empty() &&
             (scope == order.county_id() || scope == principal.tenant());
    case v1::ROLE_SYSTEM:
      return true;
    default:
      return false;
  }
}

bool CanSee(const v1::Principal& principal, const v1::Order& order) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (GrantCovers(principal, grant, order)) return true;
  }
  return false;
}

absl::StatusOr<v1::Actor> ActingAs(const v1::Principal& principal,
                                   const TransitionRule& rule,
                                   const v1::Order& order) {
  bool holds_a_role = false;
  for (Role role : rule.roles) {
    for (const v1::RoleGrant& grant : principal.grants()) {
      if (grant.role() != role) continue;
      holds_a_role = true;
      if (GrantCovers(principal, grant, order)) return ActorOf(principal, role);
    }
  }
  if (!holds_a_role) {
    return absl::PermissionDeniedError(absl::StrCat(
        "your role may not ", ActionName(rule.action), " an order"));
  }
  return absl::NotFoundError(absl::StrCat("order ", order.id(), " not found"));
}

v1::Actor ActorOf(const v1::Principal& principal, Role role) {
  v1::Actor actor;
  actor.set_user_id(principal.user_id());
  actor.set_role(role);
  actor.set_display_name(principal.display_name());
  return actor;
}

bool HasRole(const v1::Principal& principal, Role role) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() == role) return true;
  }
  return false;
}

bool HasRole(const v1::Principal& principal, Role role,
             absl::string_view scope_id) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() == role && grant.scope_id() == scope_id) return true;
  }
  return false;
}

}  // namespace kepu
