// WebhookSender against the fake provider's Standard Webhooks receiver,
// which verifies every signature with Python's hmac: an implementation
// independent of ours.
#include "services/notify/webhook.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/notify/provider_fixture.h"

namespace kepu::notify {
namespace {

using ::kepu::testing::FakeWebhook;
using Outcome = WebhookResult::Outcome;

constexpr absl::Duration kTotalTimeout = absl::Seconds(1);
constexpr absl::Duration kMargin = absl::Seconds(2);
constexpr char kBody[] =
    R"({"type":"order.accepted","timestamp":"2026-12-08T02:15:00Z",)"
    R"("data":{"order_no":"JN-20261208-0042","team":"任城区科普队"}})";

class WebhookSenderTest : public ::kepu::testing::ProviderTest {
 protected:
  WebhookSenderTest() : sender_(Options()) {}

  static HttpClientOptions Options() {
    HttpClientOptions options;
    options.connect_timeout = absl::Milliseconds(500);
    options.total_timeout = kTotalTimeout;
    return options;
  }
  WebhookEndpoint Endpoint(std::string name) {
    return WebhookEndpoint{"ep-" + name,
                           provider().webhook_url(name),
                           provider().options().webhook_secret,
                           {"order.accepted"},
                           true};
  }
  // Whole seconds, so an HTTP date built from it is exact.
  static absl::Time Now() {
    return absl::FromUnixSeconds(absl::ToUnixSeconds(absl::Now()));
  }
  std::vector<FakeWebhook> AwaitOne() {
    absl::StatusOr<std::vector<FakeWebhook>> got = provider().AwaitWebhooks(
        [](const std::vector<FakeWebhook>& w) { return !w.empty(); },
        absl::Seconds(5));
    EXPECT_TRUE(got.ok()) << got.status();
    return got.ok() ? *got : std::vector<FakeWebhook>{};
  }

  WebhookSender sender_;
};

TEST_F(WebhookSenderTest, DeliveredAndVerifiedByTheReceiver) {
  const absl::Time now = Now();
  WebhookResult result =
      sender_.Deliver(Endpoint("crm"), "msg_order_42_accepted", kBody, now);
  EXPECT_EQ(result.outcome, Outcome::kDelivered) << result.detail;
  EXPECT_EQ(result.http_status, 200);

  const std::vector<FakeWebhook> got = AwaitOne();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].verified) << got[0].reason;
  EXPECT_EQ(got[0].name, "crm");
  EXPECT_EQ(got[0].id, "msg_order_42_accepted");
  EXPECT_EQ(got[0].timestamp, std::to_string(absl::ToUnixSeconds(now)));
  EXPECT_EQ(got[0].body, kBody);
  EXPECT_EQ(got[0].signature,
            *StandardWebhookSignature(provider().options().webhook_secret,
                                      "msg_order_42_accepted",
                                      absl::ToUnixSeconds(now), kBody));
}

TEST_F(WebhookSenderTest, WrongSecretIsRefusedByTheReceiver) {
  WebhookEndpoint endpoint = Endpoint("crm");
  endpoint.secret = "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  WebhookResult result = sender_.Deliver(endpoint, "msg_1", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kFailed) << result.detail;
  EXPECT_EQ(result.http_status, 401);
  const std::vector<FakeWebhook> got = AwaitOne();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].verified);
  EXPECT_EQ(got[0].reason, "no matching signature");
}

TEST_F(WebhookSenderTest, StaleTimestampIsRefusedByTheReceiver) {
  WebhookResult result = sender_.Deliver(Endpoint("crm"), "msg_2", kBody,
                                         Now() - absl::Minutes(6));
  EXPECT_EQ(result.outcome, Outcome::kFailed) << result.detail;
  const std::vector<FakeWebhook> got = AwaitOne();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_FALSE(got[0].verified);
  EXPECT_EQ(got[0].reason, "timestamp out of tolerance");
}

TEST_F(WebhookSenderTest, GoneMeansDisableTheEndpoint) {
  ASSERT_TRUE(provider().SetMode("", "gone", 1).ok());
  WebhookResult result =
      sender_.Deliver(Endpoint("old"), "msg_3", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kGone) << result.detail;
  EXPECT_EQ(result.http_status, 410);
}

TEST_F(WebhookSenderTest, RetryAfterInSecondsIsHonoured) {
  ASSERT_TRUE(provider().SetMode("", "retry_after", 1).ok());
  ASSERT_TRUE(provider().SetWebhookRetryAfter("7").ok());
  WebhookResult result =
      sender_.Deliver(Endpoint("crm"), "msg_4", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kRetry) << result.detail;
  EXPECT_EQ(result.http_status, 503);
  EXPECT_EQ(result.retry_after, absl::Seconds(7));
}

TEST_F(WebhookSenderTest, RetryAfterAsAnHttpDateIsHonoured) {
  const absl::Time now = Now();
  ASSERT_TRUE(provider().SetMode("", "retry_after", 1).ok());
  ASSERT_TRUE(provider()
                  .SetWebhookRetryAfter(absl::FormatTime(
                      "%a, %d %b %Y %H:%M:%S GMT", now + absl::Seconds(120),
                      absl::UTCTimeZone()))
                  .ok());
  WebhookResult result = sender_.Deliver(Endpoint("crm"), "msg_5", kBody, now);
  EXPECT_EQ(result.outcome, Outcome::kRetry) << result.detail;
  EXPECT_EQ(result.retry_after, absl::Seconds(120));
}

TEST_F(WebhookSenderTest, ServerErrorIsRetriedOtherClientErrorsAreNot) {
  ASSERT_TRUE(provider().SetMode("", "fail", 1).ok());
  WebhookResult result =
      sender_.Deliver(Endpoint("crm"), "msg_6", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kRetry) << result.detail;
  EXPECT_EQ(result.http_status, 500);
  EXPECT_EQ(result.retry_after, std::nullopt);

  ASSERT_TRUE(provider().SetMode("", "reject", 1).ok());
  result = sender_.Deliver(Endpoint("crm"), "msg_6", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kFailed) << result.detail;
  EXPECT_EQ(result.http_status, 400);

  // The receiver is fine again: the same message goes through.
  result = sender_.Deliver(Endpoint("crm"), "msg_6", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kDelivered) << result.detail;

  // Every attempt was the same message (one webhook-id, the receiver's
  // idempotency key), each signed afresh and verified.
  absl::StatusOr<std::vector<FakeWebhook>> got = provider().Webhooks();
  ASSERT_TRUE(got.ok()) << got.status();
  ASSERT_EQ(got->size(), 3u);
  for (const FakeWebhook& attempt : *got) {
    EXPECT_EQ(attempt.id, "msg_6");
    EXPECT_TRUE(attempt.verified) << attempt.reason;
  }
  EXPECT_EQ((*got)[0].status, 500);
  EXPECT_EQ((*got)[1].status, 400);
  EXPECT_EQ((*got)[2].status, 200);
}

TEST_F(WebhookSenderTest, TimeoutIsRetriedWithinTheTotalTimeout) {
  ASSERT_TRUE(provider().SetMode("", "timeout", 1).ok());
  const absl::Time start = absl::Now();
  WebhookResult result =
      sender_.Deliver(Endpoint("slow"), "msg_7", kBody, Now());
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(result.outcome, Outcome::kRetry) << result.detail;
  EXPECT_EQ(result.http_status, 0);
  EXPECT_LT(took, kTotalTimeout + kMargin);
}

TEST_F(WebhookSenderTest, InactiveEndpointIsNeverCalled) {
  WebhookEndpoint endpoint = Endpoint("crm");
  endpoint.active = false;
  WebhookResult result = sender_.Deliver(endpoint, "msg_8", kBody, Now());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(*provider().WebhookRequests(), 0);
}

}  // namespace
}  // namespace kepu::notify
