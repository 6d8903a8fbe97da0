// The SMS channel: one interface (SmsSender) and its adapter to an HTTP SMS
// provider (HttpSmsSender).
//
// Kepu's SMS provider contract (modelled on the Chinese SMS APIs, Aliyun's
// and Tencent's, which send a registered template by its code with JSON
// parameters under a registered signature):
//
//   POST <endpoint>
//   Authorization: Bearer <api key>
//   Content-Type: application/json; charset=utf-8
//   {"phone":"13812345678","sign_name":"济宁科普",
//    "template_code":"KEPU_ORDER_ACCEPTED",
//    "template_params":{"order_no":"...","team":"..."},
//    "out_id":"<idempotency key>"}
//
// Answers, and what HttpSmsSender::Send makes of them:
//   200 {"code":"OK","message_id":"..."}          accepted: OK, the receipt.
//   200 {"code":"isv.MOBILE_NUMBER_ILLEGAL",...}  kInvalidArgument (permanent)
//   200 {"code":"isv.TEMPLATE_MISSING",...}       kInvalidArgument (permanent)
//   200 {"code":"isv.TEMPLATE_PARAMS_ILLEGAL"}    kInvalidArgument (permanent)
//   200 {"code":"isv.BUSINESS_LIMIT_CONTROL"}     kResourceExhausted (the
//                                                 provider's per-number limit)
//   200 {"code":<any other>,...}                  kFailedPrecondition: the
//       account, signature or balance was refused, or a code this adapter
//       does not know; permanent until someone looks.
//   200 with a body that is not such JSON         kUnavailable (retry).
//   400                                           kInvalidArgument
//   401, 403                                      kFailedPrecondition: our API
//       key was refused. Not kPermissionDenied, which callers read as the
//       end user's permission: this is Kepu's configuration, and retrying
//       cannot help until an operator fixes it.
//   408                                           kUnavailable
//   429 (Retry-After: seconds or HTTP date)       kResourceExhausted
//   5xx (503 may carry Retry-After)               kUnavailable
//   any other status                              kFailedPrecondition
//   no answer within the total timeout            kDeadlineExceeded
//   no connection                                 kUnavailable
//
// The provider keeps out_id for at least a day and answers a repeat with the
// first answer (same message_id) without sending again: so a message whose
// answer was lost (a timeout) can be sent again under the same key safely.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "services/notify/http_client.h"

namespace kepu::notify {

struct SmsMessage {
  // Mainland mobile number, 11 digits ("13812345678").
  std::string phone;
  // The provider's registered template ("KEPU_ORDER_ACCEPTED").
  std::string template_code;
  // The template's parameters, in order.
  std::vector<std::pair<std::string, std::string>> params;
  // The same for every attempt at one message (the outbox entry's id): the
  // provider drops a repeat.
  std::string idempotency_key;
};

struct SmsReceipt {
  std::string provider_message_id;
};

class SmsSender {
 public:
  virtual ~SmsSender() = default;
  // Sends `m`. `retry_after` may be null; when not, it is set to zero and
  // then, for kResourceExhausted and kUnavailable, to how long the provider
  // asked us to wait, if it said.
  //   OK: accepted by the provider.
  //   kUnavailable / kDeadlineExceeded: try again later. It may have been
  //     sent: send again with the same idempotency_key and the provider
  //     drops the repeat.
  //   kResourceExhausted: rate-limited; try again after *retry_after (or a
  //     backoff of the caller's when zero).
  //   kInvalidArgument / kFailedPrecondition: permanent (bad number, unknown
  //     template, account or API key refused): do not retry.
  virtual absl::StatusOr<SmsReceipt> Send(const SmsMessage& m,
                                          absl::Duration* retry_after) = 0;
};

struct HttpSmsConfig {
  // The provider's URL for sending ("https://sms.example.cn/v1/send").
  std::string endpoint;
  // Sent as "Authorization: Bearer <api_key>".
  std::string api_key;
  // The registered signature shown at the start of the text ("济宁科普").
  std::string sign_name;
  // Connect and total timeouts (2 s and 10 s unless set); the total bounds
  // every Send.
  HttpClientOptions http;
};

// SmsSender over HTTP, the contract above. Not thread-safe (it holds one
// HttpClient): use one per worker thread.
class HttpSmsSender : public SmsSender {
 public:
  explicit HttpSmsSender(HttpSmsConfig config);

  absl::StatusOr<SmsReceipt> Send(const SmsMessage& m,
                                  absl::Duration* retry_after) override;

  // The request body Send posts for `m` (for tests and logs).
  std::string RequestBody(const SmsMessage& m) const;

 private:
  HttpSmsConfig config_;
  HttpClient http_;
};

}  // namespace kepu::notify
