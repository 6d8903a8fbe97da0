#include "services/gateway/gateway_flags.h"

#include <thread>

#include "absl/flags/flag.h"
#include "absl/time/time.h"

ABSL_FLAG(std::string, http_listen, "127.0.0.1:8080",
          "host:port of the HTTP gateway (Connect JSON, server-sent events, "
          "the mobile client); port 0 picks a free port; empty turns the "
          "gateway off");
ABSL_FLAG(std::string, http_root, "",
          "folder of static files the gateway serves (the built mobile "
          "client, clients/mobile/dist); empty serves none");
ABSL_FLAG(int, http_threads, 0,
          "threads serving HTTP (0: one per core, at least 2)");
ABSL_FLAG(int64_t, http_max_body_bytes, 1 << 20,
          "largest HTTP request body; larger ones get 413");
ABSL_FLAG(absl::Duration, http_read_timeout, absl::Seconds(30),
          "time to read one HTTP request, and how long an idle keep-alive "
          "connection stays open");
ABSL_FLAG(absl::Duration, http_call_timeout, absl::Seconds(30),
          "deadline of a call whose client sends no Connect-Timeout-Ms");
ABSL_FLAG(bool, http_trust_forwarded_for, false,
          "take the client's address from X-Forwarded-For (only behind a "
          "proxy you run; it is what per-address rate limits count)");

namespace kepu::gateway {

GatewayOptions GatewayOptionsFromFlags(std::vector<std::string> services) {
  GatewayOptions options;
  options.listen = absl::GetFlag(FLAGS_http_listen);
  options.static_root = absl::GetFlag(FLAGS_http_root);
  options.services = std::move(services);
  const int threads = absl::GetFlag(FLAGS_http_threads);
  options.threads =
      threads > 0
          ? threads
          : std::max(2, static_cast<int>(std::thread::hardware_concurrency()));
  options.max_body_bytes = static_cast<size_t>(
      std::max<int64_t>(0, absl::GetFlag(FLAGS_http_max_body_bytes)));
  options.read_timeout = absl::GetFlag(FLAGS_http_read_timeout);
  options.call_timeout = absl::GetFlag(FLAGS_http_call_timeout);
  options.trust_forwarded_for = absl::GetFlag(FLAGS_http_trust_forwarded_for);
  return options;
}

}  // namespace kepu::gateway
