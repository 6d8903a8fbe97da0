// HttpClient against the fake provider process: statuses, headers, errors,
// and one client per thread.
#include "services/notify/http_client.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <thread>

#include "tests/notify/provider_fixture.h"

namespace kepu::notify {
namespace {

class HttpClientTest : public ::kepu::testing::ProviderTest {};

TEST_F(HttpClientTest, AnswersStatusHeadersAndBody) {
  ASSERT_TRUE(provider().SetMode("ratelimit", "", 1).ok());
  HttpClient client;
  absl::StatusOr<HttpResponse> response = client.Post(
      provider().sms_url(), {{"Authorization", "Bearer test-api-key"}},
      R"({"phone":"13812345678","template_code":"T","out_id":"x"})");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 429);
  EXPECT_EQ(response->Header("Retry-After"), "2");  // any case
  EXPECT_EQ(response->Header("retry-after"), "2");
  EXPECT_EQ(response->Header("x-absent"), std::nullopt);
  EXPECT_NE(response->body.find("Throttling"), std::string::npos);

  response = client.Get(provider().base_url() + "/control/stats");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"sms_requests": 1, "webhook_requests": 0})");
}

TEST_F(HttpClientTest, EmptyBodyIsAnEmptyPost) {
  HttpClient client;
  absl::StatusOr<HttpResponse> response = client.Post(
      provider().base_url() + "/control/reset", {}, absl::string_view());
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpClientTest, LongBodyIsCutAtTheLimit) {
  HttpClientOptions options;
  options.max_body_bytes = 10;
  HttpClient client(options);
  absl::StatusOr<HttpResponse> response =
      client.Get(provider().base_url() + "/control/stats");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"({"sms_requ)");
  EXPECT_TRUE(response->body_truncated);
}

TEST_F(HttpClientTest, IgnoresTheEnvironmentsProxy) {
  const std::string nowhere =
      "http://127.0.0.1:" + std::to_string(::kepu::testing::FreePort());
  setenv("http_proxy", nowhere.c_str(), 1);
  setenv("HTTPS_PROXY", nowhere.c_str(), 1);
  HttpClient client;
  absl::StatusOr<HttpResponse> response =
      client.Get(provider().base_url() + "/control/stats");
  unsetenv("http_proxy");
  unsetenv("HTTPS_PROXY");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailable) {
  HttpClient client;
  absl::StatusOr<HttpResponse> response = client.Get(
      "http://127.0.0.1:" + std::to_string(::kepu::testing::FreePort()) + "/");
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
}

TEST_F(HttpClientTest, UnusableUrlIsInvalidArgument) {
  HttpClient client;
  EXPECT_EQ(client.Get("gopher://127.0.0.1/").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(client.Get("").status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(HttpClientTest, OneClientPerThreadConcurrently) {
  constexpr int kThreads = 4;
  constexpr int kEach = 10;
  std::vector<std::thread> threads;
  std::vector<int> ok(kThreads, 0);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      HttpClient client;
      for (int i = 0; i < kEach; ++i) {
        absl::StatusOr<HttpResponse> response = client.Post(
            provider().sms_url(), {{"Authorization", "Bearer test-api-key"}},
            R"({"phone":"13812345678","template_code":"T","out_id":")" +
                std::to_string(t * kEach + i) + R"("})");
        if (response.ok() && response->status == 200) ++ok[t];
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(ok[t], kEach) << t;
  absl::StatusOr<std::vector<::kepu::testing::FakeSms>> messages =
      provider().Messages();
  ASSERT_TRUE(messages.ok()) << messages.status();
  EXPECT_EQ(messages->size(), static_cast<size_t>(kThreads * kEach));
}

}  // namespace
}  // namespace kepu::notify
