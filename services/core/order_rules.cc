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

// The volunteer's sign-in among the command's; nullopt when they never signed
// in.
std::optional<v1::VolunteerSignIn> SignInOf(const Command& command,
                                            const std::string& volunteer_id) {
  for (const v1::VolunteerSignIn& sign_in : command.sign_ins) {
    if (sign_in.volunteer_id() == volunteer_id) return sign_in;
  }
  return std::nullopt;
}

bool Excluded(const v1::Order& order, const std::string& team_id) {
  return std::find(order.excluded_team_ids().begin(),
                   order.excluded_team_ids().end(),
                   team_id) != order.excluded_team_ids().end();
}

void AddUnique(std::vector<std::string>& ids, const std::string& id) {
  if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end())
    ids.push_back(id);
}

void AddUnique(google::protobuf::RepeatedPtrField<std::string>& ids,
               const std::string& id) {
  if (!id.empty() && std::find(ids.begin(), ids.end(), id) == ids.end())
    *ids.Add() = id;
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

// Whether a missed deadline in `state` escalates (rather than expiring an
// offer or closing the order).
bool Escalates(v1::OrderState state) {
  const StateRule* rule = FindState(state);
  return rule != nullptr && rule->on_deadline == v1::ORDER_ACTION_ESCALATE;
}

// What one move is planned from, and the move being planned.
struct Planning {
  const v1::Order& before;
  const Command& command;
  const v1::Actor& actor;
  absl::Time now;
  const LifecyclePolicy& policy;
  Move& move;
  // The history's reason: the command's, and what the rules add to it.
  std::string& event_reason;

  v1::Order& order() { return move.after; }
  // The team making the move, or the order's first team for a move by the
  // system.
  const std::string& acting_team() const {
    return actor.scope_id().empty() ? before.team_id() : actor.scope_id();
  }
};

// Leaving the team(s) that held or were offered the order: they are not offered
// the order again, and the order goes back to whoever chose them (the matching
// engine, or the department). An offer the matching engine made that is
// declined or lapses after `max_offer_attempts` offers in all goes to the
// department instead (0: no limit), and the order and its event say so.
void ReleaseTeams(Planning& p, int max_offer_attempts) {
  v1::Order& order = p.order();
  std::vector<std::string> leaving(order.offered_team_ids().begin(),
                                   order.offered_team_ids().end());
  if (!order.team_id().empty()) leaving.push_back(order.team_id());
  for (const std::string& team : leaving) {
    if (!Excluded(order, team)) order.add_excluded_team_ids(team);
  }
  bool enqueue = order.has_offer() && !order.offer().direct_assignment();
  const bool exhausted = enqueue && max_offer_attempts > 0 &&
                         order.offer_attempts() >= max_offer_attempts;
  if (exhausted) enqueue = false;
  p.move.enqueue_matching = enqueue;
  order.set_awaiting_match(enqueue);
  order.clear_team_id();
  order.clear_offered_team_ids();
  order.clear_offer();
  order.clear_schedule();
  if (!exhausted) return;
  const std::string why =
      absl::StrCat("no team accepted after ", order.offer_attempts(),
                   " offers: the department must assign a team directly");
  p.event_reason =
      p.event_reason.empty() ? why : absl::StrCat(p.event_reason, "; ", why);
  order.set_last_reason(why);
}

// One Effect of the table (transition_table.h says what each does).
absl::Status ApplyEffect(Effect effect, Planning& p) {
  v1::Order& order = p.order();
  const Command& command = p.command;
  switch (effect) {
    case Effect::kSetDraft:
      *order.mutable_draft() = command.draft;
      return absl::OkStatus();
    case Effect::kSetReason:
      order.set_last_reason(command.reason);
      return absl::OkStatus();
    case Effect::kStopMatching:
      order.set_awaiting_match(false);
      return absl::OkStatus();
    case Effect::kMarkDuplicate:
      if (command.duplicate_of == p.before.id()) {
        return FieldError("duplicate_of_order_id", "must be another order");
      }
      order.set_duplicate_of(command.duplicate_of);
      return absl::OkStatus();
    case Effect::kDispatch:
      order.set_department_id(command.department_id);
      order.clear_dispatched_department_ids();
      order.add_dispatched_department_ids(command.department_id);
      for (const std::string& other : command.other_department_ids) {
        order.add_dispatched_department_ids(other);
      }
      for (const std::string& id : order.dispatched_department_ids()) {
        AddUnique(*order.mutable_reached_department_ids(), id);
      }
      return absl::OkStatus();
    case Effect::kReturnToCommunity:
      order.clear_department_id();
      order.clear_dispatched_department_ids();
      return absl::OkStatus();
    case Effect::kTakeForDepartment:
      order.set_department_id(p.actor.scope_id().empty()
                                  ? p.before.department_id()
                                  : p.actor.scope_id());
      order.clear_dispatched_department_ids();
      return absl::OkStatus();
    case Effect::kOfferTeams: {
      std::vector<std::string> teams = {command.team_id};
      for (const std::string& other : command.other_team_ids) {
        AddUnique(teams, other);
      }
      for (const std::string& team : teams) {
        if (Excluded(p.before, team)) {
          return absl::FailedPreconditionError(absl::StrCat(
              "team ", team,
              " declined, let lapse or withdrew from this order before"));
        }
      }
      order.set_team_id(command.team_id);
      order.clear_offered_team_ids();
      for (const std::string& team : teams) {
        order.add_offered_team_ids(team);
        AddUnique(*order.mutable_reached_team_ids(), team);
      }
      order.set_awaiting_match(false);
      order.set_offer_attempts(p.before.offer_attempts() + 1);
      v1::Offer& offer = *order.mutable_offer();
      offer.Clear();
      offer.set_team_id(command.team_id);
      *offer.mutable_offered_at() = ToProto(p.now);
      *offer.mutable_expires_at() = ToProto(command.offer_expires_at);
      offer.set_direct_assignment(p.actor.role() != v1::ROLE_SYSTEM);
      if (p.actor.role() == v1::ROLE_SYSTEM) {
        *offer.mutable_explanation() = command.explanation;
        if (command.offer_window.has_value()) {
          *offer.mutable_window() = *command.offer_window;
        }
      }
      return absl::OkStatus();
    }
    case Effect::kStartMatching:
      order.set_awaiting_match(true);
      p.move.enqueue_matching = true;
      return absl::OkStatus();
    case Effect::kTakeForTeam: {
      const std::string team = p.acting_team();
      order.set_team_id(team);
      order.mutable_offer()->set_team_id(team);
      order.clear_offered_team_ids();
      return absl::OkStatus();
    }
    case Effect::kDeclineOffer: {
      const std::string team = p.acting_team();
      std::vector<std::string> remaining;
      for (const std::string& offered : p.before.offered_team_ids()) {
        if (offered != team) remaining.push_back(offered);
      }
      if (remaining.empty()) {
        ReleaseTeams(p, p.policy.max_offer_attempts);
        return absl::OkStatus();
      }
      // Other teams still hold the offer: only this one leaves it.
      if (!Excluded(order, team)) order.add_excluded_team_ids(team);
      order.clear_offered_team_ids();
      for (const std::string& offered : remaining) {
        order.add_offered_team_ids(offered);
      }
      order.set_team_id(remaining.front());
      return absl::OkStatus();
    }
    case Effect::kReleaseTeams:
      ReleaseTeams(p, p.policy.max_offer_attempts);
      return absl::OkStatus();
    case Effect::kReleaseTeamsRetry:
      ReleaseTeams(p, /*max_offer_attempts=*/0);
      return absl::OkStatus();
    case Effect::kSetSchedule:
      // A reopened order's windows have passed: the team agrees a new time
      // with the resident who reopened it.
      if (p.before.reopen_count() == 0) {
        RETURN_IF_ERROR(
            CheckScheduleInWindows(*command.schedule, p.before.draft()));
      }
      *order.mutable_schedule() = *command.schedule;
      return absl::OkStatus();
    case Effect::kCheckIn:
      RETURN_IF_ERROR(CheckInWindow(p.before, p.now, p.policy));
      *order.mutable_check_in() =
          MakeCheckIn(p.before, p.now, command.check_in_location, p.policy);
      return absl::OkStatus();
    case Effect::kComplete: {
      v1::Completion& completion = *order.mutable_completion();
      completion = command.completion;
      *completion.mutable_at() = ToProto(p.now);
      for (int i = 0; i < completion.hours_size(); ++i) {
        v1::VolunteerHours& hours = *completion.mutable_hours(i);
        const std::string field = absl::StrCat("hours[", i, "]");
        RETURN_IF_ERROR(CheckHours(
            p.before, absl::StrCat(field, ".hours"),
            absl::StrCat(field, ".reason"), hours.hours(), hours.reason(),
            SignInOf(command, hours.volunteer_id()), p.now, p.policy));
        *hours.mutable_recorded_by() = p.actor;
        hours.set_id(
            absl::StrCat(order.id(), "-", order.version(), "-", i + 1));
        hours.set_order_id(order.id());
        hours.set_team_id(order.team_id());
        hours.set_status(v1::VolunteerHours::STATUS_PENDING);
        *hours.mutable_recorded_at() = ToProto(p.now);
      }
      return absl::OkStatus();
    }
    case Effect::kRate:
      *order.mutable_rating() = command.rating;
      *order.mutable_rating()->mutable_at() = ToProto(p.now);
      return absl::OkStatus();
    case Effect::kReopen: {
      const absl::Time completed = FromProto(p.before.completion().at());
      if (p.now > completed + p.policy.reopen_window) {
        return absl::FailedPreconditionError(absl::StrCat(
            "an order can only be reopened within ",
            absl::FormatDuration(p.policy.reopen_window), " of completion"));
      }
      order.set_reopen_count(p.before.reopen_count() + 1);
      order.clear_check_in();
      order.clear_completion();
      // The team comes again: a new time must be confirmed before checking in.
      order.clear_schedule();
      return absl::OkStatus();
    }
    case Effect::kEscalate:
      order.set_escalation_level(command.escalation_level);
      return absl::OkStatus();
  }
  return absl::InternalError("unknown effect");
}

// The teams a tally counts in.
std::vector<std::string> TeamsOf(TeamOf which, const Planning& p) {
  switch (which) {
    case TeamOf::kOfferedAfter:
      return {p.move.after.offered_team_ids().begin(),
              p.move.after.offered_team_ids().end()};
    case TeamOf::kOfferedBefore:
      return {p.before.offered_team_ids().begin(),
              p.before.offered_team_ids().end()};
    case TeamOf::kHolderAfter:
      return {p.move.after.team_id()};
    case TeamOf::kHolderBefore:
      return {p.before.team_id()};
    case TeamOf::kActing:
      return {p.acting_team()};
  }
  return {};
}

v1::FollowUp FollowUpOf(const Planning& p, std::string cause) {
  v1::FollowUp follow_up;
  // One follow-up per version of the order: a retried move writes the same
  // record.
  follow_up.set_id(absl::StrCat(p.before.id(), "-f", p.move.after.version()));
  follow_up.set_order_id(p.before.id());
  follow_up.set_community_id(p.before.draft().community_id());
  follow_up.set_cause(std::move(cause));
  *follow_up.mutable_created_at() = ToProto(p.now);
  follow_up.set_version(1);
  return follow_up;
}

// The records of the rule's Record bits.
void PlanRecords(uint32_t records, Planning& p) {
  Move& move = p.move;
  if (records & kHoursRecords) {
    for (const v1::VolunteerHours& hours : move.after.completion().hours()) {
      move.hours.push_back(hours);
    }
  }
  if (records & kApproveHours) {
    const auto& ledger = p.command.ledger.has_value()
                             ? *p.command.ledger
                             : std::vector<v1::VolunteerHours>(
                                   p.before.completion().hours().begin(),
                                   p.before.completion().hours().end());
    for (const v1::VolunteerHours& hours : ledger) {
      if (hours.status() != v1::VolunteerHours::STATUS_PENDING ||
          !IsCurrent(hours)) {
        continue;
      }
      v1::VolunteerHours approved = hours;
      approved.set_status(v1::VolunteerHours::STATUS_APPROVED);
      *approved.mutable_decided_at() = ToProto(p.now);
      move.hours_changes.push_back({hours, std::move(approved)});
    }
  }
  if ((records & kFollowUpOnLowRating) &&
      p.command.rating.overall() <= p.policy.low_rating) {
    move.follow_up =
        FollowUpOf(p, absl::StrCat("rated ", p.command.rating.overall(), "/5"));
  }
  if (records & kFollowUp) {
    move.follow_up =
        FollowUpOf(p, absl::StrCat("reopened: ", p.command.reason));
  }
  if (records & kEscalationRecord) {
    // The deadline that was missed: the one the order showed.
    std::optional<v1::Deadline> missed;
    if (p.before.has_next_deadline()) {
      missed = p.before.next_deadline();
    } else {
      missed = StageDeadline(p.before, p.policy);
    }
    v1::Escalation& escalation = move.escalation.emplace();
    // One escalation per version of the order: a retried move writes the same
    // record.
    escalation.set_id(absl::StrCat(p.before.id(), "-e", move.after.version()));
    escalation.set_order_id(p.before.id());
    if (missed.has_value()) {
      escalation.set_stage(missed->stage());
      *escalation.mutable_due_at() = missed->due_at();
    }
    escalation.set_level(p.command.escalation_level);
    *escalation.mutable_escalated_at() = ToProto(p.now);
    escalation.set_community_id(p.before.draft().community_id());
    escalation.set_county_id(p.before.county_id());
    escalation.set_version(1);
  }
}

}  // namespace

absl::Duration StageAllowance(v1::Stage stage, const LifecyclePolicy& policy) {
  switch (stage) {
    case v1::STAGE_AWAITING_DISPATCH:
      return policy.awaiting_dispatch;
    case v1::STAGE_AWAITING_INFO:
      return policy.awaiting_info;
    case v1::STAGE_AWAITING_CLAIM:
      return policy.awaiting_claim;
    case v1::STAGE_AWAITING_MATCH:
      return policy.awaiting_match;
    case v1::STAGE_AWAITING_ACCEPTANCE:
      return policy.default_offer_ttl;
    case v1::STAGE_AWAITING_SERVICE:
      return policy.awaiting_service;
    case v1::STAGE_AWAITING_RATING:
      return policy.awaiting_rating;
    default:
      return absl::ZeroDuration();
  }
}

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

  std::string event_reason = command.reason;
  Planning planning{before, command, actor, now, policy, move, event_reason};
  for (Effect effect : rule.effects) {
    RETURN_IF_ERROR(ApplyEffect(effect, planning));
  }
  if (rule.target == TargetChoice::kOfferedWhileOthersHold &&
      order.offered_team_ids_size() > 0) {
    to = v1::ORDER_STATE_OFFERED;
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

  for (const Tally& tally : rule.tallies) {
    for (const std::string& team : TeamsOf(tally.team, planning)) {
      if (team.empty()) continue;
      move.tallies.push_back(
          {team, tally.counter,
           tally.by_rating ? command.rating.overall() : int64_t{1}});
    }
  }
  PlanRecords(rule.records, planning);
  if (rule.capacity != Capacity::kNone) {
    move.capacity_team = order.team_id();
    move.capacity_counts_offers = rule.capacity == Capacity::kHeldOrOffered;
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
  const StateRule* rule = FindState(order.state());
  if (rule == nullptr) return std::nullopt;
  v1::Deadline deadline;
  deadline.set_stage(rule->stage);
  absl::Time due;
  switch (rule->due) {
    case Due::kNever:
      return std::nullopt;
    case Due::kEnteredPlusStage:
      due = FromProto(order.state_entered_at()) +
            StageAllowance(rule->stage, policy);
      break;
    case Due::kOfferExpiry:
      due = FromProto(order.offer().expires_at());
      break;
    case Due::kServiceWindowEnd: {
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
    case Due::kCompletedPlusRating:
      due = FromProto(order.completion().at()) + policy.awaiting_rating;
      break;
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
    *deadline->mutable_due_at() =
        ToProto(FromProto(deadline->due_at()) +
                StageAllowance(deadline->stage(), policy));
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
  command.action = FindState(order.state())->on_deadline;
  switch (command.action) {
    case v1::ORDER_ACTION_EXPIRE_OFFER:
      command.reason = absl::StrCat("the offer lapsed at ", TimeText(due));
      break;
    case v1::ORDER_ACTION_CLOSE:
      command.reason = absl::StrCat("no rating by ", TimeText(due));
      break;
    case v1::ORDER_ACTION_ESCALATE:
      command.escalation_level = order.escalation_level() + 1;
      command.reason = absl::StrCat(
          StageText(deadline->stage()), " missed its deadline ", TimeText(due),
          ": escalated to the ",
          command.escalation_level == kCountyLevel ? "county" : "city");
      break;
    default:
      return std::nullopt;
  }
  return command;
}

}  // namespace kepu
