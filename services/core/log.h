// Structured logs: one JSON object per line on stderr, e.g.
//   {"ts":"2026-11-29T10:00:00.123Z","level":"info","event":"kepud.listening","address":"..."}
// Never log a raw phone number, password or token.
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"

namespace kepu {

enum class LogLevel { kInfo, kWarning, kError };

using LogField = std::pair<absl::string_view, std::string>;

// Thread-safe: each line is written with one call.
void Log(LogLevel level, absl::string_view event,
         std::initializer_list<LogField> fields = {});

// Sends what protobuf itself logs (e.g. "String field contains invalid UTF-8"
// when a gRPC client sends such bytes) through Log as event "protobuf.log",
// so every line a server writes stays one JSON object. Call once, early in
// main, before any thread starts.
void RouteProtobufLogs();

// `text` escaped for a JSON string (without the quotes): quotes, backslashes
// and control characters; a byte that is not part of well-formed UTF-8 becomes
// U+FFFD, so the result is always valid JSON.
std::string JsonEscape(absl::string_view text);

}  // namespace kepu
