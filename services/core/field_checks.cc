#include "services/core/field_checks.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "services/core/ids.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

bool IsIdChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' ||
         c == '-' || c == '.';
}

constexpr absl::Duration kMinWindow = absl::Minutes(30);
constexpr absl::Duration kMaxWindow = absl::Hours(12);
constexpr absl::Duration kMaxLeadTime = absl::Hours(24 * 180);

}  // namespace

absl::Status FieldError(absl::string_view path, absl::string_view problem) {
  return absl::InvalidArgumentError(absl::StrCat(path, ": ", problem));
}

std::string FieldPath(absl::string_view prefix, absl::string_view field) {
  if (prefix.empty()) return std::string(field);
  return absl::StrCat(prefix, ".", field);
}

std::string FieldPath(absl::string_view prefix, int index) {
  return absl::StrCat(prefix, "[", index, "]");
}

absl::Status CheckRequestId(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  if (value.size() < 8 || value.size() > 64) {
    return FieldError(path, "must be 8 to 64 characters");
  }
  for (char c : value) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '_' &&
        c != '-') {
      return FieldError(path, "may only hold letters, digits, '_' and '-'");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckOrderId(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  if (!IdGenerator::IsValid(value)) {
    return FieldError(
        path,
        "is not an order id (26 characters, e.g. 01JD8X3Q4M7Y2K9V5T6R1W0ZPN)");
  }
  return absl::OkStatus();
}

absl::Status CheckId(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  return CheckOptionalId(value, path);
}

absl::Status CheckOptionalId(absl::string_view value, absl::string_view path) {
  if (value.empty()) return absl::OkStatus();
  if (value.size() > 64)
    return FieldError(path, "must be at most 64 characters");
  if (!absl::ascii_isalnum(static_cast<unsigned char>(value[0]))) {
    return FieldError(path, "must start with a letter or digit");
  }
  for (char c : value) {
    if (!IsIdChar(c)) {
      return FieldError(path,
                        "may only hold letters, digits, '_', '-' and '.'");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckExpectedVersion(int64_t value, absl::string_view path) {
  if (value < 1) {
    return FieldError(path,
                      "is required: the version you last read (1 or more)");
  }
  return absl::OkStatus();
}

absl::Status CheckText(absl::string_view value, absl::string_view path,
                       size_t min_chars, size_t max_chars, bool multiline) {
  std::optional<size_t> length = Utf8Length(value);
  if (!length.has_value()) return FieldError(path, "is not valid UTF-8");
  if (const std::optional<char32_t> c = FindUndisplayable(value, multiline)) {
    const std::string code =
        absl::StrFormat("U+%04X", static_cast<uint32_t>(*c));
    if (IsBidiControl(*c)) {
      return FieldError(
          path, absl::StrCat("holds ", code,
                             ", a control that reorders how text is shown"));
    }
    if (multiline) {
      return FieldError(path, absl::StrCat("holds the control character ", code,
                                           " (only line breaks are allowed)"));
    }
    return FieldError(
        path,
        absl::StrCat("must be one line without control characters (holds ",
                     code, ")"));
  }
  const absl::string_view trimmed = absl::StripAsciiWhitespace(value);
  if (min_chars > 0 && trimmed.empty()) return FieldError(path, "is required");
  if (*Utf8Length(trimmed) < min_chars || *length > max_chars) {
    return FieldError(path,
                      absl::StrCat("must be ", min_chars, " to ", max_chars,
                                   " characters (has ", *length, ")"));
  }
  return absl::OkStatus();
}

absl::Status CheckMobile(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  if (!NormalizeMainlandMobile(value).has_value()) {
    return FieldError(
        path, "must be a mainland mobile number: 11 digits starting 13 to 19");
  }
  return absl::OkStatus();
}

absl::Status CheckGeoPoint(const v1::GeoPoint& point, absl::string_view path) {
  if (!std::isfinite(point.lat()) || point.lat() < -90 || point.lat() > 90) {
    return FieldError(FieldPath(path, "lat"), "must be between -90 and 90");
  }
  if (!std::isfinite(point.lng()) || point.lng() < -180 || point.lng() > 180) {
    return FieldError(FieldPath(path, "lng"), "must be between -180 and 180");
  }
  return absl::OkStatus();
}

absl::Status CheckTimestamp(const google::protobuf::Timestamp& t,
                            bool has_value, absl::string_view path) {
  if (!has_value) return FieldError(path, "is required");
  const absl::Time value = FromProto(t);
  if (t.nanos() < 0 || t.nanos() > 999'999'999 ||
      value <
          absl::FromCivil(absl::CivilSecond(2000, 1, 1), absl::UTCTimeZone()) ||
      value >
          absl::FromCivil(absl::CivilSecond(2200, 1, 1), absl::UTCTimeZone())) {
    return FieldError(path, "is not a valid time");
  }
  return absl::OkStatus();
}

absl::Status CheckServiceWindow(const v1::TimeWindow& window, bool has_value,
                                absl::string_view path, absl::Time now) {
  if (!has_value) return FieldError(path, "is required");
  RETURN_IF_ERROR(CheckTimestamp(window.start(), window.has_start(),
                                 FieldPath(path, "start")));
  RETURN_IF_ERROR(
      CheckTimestamp(window.end(), window.has_end(), FieldPath(path, "end")));
  const absl::Time start = FromProto(window.start());
  const absl::Time end = FromProto(window.end());
  if (end <= start)
    return FieldError(FieldPath(path, "end"), "must be after start");
  if (end - start < kMinWindow || end - start > kMaxWindow) {
    return FieldError(path, "must be 30 minutes to 12 hours long");
  }
  if (start <= now) {
    return FieldError(FieldPath(path, "start"), "must be in the future");
  }
  if (start > now + kMaxLeadTime) {
    return FieldError(FieldPath(path, "start"), "must be within 180 days");
  }
  return absl::OkStatus();
}

absl::Status CheckPreferredWindows(
    const google::protobuf::RepeatedPtrField<v1::TimeWindow>& windows,
    absl::string_view path, absl::Time now) {
  if (windows.empty())
    return FieldError(path, "needs at least one time window");
  if (windows.size() > 3)
    return FieldError(path, "may hold at most 3 time windows");
  for (int i = 0; i < windows.size(); ++i) {
    const std::string window_path = FieldPath(path, i);
    RETURN_IF_ERROR(CheckServiceWindow(windows[i], true, window_path, now));
    if (i > 0 &&
        FromProto(windows[i].start()) < FromProto(windows[i - 1].end())) {
      return FieldError(
          FieldPath(window_path, "start"),
          "must not be before the end of the previous window (sort "
          "windows by start, without overlaps)");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckDuration(const google::protobuf::Duration& d,
                           absl::string_view path, absl::Duration min,
                           absl::Duration max, bool optional) {
  if (d.seconds() == 0 && d.nanos() == 0) {
    if (optional) return absl::OkStatus();
    return FieldError(path, "is required");
  }
  if (d.nanos() < -999'999'999 || d.nanos() > 999'999'999 ||
      (d.seconds() > 0 && d.nanos() < 0) ||
      (d.seconds() < 0 && d.nanos() > 0)) {
    return FieldError(path, "is not a valid duration");
  }
  const absl::Duration value = FromProto(d);
  if (value < min || value > max) {
    return FieldError(
        path, absl::StrCat("must be between ", absl::FormatDuration(min),
                           " and ", absl::FormatDuration(max)));
  }
  return absl::OkStatus();
}

absl::Status CheckPage(const v1::PageRequest& page, absl::string_view path) {
  if (page.page_size() < 0 || page.page_size() > 100) {
    return FieldError(FieldPath(path, "page_size"), "must be 0 to 100");
  }
  if (page.page_token().size() > 512) {
    return FieldError(FieldPath(path, "page_token"), "is too long");
  }
  for (char c : page.page_token()) {
    if (c < 0x21 || c > 0x7E) {
      return FieldError(FieldPath(path, "page_token"), "is not a page token");
    }
  }
  return absl::OkStatus();
}

absl::Status CheckEventId(absl::string_view value, absl::string_view path) {
  if (value.empty()) return absl::OkStatus();
  const size_t dash = value.find('-');
  // Each part is a 64-bit unsigned number: Redis refuses a stream id past
  // 2^64 - 1, and a watch resuming after one would never start.
  auto is_part = [](absl::string_view part) {
    if (part.empty() || part.size() > 20) return false;
    for (char c : part) {
      if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return false;
    }
    uint64_t number;
    return absl::SimpleAtoi(part, &number);
  };
  if (dash == absl::string_view::npos || !is_part(value.substr(0, dash)) ||
      !is_part(value.substr(dash + 1))) {
    return FieldError(path,
                      "is not an event id (\"<milliseconds>-<sequence>\")");
  }
  return absl::OkStatus();
}

absl::Status CheckRange(int64_t value, absl::string_view path, int64_t min,
                        int64_t max) {
  if (value < min || value > max) {
    return FieldError(path, absl::StrCat("must be ", min, " to ", max));
  }
  return absl::OkStatus();
}

absl::Status CheckPassword(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  std::optional<size_t> length = Utf8Length(value);
  if (!length.has_value()) return FieldError(path, "is not valid UTF-8");
  if (*length < 8 || *length > 128) {
    return FieldError(path, "must be 8 to 128 characters");
  }
  bool letter = false;
  bool digit = false;
  for (char c : value) {
    letter |= absl::ascii_isalpha(static_cast<unsigned char>(c));
    digit |= absl::ascii_isdigit(static_cast<unsigned char>(c));
  }
  if (!letter || !digit) {
    return FieldError(path, "must hold at least one letter and one digit");
  }
  return absl::OkStatus();
}

absl::Status CheckEnum(int value, bool (*is_valid)(int),
                       absl::string_view path) {
  if (value == 0) return FieldError(path, "is required");
  if (!is_valid(value))
    return FieldError(path, absl::StrCat("unknown value ", value));
  return absl::OkStatus();
}

}  // namespace kepu
