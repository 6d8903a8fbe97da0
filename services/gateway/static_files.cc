#include "services/gateway/static_files.h"

#include <system_error>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_split.h"

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

}  // namespace kepu::gateway
