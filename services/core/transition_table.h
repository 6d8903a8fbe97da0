// The order lifecycle as data. Read this file first: one rule per move says who
// may make it, from which states, what it must be given, what it does to the
// order, which state comes after, and what it causes besides (team history,
// records created with it, the capacity it must fit in, what it refers to in
// the directory). One table of states says who waits in each state and until
// when. Planning a move (order_rules.h) and applying it (order_workflow.h) are
// generic over these tables; nothing else decides whether a move is legal or
// what it does.
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

// What a move does to the order, applied in the order a rule lists them
// (order_rules.cc has one small function per effect).
enum class Effect {
  kSetDraft,       // the command's draft becomes the order's
  kSetReason,      // last_reason = the command's reason
  kStopMatching,   // the order leaves the matching queue (awaiting_match off)
  kMarkDuplicate,  // duplicate_of = another order of the community
  kDispatch,       // department_id and dispatched_department_ids; every one
                   // of them joins reached_department_ids
  kReturnToCommunity,  // the departments are cleared
  kTakeForDepartment,  // the claiming department holds it, the others drop out
  kOfferTeams,         // team_id, offered_team_ids and the offer (direct when
                       // the department assigns); the teams join
                       // reached_team_ids; one more offer attempt
  kStartMatching,      // awaiting_match on, and onto the matching queue
  kTakeForTeam,        // the accepting team holds it, the others drop out
  kDeclineOffer,       // the declining team leaves the offer and is excluded;
                       // the last one to leave releases the order as
                       // kReleaseTeams does
  kReleaseTeams,       // the teams holding or offered it are excluded; the
                       // order goes back to matching if matching chose them,
                       // unless max_offer_attempts offers were made (then to
                       // the department)
  kReleaseTeamsRetry,  // as kReleaseTeams, but always back to matching when
                       // matching chose the team (a withdrawal)
  kSetSchedule,        // the service window, inside one of the resident's
                       // preferred windows (after a reopening, any time:
                       // those have passed)
  kCheckIn,            // when (and where, off site or not) the team arrived,
                       // only in the check-in window around the schedule
  kComplete,           // attendance, summary and hours (each hours record
                       // pending, with its id), each bounded by the
                       // volunteer's sign-in and the schedule
  kRate,               // the rating
  kReopen,             // check-in, completion and schedule cleared,
                       // reopen_count + 1, only within the reopen window
  kEscalate,           // escalation_level = the command's
};

// How the state after a move is chosen.
enum class TargetChoice {
  kFixed,  // TransitionRule::to
  kStays,  // the state the order was in
  // OFFERED while other teams still hold the offer (a decline by one of
  // several), else TransitionRule::to.
  kOfferedWhileOthersHold,
};

// Whose history a tally counts in.
enum class TeamOf {
  kOfferedAfter,   // every team the order is offered to after the move
  kOfferedBefore,  // every team it was offered to before the move
  kHolderAfter,    // the team holding it after the move
  kHolderBefore,   // the team holding it before the move
  kActing,         // the team making the move
};

// A count a move adds to a team's history (TeamStats).
struct Tally {
  enum class Counter {
    kOffers,
    kAccepted,
    kDeclined,
    kLapsed,
    kWithdrawn,
    kCompleted,
    kRatings,
    kRatingSum,
  };
  TeamOf team;
  Counter counter;
  // Add the rating's overall score instead of 1.
  bool by_rating = false;
};

// Records a move creates or changes besides the order, in the same atomic
// write. Bits of TransitionRule::records.
enum Record : uint32_t {
  kNoRecord = 0,
  kHoursRecords = 1u << 0,  // one volunteer-hours record per volunteer
  kApproveHours = 1u << 1,  // the current pending hours of the order's ledger
                            // become approved (unless declined, disputed or
                            // corrected meanwhile)
  kFollowUpOnLowRating = 1u << 2,  // a follow-up visit for the community when
                                   // the rating is low (LifecyclePolicy)
  kFollowUp = 1u << 3,             // a follow-up visit for the community
  kEscalationRecord = 1u << 4,     // the escalation, listed by community,
                                   // county and tenant
};

// The capacity a move must fit in, checked atomically with it: the team of the
// order after the move may not already hold its capacity of orders.
enum class Capacity {
  kNone,
  kHeld,           // ACCEPTED and IN_SERVICE orders count
  kHeldOrOffered,  // OFFERED ones too (the matching engine never offers a team
                   // more than it can hold)
};

// What a move refers to in the directory, checked before it is planned. Bits of
// TransitionRule::references.
enum Reference : uint32_t {
  kNoReference = 0,
  kDepartments = 1u << 0,    // active departments; outside the line's
                             // responsible ones only with a reason
  kOriginalOrder = 1u << 1,  // an order of the same community
  kUsableTeams = 1u << 2,    // active teams covering the line, serving the
                             // area, with free capacity
  kTeamMembers = 1u << 3,    // the hours' volunteers are the team's members
  kSignIns = 1u << 4,        // the volunteers' sign-ins at the order, which
                             // bound the hours (service_record.h)
  kHoursLedger = 1u << 5,    // the order's hours ledger, whose current
                             // pending entries the move approves
};

struct TransitionRule {
  OrderAction action;
  // Roles that may make the move.
  std::vector<Role> roles;
  // States the move may start from. ORDER_STATE_UNSPECIFIED stands for "no
  // order yet".
  std::vector<OrderState> from;
  // The state after the move (see target).
  OrderState to = v1::ORDER_STATE_UNSPECIFIED;
  TargetChoice target = TargetChoice::kFixed;
  // Bits of Need.
  uint32_t needs = kNeedNothing;
  // Bits of Reference.
  uint32_t references = kNoReference;
  std::vector<Effect> effects;
  std::vector<Tally> tallies;
  // Bits of Record.
  uint32_t records = kNoRecord;
  Capacity capacity = Capacity::kNone;
  // One line for humans (docs, kepuctl).
  absl::string_view summary;
};

// Every rule, one per action, in OrderAction order.
const std::vector<TransitionRule>& TransitionTable();

// The rule of `action`; nullptr for ORDER_ACTION_UNSPECIFIED or an unknown
// value.
const TransitionRule* FindRule(OrderAction action);

// When the order must move on in a state, and what happens when it does not.
enum class Due {
  kNever,               // nobody waits (final states, IN_SERVICE)
  kEnteredPlusStage,    // the stage's allowance after entering the state
  kOfferExpiry,         // when the offer lapses
  kServiceWindowEnd,    // the end of the scheduled window, else of the last
                        // preferred window
  kCompletedPlusRating  // the rating period after completion
};

struct StateRule {
  OrderState state;
  // Who waits, shown with the countdown.
  v1::Stage stage = v1::STAGE_UNSPECIFIED;
  Due due = Due::kNever;
  // The system move made when the deadline passes: ESCALATE (up the ladder),
  // EXPIRE_OFFER or CLOSE; ORDER_ACTION_UNSPECIFIED when nothing is due.
  OrderAction on_deadline = v1::ORDER_ACTION_UNSPECIFIED;
  // Nothing more can happen.
  bool final = false;
};

// The rule of `state`; nullptr for a state that is not in the lifecycle.
const StateRule* FindState(OrderState state);
// Every state of the lifecycle, in OrderState order.
const std::vector<StateRule>& StateTable();

// Decides whether `role` may make `action` on an order in state `from`
// (UNSPECIFIED: no order yet). Returns the state after the move as the table
// names it (for TargetChoice::kOfferedWhileOthersHold: TransitionRule::to).
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
