// The order lifecycle as data: which role may make which move from which
// states, and what the move must supply and records. This table is the only
// place that decides whether a move is legal; services, the store and the docs
// read it.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/order.pb.h"

namespace kepu {

using v1::OrderAction;
using v1::OrderState;
using v1::Role;

// What a move must be given (and so records). Bits of TransitionRule::needs.
enum Need : uint32_t {
  kNeedNothing = 0,
  kNeedDraft = 1u << 0,        // the order draft (create, edit)
  kNeedReason = 1u << 1,       // a reason, question or answer text
  kNeedDepartment = 1u << 2,   // the department dispatched to
  kNeedTeam = 1u << 3,         // the team offered or assigned
  kNeedOfferExpiry = 1u << 4,  // when the offer lapses
  kNeedSchedule = 1u << 5,     // the service time window
  kNeedCompletion = 1u << 6,   // attendance, summary, hours
  kNeedRating = 1u << 7,       // the resident's rating
  kNeedDuplicateOf = 1u << 8,  // the order this one duplicates
  kNeedEscalation = 1u << 9,   // the escalation level reached
};

struct TransitionRule {
  OrderAction action;
  // Roles that may make the move.
  std::vector<Role> roles;
  // States the move may start from. ORDER_STATE_UNSPECIFIED stands for "no
  // order yet".
  std::vector<OrderState> from;
  // The state after the move; nullopt: the order stays in the state it was in.
  std::optional<OrderState> to;
  // Bits of Need.
  uint32_t needs;
  // One line for humans (docs, kepuctl).
  absl::string_view summary;
};

// Every rule, one per action, in OrderAction order.
const std::vector<TransitionRule>& TransitionTable();

// The rule of `action`; nullptr for ORDER_ACTION_UNSPECIFIED or an unknown
// value.
const TransitionRule* FindRule(OrderAction action);

// Decides whether `role` may make `action` on an order in state `from`
// (UNSPECIFIED: no order yet). Returns the state after the move.
//   kInvalidArgument:    `action` is not a known action;
//   kPermissionDenied:   `role` may never make `action`;
//   kFailedPrecondition: `action` cannot start from `from`.
// Pure: no I/O, no clock.
absl::StatusOr<OrderState> DecideMove(OrderAction action, Role role,
                                      OrderState from);

// The short lowercase names used in messages and docs, e.g. "claim",
// "dispatched".
absl::string_view ActionName(OrderAction action);
absl::string_view StateName(OrderState state);

// States after which nothing more can happen.
bool IsFinal(OrderState state);

}  // namespace kepu
