// The pure parts of the webhook channel: the signature (against the Standard
// Webhooks reference libraries' vector), secrets, the retry schedule, event
// filters, and Retry-After parsing.
#include <gtest/gtest.h>

#include "services/notify/http_client.h"
#include "services/notify/webhook.h"

namespace kepu::notify {
namespace {

// The vector of the Standard Webhooks reference libraries' sign tests
// (libraries/python/tests/test_webhooks.py, test_sign_function; the same in
// the other languages).
constexpr char kSecret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
constexpr char kMessageId[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
constexpr int64_t kTimestamp = 1614265330;
constexpr char kPayload[] = R"({"test": 2432232314})";
constexpr char kSignature[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

TEST(StandardWebhookSignature, MatchesTheReferenceVector) {
  absl::StatusOr<std::string> signature =
      StandardWebhookSignature(kSecret, kMessageId, kTimestamp, kPayload);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, kSignature);
}

TEST(StandardWebhookSignature, TakesABareBase64KeyToo) {
  absl::StatusOr<std::string> signature = StandardWebhookSignature(
      "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", kMessageId, kTimestamp, kPayload);
  ASSERT_TRUE(signature.ok()) << signature.status();
  EXPECT_EQ(*signature, kSignature);
}

TEST(StandardWebhookSignature, ChangesWithEverySignedPart) {
  const std::string base =
      *StandardWebhookSignature(kSecret, kMessageId, kTimestamp, kPayload);
  EXPECT_NE(
      *StandardWebhookSignature(kSecret, "msg_other", kTimestamp, kPayload),
      base);
  EXPECT_NE(
      *StandardWebhookSignature(kSecret, kMessageId, kTimestamp + 1, kPayload),
      base);
  EXPECT_NE(*StandardWebhookSignature(kSecret, kMessageId, kTimestamp,
                                      R"({"test":2432232314})"),
            base);
  EXPECT_NE(*StandardWebhookSignature("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                                      kMessageId, kTimestamp, kPayload),
            base);
}

TEST(WebhookSecretKey, RefusesWhatIsNotBase64) {
  EXPECT_EQ(WebhookSecretKey("whsec_").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(WebhookSecretKey("whsec_not base64!").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(
      StandardWebhookSignature("whsec_%%%", "id", 1, "{}").status().code(),
      absl::StatusCode::kInvalidArgument);
  absl::StatusOr<std::string> key = WebhookSecretKey(kSecret);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->size(), 24u);  // the spec's minimum
}

TEST(WebhookRetryDelay, FollowsTheScheduleThenGivesUp) {
  EXPECT_EQ(WebhookRetryDelay(0), absl::ZeroDuration());
  EXPECT_EQ(WebhookRetryDelay(1), absl::Seconds(5));
  EXPECT_EQ(WebhookRetryDelay(2), absl::Minutes(5));
  EXPECT_EQ(WebhookRetryDelay(3), absl::Minutes(30));
  EXPECT_EQ(WebhookRetryDelay(4), absl::Hours(2));
  EXPECT_EQ(WebhookRetryDelay(5), absl::Hours(5));
  EXPECT_EQ(WebhookRetryDelay(6), absl::Hours(10));
  EXPECT_EQ(WebhookRetryDelay(7), absl::Hours(10));
  EXPECT_EQ(WebhookRetryDelay(8), std::nullopt);
  EXPECT_EQ(WebhookRetryDelay(100), std::nullopt);
  EXPECT_EQ(WebhookRetryDelay(-1), std::nullopt);
  absl::Duration total;
  for (int i = 0; WebhookRetryDelay(i); ++i) total += *WebhookRetryDelay(i);
  EXPECT_EQ(total, absl::Hours(27) + absl::Minutes(35) + absl::Seconds(5));
}

TEST(WebhookEndpoint, WantsWhatItsFilterNamesWhileActive) {
  WebhookEndpoint all{"ep1", "http://x", kSecret, {}, true};
  EXPECT_TRUE(all.Wants("order.accepted"));
  WebhookEndpoint some{"ep2", "http://x", kSecret, {"order.accepted"}, true};
  EXPECT_TRUE(some.Wants("order.accepted"));
  EXPECT_FALSE(some.Wants("order.closed"));
  some.active = false;
  EXPECT_FALSE(some.Wants("order.accepted"));
}

TEST(ParseRetryAfter, SecondsOrHttpDate) {
  const absl::Time now = absl::FromUnixSeconds(1796683200);
  EXPECT_EQ(ParseRetryAfter("2", now), absl::Seconds(2));
  EXPECT_EQ(ParseRetryAfter(" 120 ", now), absl::Seconds(120));
  EXPECT_EQ(ParseRetryAfter("0", now), absl::ZeroDuration());
  // 1796683200 is Mon, 07 Dec 2026 22:40:00 GMT.
  EXPECT_EQ(ParseRetryAfter("Mon, 07 Dec 2026 22:41:30 GMT", now),
            absl::Seconds(90));
  EXPECT_EQ(ParseRetryAfter("Mon, 07 Dec 2026 22:00:00 GMT", now),
            absl::ZeroDuration());  // already past
  EXPECT_EQ(ParseRetryAfter("", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("-5", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("soon", now), std::nullopt);
  EXPECT_EQ(ParseRetryAfter("99999999999999999999", now), absl::Hours(24));
}

}  // namespace
}  // namespace kepu::notify
