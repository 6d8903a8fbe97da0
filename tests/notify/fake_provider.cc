#include "tests/notify/fake_provider.h"

#include <signal.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/core/status_macros.h"
#include "services/notify/http_client.h"

namespace kepu::testing {
namespace {

using Json = nlohmann::json;

// The JSON of a control answer.
absl::StatusOr<Json> ParseJson(const absl::StatusOr<std::string>& text) {
  if (!text.ok()) return text.status();
  Json json = Json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return absl::InternalError(absl::StrCat("fake provider sent: ", *text));
  }
  return json;
}

std::string StringOf(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

absl::Time TimeOf(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return absl::InfinitePast();
  return absl::FromUnixMicros(static_cast<int64_t>(it->get<double>() * 1e6));
}

// Polls `read` until `done` holds, for at most `timeout`.
template <typename T>
absl::StatusOr<std::vector<T>> Await(
    const std::function<absl::StatusOr<std::vector<T>>()>& read,
    const std::function<bool(const std::vector<T>&)>& done,
    absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    absl::StatusOr<std::vector<T>> got = read();
    if (!got.ok()) return got.status();
    if (done(*got)) return got;
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "the fake provider had ", got->size(), " records, not enough, after ",
          absl::FormatDuration(timeout)));
    }
    absl::SleepFor(absl::Milliseconds(10));  // a poll interval, bounded above
  }
}

}  // namespace

std::string FakeProviderScript() {
  const char* path = std::getenv("KEPU_FAKE_PROVIDER");
  return path != nullptr && *path != '\0' ? path : KEPU_FAKE_PROVIDER_SCRIPT;
}

absl::StatusOr<std::unique_ptr<FakeProvider>> FakeProvider::Start(
    FakeProviderOptions options) {
  auto provider =
      std::unique_ptr<FakeProvider>(new FakeProvider(std::move(options)));
  const FakeProviderOptions& o = provider->options_;
  absl::StatusOr<std::unique_ptr<Subprocess>> process = Subprocess::Start(
      {"python3", "-u", FakeProviderScript(), "--api-key", o.api_key,
       "--webhook-secret", o.webhook_secret, "--stall",
       absl::StrCat(absl::ToDoubleSeconds(o.stall))});
  if (!process.ok()) return process.status();
  provider->process_ = std::move(*process);
  absl::StatusOr<std::string> line = provider->process_->WaitForLine(
      [](absl::string_view l) { return absl::StartsWith(l, "LISTENING "); },
      absl::Seconds(20));
  if (!line.ok()) return line.status();
  if (!absl::SimpleAtoi(absl::string_view(*line).substr(10),
                        &provider->port_)) {
    return absl::InternalError(absl::StrCat("fake provider printed ", *line));
  }
  return provider;
}

FakeProvider::~FakeProvider() {
  if (process_ == nullptr) return;
  process_->Signal(SIGTERM);
  (void)process_->Wait(absl::Seconds(5));  // else the destructor's SIGKILL
}

std::string FakeProvider::base_url() const {
  return absl::StrCat("http://127.0.0.1:", port_);
}
std::string FakeProvider::sms_url() const {
  return absl::StrCat(base_url(), "/sms");
}
std::string FakeProvider::webhook_url(absl::string_view name) const {
  return absl::StrCat(base_url(), "/webhook/", name);
}

absl::StatusOr<std::string> FakeProvider::Control(bool post,
                                                  absl::string_view path,
                                                  absl::string_view body) {
  notify::HttpClientOptions http;
  http.connect_timeout = absl::Seconds(2);
  http.total_timeout = absl::Seconds(5);
  // What the fake received can be long (a benchmark's thousands of texts).
  http.max_body_bytes = size_t{64} << 20;
  notify::HttpClient client(http);
  const std::string url = absl::StrCat(base_url(), path);
  absl::StatusOr<notify::HttpResponse> response =
      post ? client.Post(url, {{"Content-Type", "application/json"}}, body)
           : client.Get(url);
  if (!response.ok()) return response.status();
  if (response->status != 200) {
    return absl::InternalError(
        absl::StrCat(path, ": HTTP ", response->status, " ", response->body));
  }
  return std::move(response->body);
}

absl::Status FakeProvider::SetMode(absl::string_view sms,
                                   absl::string_view webhook, int count) {
  Json request = Json::object();
  if (!sms.empty()) request["sms"] = std::string(sms);
  if (!webhook.empty()) request["webhook"] = std::string(webhook);
  if (count > 0) request["count"] = count;
  return Control(true, "/control/mode", request.dump()).status();
}

absl::Status FakeProvider::SetWebhookRetryAfter(absl::string_view value) {
  const Json request = {{"retry_after", std::string(value)}};
  return Control(true, "/control/mode", request.dump()).status();
}

absl::Status FakeProvider::SetSmsRejectCode(absl::string_view code) {
  const Json request = {{"reject_code", std::string(code)}};
  return Control(true, "/control/mode", request.dump()).status();
}

absl::Status FakeProvider::Reset() {
  return Control(true, "/control/reset").status();
}

absl::StatusOr<std::vector<FakeSms>> FakeProvider::Messages() {
  ASSIGN_OR_RETURN(const Json json,
                   ParseJson(Control(false, "/control/messages")));
  std::vector<FakeSms> messages;
  for (const Json& m : json) {
    FakeSms sms{StringOf(m, "phone"),         StringOf(m, "sign_name"),
                StringOf(m, "template_code"), {},
                StringOf(m, "out_id"),        StringOf(m, "message_id"),
                TimeOf(m, "received_at")};
    if (auto params = m.find("template_params");
        params != m.end() && params->is_object()) {
      for (const auto& [key, value] : params->items()) {
        if (value.is_string()) sms.template_params[key] = value;
      }
    }
    messages.push_back(std::move(sms));
  }
  return messages;
}

absl::StatusOr<std::vector<FakeWebhook>> FakeProvider::Webhooks() {
  ASSIGN_OR_RETURN(const Json json,
                   ParseJson(Control(false, "/control/webhooks")));
  std::vector<FakeWebhook> webhooks;
  for (const Json& w : json) {
    auto verified = w.find("verified");
    auto status = w.find("status");
    webhooks.push_back(FakeWebhook{
        StringOf(w, "name"), StringOf(w, "id"), StringOf(w, "timestamp"),
        StringOf(w, "signature"), StringOf(w, "body"),
        verified != w.end() && verified->is_boolean() && verified->get<bool>(),
        StringOf(w, "reason"),
        status != w.end() && status->is_number_integer() ? status->get<int>()
                                                         : 0,
        TimeOf(w, "received_at")});
  }
  return webhooks;
}

absl::StatusOr<int> FakeProvider::Stat(const char* key) {
  ASSIGN_OR_RETURN(const Json json,
                   ParseJson(Control(false, "/control/stats")));
  return json.value(key, -1);
}

absl::StatusOr<int> FakeProvider::SmsRequests() { return Stat("sms_requests"); }

absl::StatusOr<int> FakeProvider::WebhookRequests() {
  return Stat("webhook_requests");
}

absl::StatusOr<std::vector<FakeWebhook>> FakeProvider::AwaitWebhooks(
    const std::function<bool(const std::vector<FakeWebhook>&)>& done,
    absl::Duration timeout) {
  return Await<FakeWebhook>([this] { return Webhooks(); }, done, timeout);
}

absl::StatusOr<std::vector<FakeSms>> FakeProvider::AwaitMessages(
    const std::function<bool(const std::vector<FakeSms>&)>& done,
    absl::Duration timeout) {
  return Await<FakeSms>([this] { return Messages(); }, done, timeout);
}

}  // namespace kepu::testing
