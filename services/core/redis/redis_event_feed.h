// Live entries of one of a tenant's streams for any number of watchers: one
// thread reads the stream (XREAD BLOCK) on its own connection and hands each
// entry (its field e, a serialized `Event`) to every subscription whose filter
// takes it. Because the stream is in Redis, a watcher on any server replica
// sees what was written through every other replica. RedisEventFeed is the
// feed of order events (the tenant's event stream); the inbox feed
// (notifications) is another.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

// `Event` is a protobuf message with a string field event_id, set to the
// entry's id in the stream.
template <typename Event>
class RedisStreamFeed {
 public:
  // Called on the feed's thread with each event a subscription takes, in stream
  // order; must not block. `status` is not OK once, at the end, when the
  // subscription cannot go on (the feed stopped: kUnavailable; the cursor is
  // older than what the stream keeps: kOutOfRange).
  using Sink =
      std::function<void(const Event* event, const absl::Status& status)>;
  using Filter = std::function<bool(const Event& event)>;

  class Subscription {
   public:
    ~Subscription();  // unsubscribes; no call to the sink follows the
                      // destructor's return
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;

   private:
    friend class RedisStreamFeed;
    Subscription(RedisStreamFeed* feed, int64_t id) : feed_(feed), id_(id) {}
    RedisStreamFeed* feed_;
    int64_t id_;
  };

  // `options` is used for the feed's own connection (one, blocking reads).
  // The stream is the tenant's event stream (RedisKeys::Events), or
  // `stream_key`.
  RedisStreamFeed(const RedisOptions& options, absl::string_view tenant,
                  std::string stream_key = "");
  ~RedisStreamFeed();  // stops the thread
  RedisStreamFeed(const RedisStreamFeed&) = delete;
  RedisStreamFeed& operator=(const RedisStreamFeed&) = delete;

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
  const std::string stream_key_;
  absl::Mutex mu_;
  // Held while a batch is delivered: Unsubscribe waits for it, so no sink runs
  // after it.
  absl::Mutex deliver_mu_ ABSL_ACQUIRED_BEFORE(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  int64_t next_id_ ABSL_GUARDED_BY(mu_) = 1;
  std::vector<std::pair<int64_t, Subscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

extern template class RedisStreamFeed<v1::OrderEvent>;
extern template class RedisStreamFeed<v1::InboxItem>;
using RedisEventFeed = RedisStreamFeed<v1::OrderEvent>;
using RedisInboxFeed = RedisStreamFeed<v1::InboxItem>;

// Stream ids compare as (milliseconds, sequence).
bool EventIdLess(absl::string_view a, absl::string_view b);

}  // namespace kepu
