// The watchdog: makes the system moves of missed deadlines (ARCHITECTURE §2).
// An offer that lapsed is let go (EXPIRE_OFFER), a completed order left unrated
// closes (CLOSE), any other waiting stage climbs the escalation ladder
// (ESCALATE: level 1 the county's admins, level 2 the city). The ladder itself
// is pure rules (order_rules.h: NextDeadline, DeadlineMove); this class drains
// the store's deadlines index and makes the moves through OrderWorkflow.
#pragma once

#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/watchdog.pb.h"
#include "services/core/clock.h"
#include "services/core/order_rules.h"
#include "services/core/order_store.h"
#include "services/core/order_workflow.h"

namespace kepu {

// The SLA as WatchdogService.GetSlaPolicy shows it.
v1::SlaPolicy SlaPolicyOf(const LifecyclePolicy& policy);

// The watchdog's move of `order` when its next deadline has passed at `now`
// (DeadlineMove), ready to act: at the order's version, under a request id and
// fingerprint that depend only on the order and its version, so the same
// missed deadline is the same request whichever watchdog makes it. nullopt
// when nothing is due.
std::optional<Command> WatchdogCommand(const v1::Order& order, absl::Time now,
                                       const LifecyclePolicy& policy);

struct WatchdogOptions {
  // Orders claimed per round.
  int batch = 100;
  // How long a claimed order is held by one watchdog before another may take
  // it (a watchdog that dies mid-round delays its orders by this much).
  absl::Duration lease = absl::Seconds(60);
  // The longest Run sleeps between rounds (so a deadline added by another
  // process is seen at most this late).
  absl::Duration max_sleep = absl::Seconds(10);
};

// What one round did.
struct WatchdogRound {
  // Orders claimed from the deadlines index.
  int claimed = 0;
  // Moves made (not replays).
  int moved = 0;
  // Claimed orders not due after all (moved on meanwhile, or put back).
  int skipped = 0;
  // Moves that failed; their orders come back when the lease ends.
  int failed = 0;
};

// Thread-safe as the store and workflow are; any number of watchdogs (threads
// or processes) may run on one store: each due order is claimed by one, and
// the move's request id is deterministic (the order's id and version), so a
// retry or a second watchdog writes nothing twice.
class Watchdog {
 public:
  // `workflow` must be built on `store`, with the policy to apply.
  Watchdog(OrderStore& store, OrderWorkflow& workflow, const Clock& clock,
           std::string tenant, WatchdogOptions options = {});

  // Claims the orders due now and makes each one's move. kUnavailable when the
  // store is down (nothing lost: claimed orders come back after the lease).
  absl::StatusOr<WatchdogRound> RunOnce();

  // Runs rounds until `stop` is notified: after a round that claimed a full
  // batch at once, else sleeping until the earliest deadline (at most
  // max_sleep). Logs rounds that did something and errors.
  void Run(const absl::Notification& stop);

  // The principal the watchdog's moves are made as (ROLE_SYSTEM).
  const v1::Principal& principal() const { return principal_; }

 private:
  // Handles one claimed order; returns what happened to it.
  enum class Outcome { kMoved, kSkipped, kFailed };
  absl::StatusOr<Outcome> Handle(const DueOrder& due, absl::Time now);

  OrderStore& store_;
  OrderWorkflow& workflow_;
  const Clock& clock_;
  const std::string tenant_;
  const WatchdogOptions options_;
  const v1::Principal principal_;
};

}  // namespace kepu
