#include "services/core/order_rules.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

// Checks that `command` carries what `rule` needs.
absl::Status CheckNeeds(const TransitionRule& rule, const Command& command,
                        const v1::Order& before, absl::Time now) {
  const uint32_t needs = rule.needs;
  if ((needs & kNeedDraft) && command.draft.service_line_id().empty()) {
    return FieldError("draft", "is required");
  }
  if ((needs & kNeedReason) && command.reason.empty()) {
    return FieldError("reason", "is required");
  }
  if ((needs & kNeedDepartment) && command.department_id.empty()) {
    return FieldError("department_id", "is required");
  }
  if ((needs & kNeedTeam) && command.team_id.empty()) {
    return FieldError("team_id", "is required");
  }
  if ((needs & kNeedOfferExpiry) && command.offer_expires_at <= now) {
    return absl::FailedPreconditionError("the offer must expire in the future");
  }
  if ((needs & kNeedSchedule) && !command.schedule.has_value()) {
    return FieldError("schedule", "is required");
  }
  if ((needs & kNeedCompletion) && command.completion.summary().empty()) {
    return FieldError("summary", "is required");
  }
  if ((needs & kNeedRating) &&
      (command.rating.overall() < 1 || command.rating.overall() > 5)) {
    return FieldError("rating.overall", "is required");
  }
  if ((needs & kNeedDuplicateOf) && command.duplicate_of.empty()) {
    return FieldError("duplicate_of_order_id", "is required");
  }
  if ((needs & kNeedEscalation) &&
      command.escalation_level <= before.escalation_level()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "the order is already escalated to level ", before.escalation_level()));
  }
  return absl::OkStatus();
}

bool Excluded(const v1::Order& order, const std::string& team_id) {
  return std::find(order.excluded_team_ids().begin(),
                   order.excluded_team_ids().end(),
                   team_id) != order.excluded_team_ids().end();
}

// Leaving the team(s) that held or were offered the order: they are not offered
// the order again, and the order goes back to whoever chose them (the matching
// engine, or the department). An offer the matching engine made that is
// declined or lapses after `max_offer_attempts` offers in all goes to the
// department instead: returns true then.
bool ReleaseTeams(v1::Order& order, bool& enqueue_matching,
                  int max_offer_attempts) {
  std::vector<std::string> leaving(order.offered_team_ids().begin(),
                                   order.offered_team_ids().end());
  if (!order.team_id().empty()) leaving.push_back(order.team_id());
  for (const std::string& team : leaving) {
    if (!Excluded(order, team)) order.add_excluded_team_ids(team);
  }
  enqueue_matching = order.has_offer() && !order.offer().direct_assignment();
  const bool exhausted = enqueue_matching && max_offer_attempts > 0 &&
                         order.offer_attempts() >= max_offer_attempts;
  if (exhausted) enqueue_matching = false;
  order.set_awaiting_match(enqueue_matching);
  order.clear_team_id();
  order.clear_offered_team_ids();
  order.clear_offer();
  order.clear_schedule();
  return exhausted;
}

// Matching gave up on the order: the order and its event (which reaches the
// department) say so.
void GiveUpMatching(v1::Order& order, std::string& event_reason) {
  const std::string why =
      absl::StrCat("no team accepted after ", order.offer_attempts(),
                   " offers: the department must assign a team directly");
  event_reason =
      event_reason.empty() ? why : absl::StrCat(event_reason, "; ", why);
  order.set_last_reason(why);
}

std::string TimeText(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", t, absl::UTCTimeZone());
}

std::string StageText(v1::Stage stage) {
  switch (stage) {
    case v1::STAGE_AWAITING_DISPATCH:
      return "awaiting dispatch";
    case v1::STAGE_AWAITING_INFO:
      return "awaiting information";
    case v1::STAGE_AWAITING_CLAIM:
      return "awaiting a claim";
    case v1::STAGE_AWAITING_MATCH:
      return "awaiting a team";
    case v1::STAGE_AWAITING_ACCEPTANCE:
      return "awaiting acceptance";
    case v1::STAGE_AWAITING_SERVICE:
      return "awaiting service";
    case v1::STAGE_AWAITING_RATING:
      return "awaiting a rating";
    default:
      return "waiting";
  }
}

// The allowance of the stage's second step (level 1 to 2).
absl::Duration StageAllowance(v1::OrderState state,
                              const LifecyclePolicy& policy) {
  switch (state) {
    case v1::ORDER_STATE_SUBMITTED:
      return policy.awaiting_dispatch;
    case v1::ORDER_STATE_NEEDS_INFO:
      return policy.awaiting_info;
    case v1::ORDER_STATE_DISPATCHED:
      return policy.awaiting_claim;
    case v1::ORDER_STATE_CLAIMED:
      return policy.awaiting_match;
    default:
      return policy.awaiting_service;
  }
}

// Whether a missed deadline of `state` escalates (rather than expiring an
// offer or closing the order).
bool Escalates(v1::OrderState state) {
  return state != v1::ORDER_STATE_OFFERED && state != v1::ORDER_STATE_COMPLETED;
}

void AddUnique(std::vector<std::string>& ids, const std::string& id) {
  if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end())
    ids.push_back(id);
}

}  // namespace

absl::StatusOr<Move> PlanMove(const v1::Order& before, const Command& command,
                              const v1::Actor& actor, absl::Time now,
                              const LifecyclePolicy& policy) {
  const bool create = command.action == v1::ORDER_ACTION_CREATE;
  const OrderState from = create ? v1::ORDER_STATE_UNSPECIFIED : before.state();
  ASSIGN_OR_RETURN(OrderState to,
                   DecideMove(command.action, actor.role(), from));
  const TransitionRule& rule = *FindRule(command.action);
  RETURN_IF_ERROR(CheckNeeds(rule, command, before, now));

  Move move;
  v1::Order& order = move.after;
  if (create) {
    order.set_id(command.order_id);
    order.set_version(1);
    *order.mutable_created_at() = ToProto(now);
    *order.mutable_created_by() = actor;
    if (command.assisted.has_value()) {
      *order.mutable_assisted() = *command.assisted;
    } else {
      order.set_resident_id(actor.user_id());
    }
  } else {
    order = before;
    order.set_version(before.version() + 1);
  }

  // The history's reason: the command's, and what the rules add to it.
  std::string event_reason = command.reason;
  switch (command.action) {
    case v1::ORDER_ACTION_CREATE:
    case v1::ORDER_ACTION_EDIT:
      *order.mutable_draft() = command.draft;
      break;
    case v1::ORDER_ACTION_REQUEST_INFO:
    case v1::ORDER_ACTION_RESUBMIT:
    case v1::ORDER_ACTION_REJECT:
    case v1::ORDER_ACTION_CANCEL:
      order.set_last_reason(command.reason);
      order.set_awaiting_match(false);
      break;
    case v1::ORDER_ACTION_MARK_DUPLICATE:
      if (command.duplicate_of == before.id()) {
        return FieldError("duplicate_of_order_id", "must be another order");
      }
      order.set_duplicate_of(command.duplicate_of);
      order.set_last_reason(command.reason);
      break;
    case v1::ORDER_ACTION_DISPATCH:
      order.set_department_id(command.department_id);
      order.clear_dispatched_department_ids();
      order.add_dispatched_department_ids(command.department_id);
      for (const std::string& other : command.other_department_ids) {
        order.add_dispatched_department_ids(other);
      }
      order.set_last_reason(command.reason);
      break;
    case v1::ORDER_ACTION_RETURN:
      order.clear_department_id();
      order.clear_dispatched_department_ids();
      order.set_awaiting_match(false);
      order.set_last_reason(command.reason);
      break;
    case v1::ORDER_ACTION_CLAIM:
      // The claiming department takes the order from every department it was
      // dispatched to.
      order.set_department_id(actor.scope_id().empty() ? before.department_id()
                                                       : actor.scope_id());
      order.clear_dispatched_department_ids();
      break;
    case v1::ORDER_ACTION_ASSIGN_TEAM:
    case v1::ORDER_ACTION_OFFER: {
      std::vector<std::string> teams = {command.team_id};
      for (const std::string& other : command.other_team_ids)
        AddUnique(teams, other);
      for (const std::string& team : teams) {
        if (Excluded(before, team)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "team ", team,
              " declined, let lapse or withdrew from this order before"));
        }
      }
      order.set_team_id(command.team_id);
      order.clear_offered_team_ids();
      for (const std::string& team : teams) order.add_offered_team_ids(team);
      order.set_awaiting_match(false);
      order.set_offer_attempts(before.offer_attempts() + 1);
      v1::Offer& offer = *order.mutable_offer();
      offer.Clear();
      offer.set_team_id(command.team_id);
      *offer.mutable_offered_at() = ToProto(now);
      *offer.mutable_expires_at() = ToProto(command.offer_expires_at);
      offer.set_direct_assignment(command.action ==
                                  v1::ORDER_ACTION_ASSIGN_TEAM);
      if (command.action == v1::ORDER_ACTION_OFFER) {
        *offer.mutable_explanation() = command.explanation;
        if (command.offer_window.has_value()) {
          *offer.mutable_window() = *command.offer_window;
        }
      }
      break;
    }
    case v1::ORDER_ACTION_RELEASE_TO_MATCHING:
      order.set_awaiting_match(true);
      move.enqueue_matching = true;
      break;
    case v1::ORDER_ACTION_ACCEPT: {
      // The accepting team takes the order from every team it was offered to.
      const std::string team =
          actor.scope_id().empty() ? before.team_id() : actor.scope_id();
      order.set_team_id(team);
      order.mutable_offer()->set_team_id(team);
      order.clear_offered_team_ids();
      break;
    }
    case v1::ORDER_ACTION_DECLINE: {
      const std::string team =
          actor.scope_id().empty() ? before.team_id() : actor.scope_id();
      std::vector<std::string> remaining;
      for (const std::string& offered : before.offered_team_ids()) {
        if (offered != team) remaining.push_back(offered);
      }
      order.set_last_reason(command.reason);
      if (!remaining.empty()) {
        // Other teams still hold the offer: only this one leaves it.
        if (!Excluded(order, team)) order.add_excluded_team_ids(team);
        order.clear_offered_team_ids();
        for (const std::string& offered : remaining)
          order.add_offered_team_ids(offered);
        order.set_team_id(remaining.front());
        to = v1::ORDER_STATE_OFFERED;
        break;
      }
      if (ReleaseTeams(order, move.enqueue_matching,
                       policy.max_offer_attempts)) {
        GiveUpMatching(order, event_reason);
      }
      break;
    }
    case v1::ORDER_ACTION_EXPIRE_OFFER:
      order.set_last_reason(command.reason);
      if (ReleaseTeams(order, move.enqueue_matching,
                       policy.max_offer_attempts)) {
        GiveUpMatching(order, event_reason);
      }
      break;
    case v1::ORDER_ACTION_WITHDRAW:
      // A team that withdraws gave up an order it had accepted: matching
      // tries again whatever the count of offers.
      ReleaseTeams(order, move.enqueue_matching, /*max_offer_attempts=*/0);
      order.set_last_reason(command.reason);
      break;
    case v1::ORDER_ACTION_SCHEDULE:
      *order.mutable_schedule() = *command.schedule;
      break;
    case v1::ORDER_ACTION_CHECK_IN: {
      v1::CheckIn& check_in = *order.mutable_check_in();
      *check_in.mutable_at() = ToProto(now);
      if (command.check_in_location.has_value()) {
        *check_in.mutable_location() = *command.check_in_location;
      }
      break;
    }
    case v1::ORDER_ACTION_COMPLETE: {
      v1::Completion& completion = *order.mutable_completion();
      completion = command.completion;
      *completion.mutable_at() = ToProto(now);
      for (int i = 0; i < completion.hours_size(); ++i) {
        v1::VolunteerHours& hours = *completion.mutable_hours(i);
        hours.set_id(
            absl::StrCat(order.id(), "-", order.version(), "-", i + 1));
        hours.set_order_id(order.id());
        hours.set_team_id(order.team_id());
        hours.set_status(v1::VolunteerHours::STATUS_PENDING);
        *hours.mutable_recorded_at() = ToProto(now);
      }
      break;
    }
    case v1::ORDER_ACTION_RATE:
      *order.mutable_rating() = command.rating;
      *order.mutable_rating()->mutable_at() = ToProto(now);
      break;
    case v1::ORDER_ACTION_REOPEN: {
      const absl::Time completed = FromProto(before.completion().at());
      if (now > completed + policy.reopen_window) {
        return absl::FailedPreconditionError(absl::StrCat(
            "an order can only be reopened within ",
            absl::FormatDuration(policy.reopen_window), " of completion"));
      }
      order.set_reopen_count(before.reopen_count() + 1);
      order.set_last_reason(command.reason);
      order.clear_check_in();
      order.clear_completion();
      break;
    }
    case v1::ORDER_ACTION_CLOSE:
      break;
    case v1::ORDER_ACTION_ESCALATE:
      order.set_escalation_level(command.escalation_level);
      break;
    default:
      return absl::InvalidArgumentError("action: unknown order action");
  }

  order.set_state(to);
  *order.mutable_updated_at() = ToProto(now);
  if (create || to != from) {
    *order.mutable_state_entered_at() = ToProto(now);
    if (!create)
      order.set_escalation_level(0);  // a new stage starts unescalated
  }
  // At the top of the ladder the watchdog has nothing left to do, but the
  // order keeps showing the missed stage deadline (WatchdogDueAt leaves it out
  // of the deadlines index).
  std::optional<v1::Deadline> deadline = NextDeadline(order, policy);
  if (!deadline.has_value()) deadline = StageDeadline(order, policy);
  if (deadline.has_value()) {
    *order.mutable_next_deadline() = *std::move(deadline);
  } else {
    order.clear_next_deadline();
  }

  v1::OrderEvent& event = move.event;
  event.set_order_id(order.id());
  event.set_version(order.version());
  event.set_action(command.action);
  event.set_from_state(from);
  event.set_to_state(to);
  *event.mutable_actor() = actor;
  *event.mutable_at() = ToProto(now);
  event.set_request_id(command.request_id);
  event.set_reason(event_reason);
  event.set_community_id(order.draft().community_id());
  // Routing: an event about leaving a department or team still reaches it.
  event.set_department_id(order.department_id().empty()
                              ? before.department_id()
                              : order.department_id());
  event.set_team_id(order.team_id().empty() ? before.team_id()
                                            : order.team_id());
  const v1::Order& after = order;
  std::vector<std::string> departments;
  for (const v1::Order* o : {&before, &after}) {
    AddUnique(departments, o->department_id());
    for (const std::string& id : o->dispatched_department_ids())
      AddUnique(departments, id);
  }
  std::vector<std::string> teams;
  for (const v1::Order* o : {&before, &after}) {
    AddUnique(teams, o->team_id());
    for (const std::string& id : o->offered_team_ids()) AddUnique(teams, id);
  }
  for (const std::string& id : departments) event.add_department_ids(id);
  for (const std::string& id : teams) event.add_team_ids(id);
  event.set_resident_id(order.resident_id());
  event.set_duplicate_of(order.duplicate_of());
  if (command.action == v1::ORDER_ACTION_ASSIGN_TEAM ||
      command.action == v1::ORDER_ACTION_OFFER) {
    *event.mutable_offer() = order.offer();
  }
  if (command.action == v1::ORDER_ACTION_SCHEDULE)
    *event.mutable_schedule() = order.schedule();
  if (command.action == v1::ORDER_ACTION_CHECK_IN)
    *event.mutable_check_in() = order.check_in();
  if (command.action == v1::ORDER_ACTION_COMPLETE) {
    *event.mutable_completion() = order.completion();
  }
  if (command.action == v1::ORDER_ACTION_RATE)
    *event.mutable_rating() = order.rating();
  if (command.action == v1::ORDER_ACTION_ESCALATE) {
    event.set_escalation_level(command.escalation_level);
  }
  event.set_outside_suggested(command.action == v1::ORDER_ACTION_DISPATCH &&
                              command.outside_suggested);
  return move;
}

std::optional<v1::Deadline> StageDeadline(const v1::Order& order,
                                          const LifecyclePolicy& policy) {
  const absl::Time entered = FromProto(order.state_entered_at());
  v1::Deadline deadline;
  absl::Time due;
  switch (order.state()) {
    case v1::ORDER_STATE_SUBMITTED:
      deadline.set_stage(v1::STAGE_AWAITING_DISPATCH);
      due = entered + policy.awaiting_dispatch;
      break;
    case v1::ORDER_STATE_NEEDS_INFO:
      deadline.set_stage(v1::STAGE_AWAITING_INFO);
      due = entered + policy.awaiting_info;
      break;
    case v1::ORDER_STATE_DISPATCHED:
      deadline.set_stage(v1::STAGE_AWAITING_CLAIM);
      due = entered + policy.awaiting_claim;
      break;
    case v1::ORDER_STATE_CLAIMED:
      deadline.set_stage(v1::STAGE_AWAITING_MATCH);
      due = entered + policy.awaiting_match;
      break;
    case v1::ORDER_STATE_OFFERED:
      deadline.set_stage(v1::STAGE_AWAITING_ACCEPTANCE);
      due = FromProto(order.offer().expires_at());
      break;
    case v1::ORDER_STATE_ACCEPTED: {
      deadline.set_stage(v1::STAGE_AWAITING_SERVICE);
      const auto& windows = order.draft().preferred_windows();
      if (order.has_schedule()) {
        due = FromProto(order.schedule().end());
      } else if (!windows.empty()) {
        due = FromProto(windows[windows.size() - 1].end());
      } else {
        return std::nullopt;
      }
      break;
    }
    case v1::ORDER_STATE_COMPLETED:
      deadline.set_stage(v1::STAGE_AWAITING_RATING);
      due = FromProto(order.completion().at()) + policy.awaiting_rating;
      break;
    default:
      return std::nullopt;
  }
  *deadline.mutable_due_at() = ToProto(due);
  return deadline;
}

std::optional<v1::Deadline> NextDeadline(const v1::Order& order,
                                         const LifecyclePolicy& policy) {
  std::optional<v1::Deadline> deadline = StageDeadline(order, policy);
  if (!deadline.has_value() || !Escalates(order.state())) return deadline;
  if (order.escalation_level() >= kCityLevel) return std::nullopt;
  if (order.escalation_level() == kCountyLevel) {
    *deadline->mutable_due_at() = ToProto(
        FromProto(deadline->due_at()) + StageAllowance(order.state(), policy));
  }
  return deadline;
}

std::optional<absl::Time> WatchdogDueAt(const v1::Order& order) {
  if (!order.has_next_deadline()) return std::nullopt;
  if (Escalates(order.state()) && order.escalation_level() >= kCityLevel) {
    return std::nullopt;
  }
  return FromProto(order.next_deadline().due_at());
}

std::optional<Command> DeadlineMove(const v1::Order& order, absl::Time now,
                                    const LifecyclePolicy& policy) {
  const std::optional<v1::Deadline> deadline = NextDeadline(order, policy);
  if (!deadline.has_value()) return std::nullopt;
  const absl::Time due = FromProto(deadline->due_at());
  if (due > now) return std::nullopt;
  Command command;
  switch (order.state()) {
    case v1::ORDER_STATE_OFFERED:
      command.action = v1::ORDER_ACTION_EXPIRE_OFFER;
      command.reason = absl::StrCat("the offer lapsed at ", TimeText(due));
      break;
    case v1::ORDER_STATE_COMPLETED:
      command.action = v1::ORDER_ACTION_CLOSE;
      command.reason = absl::StrCat("no rating by ", TimeText(due));
      break;
    default:
      command.action = v1::ORDER_ACTION_ESCALATE;
      command.escalation_level = order.escalation_level() + 1;
      command.reason = absl::StrCat(
          StageText(deadline->stage()), " missed its deadline ", TimeText(due),
          ": escalated to the ",
          command.escalation_level == kCountyLevel ? "county" : "city");
      break;
  }
  return command;
}

}  // namespace kepu
