#include "services/core/authorization.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/core/admin_scope.h"
#include "services/core/text.h"

namespace kepu {
namespace {

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& ids,
              const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

Access GrantAccess(const v1::Principal& principal, const v1::RoleGrant& grant,
                   const v1::Order& order) {
  const std::string& scope = grant.scope_id();
  switch (grant.role()) {
    case v1::ROLE_RESIDENT:
      return !order.resident_id().empty() &&
                     order.resident_id() == principal.user_id()
                 ? Access::kAct
                 : Access::kNone;
    case v1::ROLE_COMMUNITY_WORKER:
      return !scope.empty() && scope == order.draft().community_id()
                 ? Access::kAct
                 : Access::kNone;
    case v1::ROLE_DEPARTMENT_STAFF:
      if (scope.empty()) return Access::kNone;
      if (scope == order.department_id() ||
          (order.state() == v1::ORDER_STATE_DISPATCHED &&
           Contains(order.dispatched_department_ids(), scope))) {
        return Access::kAct;
      }
      return Contains(order.reached_department_ids(), scope) ? Access::kRead
                                                             : Access::kNone;
    case v1::ROLE_TEAM_LEADER:
    case v1::ROLE_VOLUNTEER:
      if (scope.empty()) return Access::kNone;
      if (scope == order.team_id() ||
          (order.state() == v1::ORDER_STATE_OFFERED &&
           Contains(order.offered_team_ids(), scope))) {
        return Access::kAct;
      }
      return Contains(order.reached_team_ids(), scope) ? Access::kRead
                                                       : Access::kNone;
    case v1::ROLE_ADMIN:
      return AdminGrantCoversCounty(grant, principal.tenant(),
                                    order.county_id())
                 ? Access::kRead
                 : Access::kNone;
    case v1::ROLE_SYSTEM:
      return Access::kAct;
    default:
      return Access::kNone;
  }
}

bool CanSee(const v1::Principal& principal, const v1::Order& order) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (GrantAccess(principal, grant, order) != Access::kNone) return true;
  }
  return false;
}

absl::StatusOr<v1::Actor> ActingAs(const v1::Principal& principal,
                                   const TransitionRule& rule,
                                   const v1::Order& order) {
  bool holds_a_role = false;
  bool reached = false;
  for (Role role : rule.roles) {
    for (const v1::RoleGrant& grant : principal.grants()) {
      if (grant.role() != role) continue;
      holds_a_role = true;
      const Access access = GrantAccess(principal, grant, order);
      if (access == Access::kAct) return ActorOf(principal, grant);
      reached |= access == Access::kRead;
    }
  }
  if (!holds_a_role) {
    return absl::PermissionDeniedError(absl::StrCat(
        "your role may not ", ActionName(rule.action), " an order"));
  }
  if (reached) {
    return absl::FailedPreconditionError(
        absl::StrCat("order ", order.id(), " is held by another"));
  }
  return absl::NotFoundError(absl::StrCat("order ", order.id(), " not found"));
}

std::optional<Holder> TakenBy(const v1::Principal& principal,
                              const v1::Order& order) {
  bool department = false;
  bool team = false;
  for (const v1::RoleGrant& grant : principal.grants()) {
    const Access access = GrantAccess(principal, grant, order);
    if (access == Access::kAct) return std::nullopt;
    if (access != Access::kRead) continue;
    department |= grant.role() == v1::ROLE_DEPARTMENT_STAFF;
    team |= grant.role() == v1::ROLE_TEAM_LEADER ||
            grant.role() == v1::ROLE_VOLUNTEER;
  }
  if (team && !order.team_id().empty()) return Holder{"team", order.team_id()};
  if (department && !order.department_id().empty()) {
    return Holder{"department", order.department_id()};
  }
  return std::nullopt;
}

v1::Actor ActorOf(const v1::Principal& principal, const v1::RoleGrant& grant) {
  v1::Actor actor;
  actor.set_user_id(principal.user_id());
  actor.set_role(grant.role());
  actor.set_display_name(principal.display_name());
  actor.set_scope_id(grant.scope_id());
  return actor;
}

v1::Actor ActorOf(const v1::Principal& principal, Role role) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() == role) return ActorOf(principal, grant);
  }
  v1::RoleGrant grant;
  grant.set_role(role);
  return ActorOf(principal, grant);
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

bool MaySeeContact(const v1::Principal& principal, const v1::Order& order) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    switch (grant.role()) {
      case v1::ROLE_RESIDENT:
      case v1::ROLE_COMMUNITY_WORKER:
        if (GrantAccess(principal, grant, order) == Access::kAct) return true;
        break;
      case v1::ROLE_TEAM_LEADER:
      case v1::ROLE_VOLUNTEER: {
        // The team that accepted the order, from acceptance on.
        const v1::OrderState state = order.state();
        const bool accepted = state == v1::ORDER_STATE_ACCEPTED ||
                              state == v1::ORDER_STATE_IN_SERVICE ||
                              state == v1::ORDER_STATE_COMPLETED ||
                              state == v1::ORDER_STATE_RATED ||
                              state == v1::ORDER_STATE_CLOSED;
        if (accepted && !grant.scope_id().empty() &&
            grant.scope_id() == order.team_id()) {
          return true;
        }
        break;
      }
      default:
        break;
    }
  }
  return false;
}

v1::Order AsSeenBy(const v1::Principal& principal, v1::Order order) {
  if (MaySeeContact(principal, order)) return order;
  v1::Contact* contact = order.mutable_draft()->mutable_contact();
  contact->set_phone(MaskPhone(contact->phone()));
  if (order.has_assisted()) {
    v1::Contact* resident = order.mutable_assisted()->mutable_resident();
    resident->set_phone(MaskPhone(resident->phone()));
  }
  return order;
}

v1::Principal SystemPrincipal(absl::string_view tenant,
                              absl::string_view user_id,
                              absl::string_view display_name) {
  v1::Principal principal;
  principal.set_tenant(std::string(tenant));
  principal.set_user_id(std::string(user_id));
  principal.set_display_name(std::string(display_name));
  principal.add_grants()->set_role(v1::ROLE_SYSTEM);
  return principal;
}

}  // namespace kepu
