// RedisEventFeed against a real redis-server: a subscriber that resumes from
// an old cursor gets every later event once, in order, even when it subscribes
// while the feed's read for the others is in flight.
#include "services/core/redis/redis_event_feed.h"

#include <atomic>
#include <thread>

#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

class RedisEventFeedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    writer_ = std::make_unique<RedisClient>(server_->ClientOptions());
  }

  // Appends an event as the transition script does; returns its id.
  std::string Append(int n) {
    v1::OrderEvent event;
    event.set_order_id(absl::StrCat("order-", n));
    event.set_version(n);
    absl::StatusOr<RedisReply> id =
        writer_->Command({"XADD", RedisKeys("jining").Events(), "*", "o",
                          event.order_id(), "e", event.SerializeAsString()});
    EXPECT_TRUE(id.ok()) << id.status();
    return std::string(id->Str());
  }

  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> writer_;
};

// What one subscription received, in order.
struct Received {
  absl::Mutex mu;
  std::vector<int64_t> versions ABSL_GUARDED_BY(mu);
  void Add(int64_t version) {
    absl::MutexLock lock(&mu);
    versions.push_back(version);
  }
};

TEST_F(RedisEventFeedTest, LateSubscribersWithOldCursorsMissNothing) {
  RedisEventFeed feed(server_->ClientOptions(), "jining");
  constexpr int kEvents = 400;
  constexpr int kLate = 40;
  std::vector<std::string> ids;
  ids.push_back(Append(0));
  // A subscriber from now keeps the feed reading all the time.
  Received live;
  auto live_subscription = feed.Subscribe(
      "", [](const v1::OrderEvent&) { return true; },
      [&](const v1::OrderEvent* event, const absl::Status&) {
        if (event != nullptr) live.Add(event->version());
      });
  ASSERT_TRUE(live_subscription.ok());

  // Events keep coming while late subscribers join, each from the cursor of
  // an event already written.
  std::atomic<int> written{1};
  absl::Mutex ids_mu;
  std::thread writer([&] {
    for (int n = 1; n < kEvents; ++n) {
      std::string id = Append(n);
      absl::MutexLock lock(&ids_mu);
      ids.push_back(std::move(id));
      written = n + 1;
    }
  });
  std::vector<std::unique_ptr<Received>> late(kLate);
  std::vector<int> starts(kLate);
  std::vector<std::unique_ptr<RedisEventFeed::Subscription>> subscriptions;
  for (int i = 0; i < kLate; ++i) {
    // Wait for the writer to get ahead (no sleep: spin on its progress).
    while (written.load() < (i + 1) * kEvents / (kLate + 1)) {
      std::this_thread::yield();
    }
    std::string cursor;
    {
      absl::MutexLock lock(&ids_mu);
      starts[i] = static_cast<int>(ids.size()) - 1 - (i % 5);
      cursor = ids[starts[i]];
    }
    late[i] = std::make_unique<Received>();
    Received* received = late[i].get();
    auto subscription = feed.Subscribe(
        cursor, [](const v1::OrderEvent&) { return true; },
        [received](const v1::OrderEvent* event, const absl::Status&) {
          if (event != nullptr) received->Add(event->version());
        });
    ASSERT_TRUE(subscription.ok()) << subscription.status();
    subscriptions.push_back(*std::move(subscription));
  }
  writer.join();
  for (int i = 0; i < kLate; ++i) {
    const size_t expected = static_cast<size_t>(kEvents - 1 - starts[i]);
    absl::MutexLock lock(&late[i]->mu);
    ASSERT_TRUE(late[i]->mu.AwaitWithTimeout(
        absl::Condition(
            +[](Received* r) ABSL_NO_THREAD_SAFETY_ANALYSIS {
              return !r->versions.empty() && r->versions.back() == kEvents - 1;
            },
            late[i].get()),
        absl::Seconds(20)))
        << "subscriber " << i << " never got the last event";
    std::vector<int64_t> want;
    for (int n = starts[i] + 1; n < kEvents; ++n) want.push_back(n);
    EXPECT_EQ(late[i]->versions, want)
        << "subscriber " << i << " from event " << starts[i] << " expected "
        << expected << " events";
  }
}

}  // namespace
}  // namespace kepu
