#include "services/core/transition_table.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kepu {
namespace {

using v1::OrderAction;
using v1::OrderState;
using v1::Role;

constexpr OrderState kNoOrder = v1::ORDER_STATE_UNSPECIFIED;
constexpr OrderState kSubmitted = v1::ORDER_STATE_SUBMITTED;
constexpr OrderState kNeedsInfo = v1::ORDER_STATE_NEEDS_INFO;
constexpr OrderState kRejected = v1::ORDER_STATE_REJECTED;
constexpr OrderState kDispatched = v1::ORDER_STATE_DISPATCHED;
constexpr OrderState kClaimed = v1::ORDER_STATE_CLAIMED;
constexpr OrderState kOffered = v1::ORDER_STATE_OFFERED;
constexpr OrderState kAccepted = v1::ORDER_STATE_ACCEPTED;
constexpr OrderState kInService = v1::ORDER_STATE_IN_SERVICE;
constexpr OrderState kCompleted = v1::ORDER_STATE_COMPLETED;
constexpr OrderState kRated = v1::ORDER_STATE_RATED;
constexpr OrderState kClosed = v1::ORDER_STATE_CLOSED;
constexpr OrderState kCancelled = v1::ORDER_STATE_CANCELLED;

constexpr Role kResident = v1::ROLE_RESIDENT;
constexpr Role kWorker = v1::ROLE_COMMUNITY_WORKER;
constexpr Role kDepartment = v1::ROLE_DEPARTMENT_STAFF;
constexpr Role kLeader = v1::ROLE_TEAM_LEADER;
constexpr Role kSystem = v1::ROLE_SYSTEM;

using Counter = Tally::Counter;

// Each rule names only what it has; designated initializers leave the rest at
// their defaults (no effects, tallies, records, capacity).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"
std::vector<TransitionRule> BuildTable() {
  using v1::OrderAction;
  // clang-format off
  return {
    {.action = v1::ORDER_ACTION_CREATE, .roles = {kResident, kWorker},
     .from = {kNoOrder}, .to = kSubmitted,
     .needs = kNeedDraft,
     .effects = {Effect::kSetDraft},
     .summary = "place an order"},
    {.action = v1::ORDER_ACTION_EDIT, .roles = {kResident, kWorker},
     .from = {kSubmitted, kNeedsInfo}, .target = TargetChoice::kStays,
     .needs = kNeedDraft,
     .effects = {Effect::kSetDraft},
     .summary = "edit the order while it is under review"},
    {.action = v1::ORDER_ACTION_REQUEST_INFO, .roles = {kWorker},
     .from = {kSubmitted}, .to = kNeedsInfo,
     .needs = kNeedReason,
     .effects = {Effect::kSetReason, Effect::kStopMatching},
     .summary = "ask the resident for more information"},
    {.action = v1::ORDER_ACTION_RESUBMIT, .roles = {kResident, kWorker},
     .from = {kNeedsInfo}, .to = kSubmitted,
     .needs = kNeedReason,
     .effects = {Effect::kSetReason, Effect::kStopMatching},
     .summary = "answer the community's question"},
    {.action = v1::ORDER_ACTION_REJECT, .roles = {kWorker},
     .from = {kSubmitted, kNeedsInfo}, .to = kRejected,
     .needs = kNeedReason,
     .effects = {Effect::kSetReason, Effect::kStopMatching},
     .summary = "reject with a reason"},
    {.action = v1::ORDER_ACTION_MARK_DUPLICATE, .roles = {kWorker},
     .from = {kSubmitted, kNeedsInfo}, .to = kRejected,
     .needs = kNeedDuplicateOf, .references = kOriginalOrder,
     .effects = {Effect::kMarkDuplicate, Effect::kSetReason},
     .summary = "reject as a duplicate of another order"},
    {.action = v1::ORDER_ACTION_DISPATCH, .roles = {kWorker},
     .from = {kSubmitted}, .to = kDispatched,
     .needs = kNeedDepartment, .references = kDepartments,
     .effects = {Effect::kDispatch, Effect::kSetReason},
     .summary = "dispatch to a responsible department"},
    {.action = v1::ORDER_ACTION_RETURN, .roles = {kDepartment},
     .from = {kDispatched, kClaimed}, .to = kSubmitted,
     .needs = kNeedReason,
     .effects = {Effect::kReturnToCommunity, Effect::kStopMatching,
                 Effect::kSetReason},
     .summary = "return to the community with a reason"},
    {.action = v1::ORDER_ACTION_CLAIM, .roles = {kDepartment},
     .from = {kDispatched}, .to = kClaimed,
     .effects = {Effect::kTakeForDepartment},
     .summary = "claim for the department"},
    {.action = v1::ORDER_ACTION_ASSIGN_TEAM, .roles = {kDepartment},
     .from = {kClaimed}, .to = kOffered,
     .needs = kNeedTeam | kNeedOfferExpiry, .references = kUsableTeams,
     .effects = {Effect::kOfferTeams},
     .tallies = {{TeamOf::kOfferedAfter, Counter::kOffers}},
     .summary = "assign a team directly"},
    {.action = v1::ORDER_ACTION_RELEASE_TO_MATCHING, .roles = {kDepartment},
     .from = {kClaimed}, .target = TargetChoice::kStays,
     .effects = {Effect::kStartMatching},
     .summary = "hand to the matching engine"},
    {.action = v1::ORDER_ACTION_OFFER, .roles = {kSystem},
     .from = {kClaimed}, .to = kOffered,
     .needs = kNeedTeam | kNeedOfferExpiry, .references = kUsableTeams,
     .effects = {Effect::kOfferTeams},
     .tallies = {{TeamOf::kOfferedAfter, Counter::kOffers}},
     .capacity = Capacity::kHeldOrOffered,
     .summary = "offer to the best team"},
    {.action = v1::ORDER_ACTION_ACCEPT, .roles = {kLeader},
     .from = {kOffered}, .to = kAccepted,
     .effects = {Effect::kTakeForTeam},
     .tallies = {{TeamOf::kHolderAfter, Counter::kAccepted}},
     .capacity = Capacity::kHeld,
     .summary = "accept the offer"},
    {.action = v1::ORDER_ACTION_DECLINE, .roles = {kLeader},
     .from = {kOffered}, .to = kClaimed, .target = TargetChoice::kOfferedWhileOthersHold,
     .needs = kNeedReason,
     .effects = {Effect::kSetReason, Effect::kDeclineOffer},
     .tallies = {{TeamOf::kActing, Counter::kDeclined}},
     .summary =
         "decline the offer with a reason (stays OFFERED while other teams hold it)"},
    {.action = v1::ORDER_ACTION_EXPIRE_OFFER, .roles = {kSystem},
     .from = {kOffered}, .to = kClaimed,
     .effects = {Effect::kSetReason, Effect::kReleaseTeams},
     .tallies = {{TeamOf::kOfferedBefore, Counter::kLapsed}},
     .summary = "let a lapsed offer go"},
    {.action = v1::ORDER_ACTION_WITHDRAW, .roles = {kLeader},
     .from = {kAccepted}, .to = kClaimed,
     .needs = kNeedReason,
     .effects = {Effect::kReleaseTeamsRetry, Effect::kSetReason},
     .tallies = {{TeamOf::kHolderBefore, Counter::kWithdrawn}},
     .summary = "withdraw from an accepted order with a reason"},
    {.action = v1::ORDER_ACTION_SCHEDULE, .roles = {kLeader},
     .from = {kAccepted}, .target = TargetChoice::kStays,
     .needs = kNeedSchedule,
     .effects = {Effect::kSetSchedule},
     .summary = "set the service time"},
    {.action = v1::ORDER_ACTION_CHECK_IN, .roles = {kLeader},
     .from = {kAccepted}, .to = kInService,
     .effects = {Effect::kCheckIn},
     .summary = "check in on site"},
    {.action = v1::ORDER_ACTION_COMPLETE, .roles = {kLeader},
     .from = {kInService}, .to = kCompleted,
     .needs = kNeedCompletion, .references = kTeamMembers | kSignIns,
     .effects = {Effect::kComplete},
     .tallies = {{TeamOf::kHolderBefore, Counter::kCompleted}},
     .records = kHoursRecords,
     .summary = "complete with attendance, summary and hours"},
    {.action = v1::ORDER_ACTION_RATE, .roles = {kResident, kWorker},
     .from = {kCompleted}, .to = kRated,
     .needs = kNeedRating, .references = kHoursLedger,
     .effects = {Effect::kRate},
     .tallies = {{TeamOf::kHolderBefore, Counter::kRatings},
                 {TeamOf::kHolderBefore, Counter::kRatingSum, true}},
     .records = kApproveHours | kFollowUpOnLowRating,
     .summary = "rate the service (which approves the volunteers' hours)"},
    {.action = v1::ORDER_ACTION_REOPEN, .roles = {kResident, kWorker},
     .from = {kCompleted}, .to = kAccepted,
     .needs = kNeedReason,
     .effects = {Effect::kReopen, Effect::kSetReason},
     .records = kFollowUp,
     .summary = "reopen: the service was not actually done"},
    {.action = v1::ORDER_ACTION_CLOSE, .roles = {kSystem},
     .from = {kCompleted}, .to = kClosed,
     .summary = "close an order left unrated"},
    {.action = v1::ORDER_ACTION_CANCEL, .roles = {kResident, kWorker},
     .from = {kSubmitted, kNeedsInfo, kDispatched, kClaimed, kOffered, kAccepted},
     .to = kCancelled,
     .needs = kNeedReason,
     .effects = {Effect::kSetReason, Effect::kStopMatching},
     .summary = "cancel before service starts"},
    {.action = v1::ORDER_ACTION_ESCALATE, .roles = {kSystem},
     .from = {kSubmitted, kNeedsInfo, kDispatched, kClaimed, kAccepted},
     .target = TargetChoice::kStays,
     .needs = kNeedEscalation,
     .effects = {Effect::kEscalate},
     .records = kEscalationRecord,
     .summary = "escalate after a missed deadline"},
  };
  // clang-format on
}
#pragma GCC diagnostic pop

std::vector<StateRule> BuildStates() {
  // clang-format off
  return {
    {kSubmitted, v1::STAGE_AWAITING_DISPATCH, Due::kEnteredPlusStage,
     v1::ORDER_ACTION_ESCALATE},
    {kNeedsInfo, v1::STAGE_AWAITING_INFO, Due::kEnteredPlusStage,
     v1::ORDER_ACTION_ESCALATE},
    {kRejected, v1::STAGE_UNSPECIFIED, Due::kNever, v1::ORDER_ACTION_UNSPECIFIED,
     true},
    {kDispatched, v1::STAGE_AWAITING_CLAIM, Due::kEnteredPlusStage,
     v1::ORDER_ACTION_ESCALATE},
    {kClaimed, v1::STAGE_AWAITING_MATCH, Due::kEnteredPlusStage,
     v1::ORDER_ACTION_ESCALATE},
    {kOffered, v1::STAGE_AWAITING_ACCEPTANCE, Due::kOfferExpiry,
     v1::ORDER_ACTION_EXPIRE_OFFER},
    {kAccepted, v1::STAGE_AWAITING_SERVICE, Due::kServiceWindowEnd,
     v1::ORDER_ACTION_ESCALATE},
    {kInService},
    {kCompleted, v1::STAGE_AWAITING_RATING, Due::kCompletedPlusRating,
     v1::ORDER_ACTION_CLOSE},
    {kRated, v1::STAGE_UNSPECIFIED, Due::kNever, v1::ORDER_ACTION_UNSPECIFIED,
     true},
    {kClosed, v1::STAGE_UNSPECIFIED, Due::kNever, v1::ORDER_ACTION_UNSPECIFIED,
     true},
    {kCancelled, v1::STAGE_UNSPECIFIED, Due::kNever,
     v1::ORDER_ACTION_UNSPECIFIED, true},
  };
  // clang-format on
}

template <typename T>
bool Contains(const std::vector<T>& values, T value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

const std::vector<TransitionRule>& TransitionTable() {
  static const std::vector<TransitionRule>* const kTable =
      new std::vector<TransitionRule>(BuildTable());
  return *kTable;
}

const TransitionRule* FindRule(OrderAction action) {
  for (const TransitionRule& rule : TransitionTable()) {
    if (rule.action == action) return &rule;
  }
  return nullptr;
}

const std::vector<StateRule>& StateTable() {
  static const std::vector<StateRule>* const kStates =
      new std::vector<StateRule>(BuildStates());
  return *kStates;
}

const StateRule* FindState(OrderState state) {
  for (const StateRule& rule : StateTable()) {
    if (rule.state == state) return &rule;
  }
  return nullptr;
}

absl::StatusOr<OrderState> DecideMove(OrderAction action, Role role,
                                      OrderState from) {
  const TransitionRule* rule = FindRule(action);
  if (rule == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat(
        "action: unknown order action ", static_cast<int>(action)));
  }
  if (!Contains(rule->roles, role)) {
    return absl::PermissionDeniedError(
        absl::StrCat("a ", v1::Role_Name(role), " may not ", ActionName(action),
                     " an order"));
  }
  if (!Contains(rule->from, from)) {
    if (from == kNoOrder) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot ", ActionName(action), ": no such order"));
    }
    return absl::FailedPreconditionError(absl::StrCat(
        "cannot ", ActionName(action), " an order that is ", StateName(from)));
  }
  return rule->target == TargetChoice::kStays ? from : rule->to;
}

absl::string_view ActionName(OrderAction action) {
  switch (action) {
    case v1::ORDER_ACTION_CREATE:
      return "create";
    case v1::ORDER_ACTION_EDIT:
      return "edit";
    case v1::ORDER_ACTION_REQUEST_INFO:
      return "request information on";
    case v1::ORDER_ACTION_RESUBMIT:
      return "resubmit";
    case v1::ORDER_ACTION_REJECT:
      return "reject";
    case v1::ORDER_ACTION_MARK_DUPLICATE:
      return "mark as duplicate";
    case v1::ORDER_ACTION_DISPATCH:
      return "dispatch";
    case v1::ORDER_ACTION_RETURN:
      return "return";
    case v1::ORDER_ACTION_CLAIM:
      return "claim";
    case v1::ORDER_ACTION_ASSIGN_TEAM:
      return "assign a team to";
    case v1::ORDER_ACTION_RELEASE_TO_MATCHING:
      return "release to matching";
    case v1::ORDER_ACTION_OFFER:
      return "offer";
    case v1::ORDER_ACTION_ACCEPT:
      return "accept";
    case v1::ORDER_ACTION_DECLINE:
      return "decline";
    case v1::ORDER_ACTION_EXPIRE_OFFER:
      return "expire the offer of";
    case v1::ORDER_ACTION_WITHDRAW:
      return "withdraw from";
    case v1::ORDER_ACTION_SCHEDULE:
      return "schedule";
    case v1::ORDER_ACTION_CHECK_IN:
      return "check in to";
    case v1::ORDER_ACTION_COMPLETE:
      return "complete";
    case v1::ORDER_ACTION_RATE:
      return "rate";
    case v1::ORDER_ACTION_REOPEN:
      return "reopen";
    case v1::ORDER_ACTION_CLOSE:
      return "close";
    case v1::ORDER_ACTION_CANCEL:
      return "cancel";
    case v1::ORDER_ACTION_ESCALATE:
      return "escalate";
    default:
      return "act on";
  }
}

absl::string_view StateName(OrderState state) {
  switch (state) {
    case v1::ORDER_STATE_SUBMITTED:
      return "submitted";
    case v1::ORDER_STATE_NEEDS_INFO:
      return "waiting for information";
    case v1::ORDER_STATE_REJECTED:
      return "rejected";
    case v1::ORDER_STATE_DISPATCHED:
      return "dispatched";
    case v1::ORDER_STATE_CLAIMED:
      return "claimed";
    case v1::ORDER_STATE_OFFERED:
      return "offered";
    case v1::ORDER_STATE_ACCEPTED:
      return "accepted";
    case v1::ORDER_STATE_IN_SERVICE:
      return "in service";
    case v1::ORDER_STATE_COMPLETED:
      return "completed";
    case v1::ORDER_STATE_RATED:
      return "rated";
    case v1::ORDER_STATE_CLOSED:
      return "closed";
    case v1::ORDER_STATE_CANCELLED:
      return "cancelled";
    default:
      return "unknown";
  }
}

bool IsFinal(OrderState state) {
  const StateRule* rule = FindState(state);
  return rule != nullptr && rule->final;
}

}  // namespace kepu
