// The SMS workers against a real Redis and the fake provider process, with an
// injected clock: quiet hours hold a text until morning, the daily cap holds,
// failures are tried again with backoff and then dead-lettered, and a text is
// never sent twice.
#include "services/notifications/sms_delivery.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/clock.h"
#include "services/notify/http_client.h"
#include "tests/notify/provider_fixture.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {
namespace {

using ::testing::Contains;
using ::testing::Pair;

constexpr char kTenant[] = "jining";
constexpr char kPrefix[] = "kepu:{jining}:";

// 2026-12-08 in Jining (UTC+8) at `hour`:`minute`.
absl::Time Jining(int hour, int minute = 0, int day = 8) {
  return absl::FromCivil(absl::CivilMinute(2026, 12, day, hour, minute),
                         absl::FixedTimeZone(8 * 3600));
}

class SmsDeliveryTest : public ProviderTest {
 protected:
  void SetUp() override {
    ProviderTest::SetUp();
    ASSERT_TRUE(notify::InitHttpGlobally().ok());
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    client_ = std::make_unique<RedisClient>(redis_->ClientOptions());
    preferences_ =
        std::make_unique<NotificationPreferenceStore>(*client_, kTenant);
    notify::HttpSmsConfig config;
    config.endpoint = provider().sms_url();
    config.api_key = provider().options().api_key;
    config.sign_name = "济宁科普";
    config.http.total_timeout = absl::Seconds(1);
    sender_ = std::make_unique<notify::HttpSmsSender>(config);
  }

  SmsDelivery Worker(SmsDeliveryOptions options = {}) {
    return SmsDelivery(
        *client_, kTenant,
        [](absl::string_view user) -> absl::StatusOr<std::string> {
          if (user == "u-nophone") return std::string();
          return std::string(user == "u1" ? "13912345601" : "13912345602");
        },
        *preferences_, *sender_, clock_, options);
  }

  // Queues a job as the delivery workers do.
  void Queue(const std::string& key, const std::string& event,
             v1::Role role = v1::ROLE_RESIDENT,
             const std::string& user = "u1") {
    v1::SmsJob job;
    job.set_key(key);
    job.set_user_id(user);
    job.set_event(event);
    job.set_recipient_role(role);
    (*job.mutable_vars())["order_no"] = "ST8318";
    (*job.mutable_vars())["team"] = "任城区科协防诈骗宣讲队";
    (*job.mutable_vars())["team_phone"] = "13800000007";
    (*job.mutable_vars())["deadline"] = "1796000000000";
    ASSERT_TRUE(
        client_
            ->Pipeline({{"HSET", absl::StrCat(kPrefix, "sms:jobs"), key,
                         job.SerializeAsString()},
                        {"ZADD", absl::StrCat(kPrefix, "sms:due"), "0", key}})
            .ok());
  }

  int Sent() {
    absl::StatusOr<std::vector<FakeSms>> messages = provider().Messages();
    EXPECT_TRUE(messages.ok()) << messages.status();
    return messages.ok() ? static_cast<int>(messages->size()) : -1;
  }

  // The outcomes the SMS log holds for `key`, oldest first.
  std::vector<std::string> Outcomes(const std::string& key) {
    absl::StatusOr<RedisReply> log = client_->Command(
        {"XRANGE", absl::StrCat(kPrefix, "sms:log"), "-", "+"});
    EXPECT_TRUE(log.ok());
    std::vector<std::string> outcomes;
    for (size_t i = 0; log.ok() && i < log->Size(); ++i) {
      const RedisReply& fields = (*log)[i][1];
      std::string entry_key, outcome;
      for (size_t f = 0; f + 1 < fields.Size(); f += 2) {
        if (fields[f].Str() == "key")
          entry_key = std::string(fields[f + 1].Str());
        if (fields[f].Str() == "outcome") {
          outcome = std::string(fields[f + 1].Str());
        }
      }
      if (entry_key == key) outcomes.push_back(outcome);
    }
    return outcomes;
  }

  int64_t DueAt(const std::string& key) {
    absl::StatusOr<RedisReply> score =
        client_->Command({"ZSCORE", absl::StrCat(kPrefix, "sms:due"), key});
    EXPECT_TRUE(score.ok());
    if (!score.ok() || score->IsNil()) return -1;
    return std::stoll(std::string(score->Str()));
  }

  FakeClock clock_{Jining(10)};
  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<NotificationPreferenceStore> preferences_;
  std::unique_ptr<notify::HttpSmsSender> sender_;
};

TEST_F(SmsDeliveryTest, ATextIsSentWithItsTemplateAndParameters) {
  Queue("e1:0:u1:sms", "order.accepted");
  SmsDelivery worker = Worker();
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  absl::StatusOr<std::vector<FakeSms>> messages = provider().Messages();
  ASSERT_TRUE(messages.ok());
  ASSERT_EQ(messages->size(), 1u);
  const FakeSms& sms = messages->front();
  EXPECT_EQ(sms.phone, "13912345601");
  EXPECT_EQ(sms.template_code, "KEPU_ORDER_ACCEPTED");
  EXPECT_EQ(sms.out_id, "e1:0:u1:sms");
  EXPECT_THAT(sms.template_params, Contains(Pair("order_no", "ST8318")));
  EXPECT_THAT(sms.template_params, Contains(Pair("team_phone", "13800000007")));
  // Cut to what one segment leaves room for.
  EXPECT_THAT(sms.template_params, Contains(Pair("team", "任城区科协防诈…")));
  EXPECT_THAT(Outcomes("e1:0:u1:sms"), ::testing::ElementsAre("sent"));
  // Queued again (a delivery tried twice): not sent again.
  Queue("e1:0:u1:sms", "order.accepted");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 1);
}

TEST_F(SmsDeliveryTest, QuietHoursHoldATextUntilMorningUnlessMustActIsAllowed) {
  clock_.Set(Jining(22, 30));
  Queue("e1:0:u1:sms", "order.accepted");
  SmsDelivery worker = Worker();
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 0);
  EXPECT_EQ(DueAt("e1:0:u1:sms"), absl::ToUnixMillis(Jining(8, 0, 9)));
  clock_.Set(Jining(7, 59, 9));
  EXPECT_EQ(worker.RunOnce().value_or(-1), 0);
  EXPECT_EQ(Sent(), 0);
  clock_.Set(Jining(8, 0, 9));
  EXPECT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 1);

  // A must-act text in quiet hours goes at once when the person allows it.
  v1::NotificationPreferences allow;
  allow.set_must_act_in_quiet_hours(true);
  ASSERT_TRUE(
      preferences_
          ->Update("u2", "req-1", "00000000000000000000000000000001", 0, allow)
          .ok());
  clock_.Set(Jining(23, 0, 9));
  Queue("e2:0:u2:sms", "order.info_requested", v1::ROLE_RESIDENT, "u2");
  Queue("e3:0:u2:sms", "order.accepted", v1::ROLE_RESIDENT, "u2");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 2);
  EXPECT_EQ(Sent(), 2);  // the question, not the acceptance
  EXPECT_THAT(Outcomes("e3:0:u2:sms"), ::testing::ElementsAre("held"));
}

TEST_F(SmsDeliveryTest, TheDailyCapHoldsPerPersonAndDay) {
  SmsDeliveryOptions options;
  options.daily_cap = 2;
  SmsDelivery worker = Worker(options);
  for (int i = 0; i < 3; ++i) {
    Queue(absl::StrCat("e", i, ":0:u1:sms"), "order.accepted");
  }
  Queue("e9:0:u2:sms", "order.accepted", v1::ROLE_RESIDENT, "u2");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 4);
  EXPECT_EQ(Sent(), 3);  // two for u1, one for u2
  EXPECT_THAT(Outcomes("e2:0:u1:sms"), ::testing::ElementsAre("capped"));
  // The next day counts afresh.
  clock_.Set(Jining(10, 0, 9));
  Queue("e5:0:u1:sms", "order.accepted");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 4);
}

TEST_F(SmsDeliveryTest, FailuresAreTriedAgainWithBackoffThenSentOnce) {
  SmsDeliveryOptions options;
  options.first_backoff = absl::Seconds(10);
  SmsDelivery worker = Worker(options);
  ASSERT_TRUE(provider().SetMode("fail", "", 2).ok());
  Queue("e1:0:u1:sms", "order.accepted");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  // Backoff: 10 s ± 20 %.
  const int64_t first = DueAt("e1:0:u1:sms") - absl::ToUnixMillis(clock_.Now());
  EXPECT_GE(first, 8'000);
  EXPECT_LE(first, 12'000);
  EXPECT_EQ(worker.RunOnce().value_or(-1), 0);  // not due yet
  clock_.Advance(absl::Seconds(13));
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  // Doubled: 20 s ± 20 %.
  const int64_t second =
      DueAt("e1:0:u1:sms") - absl::ToUnixMillis(clock_.Now());
  EXPECT_GE(second, 16'000);
  EXPECT_LE(second, 24'000);
  clock_.Advance(absl::Seconds(25));
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 1);
  EXPECT_THAT(Outcomes("e1:0:u1:sms"),
              ::testing::ElementsAre("retry", "retry", "sent"));
}

TEST_F(SmsDeliveryTest, TheLastFailureAndARefusalGoToTheDeadLetters) {
  SmsDeliveryOptions options;
  options.max_attempts = 3;
  options.first_backoff = absl::Seconds(1);
  SmsDelivery worker = Worker(options);
  ASSERT_TRUE(provider().SetMode("fail", "").ok());
  Queue("e1:0:u1:sms", "order.accepted");
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(worker.RunOnce().value_or(-1), 1) << round;
    clock_.Advance(absl::Seconds(10));
  }
  EXPECT_THAT(Outcomes("e1:0:u1:sms"),
              ::testing::ElementsAre("retry", "retry", "dead"));
  EXPECT_EQ(DueAt("e1:0:u1:sms"), -1);
  // A refused number: dead at once, never tried again.
  ASSERT_TRUE(provider().SetMode("reject", "").ok());
  Queue("e2:0:u2:sms", "order.accepted", v1::ROLE_RESIDENT, "u2");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_THAT(Outcomes("e2:0:u2:sms"), ::testing::ElementsAre("dead"));
  absl::StatusOr<RedisReply> dead =
      client_->Command({"XLEN", absl::StrCat(kPrefix, "notify:dead")});
  ASSERT_TRUE(dead.ok());
  EXPECT_EQ(dead->Integer(), 2);
  EXPECT_EQ(Sent(), 0);
}

TEST_F(SmsDeliveryTest, ATimeoutIsTriedAgainAndTheProviderCountsItOnce) {
  SmsDeliveryOptions options;
  options.first_backoff = absl::Seconds(1);
  SmsDelivery worker = Worker(options);
  // The provider takes the text but answers too late.
  ASSERT_TRUE(provider().SetMode("timeout", "", 1).ok());
  Queue("e1:0:u1:sms", "order.accepted");
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  clock_.Advance(absl::Seconds(5));
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 1);
  EXPECT_THAT(Outcomes("e1:0:u1:sms"), ::testing::ElementsAre("retry", "sent"));
}

TEST_F(SmsDeliveryTest, APersonWithoutAPhoneGetsNoText) {
  Queue("e1:0:u-nophone:sms", "order.accepted", v1::ROLE_RESIDENT, "u-nophone");
  SmsDelivery worker = Worker();
  ASSERT_EQ(worker.RunOnce().value_or(-1), 1);
  EXPECT_EQ(Sent(), 0);
  EXPECT_THAT(Outcomes("e1:0:u-nophone:sms"),
              ::testing::ElementsAre("no_phone"));
}

}  // namespace
}  // namespace kepu::testing
