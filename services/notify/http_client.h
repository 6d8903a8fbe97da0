// A small HTTP client over libcurl for notifications' outside channels (the
// SMS provider, webhooks): one request at a time, a POST with headers and a
// body, bounded by a connect timeout and a total timeout, answered with the
// status code, the response's headers and its body.
//
// Thread safety: an HttpClient is NOT thread-safe; use one per thread (each
// keeps one libcurl easy handle and reuses its connection between calls).
// Different HttpClients may be used on different threads at the same time:
// every handle is set CURLOPT_NOSIGNAL=1, so timeouts use no signals (Debian's
// libcurl resolves names asynchronously, so the timeouts bound DNS too).
// curl_global_init runs once per process, on the first HttpClient made
// (InitHttpGlobally); Debian 12's libcurl (7.88, CURL_VERSION_THREADSAFE)
// makes that safe even when threads are running, yet a program may call
// InitHttpGlobally from main before it starts any thread to be sure.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kepu::notify {

// curl_global_init(CURL_GLOBAL_DEFAULT), once per process (later calls return
// the first call's result). Never cleaned up: it lives as long as the process.
absl::Status InitHttpGlobally();

struct HttpClientOptions {
  // The longest the TCP (and TLS) connection may take.
  absl::Duration connect_timeout = absl::Seconds(2);
  // The longest a whole request may take, connecting included.
  absl::Duration total_timeout = absl::Seconds(10);
  // Sent as User-Agent.
  std::string user_agent = "kepu-notify/1";
  // The proxy every request goes through ("http://proxy:3128"), such as an
  // egress proxy that keeps webhooks off internal addresses; empty: none. The
  // environment's http_proxy and the like are never used.
  std::string proxy;
  // The most of a response body kept (webhook receivers are anyone's
  // servers); the rest is read and dropped, and body_truncated is set.
  size_t max_body_bytes = 64 * 1024;
};

struct HttpResponse {
  int status = 0;
  // The final response's headers in order, names lower-cased, values trimmed.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // The body was longer than HttpClientOptions::max_body_bytes.
  bool body_truncated = false;

  // The first header named `name` (any case), or nullopt.
  std::optional<std::string> Header(absl::string_view name) const;
};

// A Retry-After header's value (RFC 9110 §10.2.3): delay-seconds ("120") or an
// HTTP-date ("Wed, 21 Oct 2026 07:28:00 GMT", taken relative to `now`; a date
// already past gives zero). nullopt when it is neither. Not clamped (but for
// more than 9 digits, read as a day): the caller bounds what it will wait.
std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now);

class HttpClient {
 public:
  explicit HttpClient(HttpClientOptions options = {});
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // POSTs `body` to `url` with `headers` ("Name: value" pairs; no
  // "Expect: 100-continue" is sent), and returns the response whatever its
  // status code (4xx and 5xx included: what they mean is the caller's to
  // decide). Redirects are not followed. Errors:
  //   kDeadlineExceeded: the total (or connect) timeout passed; the request
  //     may or may not have reached the server.
  //   kUnavailable: no connection (refused, reset, DNS failure, TLS failure,
  //     the server closed without an answer).
  //   kInvalidArgument: a URL libcurl cannot use.
  //   kInternal: anything else libcurl reports.
  absl::StatusOr<HttpResponse> Post(
      absl::string_view url,
      const std::vector<std::pair<std::string, std::string>>& headers,
      absl::string_view body);
  // GET, answered and failing as Post.
  absl::StatusOr<HttpResponse> Get(absl::string_view url);

  const HttpClientOptions& options() const { return options_; }

 private:
  absl::StatusOr<HttpResponse> Perform(
      bool post, absl::string_view url,
      const std::vector<std::pair<std::string, std::string>>& headers,
      absl::string_view body);

  HttpClientOptions options_;
  void* curl_ = nullptr;  // CURL*, kept out of this header
};

}  // namespace kepu::notify
