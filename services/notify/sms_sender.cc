#include "services/notify/sms_sender.h"

#include <nlohmann/json.hpp>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kepu::notify {
namespace {

using Json = nlohmann::ordered_json;

absl::Status Refused(absl::StatusCode code, absl::string_view what,
                     const HttpResponse& response) {
  return absl::Status(
      code, absl::StrCat("SMS provider: ", what, " (HTTP ", response.status,
                         ": ", response.body.substr(0, 200), ")"));
}

// The provider's business error codes (HTTP 200, "code" not "OK").
absl::Status BusinessError(absl::string_view code, const HttpResponse& r) {
  if (code == "isv.MOBILE_NUMBER_ILLEGAL" || code == "isv.TEMPLATE_MISSING" ||
      code == "isv.TEMPLATE_PARAMS_ILLEGAL") {
    return Refused(absl::StatusCode::kInvalidArgument, code, r);
  }
  if (code == "isv.BUSINESS_LIMIT_CONTROL") {
    return Refused(absl::StatusCode::kResourceExhausted, code, r);
  }
  return Refused(absl::StatusCode::kFailedPrecondition, code, r);
}

}  // namespace

HttpSmsSender::HttpSmsSender(HttpSmsConfig config)
    : config_(std::move(config)), http_(config_.http) {}

std::string HttpSmsSender::RequestBody(const SmsMessage& m) const {
  Json params = Json::object();
  for (const auto& [name, value] : m.params) params[name] = value;
  const Json body = {{"phone", m.phone},
                     {"sign_name", config_.sign_name},
                     {"template_code", m.template_code},
                     {"template_params", params},
                     {"out_id", m.idempotency_key}};
  // Invalid UTF-8 in a parameter is replaced (U+FFFD) rather than thrown.
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<SmsReceipt> HttpSmsSender::Send(const SmsMessage& m,
                                               absl::Duration* retry_after) {
  if (retry_after != nullptr) *retry_after = absl::ZeroDuration();
  if (m.phone.empty() || m.template_code.empty()) {
    return absl::InvalidArgumentError("SMS needs a phone and a template code");
  }
  if (m.idempotency_key.empty()) {
    return absl::InvalidArgumentError("SMS needs an idempotency key");
  }
  absl::StatusOr<HttpResponse> answer =
      http_.Post(config_.endpoint,
                 {{"Authorization", absl::StrCat("Bearer ", config_.api_key)},
                  {"Content-Type", "application/json; charset=utf-8"},
                  {"Accept", "application/json"}},
                 RequestBody(m));
  if (!answer.ok()) {
    const absl::Status& s = answer.status();
    switch (s.code()) {
      case absl::StatusCode::kDeadlineExceeded:
      case absl::StatusCode::kUnavailable:
        return s;
      case absl::StatusCode::kInvalidArgument:  // an endpoint libcurl refuses
        return absl::FailedPreconditionError(
            absl::StrCat("SMS endpoint unusable: ", s.message()));
      default:
        return absl::UnavailableError(s.message());
    }
  }
  const HttpResponse& r = *answer;
  auto note_retry_after = [&] {
    if (retry_after == nullptr) return;
    if (std::optional<std::string> v = r.Header("retry-after")) {
      if (auto d = ParseRetryAfter(*v, absl::Now())) *retry_after = *d;
    }
  };
  if (r.status == 429) {
    note_retry_after();
    return Refused(absl::StatusCode::kResourceExhausted, "rate-limited", r);
  }
  if (r.status >= 500 || r.status == 408) {
    note_retry_after();
    return Refused(absl::StatusCode::kUnavailable, "unavailable", r);
  }
  if (r.status == 401 || r.status == 403) {
    return Refused(absl::StatusCode::kFailedPrecondition, "API key refused", r);
  }
  if (r.status == 400) {
    return Refused(absl::StatusCode::kInvalidArgument, "bad request", r);
  }
  if (r.status != 200) {
    return Refused(absl::StatusCode::kFailedPrecondition, "unexpected answer",
                   r);
  }
  const Json body = Json::parse(r.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object() || !body.contains("code") ||
      !body["code"].is_string()) {
    return Refused(absl::StatusCode::kUnavailable, "unreadable answer", r);
  }
  const std::string code = body["code"].get<std::string>();
  if (code != "OK") return BusinessError(code, r);
  if (!body.contains("message_id") || !body["message_id"].is_string() ||
      body["message_id"].get<std::string>().empty()) {
    // Accepted, by its code, yet without a receipt: ask again (the repeat
    // under the same out_id is dropped and answered with the receipt).
    return Refused(absl::StatusCode::kUnavailable, "no message_id", r);
  }
  return SmsReceipt{body["message_id"].get<std::string>()};
}

}  // namespace kepu::notify
