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

constexpr std::optional<OrderState> kStays = std::nullopt;

std::vector<TransitionRule> BuildTable() {
  using v1::OrderAction;
  // clang-format off
  return {
    {v1::ORDER_ACTION_CREATE, {kResident, kWorker}, {kNoOrder}, kSubmitted,
     kNeedDraft, "place an order"},
    {v1::ORDER_ACTION_EDIT, {kResident, kWorker}, {kSubmitted, kNeedsInfo}, kStays,
     kNeedDraft, "edit the order while it is under review"},
    {v1::ORDER_ACTION_REQUEST_INFO, {kWorker}, {kSubmitted}, kNeedsInfo,
     kNeedReason, "ask the resident for more information"},
    {v1::ORDER_ACTION_RESUBMIT, {kResident, kWorker}, {kNeedsInfo}, kSubmitted,
     kNeedReason, "answer the community's question"},
    {v1::ORDER_ACTION_REJECT, {kWorker}, {kSubmitted, kNeedsInfo}, kRejected,
     kNeedReason, "reject with a reason"},
    {v1::ORDER_ACTION_MARK_DUPLICATE, {kWorker}, {kSubmitted, kNeedsInfo}, kRejected,
     kNeedDuplicateOf, "reject as a duplicate of another order"},
    {v1::ORDER_ACTION_DISPATCH, {kWorker}, {kSubmitted}, kDispatched,
     kNeedDepartment, "dispatch to a responsible department"},
    {v1::ORDER_ACTION_RETURN, {kDepartment}, {kDispatched, kClaimed}, kSubmitted,
     kNeedReason, "return to the community with a reason"},
    {v1::ORDER_ACTION_CLAIM, {kDepartment}, {kDispatched}, kClaimed,
     kNeedNothing, "claim for the department"},
    {v1::ORDER_ACTION_ASSIGN_TEAM, {kDepartment}, {kClaimed}, kOffered,
     kNeedTeam | kNeedOfferExpiry, "assign a team directly"},
    {v1::ORDER_ACTION_RELEASE_TO_MATCHING, {kDepartment}, {kClaimed}, kStays,
     kNeedNothing, "hand to the matching engine"},
    {v1::ORDER_ACTION_OFFER, {kSystem}, {kClaimed}, kOffered,
     kNeedTeam | kNeedOfferExpiry, "offer to the best team"},
    {v1::ORDER_ACTION_ACCEPT, {kLeader}, {kOffered}, kAccepted,
     kNeedNothing, "accept the offer"},
    {v1::ORDER_ACTION_DECLINE, {kLeader}, {kOffered}, kClaimed,
     kNeedReason,
     "decline the offer with a reason (stays OFFERED while other teams hold it)"},
    {v1::ORDER_ACTION_EXPIRE_OFFER, {kSystem}, {kOffered}, kClaimed,
     kNeedNothing, "let a lapsed offer go"},
    {v1::ORDER_ACTION_WITHDRAW, {kLeader}, {kAccepted}, kClaimed,
     kNeedReason, "withdraw from an accepted order with a reason"},
    {v1::ORDER_ACTION_SCHEDULE, {kLeader}, {kAccepted}, kStays,
     kNeedSchedule, "set the service time"},
    {v1::ORDER_ACTION_CHECK_IN, {kLeader}, {kAccepted}, kInService,
     kNeedNothing, "check in on site"},
    {v1::ORDER_ACTION_COMPLETE, {kLeader}, {kInService}, kCompleted,
     kNeedCompletion, "complete with attendance, summary and hours"},
    {v1::ORDER_ACTION_RATE, {kResident, kWorker}, {kCompleted}, kRated,
     kNeedRating, "rate the service"},
    {v1::ORDER_ACTION_REOPEN, {kResident, kWorker}, {kCompleted}, kAccepted,
     kNeedReason, "reopen: the service was not actually done"},
    {v1::ORDER_ACTION_CLOSE, {kSystem}, {kCompleted}, kClosed,
     kNeedNothing, "close an order left unrated"},
    {v1::ORDER_ACTION_CANCEL, {kResident, kWorker},
     {kSubmitted, kNeedsInfo, kDispatched, kClaimed, kOffered, kAccepted}, kCancelled,
     kNeedReason, "cancel before service starts"},
    {v1::ORDER_ACTION_ESCALATE, {kSystem},
     {kSubmitted, kNeedsInfo, kDispatched, kClaimed, kOffered, kAccepted, kCompleted}, kStays,
     kNeedEscalation, "escalate after a missed deadline"},
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
  return rule->to.value_or(from);
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
  return state == kRejected || state == kRated || state == kClosed ||
         state == kCancelled;
}

}  // namespace kepu
