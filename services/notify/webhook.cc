#include "services/notify/webhook.h"

#include <sodium.h>

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace kepu::notify {

bool WebhookEndpoint::Wants(absl::string_view event_type) const {
  if (!active) return false;
  if (event_types.empty()) return true;
  return std::find(event_types.begin(), event_types.end(), event_type) !=
         event_types.end();
}

absl::StatusOr<std::string> WebhookSecretKey(absl::string_view secret) {
  absl::ConsumePrefix(&secret, "whsec_");
  std::string key(secret.size(), '\0');  // base64 never decodes longer
  size_t key_length = 0;
  const char* end = nullptr;
  if (secret.empty() ||
      sodium_base642bin(reinterpret_cast<unsigned char*>(key.data()),
                        key.size(), secret.data(), secret.size(), nullptr,
                        &key_length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != secret.data() + secret.size() || key_length == 0) {
    return absl::InvalidArgumentError(
        "a webhook secret is \"whsec_\" and a base64 key");
  }
  key.resize(key_length);
  return key;
}

absl::StatusOr<std::string> StandardWebhookSignature(absl::string_view secret,
                                                     absl::string_view id,
                                                     int64_t timestamp,
                                                     absl::string_view body) {
  absl::StatusOr<std::string> key = WebhookSecretKey(secret);
  if (!key.ok()) return key.status();
  const std::string signed_content = absl::StrCat(id, ".", timestamp, ".");
  crypto_auth_hmacsha256_state state;
  std::array<unsigned char, crypto_auth_hmacsha256_BYTES> mac;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key->data()), key->size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(signed_content.data()),
      signed_content.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(body.data()), body.size());
  crypto_auth_hmacsha256_final(&state, mac.data());
  sodium_memzero(&state, sizeof state);

  std::string encoded(
      sodium_base64_ENCODED_LEN(mac.size(), sodium_base64_VARIANT_ORIGINAL),
      '\0');
  sodium_bin2base64(encoded.data(), encoded.size(), mac.data(), mac.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  encoded.resize(encoded.find('\0'));  // the encoded length counts the NUL
  return absl::StrCat("v1,", encoded);
}

std::optional<absl::Duration> WebhookRetryDelay(int attempt) {
  static constexpr absl::Duration kSchedule[] = {
      absl::ZeroDuration(), absl::Seconds(5), absl::Minutes(5),
      absl::Minutes(30),    absl::Hours(2),   absl::Hours(5),
      absl::Hours(10),      absl::Hours(10)};
  if (attempt < 0 || attempt >= static_cast<int>(std::size(kSchedule))) {
    return std::nullopt;
  }
  return kSchedule[attempt];
}

HttpClientOptions WebhookSender::DefaultHttpOptions() {
  HttpClientOptions options;
  options.connect_timeout = absl::Seconds(5);
  options.total_timeout = absl::Seconds(15);
  return options;
}

WebhookSender::WebhookSender(HttpClientOptions http) : http_(std::move(http)) {}

WebhookResult WebhookSender::Deliver(const WebhookEndpoint& endpoint,
                                     absl::string_view message_id,
                                     absl::string_view body, absl::Time now) {
  using Outcome = WebhookResult::Outcome;
  WebhookResult result;
  if (!endpoint.active) {
    result.outcome = Outcome::kFailed;
    result.detail = absl::StrCat("endpoint ", endpoint.id, " is inactive");
    return result;
  }
  const int64_t timestamp = absl::ToUnixSeconds(now);
  absl::StatusOr<std::string> signature =
      StandardWebhookSignature(endpoint.secret, message_id, timestamp, body);
  if (!signature.ok()) {
    result.outcome = Outcome::kFailed;
    result.detail = absl::StrCat("endpoint ", endpoint.id, ": ",
                                 signature.status().message());
    return result;
  }
  absl::StatusOr<HttpResponse> answer =
      http_.Post(endpoint.url,
                 {{"Content-Type", "application/json"},
                  {"webhook-id", std::string(message_id)},
                  {"webhook-timestamp", absl::StrCat(timestamp)},
                  {"webhook-signature", *signature}},
                 body);
  if (!answer.ok()) {
    // A timeout, no connection: the receiver may be down for a while.
    result.outcome =
        answer.status().code() == absl::StatusCode::kInvalidArgument
            ? Outcome::kFailed
            : Outcome::kRetry;
    result.detail = std::string(answer.status().message());
    return result;
  }
  const int status = answer->status;
  result.http_status = status;
  result.detail = absl::StrCat("HTTP ", status);
  if (status >= 200 && status < 300) {
    result.outcome = Outcome::kDelivered;
  } else if (status == 410) {
    result.outcome = Outcome::kGone;
  } else if (status >= 400 && status < 500 && status != 408 && status != 429) {
    result.outcome = Outcome::kFailed;
  } else {
    result.outcome = Outcome::kRetry;
    if (std::optional<std::string> value = answer->Header("retry-after")) {
      result.retry_after = ParseRetryAfter(*value, now);
    }
  }
  return result;
}

}  // namespace kepu::notify
