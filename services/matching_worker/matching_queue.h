// The tenant's matching stream as a work queue for any number of matching
// workers (ARCHITECTURE §5): a Redis consumer group hands each new entry to one
// worker; an entry stays pending until the worker settles it, so the entries of
// a worker that dies are taken over by another (XAUTOCLAIM); an entry that
// keeps failing is set aside on a dead-letter stream after too many deliveries.
//
// Keys (beside RedisKeys::MatchingQueue(), the stream {o: order id, v: version}
// that order transitions append to):
//   kepu:{t}:queue:matching:dead     stream of dead letters
//   kepu:{t}:queue:matching:errors   hash: entry id -> its last error
//   kepu:{t}:queue:matching:parked   sorted set: order ids to match again
//                                    later, by when (ms); Unpark puts them
//                                    back on the stream
//   kepu:{t}:queue:matching:batch    hash: the last batch any worker finished
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/matching.pb.h"
#include "services/core/order_store.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

// One entry of the matching stream, as delivered to a worker.
struct MatchingEntry {
  std::string entry_id;
  // Empty when the entry names no order (a malformed entry).
  std::string order_id;
  // How many times the entry has been delivered (1 on its first delivery).
  int64_t deliveries = 1;
};

// What a worker does with the entries of one batch, applied at once.
struct Settlement {
  // Entries done with: acknowledged and deleted.
  std::vector<std::string> entry_ids;
  // Orders no team could take now: matched again from `retry_at` on.
  std::vector<std::string> parked_order_ids;
  absl::Time retry_at;
  // Orders whose offer lost a race (the order or the team changed after the
  // batch read them): matched again from `retry_soon_at` on.
  std::vector<std::string> requeued_order_ids;
  absl::Time retry_soon_at;
};

// Thread-safe. Every method answers kUnavailable when Redis cannot be reached.
class MatchingQueue {
 public:
  // The consumer group every worker of a tenant joins.
  static constexpr char kGroup[] = "matchers";

  // `redis` must answer within its command timeout even while a read blocks:
  // give ReadNew a client of its own (a blocked read holds its connection).
  MatchingQueue(RedisClient& redis, absl::string_view tenant);

  // Creates the consumer group (and the stream) if missing; the group starts
  // at the stream's beginning, so orders released before any worker ran are
  // matched.
  absl::Status EnsureGroup();

  // Up to `count` entries never delivered before, for `consumer`; waits up to
  // `wait` for the first one (0: does not wait).
  absl::StatusOr<std::vector<MatchingEntry>> ReadNew(absl::string_view consumer,
                                                     int count,
                                                     absl::Duration wait);

  // Takes over, for `consumer`, up to `count` entries delivered at least
  // `min_idle` ago and never settled (their worker died or failed on them),
  // with their delivery counts (this delivery included).
  absl::StatusOr<std::vector<MatchingEntry>> ClaimStale(
      absl::string_view consumer, absl::Duration min_idle, int count);

  // Settles entries: see Settlement. An entry another worker settled already
  // is left alone.
  absl::Status Settle(const Settlement& settlement);

  // Remembers why an entry failed (shown with its dead letter); the entry
  // stays pending and is delivered again after the claim idle time.
  absl::Status RecordFailure(absl::string_view entry_id,
                             absl::string_view error);

  // Sets a pending entry aside on the dead-letter stream, with its last
  // recorded error (or `error` if none was recorded). Returns the dead
  // letter's id; empty when the entry was no longer pending.
  absl::StatusOr<std::string> DeadLetter(const MatchingEntry& entry,
                                         absl::string_view error,
                                         absl::Time now);

  // Puts up to `limit` parked orders whose retry time has come back on the
  // stream. Returns how many.
  absl::StatusOr<int> Unpark(absl::Time now, int limit);

  // Records the batch a worker just finished (GetMatchingStatus shows it).
  absl::Status RecordBatch(int orders, int offers, absl::Duration took,
                           absl::Time at);

  // Queue depth, pending entries, live workers, dead letters, the last batch.
  absl::StatusOr<v1::MatchingStatus> Status();

  // Removes from the group the consumers that hold no pending entry and have
  // not read for `min_idle` (workers that stopped or died long ago: every
  // worker process joins under a name of its own). Returns how many.
  absl::StatusOr<int> ForgetIdleConsumers(absl::Duration min_idle);

  // Dead letters, newest first, `limit` per page; `cursor` from the previous
  // page's next_page_token.
  absl::StatusOr<v1::ListDeadLettersResponse> ListDeadLetters(
      int limit, absl::string_view cursor);

  // Puts a dead letter back on the stream as a new entry, idempotently under
  // `request`. kNotFound: no such dead letter; kInvalidArgument: the request
  // id was used for other content.
  absl::StatusOr<std::string> RetryDeadLetter(const RequestKey& request,
                                              absl::string_view dead_letter_id);

  const std::string& stream_key() const { return stream_; }

 private:
  struct Consumer {
    std::string name;
    int64_t pending = 0;
    // Since it last read.
    absl::Duration idle;
  };
  // The group's consumers (none when there is no stream or group yet).
  absl::StatusOr<std::vector<Consumer>> Consumers();

  RedisClient& redis_;
  const RedisKeys keys_;
  const std::string stream_;
  const std::string dead_;
  const std::string errors_;
  const std::string parked_;
  const std::string batch_;
};

}  // namespace kepu
