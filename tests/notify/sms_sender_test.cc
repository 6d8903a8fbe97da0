// HttpSmsSender against the fake SMS provider process (Kepu's provider
// contract, services/notify/sms_sender.h).
#include "services/notify/sms_sender.h"

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "tests/notify/provider_fixture.h"

namespace kepu::notify {
namespace {

using ::kepu::testing::FakeSms;

constexpr absl::Duration kTotalTimeout = absl::Seconds(1);
// Scheduling slack on a shared machine: a timeout must end within the
// client's total timeout plus this.
constexpr absl::Duration kMargin = absl::Seconds(2);

SmsMessage Accepted(std::string key) {
  return SmsMessage{
      "13812345678",
      "KEPU_ORDER_ACCEPTED",
      {{"order_no", "JN-20261208-0042"}, {"team", "任城区科普队"}},
      std::move(key)};
}

class HttpSmsSenderTest : public ::kepu::testing::ProviderTest {
 protected:
  HttpSmsConfig Config(std::string api_key = "test-api-key") {
    HttpSmsConfig config;
    config.endpoint = provider().sms_url();
    config.api_key = std::move(api_key);
    config.sign_name = "济宁科普";
    config.http.connect_timeout = absl::Milliseconds(500);
    config.http.total_timeout = kTotalTimeout;
    return config;
  }
  std::vector<FakeSms> Received() {
    absl::StatusOr<std::vector<FakeSms>> messages = provider().Messages();
    EXPECT_TRUE(messages.ok()) << messages.status();
    return messages.ok() ? *messages : std::vector<FakeSms>{};
  }
};

TEST_F(HttpSmsSenderTest, AcceptedMessageArrivesAsSent) {
  HttpSmsSender sender(Config());
  absl::Duration retry_after = absl::Seconds(99);
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-1"), &retry_after);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_FALSE(receipt->provider_message_id.empty());
  EXPECT_EQ(retry_after, absl::ZeroDuration());

  const std::vector<FakeSms> received = Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].phone, "13812345678");
  EXPECT_EQ(received[0].sign_name, "济宁科普");
  EXPECT_EQ(received[0].template_code, "KEPU_ORDER_ACCEPTED");
  EXPECT_EQ(received[0].template_params,
            (std::map<std::string, std::string>{
                {"order_no", "JN-20261208-0042"}, {"team", "任城区科普队"}}));
  EXPECT_EQ(received[0].out_id, "outbox-1");
  EXPECT_EQ(received[0].message_id, receipt->provider_message_id);
}

TEST_F(HttpSmsSenderTest, RepeatWithTheSameKeyIsOneMessage) {
  HttpSmsSender sender(Config());
  absl::StatusOr<SmsReceipt> first = sender.Send(Accepted("outbox-2"), nullptr);
  absl::StatusOr<SmsReceipt> again = sender.Send(Accepted("outbox-2"), nullptr);
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->provider_message_id, first->provider_message_id);
  EXPECT_EQ(*provider().SmsRequests(), 2);
  EXPECT_EQ(Received().size(), 1u);

  // Another key is another message.
  absl::StatusOr<SmsReceipt> other = sender.Send(Accepted("outbox-3"), nullptr);
  ASSERT_TRUE(other.ok()) << other.status();
  EXPECT_NE(other->provider_message_id, first->provider_message_id);
  EXPECT_EQ(Received().size(), 2u);
}

TEST_F(HttpSmsSenderTest, ProviderErrorIsUnavailableAndSendsNothing) {
  ASSERT_TRUE(provider().SetMode("fail", "", 1).ok());
  HttpSmsSender sender(Config());
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-4"), nullptr);
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kUnavailable)
      << receipt.status();
  EXPECT_TRUE(Received().empty());
  // The provider is back: the retry goes through, once.
  receipt = sender.Send(Accepted("outbox-4"), nullptr);
  ASSERT_TRUE(receipt.ok()) << receipt.status();
  EXPECT_EQ(Received().size(), 1u);
}

TEST_F(HttpSmsSenderTest, TimeoutIsDeadlineExceededWithinTheTotalTimeout) {
  ASSERT_TRUE(provider().SetMode("timeout", "", 1).ok());
  HttpSmsSender sender(Config());
  const absl::Time start = absl::Now();
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-5"), nullptr);
  const absl::Duration took = absl::Now() - start;
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kDeadlineExceeded)
      << receipt.status();
  EXPECT_GE(took, kTotalTimeout - absl::Milliseconds(50));
  EXPECT_LT(took, kTotalTimeout + kMargin);

  // The provider had taken it and the answer was lost: sending again under
  // the same key gets the receipt and no second text.
  absl::StatusOr<SmsReceipt> again = sender.Send(Accepted("outbox-5"), nullptr);
  ASSERT_TRUE(again.ok()) << again.status();
  const std::vector<FakeSms> received = Received();
  ASSERT_EQ(received.size(), 1u);
  EXPECT_EQ(received[0].message_id, again->provider_message_id);
}

TEST_F(HttpSmsSenderTest, RateLimitIsResourceExhaustedWithRetryAfter) {
  ASSERT_TRUE(provider().SetMode("ratelimit", "", 1).ok());
  HttpSmsSender sender(Config());
  absl::Duration retry_after;
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-6"), &retry_after);
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kResourceExhausted)
      << receipt.status();
  EXPECT_EQ(retry_after, absl::Seconds(2));
  EXPECT_TRUE(Received().empty());
}

TEST_F(HttpSmsSenderTest, IllegalNumberIsPermanent) {
  ASSERT_TRUE(provider().SetMode("reject", "", 1).ok());
  HttpSmsSender sender(Config());
  absl::Duration retry_after;
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-7"), &retry_after);
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kInvalidArgument)
      << receipt.status();
  EXPECT_NE(receipt.status().message().find("isv.MOBILE_NUMBER_ILLEGAL"),
            absl::string_view::npos);
  EXPECT_EQ(retry_after, absl::ZeroDuration());
  EXPECT_TRUE(Received().empty());
}

TEST_F(HttpSmsSenderTest, BusinessErrorCodesMapToTheContract) {
  const std::pair<const char*, absl::StatusCode> kCodes[] = {
      {"isv.MOBILE_NUMBER_ILLEGAL", absl::StatusCode::kInvalidArgument},
      {"isv.TEMPLATE_MISSING", absl::StatusCode::kInvalidArgument},
      {"isv.TEMPLATE_PARAMS_ILLEGAL", absl::StatusCode::kInvalidArgument},
      {"isv.BUSINESS_LIMIT_CONTROL", absl::StatusCode::kResourceExhausted},
      {"isv.AMOUNT_NOT_ENOUGH", absl::StatusCode::kFailedPrecondition},
      {"isv.SOMETHING_NEW", absl::StatusCode::kFailedPrecondition},
  };
  HttpSmsSender sender(Config());
  for (const auto& [code, status] : kCodes) {
    ASSERT_TRUE(provider().SetMode("reject", "", 1).ok());
    ASSERT_TRUE(provider().SetSmsRejectCode(code).ok());
    EXPECT_EQ(sender.Send(Accepted("outbox-11"), nullptr).status().code(),
              status)
        << code;
  }
  EXPECT_TRUE(Received().empty());
}

TEST_F(HttpSmsSenderTest, UnreadableAnswerIsRetried) {
  ASSERT_TRUE(provider().SetMode("garbage", "", 1).ok());
  HttpSmsSender sender(Config());
  EXPECT_EQ(sender.Send(Accepted("outbox-12"), nullptr).status().code(),
            absl::StatusCode::kUnavailable);
}

TEST_F(HttpSmsSenderTest, WrongApiKeyIsFailedPrecondition) {
  HttpSmsSender sender(Config("not-the-key"));
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-8"), nullptr);
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kFailedPrecondition)
      << receipt.status();
  EXPECT_EQ(*provider().SmsRequests(), 1);
  EXPECT_TRUE(Received().empty());
}

TEST_F(HttpSmsSenderTest, NoProviderListeningIsUnavailable) {
  HttpSmsConfig config = Config();
  config.endpoint =
      "http://127.0.0.1:" + std::to_string(::kepu::testing::FreePort()) +
      "/sms";
  HttpSmsSender sender(config);
  const absl::Time start = absl::Now();
  absl::StatusOr<SmsReceipt> receipt =
      sender.Send(Accepted("outbox-9"), nullptr);
  EXPECT_EQ(receipt.status().code(), absl::StatusCode::kUnavailable)
      << receipt.status();
  EXPECT_LT(absl::Now() - start, kTotalTimeout + kMargin);
}

TEST_F(HttpSmsSenderTest, MessageWithoutKeyOrPhoneIsRefusedUnsent) {
  HttpSmsSender sender(Config());
  SmsMessage no_key = Accepted("");
  EXPECT_EQ(sender.Send(no_key, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  SmsMessage no_phone = Accepted("outbox-10");
  no_phone.phone.clear();
  EXPECT_EQ(sender.Send(no_phone, nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(*provider().SmsRequests(), 0);
}

}  // namespace
}  // namespace kepu::notify
