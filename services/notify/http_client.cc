#include "services/notify/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <mutex>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace kepu::notify {
namespace {

// At least 1 ms: libcurl reads 0 as "no timeout".
long Millis(absl::Duration d) {  // NOLINT(runtime/int): libcurl takes long
  return static_cast<long>(      // NOLINT(runtime/int)
      std::max<int64_t>(1, absl::ToInt64Milliseconds(d)));
}

// Where a body goes, and how much of it is kept.
struct BodySink {
  HttpResponse* response;
  size_t max_bytes;
};

size_t WriteBody(char* data, size_t size, size_t count, void* user) {
  auto* sink = static_cast<BodySink*>(user);
  std::string& body = sink->response->body;
  const size_t room = sink->max_bytes - std::min(sink->max_bytes, body.size());
  if (size * count > room) sink->response->body_truncated = true;
  body.append(data, std::min(room, size * count));
  return size * count;  // all taken: the transfer goes on
}

size_t WriteHeader(char* data, size_t size, size_t count, void* user) {
  auto* response = static_cast<HttpResponse*>(user);
  const absl::string_view line(data, size * count);
  // A new status line starts a new response (after a 1xx, say): only the
  // final one's headers are kept.
  if (absl::StartsWith(line, "HTTP/")) {
    response->headers.clear();
    return line.size();
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return line.size();
  response->headers.emplace_back(
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon))),
      std::string(absl::StripAsciiWhitespace(line.substr(colon + 1))));
  return line.size();
}

absl::Status StatusOfCurl(CURLcode code, const char* detail,
                          absl::string_view url) {
  const std::string message =
      absl::StrCat(url, ": ", curl_easy_strerror(code),
                   detail[0] != '\0' ? absl::StrCat(" (", detail, ")") : "");
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return absl::DeadlineExceededError(message);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
      return absl::UnavailableError(message);
    case CURLE_URL_MALFORMAT:
    case CURLE_UNSUPPORTED_PROTOCOL:
      return absl::InvalidArgumentError(message);
    default:
      return absl::InternalError(message);
  }
}

}  // namespace

absl::Status InitHttpGlobally() {
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

std::optional<absl::Duration> ParseRetryAfter(absl::string_view value,
                                              absl::Time now) {
  value = absl::StripAsciiWhitespace(value);
  if (value.empty()) return std::nullopt;
  if (std::all_of(value.begin(), value.end(), absl::ascii_isdigit)) {
    int64_t seconds = 0;
    // More digits than an int64 holds: as good as forever; a day will do.
    if (value.size() > 9 || !absl::SimpleAtoi(value, &seconds)) {
      return absl::Hours(24);
    }
    return absl::Seconds(seconds);
  }
  // IMF-fixdate, the form HTTP/1.1 senders must use.
  absl::Time when;
  std::string error;
  if (!absl::ParseTime("%a, %d %b %Y %H:%M:%S GMT", value, absl::UTCTimeZone(),
                       &when, &error)) {
    return std::nullopt;
  }
  return std::max(absl::ZeroDuration(), when - now);
}

std::optional<std::string> HttpResponse::Header(absl::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return value;
  }
  return std::nullopt;
}

HttpClient::HttpClient(HttpClientOptions options)
    : options_(std::move(options)) {
  if (InitHttpGlobally().ok()) curl_ = curl_easy_init();
}

HttpClient::~HttpClient() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

absl::StatusOr<HttpResponse> HttpClient::Post(
    absl::string_view url,
    const std::vector<std::pair<std::string, std::string>>& headers,
    absl::string_view body) {
  return Perform(true, url, headers, body);
}

absl::StatusOr<HttpResponse> HttpClient::Get(absl::string_view url) {
  return Perform(false, url, {}, {});
}

absl::StatusOr<HttpResponse> HttpClient::Perform(
    bool post, absl::string_view url,
    const std::vector<std::pair<std::string, std::string>>& headers,
    absl::string_view body) {
  if (curl_ == nullptr) {
    return absl::InternalError("libcurl could not be initialised");
  }
  CURL* curl = static_cast<CURL*>(curl_);
  // Forget the last request's options; the connection cache stays.
  curl_easy_reset(curl);

  const std::string url_string(url);
  HttpResponse response;
  BodySink sink{&response, options_.max_body_bytes};
  char error[CURL_ERROR_SIZE] = {};
  curl_slist* header_list = nullptr;
  for (const auto& [name, value] : headers) {
    header_list =
        curl_slist_append(header_list, absl::StrCat(name, ": ", value).c_str());
  }
  // libcurl would otherwise ask for 100-continue on larger bodies and wait.
  header_list = curl_slist_append(header_list, "Expect:");

  curl_easy_setopt(curl, CURLOPT_URL, url_string.c_str());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   Millis(options_.connect_timeout));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, Millis(options_.total_timeout));
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_USERAGENT, options_.user_agent.c_str());
  curl_easy_setopt(curl, CURLOPT_PROXY, options_.proxy.c_str());  // "": none
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, header_list);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &WriteBody);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, &WriteHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &response);
  if (post) {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(body.size()));
    // Never null: libcurl would then read the body from stdin.
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.empty() ? "" : body.data());
  } else {
    curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
  }

  const CURLcode code = curl_easy_perform(curl);
  long status = 0;  // NOLINT(runtime/int): libcurl's type
  if (code == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  }
  // The handle must not keep pointers into this frame.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);
  curl_slist_free_all(header_list);
  if (code != CURLE_OK) return StatusOfCurl(code, error, url);
  response.status = static_cast<int>(status);
  return response;
}

}  // namespace kepu::notify
