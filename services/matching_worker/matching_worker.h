// The matching worker (ARCHITECTURE §5): takes released orders off the
// tenant's matching stream in batches, reads what the pure matching library
// needs (the orders, the teams that could serve them, their load and
// calendars), solves the batch, and offers each order to its team through the
// order store's atomic transitions — as the system, with a time to live.
//
// Any number of workers may run at once, in kepud (--matching) or alone
// (kepu-matcher). Every step is idempotent: an offer is the transition OFFER
// under the request id "match-<order version>", guarded by the order's version,
// so an entry handled twice (a worker died after offering and before settling,
// and another took the entry over) offers nothing twice; an entry is settled
// only after its order was offered, parked or found to need nothing.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/order_store.h"
#include "services/core/order_workflow.h"
#include "services/matching/matching.h"
#include "services/matching_worker/matching_queue.h"

namespace kepu {

struct MatchingWorkerOptions {
  // This worker's name in the consumer group (unique among live workers).
  std::string consumer = "matcher";
  // A batch closes when it holds this many orders, or `batch_window` after
  // its first order arrived.
  int batch_size = 200;
  absl::Duration batch_window = absl::Milliseconds(200);
  // Entries delivered this long ago and never settled are taken over (their
  // worker died or failed on them).
  absl::Duration claim_idle = absl::Seconds(30);
  // An entry delivered this many times without being settled is set aside on
  // the dead-letter stream.
  int max_deliveries = 5;
  // Orders no team can take now are tried again after this long (the
  // watchdog escalates them if the match deadline passes first).
  absl::Duration retry_unmatched = absl::Seconds(60);
  // How long a team has to accept an offer.
  absl::Duration offer_ttl = absl::Hours(24);
  matching::Weights weights;
  // Testing only: called after each offer the worker writes, with how many it
  // wrote in this batch so far (a test blocks here to kill the worker
  // mid-batch).
  std::function<void(int offers_in_batch)> after_offer;
};

// What one round did.
struct MatchingRound {
  // Entries taken: new, and taken over from other workers.
  int entries = 0;
  int taken_over = 0;
  // Distinct orders that needed a team.
  int orders = 0;
  int offers = 0;
  // Orders no team could take now (tried again later).
  int parked = 0;
  // Orders that moved on meanwhile (offered elsewhere, cancelled, ...).
  int skipped = 0;
  int dead_letters = 0;
  int failures = 0;
};

// Thread-compatible: one thread runs one worker. The store, workflow,
// directory and queue are shared and thread-safe.
class MatchingWorker {
 public:
  MatchingWorker(MatchingQueue& queue, OrderStore& store,
                 OrderWorkflow& workflow, DirectoryView& directory,
                 const Clock& clock, absl::string_view tenant,
                 MatchingWorkerOptions options);

  // One round: puts parked orders whose time has come back on the stream,
  // takes over stale entries (setting aside those delivered too often), reads
  // new entries (waiting up to `wait` for the first), and matches them all as
  // one batch. kUnavailable when Redis is down (nothing is lost: unsettled
  // entries are delivered again).
  absl::StatusOr<MatchingRound> RunOnce(absl::Duration wait);

  // Runs rounds until `stop` is set (checked at least every `poll`), logging
  // each batch and backing off while Redis is down.
  void Run(const std::atomic<bool>& stop,
           absl::Duration poll = absl::Milliseconds(500));

 private:
  // Matches the orders of `entries` as one batch and settles the entries.
  absl::Status MatchBatch(const std::vector<MatchingEntry>& entries,
                          MatchingRound& round);

  MatchingQueue& queue_;
  OrderStore& store_;
  OrderWorkflow& workflow_;
  DirectoryView& directory_;
  const Clock& clock_;
  const v1::Principal system_;
  const MatchingWorkerOptions options_;
};

}  // namespace kepu
