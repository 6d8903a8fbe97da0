// Notification latency (issue 12): from a move's commit to the resident's
// inbox and to the SMS provider, at a sustained rate of moves, beside the same
// run's bare outbox (XADD + XREADGROUP + XACK alone) — what the stream itself
// costs on this machine.
//
//   build/rel/tests/bench/notify_bench [--rate=200] [--seconds=10]
//
// A real redis-server (with Kepu's module) and the fake SMS provider process
// (tests/notify/fake_provider.py) on loopback; in this process: a producer
// applying moves through RedisOrderStore at --rate per second (open loop: each
// move is sent at its scheduled time whatever came before), one delivery
// worker, one SMS worker, and a watcher of the inbox feed. Each move tells one
// resident one must-act notice (inbox and SMS). Latency is measured from the
// outbox entry's id (the Redis time of the move's write, ms) to the watcher
// seeing the inbox item, and to the fake provider receiving the text.
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "services/core/redis/redis_event_feed.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/testing/fake_directory.h"
#include "services/core/time_util.h"
#include "services/identity/testing/fake_account_store.h"
#include "services/notifications/delivery.h"
#include "services/notifications/sms_delivery.h"
#include "services/notify/http_client.h"
#include "tests/notify/fake_provider.h"
#include "tests/support/redis_server.h"

ABSL_FLAG(int, rate, 200, "moves per second");
ABSL_FLAG(int, seconds, 10, "how long the producer runs");
ABSL_FLAG(int, workers, 2, "delivery workers and SMS workers (each)");

namespace kepu::testing {
namespace {

constexpr char kTenant[] = "bench";

int64_t EntryMillis(absl::string_view id) {
  int64_t ms = 0;
  (void)absl::SimpleAtoi(id.substr(0, id.find('-')), &ms);
  return ms;
}

std::string Percentiles(std::vector<double> v) {
  if (v.empty()) return "—";
  std::sort(v.begin(), v.end());
  auto at = [&](double q) {
    return v[std::min(v.size() - 1, static_cast<size_t>(q * v.size()))];
  };
  return absl::StrCat(at(0.5), " | ", at(0.99), " | ", v.back());
}

int Run() {
  const int rate = absl::GetFlag(FLAGS_rate);
  const int seconds = absl::GetFlag(FLAGS_seconds);
  const int moves = rate * seconds;
  if (!notify::InitHttpGlobally().ok()) return 1;
  auto redis = RedisServer::Start();
  auto provider = FakeProvider::Start();
  if (!redis.ok() || !provider.ok()) {
    std::fprintf(stderr, "start: %s %s\n", redis.status().ToString().c_str(),
                 provider.status().ToString().c_str());
    return 1;
  }
  RedisClient client((*redis)->ClientOptions(8));

  // ---- Bare outbox: XADD + XREADGROUP + XACK/XDEL, as fast as it goes.
  double bare_rate = 0;
  std::vector<double> bare_latency;
  {
    const std::string stream = "kepu:{bare}:outbox";
    (void)client.Command({"XGROUP", "CREATE", stream, "g", "0", "MKSTREAM"});
    RedisOptions reader_options = (*redis)->ClientOptions(1);
    reader_options.command_timeout = absl::Seconds(5);
    RedisClient reader(reader_options);
    std::atomic<int> read{0};
    std::thread consumer([&] {
      while (read.load() < moves) {
        absl::StatusOr<RedisReply> reply =
            reader.Command({"XREADGROUP", "GROUP", "g", "c", "COUNT", "32",
                            "BLOCK", "500", "STREAMS", stream, ">"});
        if (!reply.ok() || !reply->IsArray() || reply->Size() == 0) continue;
        const RedisReply& entries = (*reply)[0][1];
        std::vector<absl::string_view> ack = {"XACK", stream, "g"};
        const int64_t now = absl::ToUnixMillis(absl::Now());
        for (size_t i = 0; i < entries.Size(); ++i) {
          ack.push_back(entries[i][0].Str());
          bare_latency.push_back(
              static_cast<double>(now - EntryMillis(entries[i][0].Str())));
        }
        (void)reader.Command(ack);
        read += static_cast<int>(entries.Size());
      }
    });
    const absl::Time start = absl::Now();
    for (int i = 0; i < moves; ++i) {
      (void)client.Command({"XADD", stream, "*", "o", "x", "n", "payload"});
    }
    consumer.join();
    bare_rate = moves / absl::ToDoubleSeconds(absl::Now() - start);
  }

  // ---- Moves at `rate`, delivered to the inbox and by SMS.
  RedisOrderStore store(client, kTenant);
  FakeDirectory directory;
  FakeAccountStore accounts(kTenant);
  NotificationPreferenceStore preferences(client, kTenant);
  v1::NotificationPreferences no_quiet;
  no_quiet.set_quiet_start("00:00");
  no_quiet.set_quiet_end("00:00");
  if (!preferences
           .Update("u-bench", "prefs", "00000000000000000000000000000001", 0,
                   no_quiet)
           .ok()) {
    return 1;
  }
  NoticeResolver resolver(directory, accounts);
  // Each worker as kepud runs it: its own connection, inbox, preferences and
  // SMS sender.
  struct Worker {
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<RedisInbox> inbox;
    std::unique_ptr<NotificationPreferenceStore> preferences;
    std::unique_ptr<NotificationDelivery> delivery;
    std::unique_ptr<RedisClient> sms_redis;
    std::unique_ptr<NotificationPreferenceStore> sms_preferences;
    std::unique_ptr<notify::HttpSmsSender> sender;
    std::unique_ptr<SmsDelivery> sms;
  };
  std::vector<Worker> workers(absl::GetFlag(FLAGS_workers));
  for (size_t w = 0; w < workers.size(); ++w) {
    Worker& worker = workers[w];
    worker.redis = std::make_unique<RedisClient>((*redis)->ClientOptions(1));
    worker.inbox = std::make_unique<RedisInbox>(*worker.redis, kTenant);
    worker.preferences =
        std::make_unique<NotificationPreferenceStore>(*worker.redis, kTenant);
    DeliveryOptions delivery_options;
    delivery_options.consumer = absl::StrCat("bench-", w);
    worker.delivery = std::make_unique<NotificationDelivery>(
        *worker.redis, kTenant, resolver, *worker.inbox, *worker.preferences,
        delivery_options);
    notify::HttpSmsConfig sms_config;
    sms_config.endpoint = (*provider)->sms_url();
    sms_config.api_key = (*provider)->options().api_key;
    sms_config.sign_name = "济宁科普";
    worker.sender = std::make_unique<notify::HttpSmsSender>(sms_config);
    worker.sms_redis =
        std::make_unique<RedisClient>((*redis)->ClientOptions(1));
    worker.sms_preferences = std::make_unique<NotificationPreferenceStore>(
        *worker.sms_redis, kTenant);
    SmsDeliveryOptions sms_options;
    sms_options.daily_cap = moves + 1;
    sms_options.batch = 16;
    sms_options.idle = absl::Milliseconds(5);
    worker.sms = std::make_unique<SmsDelivery>(
        *worker.sms_redis, kTenant,
        [](absl::string_view) -> absl::StatusOr<std::string> {
          return std::string("13912345601");
        },
        *worker.sms_preferences, *worker.sender, Clock::Real(), sms_options);
  }

  absl::Mutex mu;
  std::vector<double> inbox_latency;
  RedisInboxFeed feed((*redis)->ClientOptions(1), kTenant,
                      InboxFeedKey(kTenant));
  auto subscription = feed.Subscribe(
      "", [](const v1::InboxItem&) { return true; },
      [&](const v1::InboxItem* item, const absl::Status&) {
        if (item == nullptr) return;
        const double ms = static_cast<double>(absl::ToUnixMillis(absl::Now()) -
                                              EntryMillis(item->id()));
        absl::MutexLock lock(&mu);
        inbox_latency.push_back(ms);
      });
  if (!subscription.ok()) return 1;
  absl::Notification stop;
  if (!workers[0].delivery->EnsureGroup().ok()) return 1;
  std::vector<std::thread> threads;
  for (Worker& worker : workers) {
    threads.emplace_back([&stop, &worker] { worker.delivery->Run(stop); });
    threads.emplace_back([&stop, &worker] { worker.sms->Run(stop); });
  }

  const absl::Time start = absl::Now();
  int failed = 0;
  for (int i = 0; i < moves; ++i) {
    const absl::Time due = start + absl::Seconds(1) * i / rate;
    if (absl::Now() < due) absl::SleepFor(due - absl::Now());
    Transition t;
    const std::string id = absl::StrCat("bench-order-", i);
    t.request = {"bench", id, "00000000000000000000000000000002"};
    t.after.set_id(id);
    t.after.set_version(1);
    t.after.set_state(v1::ORDER_STATE_NEEDS_INFO);
    t.after.set_resident_id("u-bench");
    *t.after.mutable_created_at() = ToProto(absl::Now());
    *t.after.mutable_state_entered_at() = ToProto(absl::Now());
    t.event.set_order_id(id);
    t.event.set_action(v1::ORDER_ACTION_CREATE);
    v1::Notice notice;
    notice.set_event("order.info_requested");
    notice.set_recipient_role(v1::ROLE_RESIDENT);
    notice.set_recipient_scope("u-bench");
    notice.set_order_id(id);
    (*notice.mutable_vars())["order_no"] = OrderNumber(id);
    (*notice.mutable_vars())["reason"] = "几点方便？";
    (*notice.mutable_vars())["deadline"] = "1796000000000";
    *notice.mutable_at() = ToProto(absl::Now());
    t.notices.push_back(notice);
    if (!store.Apply(t).ok()) ++failed;
  }
  const double achieved = moves / absl::ToDoubleSeconds(absl::Now() - start);
  // Wait (bounded) for the texts.
  absl::StatusOr<std::vector<FakeSms>> texts = (*provider)->AwaitMessages(
      [&](const std::vector<FakeSms>& got) {
        return static_cast<int>(got.size()) >= moves - failed;
      },
      absl::Seconds(60));
  stop.Notify();
  for (std::thread& thread : threads) thread.join();
  subscription->reset();
  std::vector<double> sms_latency;
  if (!texts.ok()) texts = (*provider)->Messages();
  if (texts.ok()) {
    for (const FakeSms& text : *texts) {
      sms_latency.push_back(static_cast<double>(
          absl::ToUnixMillis(text.received_at) - EntryMillis(text.out_id)));
    }
  }
  absl::MutexLock lock(&mu);
  std::printf(
      "moves: %d at %.0f/s (asked %d/s), %d refused; %d delivery and %d SMS "
      "workers; inbox items seen: %zu; SMS received: %zu\n",
      moves, achieved, rate, failed, absl::GetFlag(FLAGS_workers),
      absl::GetFlag(FLAGS_workers), inbox_latency.size(),
      texts.ok() ? texts->size() : size_t{0});
  std::printf("| path | per second | latency ms p50 / p99 / max |\n");
  std::printf("|---|---|---|\n");
  std::printf("| bare outbox (XADD → XREADGROUP, one consumer) | %.0f | %s |\n",
              bare_rate, Percentiles(bare_latency).c_str());
  std::printf("| move → inbox (watch feed) | %.0f | %s |\n", achieved,
              Percentiles(inbox_latency).c_str());
  std::printf("| move → fake SMS provider | %.0f | %s |\n", achieved,
              Percentiles(sms_latency).c_str());
  return 0;
}

}  // namespace
}  // namespace kepu::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::testing::Run();
}
