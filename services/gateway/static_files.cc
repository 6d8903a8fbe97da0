#include "services/gateway/static_files.h"

#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"
#include "boost/beast/http.hpp"
#include "services/gateway/session.h"

namespace kepu::gateway {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsRegularFile(const std::filesystem::path& path) {
  std::error_code error;
  return std::filesystem::is_regular_file(path, error);
}

}  // namespace

std::optional<std::string> PercentDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = HexValue(text[i + 1]);
    const int low = HexValue(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

std::optional<std::filesystem::path> ResolveStaticPath(
    const std::filesystem::path& root, absl::string_view url_path) {
  if (root.empty() || !absl::StartsWith(url_path, "/")) return std::nullopt;
  if (absl::StrContains(url_path, '\\') || absl::StrContains(url_path, '\0')) {
    return std::nullopt;
  }
  std::filesystem::path file = root;
  bool has_extension = false;
  for (absl::string_view segment :
       absl::StrSplit(url_path.substr(1), '/', absl::SkipEmpty())) {
    if (segment == "." || segment == "..") return std::nullopt;
    file /= std::string(segment);
    has_extension = absl::StrContains(segment, '.');
  }
  std::error_code error;
  if (std::filesystem::is_directory(file, error)) file /= "index.html";
  if (IsRegularFile(file)) return file;
  if (!has_extension && IsRegularFile(root / "index.html")) {
    return root / "index.html";
  }
  return std::nullopt;
}

absl::string_view MimeTypeOf(const std::filesystem::path& file) {
  const std::string extension =
      absl::AsciiStrToLower(file.extension().string());
  static constexpr std::pair<absl::string_view, absl::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".gif", "image/gif"},
      {".webp", "image/webp"},
      {".ico", "image/x-icon"},
      {".woff", "font/woff"},
      {".woff2", "font/woff2"},
      {".ttf", "font/ttf"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".wasm", "application/wasm"},
  };
  for (const auto& [suffix, type] : kTypes) {
    if (extension == suffix) return type;
  }
  return "application/octet-stream";
}

absl::string_view CacheControlOf(absl::string_view url_path) {
  if (absl::StartsWith(url_path, "/assets/")) {
    return "public, max-age=31536000, immutable";
  }
  return "no-cache";
}

void ServeStaticFile(std::shared_ptr<Session> session,
                     absl::string_view url_path) {
  namespace beast = boost::beast;
  namespace http = beast::http;
  const Request& request = session->request();
  std::optional<std::string> decoded = PercentDecode(url_path);
  std::optional<std::filesystem::path> file;
  if (decoded) {
    file = ResolveStaticPath(session->server().options().static_root, *decoded);
  }
  if (!file) {
    return session->SendBody(http::status::not_found,
                             "text/plain; charset=utf-8", "not found\n");
  }
  http::file_body::value_type body;
  beast::error_code error;
  body.open(file->c_str(), beast::file_mode::scan, error);
  if (error) {
    return session->SendBody(http::status::not_found,
                             "text/plain; charset=utf-8", "not found\n");
  }
  const uint64_t size = body.size();
  auto response = std::make_shared<http::response<http::file_body>>(
      std::piecewise_construct, std::make_tuple(std::move(body)),
      std::make_tuple(http::status::ok, request.version()));
  const absl::string_view type = MimeTypeOf(*file);
  response->set(http::field::content_type,
                beast::string_view(type.data(), type.size()));
  // The app's page (also what a client route gets) is always revalidated.
  const absl::string_view cache = file->filename() == "index.html"
                                      ? absl::string_view("no-cache")
                                      : CacheControlOf(*decoded);
  response->set(http::field::cache_control,
                beast::string_view(cache.data(), cache.size()));
  response->set("X-Content-Type-Options", "nosniff");
  response->content_length(size);
  if (request.method() == http::verb::head) {
    auto head = std::make_shared<http::response<http::empty_body>>(
        http::status::ok, request.version());
    head->base() = response->base();
    return session->Send(std::move(head), /*skip_body=*/true);
  }
  session->Send(std::move(response));
}

}  // namespace kepu::gateway
