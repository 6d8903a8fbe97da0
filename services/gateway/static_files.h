// The static files under --http_root (the phone client): which file a GET
// path names, how to label it, and the answer that serves it.
#ifndef KEPU_SERVICES_GATEWAY_STATIC_FILES_H_
#define KEPU_SERVICES_GATEWAY_STATIC_FILES_H_

#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kepu::gateway {

class Session;

// Answers the session's GET or HEAD of `url_path` (undecoded, without the
// query): 200 with the file, its type, its Cache-Control (the app's page,
// index.html, is always revalidated, wherever it is served from) and nosniff;
// 404 text when there is no such file.
void ServeStaticFile(std::shared_ptr<Session> session,
                     absl::string_view url_path);

// The file `url_path` (already percent-decoded, without the query) names under
// `root`: a directory means its index.html; a path with no extension that is
// not a file means root/index.html (the client's own routes). nullopt when
// there is no such file, or when the path tries to leave the root ("..", a
// backslash, a NUL byte).
std::optional<std::filesystem::path> ResolveStaticPath(
    const std::filesystem::path& root, absl::string_view url_path);

// The Content-Type of a file by its extension ("application/octet-stream"
// for unknown ones).
absl::string_view MimeTypeOf(const std::filesystem::path& file);

// The Cache-Control a file gets: build outputs with a content hash in their
// name (under /assets/) are cached for a year; everything else is revalidated.
absl::string_view CacheControlOf(absl::string_view url_path);

// Percent-decodes a URL component ('+' stays '+'; in queries the caller
// turns it into a space first). nullopt for a malformed escape.
std::optional<std::string> PercentDecode(absl::string_view text);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_STATIC_FILES_H_
