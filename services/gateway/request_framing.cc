#include "services/gateway/request_framing.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/beast/http/error.hpp"

namespace kepu::gateway {
namespace {

namespace http = boost::beast::http;

BadFraming Bad(std::string message) {
  return {400, grpc::StatusCode::INVALID_ARGUMENT, std::move(message)};
}

// tchar (RFC 9110, 5.6.2).
bool IsTokenChar(unsigned char c) {
  return absl::ascii_isalnum(c) ||
         absl::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) !=
             absl::string_view::npos;
}

bool IsToken(absl::string_view text) {
  if (text.empty()) return false;
  for (char c : text) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// A control byte a field value may not hold (HTAB it may).
bool IsControl(unsigned char c) { return (c < 0x20 && c != '\t') || c == 0x7F; }

std::string Hex(unsigned char c) {
  return absl::StrCat("0x", absl::Hex(c, absl::kZeroPad2));
}

// Client bytes for a message: printable ASCII as is, other bytes as \xNN,
// the first 40 at most, in quotes.
std::string Quoted(absl::string_view text) {
  std::string out = "\"";
  for (size_t i = 0; i < text.size() && i < 40; ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      absl::StrAppend(&out, "\\x", absl::Hex(c, absl::kZeroPad2));
    }
  }
  if (text.size() > 40) out += "...";
  out += "\"";
  return out;
}

BadFraming TooLarge(absl::string_view bytes, size_t limit) {
  if (bytes.substr(0, limit + 1).find('\n') == absl::string_view::npos) {
    return {414, grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("the request line is longer than ", limit, " bytes")};
  }
  return {431, grpc::StatusCode::RESOURCE_EXHAUSTED,
          "the request headers are too large"};
}

// A byte of the request line `line` (so far, without its LF) that no request
// line may hold: a control byte (a CR only as its last byte) or one above
// 0x7E.
std::optional<BadFraming> BadRequestLineByte(absl::string_view line) {
  for (size_t i = 0; i < line.size(); ++i) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c == '\r' && i + 1 == line.size()) break;
    if (IsControl(c) || c == '\t' || c > 0x7E) {
      return Bad(absl::StrCat("the request line holds the byte ", Hex(c),
                              "; it must be \"METHOD TARGET HTTP/1.1\" in "
                              "printable ASCII"));
    }
  }
  return std::nullopt;
}

// method SP request-target SP HTTP-version (RFC 9112, 3), without its CRLF,
// printable ASCII and spaces only. Sets `version`.
std::optional<BadFraming> CheckRequestLine(absl::string_view line,
                                           absl::string_view& version) {
  const size_t first = line.find(' ');
  const size_t second = first == absl::string_view::npos
                            ? absl::string_view::npos
                            : line.find(' ', first + 1);
  if (second == absl::string_view::npos) {
    return Bad(absl::StrCat("the request line ", Quoted(line),
                            " is not \"METHOD TARGET HTTP/1.1\""));
  }
  const absl::string_view method = line.substr(0, first);
  const absl::string_view target = line.substr(first + 1, second - first - 1);
  version = line.substr(second + 1);
  if (!IsToken(method)) {
    return Bad(absl::StrCat("the request line: the method ", Quoted(method),
                            " is not a token"));
  }
  if (target.empty() || absl::StrContains(version, ' ')) {
    return Bad(absl::StrCat("the request line ", Quoted(line),
                            " is not \"METHOD TARGET HTTP/1.1\" (one space "
                            "between the parts)"));
  }
  const bool well_formed = version.size() == 8 &&
                           absl::StartsWith(version, "HTTP/") &&
                           absl::ascii_isdigit(version[5]) &&
                           version[6] == '.' && absl::ascii_isdigit(version[7]);
  if (!well_formed) {
    return Bad(absl::StrCat("the request line: the version ", Quoted(version),
                            " is not HTTP/1.1"));
  }
  if (version != "HTTP/1.1" && version != "HTTP/1.0") {
    return BadFraming{505, grpc::StatusCode::UNIMPLEMENTED,
                      absl::StrCat("the request line: ", version,
                                   " is not supported; use HTTP/1.1")};
  }
  return std::nullopt;
}

}  // namespace

std::optional<size_t> FindHeadEnd(absl::string_view bytes) {
  size_t from = 0;
  while (true) {
    const size_t lf = bytes.find('\n', from);
    if (lf == absl::string_view::npos) return std::nullopt;
    // Is the line after this LF empty?
    if (lf + 1 < bytes.size() && bytes[lf + 1] == '\n') return lf + 2;
    if (lf + 2 < bytes.size() && bytes[lf + 1] == '\r' &&
        bytes[lf + 2] == '\n') {
      return lf + 3;
    }
    from = lf + 1;
  }
}

std::optional<BadFraming> CheckHeadSoFar(absl::string_view bytes,
                                         size_t limit) {
  if (bytes.size() > limit) return TooLarge(bytes, limit);
  return BadRequestLineByte(bytes.substr(0, bytes.find('\n')));
}

std::optional<BadFraming> CheckRequestHead(absl::string_view head,
                                           size_t limit) {
  if (head.size() > limit) return TooLarge(head, limit);
  absl::string_view version;
  std::string previous;  // the last header's name, in lower case
  int hosts = 0;
  int lengths = 0;
  int encodings = 0;
  absl::string_view length;
  absl::string_view encoding;
  for (size_t from = 0, index = 0; from < head.size(); ++index) {
    const size_t lf = head.find('\n', from);
    if (lf == absl::string_view::npos) break;  // FindHeadEnd ends in a LF
    absl::string_view line = head.substr(from, lf - from);
    from = lf + 1;
    const bool crlf = absl::EndsWith(line, "\r");
    if (crlf) line.remove_suffix(1);
    if (index == 0) {
      if (auto bad = BadRequestLineByte(line)) return bad;
      if (!crlf) {
        return Bad("the request line ends in LF alone; lines end in CRLF");
      }
      if (auto bad = CheckRequestLine(line, version)) return bad;
      continue;
    }
    if (line.empty()) {
      if (!crlf) {
        return Bad(
            "the empty line that ends the headers is LF alone; lines end in "
            "CRLF");
      }
      break;
    }
    if (line.front() == ' ' || line.front() == '\t') {
      if (previous.empty()) {
        return Bad("the first header line starts with whitespace");
      }
      return Bad(absl::StrCat(previous,
                              ": continued on a line that starts with "
                              "whitespace (obs-fold), which is not accepted"));
    }
    const size_t colon = line.find(':');
    if (colon == absl::string_view::npos) {
      return Bad(
          absl::StrCat("the header line ", Quoted(line), " has no colon"));
    }
    absl::string_view name = line.substr(0, colon);
    if (!name.empty() && (name.back() == ' ' || name.back() == '\t')) {
      return Bad(absl::StrCat(
          absl::AsciiStrToLower(absl::StripTrailingAsciiWhitespace(name)),
          ": whitespace between the header's name and its colon"));
    }
    if (!IsToken(name)) {
      return Bad(
          absl::StrCat("the header name ", Quoted(name), " is not a token"));
    }
    previous = absl::AsciiStrToLower(name);
    if (!crlf) {
      return Bad(absl::StrCat(previous,
                              ": the line ends in LF alone; lines end in "
                              "CRLF"));
    }
    const absl::string_view value =
        absl::StripAsciiWhitespace(line.substr(colon + 1));
    for (char c : line.substr(colon + 1)) {
      if (IsControl(static_cast<unsigned char>(c))) {
        return Bad(absl::StrCat(previous, ": holds the control byte ",
                                Hex(static_cast<unsigned char>(c))));
      }
    }
    if (previous == "authorization" || previous == "x-kepu-tenant" ||
        previous == "last-event-id") {
      if (!std::all_of(value.begin(), value.end(),
                       [](char c) { return c >= 0x20 && c <= 0x7E; })) {
        return Bad(absl::StrCat(previous, ": must be printable ASCII"));
      }
    }
    if (previous == "host") {
      ++hosts;
    } else if (previous == "content-length") {
      ++lengths;
      length = value;
    } else if (previous == "transfer-encoding") {
      ++encodings;
      encoding = value;
    }
  }
  if (encodings > 0 && lengths > 0) {
    return Bad(
        "transfer-encoding and content-length: a request carries one or the "
        "other, not both");
  }
  if (lengths > 1) return Bad("content-length: sent more than once");
  if (lengths == 1 &&
      (length.empty() || length.size() > 18 ||
       !std::all_of(length.begin(), length.end(), [](char c) {
         return absl::ascii_isdigit(static_cast<unsigned char>(c));
       }))) {
    return Bad(absl::StrCat("content-length: ", Quoted(length),
                            " is not a number of bytes"));
  }
  if (encodings > 1) return Bad("transfer-encoding: sent more than once");
  if (encodings == 1 && version == "HTTP/1.0") {
    return Bad("transfer-encoding: not accepted in HTTP/1.0");
  }
  if (encodings == 1 && !absl::EqualsIgnoreCase(encoding, "chunked")) {
    return Bad(absl::StrCat("transfer-encoding: only chunked is accepted, not ",
                            Quoted(encoding)));
  }
  if (hosts > 1) return Bad("host: sent more than once");
  if (hosts == 0 && version == "HTTP/1.1") {
    return Bad("host: missing; an HTTP/1.1 request must send it");
  }
  return std::nullopt;
}

std::optional<BadFraming> BadChunkedBody(boost::system::error_code error) {
  if (error.category() !=
      http::make_error_code(http::error::bad_chunk).category()) {
    return std::nullopt;
  }
  switch (static_cast<http::error>(error.value())) {
    case http::error::bad_chunk:
      return Bad(
          "the chunked body: a chunk size is not hexadecimal, or a chunk's "
          "data does not end with CRLF where its size says");
    case http::error::bad_chunk_extension:
      return Bad(
          "the chunked body: a chunk's size line is malformed (its "
          "extension, or its end, which must be CRLF)");
    case http::error::bad_line_ending:
    case http::error::bad_field:
    case http::error::bad_value:
    case http::error::bad_obs_fold:
    case http::error::bad_content_length:
    case http::error::bad_transfer_encoding:
      return Bad(
          absl::StrCat("the chunked body: its trailer section is "
                       "malformed (",
                       error.message(), ")"));
    case http::error::bad_method:
    case http::error::bad_target:
    case http::error::bad_version:
      // CheckRequestHead let through what Beast refused: still the client's.
      return Bad(
          absl::StrCat("the request is not HTTP/1.1 (", error.message(), ")"));
    default:
      return std::nullopt;
  }
}

}  // namespace kepu::gateway
