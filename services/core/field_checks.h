// Field-level checks that request validation is built from. Each returns OK or
// INVALID_ARGUMENT with a message "<path>: <what is wrong>", where <path> is
// the field's path in the request using the proto field names (e.g.
// "draft.preferred_windows[1].end").
#pragma once

#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "kepu/v1/common.pb.h"

namespace kepu {

// INVALID_ARGUMENT "<path>: <problem>".
absl::Status FieldError(absl::string_view path, absl::string_view problem);

// A client-chosen request id: 8 to 64 characters of [A-Za-z0-9_-].
absl::Status CheckRequestId(absl::string_view value, absl::string_view path);

// An order id as IdGenerator makes them (26 characters of Crockford base32).
absl::Status CheckOrderId(absl::string_view value, absl::string_view path);

// Any other record id (regions, departments, service lines, teams, users,
// volunteers, ...): 1 to 64 characters of [A-Za-z0-9_.-], starting with a
// letter or digit.
absl::Status CheckId(absl::string_view value, absl::string_view path);
// The same, but empty is allowed (an optional filter).
absl::Status CheckOptionalId(absl::string_view value, absl::string_view path);

// A version the caller last saw: at least 1.
absl::Status CheckExpectedVersion(int64_t value, absl::string_view path);

// Text of `min_chars` to `max_chars` Unicode characters, valid UTF-8, without
// control characters (line breaks allowed when `multiline`) or bidirectional
// overrides and isolates (see FindUndisplayable): every free-text field of
// every request is checked here. With
// min_chars == 0 the field is optional. Surrounding white space does not count
// towards min_chars.
absl::Status CheckText(absl::string_view value, absl::string_view path,
                       size_t min_chars, size_t max_chars,
                       bool multiline = false);

// A mainland China mobile number (see NormalizeMainlandMobile).
absl::Status CheckMobile(absl::string_view value, absl::string_view path);

// lat in [-90, 90], lng in [-180, 180], both finite.
absl::Status CheckGeoPoint(const v1::GeoPoint& point, absl::string_view path);

// A timestamp that is set and within years 2000 to 2200.
absl::Status CheckTimestamp(const google::protobuf::Timestamp& t,
                            bool has_value, absl::string_view path);

// The preferred windows of an order: 1 to 3, each set, start < end, 30 minutes
// to 12 hours long, starting after `now` and within 180 days of it, sorted by
// start, not overlapping.
absl::Status CheckPreferredWindows(
    const google::protobuf::RepeatedPtrField<v1::TimeWindow>& windows,
    absl::string_view path, absl::Time now);

// One service window: set, start < end, 30 minutes to 12 hours, starting after
// `now` and within 180 days.
absl::Status CheckServiceWindow(const v1::TimeWindow& window, bool has_value,
                                absl::string_view path, absl::Time now);

// A duration between `min` and `max`; unset (zero) is allowed when `optional`.
absl::Status CheckDuration(const google::protobuf::Duration& d,
                           absl::string_view path, absl::Duration min,
                           absl::Duration max, bool optional);

// A page request: page_size 0..100, page_token up to 512 characters of
// printable ASCII.
absl::Status CheckPage(const v1::PageRequest& page, absl::string_view path);

// An event id of the tenant's event stream ("<millis>-<seq>", each part a
// 64-bit unsigned number), or empty.
absl::Status CheckEventId(absl::string_view value, absl::string_view path);

// An integer in [min, max].
absl::Status CheckRange(int64_t value, absl::string_view path, int64_t min,
                        int64_t max);

// A password: 8 to 128 characters with at least one letter and one digit.
absl::Status CheckPassword(absl::string_view value, absl::string_view path);

// A known, specified value of an enum (`is_valid` is the generated X_IsValid).
absl::Status CheckEnum(int value, bool (*is_valid)(int),
                       absl::string_view path);

// "<prefix>.<field>" (or just <field> when prefix is empty);
// "<prefix>[<index>]" with an index.
std::string FieldPath(absl::string_view prefix, absl::string_view field);
std::string FieldPath(absl::string_view prefix, int index);

}  // namespace kepu
