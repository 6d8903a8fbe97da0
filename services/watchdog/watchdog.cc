#include "services/watchdog/watchdog.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/log.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"
#include "services/core/transition_table.h"

namespace kepu {

v1::SlaPolicy SlaPolicyOf(const LifecyclePolicy& policy) {
  v1::SlaPolicy sla;
  auto add = [&sla](v1::Stage stage, absl::Duration allowed) {
    v1::StageDeadline& deadline = *sla.add_stages();
    deadline.set_stage(stage);
    *deadline.mutable_allowed() = ToProto(allowed);
  };
  add(v1::STAGE_AWAITING_DISPATCH, policy.awaiting_dispatch);
  add(v1::STAGE_AWAITING_INFO, policy.awaiting_info);
  add(v1::STAGE_AWAITING_CLAIM, policy.awaiting_claim);
  add(v1::STAGE_AWAITING_MATCH, policy.awaiting_match);
  add(v1::STAGE_AWAITING_ACCEPTANCE, policy.default_offer_ttl);
  add(v1::STAGE_AWAITING_SERVICE, policy.awaiting_service);
  add(v1::STAGE_AWAITING_RATING, policy.awaiting_rating);
  *sla.mutable_default_offer_ttl() = ToProto(policy.default_offer_ttl);
  sla.set_max_offer_attempts(policy.max_offer_attempts);
  *sla.mutable_auto_close_after() = ToProto(policy.awaiting_rating);
  *sla.mutable_reopen_window() = ToProto(policy.reopen_window);
  return sla;
}

std::optional<Command> WatchdogCommand(const v1::Order& order, absl::Time now,
                                       const LifecyclePolicy& policy) {
  std::optional<Command> command = DeadlineMove(order, now, policy);
  if (!command.has_value()) return std::nullopt;
  command->order_id = order.id();
  command->expected_version = order.version();
  command->request_id =
      absl::StrCat("watchdog-", order.id(), "-v", order.version());
  v1::OrderEvent identity;
  identity.set_order_id(order.id());
  identity.set_version(order.version());
  identity.set_action(command->action);
  identity.set_escalation_level(command->escalation_level);
  command->fingerprint = Fingerprint(identity);
  return command;
}

Watchdog::Watchdog(OrderStore& store, OrderWorkflow& workflow,
                   const Clock& clock, std::string tenant,
                   WatchdogOptions options)
    : store_(store),
      workflow_(workflow),
      clock_(clock),
      tenant_(std::move(tenant)),
      options_(options),
      principal_(SystemPrincipal(tenant_, "watchdog", "watchdog")) {}

absl::StatusOr<WatchdogRound> Watchdog::RunOnce() {
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::vector<DueOrder> due,
                   store_.ClaimDue(now, options_.batch, options_.lease));
  WatchdogRound round;
  round.claimed = static_cast<int>(due.size());
  for (const DueOrder& claimed : due) {
    absl::StatusOr<Outcome> outcome = Handle(claimed, now);
    if (!outcome.ok()) {
      // The store is down: the rest of the claimed orders come back after
      // the lease.
      Log(LogLevel::kWarning, "watchdog.failed",
          {{"tenant", tenant_},
           {"order_id", claimed.order_id},
           {"error", outcome.status().ToString()}});
      ++round.failed;
      if (absl::IsUnavailable(outcome.status())) return outcome.status();
      continue;
    }
    switch (*outcome) {
      case Outcome::kMoved:
        ++round.moved;
        break;
      case Outcome::kSkipped:
        ++round.skipped;
        break;
      case Outcome::kFailed:
        ++round.failed;
        break;
    }
  }
  return round;
}

absl::StatusOr<Watchdog::Outcome> Watchdog::Handle(const DueOrder& due,
                                                   absl::Time now) {
  absl::StatusOr<v1::Order> order = store_.Get(due.order_id);
  if (absl::IsNotFound(order.status())) {
    RETURN_IF_ERROR(
        store_.ResetDeadline(due.order_id, 0, std::nullopt).status());
    return Outcome::kSkipped;
  }
  RETURN_IF_ERROR(order.status());
  const LifecyclePolicy& policy = workflow_.policy();
  std::optional<Command> command = WatchdogCommand(*order, now, policy);
  if (!command.has_value()) {
    // Not due (the index held an old time, or the policy changed): the order
    // goes back at the time its deadline says, unless it moved on meanwhile.
    std::optional<absl::Time> next;
    if (std::optional<v1::Deadline> deadline = NextDeadline(*order, policy)) {
      next = FromProto(deadline->due_at());
    }
    RETURN_IF_ERROR(
        store_.ResetDeadline(order->id(), order->version(), next).status());
    return Outcome::kSkipped;
  }
  absl::StatusOr<v1::Order> moved = workflow_.Act(principal_, *command);
  if (moved.ok()) {
    Log(LogLevel::kInfo, absl::StrCat("watchdog.", ActionName(command->action)),
        {{"tenant", tenant_},
         {"order_id", order->id()},
         {"version", absl::StrCat(moved->version())},
         {"state", v1::OrderState_Name(moved->state())},
         {"escalation_level", absl::StrCat(moved->escalation_level())},
         {"reason", command->reason}});
    return moved->version() > order->version() ? Outcome::kMoved
                                               : Outcome::kSkipped;
  }
  if (absl::IsAborted(moved.status())) {
    // The order moved on after it was read: that move set its deadline.
    return Outcome::kSkipped;
  }
  if (absl::IsUnavailable(moved.status())) return moved.status();
  // A refusal at the version read would be refused again at once: the order
  // waits for the lease to end instead of spinning.
  Log(LogLevel::kError, "watchdog.refused",
      {{"tenant", tenant_},
       {"order_id", order->id()},
       {"action", std::string(ActionName(command->action))},
       {"error", moved.status().ToString()}});
  return Outcome::kFailed;
}

void Watchdog::Run(const absl::Notification& stop) {
  Log(LogLevel::kInfo, "watchdog.started", {{"tenant", tenant_}});
  while (!stop.HasBeenNotified()) {
    absl::Duration wait = options_.max_sleep;
    absl::StatusOr<WatchdogRound> round = RunOnce();
    if (!round.ok()) {
      Log(LogLevel::kWarning, "watchdog.round_failed",
          {{"tenant", tenant_}, {"error", round.status().ToString()}});
    } else {
      if (round->claimed > 0) {
        Log(LogLevel::kInfo, "watchdog.round",
            {{"tenant", tenant_},
             {"claimed", absl::StrCat(round->claimed)},
             {"moved", absl::StrCat(round->moved)},
             {"skipped", absl::StrCat(round->skipped)},
             {"failed", absl::StrCat(round->failed)}});
      }
      if (round->claimed >= options_.batch) continue;
      absl::StatusOr<std::optional<absl::Time>> earliest = store_.EarliestDue();
      if (earliest.ok() && earliest->has_value()) {
        wait = std::clamp(**earliest - clock_.Now(), absl::Milliseconds(10),
                          options_.max_sleep);
      }
    }
    stop.WaitForNotificationWithTimeout(wait);
  }
  Log(LogLevel::kInfo, "watchdog.stopped", {{"tenant", tenant_}});
}

}  // namespace kepu
