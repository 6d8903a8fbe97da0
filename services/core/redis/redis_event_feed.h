// Live order events of one tenant for any number of watchers: one thread reads
// the tenant's event stream (XREAD BLOCK) on its own connection and hands each
// event to every subscription whose filter takes it. Because the stream is in
// Redis, a watcher on any server replica sees the moves made through every
// other replica.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kepu/v1/order.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

class RedisEventFeed {
 public:
  // Called on the feed's thread with each event a subscription takes, in stream
  // order; must not block. `status` is not OK once, at the end, when the
  // subscription cannot go on (the feed stopped: kUnavailable; the cursor is
  // older than what the stream keeps: kOutOfRange).
  using Sink = std::function<void(const v1::OrderEvent* event,
                                  const absl::Status& status)>;
  using Filter = std::function<bool(const v1::OrderEvent& event)>;

  class Subscription {
   public:
    ~Subscription();  // unsubscribes; no call to the sink follows the
                      // destructor's return
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    friend class RedisEventFeed;
    Subscription(RedisEventFeed* feed, int64_t id) : feed_(feed), id_(id) {}
    RedisEventFeed* feed_;
    int64_t id_;
  };

  // `options` is used for the feed's own connection (one, blocking reads).
  RedisEventFeed(const RedisOptions& options, absl::string_view tenant);
  ~RedisEventFeed();  // stops the thread
  RedisEventFeed(const RedisEventFeed&) = delete;
  RedisEventFeed& operator=(const RedisEventFeed&) = delete;

  // Delivers the events after `after_event_id` (empty: from now on) that
  // `filter` takes.
  //   kOutOfRange: the stream no longer keeps every event after
  //   `after_event_id`; kUnavailable: Redis cannot be reached to find where the
  //   stream is.
  absl::StatusOr<std::unique_ptr<Subscription>> Subscribe(
      absl::string_view after_event_id, Filter filter, Sink sink);

 private:
  struct Subscriber {
    std::string cursor;  // the last event id it has seen
    Filter filter;
    Sink sink;
    bool ended =
        false;  // unsubscribed from its own sink: dropped after the batch
  };

  void Run();
  void Unsubscribe(int64_t id);
  void EndFromSink(int64_t id);
  // Reads what comes after the earliest cursor (waiting up to the block time)
  // and delivers it.
  absl::Status ReadOnce() ABSL_LOCKS_EXCLUDED(mu_);

  RedisClient redis_;
  const RedisKeys keys_;
  absl::Mutex mu_;
  // Held while a batch is delivered: Unsubscribe waits for it, so no sink runs
  // after it.
  absl::Mutex deliver_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::pair<int64_t, Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

// Stream ids compare as (milliseconds, sequence).
bool EventIdLess(absl::string_view a, absl::string_view b);

}  // namespace kepu
