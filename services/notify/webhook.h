// The webhook channel, as the Standard Webhooks specification (1.0) has it:
// an HTTP POST of the event's JSON with three headers,
//   webhook-id:        the message's id, the same on every attempt (the
//                      receiver's idempotency key);
//   webhook-timestamp: this attempt's time, integer Unix seconds;
//   webhook-signature: "v1,<base64 of HMAC-SHA256(key, id.timestamp.body)>",
// where the endpoint's secret is "whsec_<base64 of the key>" (24 to 64 bytes
// of randomness). Receivers reject timestamps more than 5 minutes off.
//
// Thread safety: the free functions are pure and thread-safe. A WebhookSender
// holds one HttpClient and is not thread-safe: use one per worker thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/notify/http_client.h"

namespace kepu::notify {

// A subscriber's endpoint.
struct WebhookEndpoint {
  std::string id;
  std::string url;
  // "whsec_<base64>" (a bare base64 key is taken too).
  std::string secret;
  // Event types sent to it ("order.accepted"); empty: every type.
  std::vector<std::string> event_types;
  // False once disabled (by an operator, or after a 410 Gone).
  bool active = true;

  // Whether an event of `event_type` goes to this endpoint.
  bool Wants(absl::string_view event_type) const;
};

// The HMAC key of a secret: the base64-decoded part after "whsec_" (or the
// whole when there is no prefix). kInvalidArgument when it is not base64 or
// decodes to nothing.
absl::StatusOr<std::string> WebhookSecretKey(absl::string_view secret);

// The webhook-signature header value for one attempt:
// "v1," + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")).
// kInvalidArgument when `secret` is malformed (WebhookSecretKey).
absl::StatusOr<std::string> StandardWebhookSignature(absl::string_view secret,
                                                     absl::string_view id,
                                                     int64_t timestamp,
                                                     absl::string_view body);

struct WebhookResult {
  enum class Outcome {
    // 2xx: done.
    kDelivered,
    // Try again (a timeout, no connection, 3xx, 408, 429, 5xx): at
    // WebhookRetryDelay's next step, or after retry_after when the receiver
    // said (use the later of the two).
    kRetry,
    // 410 Gone: the receiver wants no more; the caller disables the endpoint.
    kGone,
    // Any other 4xx, an inactive endpoint or a malformed secret: do not
    // retry this message.
    kFailed,
  };
  Outcome outcome = Outcome::kFailed;
  // The answer's status code; 0 when there was none.
  int http_status = 0;
  // kRetry: the Retry-After the receiver sent, when it sent one we read.
  std::optional<absl::Duration> retry_after;
  // What happened, for logs.
  std::string detail;
};

// The Standard Webhooks example schedule, cut after the second 10 hours: the
// delay before attempt `attempt` (0 is the first delivery). Attempts 0..7 wait
// 0, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (27 h 35 min 5 s in all after
// the first); nullopt from attempt 8 on (or for a negative one): give up, and
// tell the subscriber some other way. The sender may add jitter.
std::optional<absl::Duration> WebhookRetryDelay(int attempt);

class WebhookSender {
 public:
  // The specification recommends receivers be given 15 to 30 s.
  static HttpClientOptions DefaultHttpOptions();

  explicit WebhookSender(HttpClientOptions http = DefaultHttpOptions());

  // One attempt at delivering `body` (the event's JSON, sent byte for byte as
  // signed) to `endpoint` as message `message_id`, signed for `now`. Never
  // sends to an inactive endpoint (kFailed).
  WebhookResult Deliver(const WebhookEndpoint& endpoint,
                        absl::string_view message_id, absl::string_view body,
                        absl::Time now);

 private:
  HttpClient http_;
};

}  // namespace kepu::notify
