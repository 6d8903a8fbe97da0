// The fake outside providers (tests/notify/fake_provider.py) as a child
// process of a test: an SMS provider speaking Kepu's contract
// (services/notify/sms_sender.h) and Standard Webhooks receivers that verify
// signatures on their own (Python's hmac), with a control API to make them
// fail, stall, rate-limit or refuse, and to read what they received.
//
// Thread safety: the control calls may be made from several threads at once
// (each uses its own HttpClient).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "tests/support/subprocess.h"

namespace kepu::testing {

struct FakeProviderOptions {
  // The SMS API key the fake accepts (as "Authorization: Bearer <key>").
  std::string api_key = "test-api-key";
  // The webhook receivers' secret (the Standard Webhooks reference vector's).
  std::string webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  // How long a request in "timeout" mode is held (or until Reset).
  absl::Duration stall = absl::Seconds(10);
};

// One SMS the fake accepted.
struct FakeSms {
  std::string phone;
  std::string sign_name;
  std::string template_code;
  std::map<std::string, std::string> template_params;
  std::string out_id;
  std::string message_id;
  absl::Time received_at;
};

// One request a webhook receiver got.
struct FakeWebhook {
  std::string name;  // the <name> of /webhook/<name>
  std::string id;
  std::string timestamp;
  std::string signature;
  std::string body;
  bool verified = false;
  std::string reason;  // why not verified
  int status = 0;      // what the fake answered; 0 for a stalled request
  absl::Time received_at;
};

class FakeProvider {
 public:
  // Starts the script with python3 and waits (bounded) for its port.
  static absl::StatusOr<std::unique_ptr<FakeProvider>> Start(
      FakeProviderOptions options = {});
  // Stops the process (SIGTERM, then SIGKILL).
  ~FakeProvider();

  const FakeProviderOptions& options() const { return options_; }
  int port() const { return port_; }
  // "http://127.0.0.1:<port>"
  std::string base_url() const;
  std::string sms_url() const;
  std::string webhook_url(absl::string_view name) const;

  // The mode of the next `count` requests (count <= 0: until changed) of the
  // SMS provider (`sms`) and the webhook receivers (`webhook`); an empty mode
  // leaves that channel as it is. See fake_provider.py for the modes.
  absl::Status SetMode(absl::string_view sms, absl::string_view webhook,
                       int count = 0);
  // The Retry-After value webhook "retry_after" mode sends.
  absl::Status SetWebhookRetryAfter(absl::string_view value);
  // The business error code SMS "reject" mode answers with.
  absl::Status SetSmsRejectCode(absl::string_view code);
  // Forgets all received, modes back to ok, releases stalled requests.
  absl::Status Reset();

  absl::StatusOr<std::vector<FakeSms>> Messages();
  absl::StatusOr<std::vector<FakeWebhook>> Webhooks();
  // How many requests /sms and /webhook/* have received (accepted or not).
  absl::StatusOr<int> SmsRequests();
  absl::StatusOr<int> WebhookRequests();

  // Polls Webhooks until `done` holds for what was received, for at most
  // `timeout`; returns what satisfied it, or kDeadlineExceeded.
  absl::StatusOr<std::vector<FakeWebhook>> AwaitWebhooks(
      const std::function<bool(const std::vector<FakeWebhook>&)>& done,
      absl::Duration timeout);
  // The same for accepted SMS.
  absl::StatusOr<std::vector<FakeSms>> AwaitMessages(
      const std::function<bool(const std::vector<FakeSms>&)>& done,
      absl::Duration timeout);

 private:
  explicit FakeProvider(FakeProviderOptions options)
      : options_(std::move(options)) {}
  absl::StatusOr<std::string> Control(bool post, absl::string_view path,
                                      absl::string_view body = "");
  // A number from /control/stats.
  absl::StatusOr<int> Stat(const char* key);

  FakeProviderOptions options_;
  int port_ = 0;
  std::unique_ptr<Subprocess> process_;
};

// The script's path: $KEPU_FAKE_PROVIDER when set, else this source tree's.
std::string FakeProviderScript();

}  // namespace kepu::testing
