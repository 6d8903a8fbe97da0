// Who may see and act on which order: roles and their scopes (ARCHITECTURE §1).
// The rules that decide a move are in transition_table.h; this file decides
// over which orders a role reaches.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/transition_table.h"

namespace kepu {

// What a grant gives over an order.
enum class Access {
  kNone,
  // See it (and its history).
  kRead,
  // See it and make the moves the grant's role may make.
  kAct,
};

// What `grant` gives over `order`:
//   resident:          act on the orders that are theirs (resident_id);
//   community worker:  act on the orders of their community;
//   department staff:  act on the order their department holds
//                      (department_id) or, while it is DISPATCHED, one
//                      dispatched to it among others; read one it was ever
//                      dispatched to (reached_department_ids);
//   team leader, volunteer: likewise for their team, with OFFERED, the teams
//                      offered the order and reached_team_ids;
//   admin:             read the orders of what it administers (AdminScope:
//                      the county the order was placed in, or the city);
//   system:            act on every order.
Access GrantAccess(const v1::Principal& principal, const v1::RoleGrant& grant,
                   const v1::Order& order);

// Whether any of the principal's grants gives access to the order.
bool CanSee(const v1::Principal& principal, const v1::Order& order);

// The role in which `principal` makes the move of `rule` on `order`: the first
// of the rule's roles that the principal holds with kAct over the order.
//   kPermissionDenied:   the principal holds none of the rule's roles at all;
//   kFailedPrecondition: it holds one that reached the order, but another
//                        department or team holds it now (TakenBy says which);
//   kNotFound:           it holds one, but not over this order (existence is
//                        not revealed).
absl::StatusOr<v1::Actor> ActingAs(const v1::Principal& principal,
                                   const TransitionRule& rule,
                                   const v1::Order& order);

// Who holds an order the principal can only read: the department or team that
// took it (kind "department" or "team" and its id), or nullopt when nobody
// holds it (or the principal may act on it).
struct Holder {
  absl::string_view kind;
  std::string id;
};
std::optional<Holder> TakenBy(const v1::Principal& principal,
                              const v1::Order& order);

// The Actor recorded for `principal` acting under `grant` (its role and
// scope).
v1::Actor ActorOf(const v1::Principal& principal, const v1::RoleGrant& grant);
// The same under the principal's first grant of `role` (a bare role if it holds
// none).
v1::Actor ActorOf(const v1::Principal& principal, Role role);

// Whether the principal may see the order's phone numbers: the resident, the
// community's workers, and the team that accepted the order (from acceptance
// on). Everyone else sees them masked ("138****5678").
bool MaySeeContact(const v1::Principal& principal, const v1::Order& order);

// `order` as `principal` may see it: phone numbers masked unless MaySeeContact.
v1::Order AsSeenBy(const v1::Principal& principal, v1::Order order);

// Whether the principal holds `role` (over any scope); with `scope_id`, over
// that scope.
bool HasRole(const v1::Principal& principal, Role role);
bool HasRole(const v1::Principal& principal, Role role,
             absl::string_view scope_id);

// The principal of a background process of the platform (the matching engine,
// the watchdog) acting in `tenant`: ROLE_SYSTEM, which covers every order and
// may make only the transition table's system moves. `user_id` names the
// process in the history (e.g. "kepu-matching").
v1::Principal SystemPrincipal(absl::string_view tenant,
                              absl::string_view user_id,
                              absl::string_view display_name);

}  // namespace kepu
