#include "tests/support/kepud_process.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kepu::testing {

std::string JsonField(const std::string& line, const std::string& key) {
  const std::string marker = absl::StrCat("\"", key, "\":\"");
  const size_t start = line.find(marker);
  if (start == std::string::npos) return "";
  const size_t from = start + marker.size();
  return line.substr(from, line.find('"', from) - from);
}

absl::StatusOr<std::unique_ptr<KepudProcess>> KepudProcess::Start(
    const std::string& binary, const RedisServer& redis,
    const KepudOptions& options) {
  std::vector<std::string> argv = {binary,
                                   "--listen=127.0.0.1:0",
                                   absl::StrCat("--redis=", redis.address()),
                                   "--workers=8",
                                   "--password_cost=min",
                                   "--http_listen=127.0.0.1:0"};
  argv.insert(argv.end(), options.flags.begin(), options.flags.end());
  std::vector<std::string> env = {
      absl::StrCat("KEPU_TOKEN_KEY=", kTestTokenKey)};
  env.insert(env.end(), options.env.begin(), options.env.end());
  auto process = Subprocess::Start(argv, env);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> ready = (*process)->WaitForText(
      "\"event\":\"kepud.listening\"", absl::Seconds(60));
  if (!ready.ok()) return ready.status();
  auto kepud = std::unique_ptr<KepudProcess>(new KepudProcess());
  kepud->process_ = std::move(*process);
  kepud->address_ = JsonField(*ready, "address");
  // Logged before kepud.listening when the gateway is on (the default).
  absl::StatusOr<std::string> gateway = kepud->process_->WaitForLine(
      [](absl::string_view line) {
        return absl::StrContains(line, "\"event\":\"gateway.listening\"");
      },
      absl::ZeroDuration());
  if (gateway.ok()) kepud->http_address_ = JsonField(*gateway, "address");
  kepud->channel_ =
      grpc::CreateChannel(kepud->address_, grpc::InsecureChannelCredentials());
  return kepud;
}

}  // namespace kepu::testing
