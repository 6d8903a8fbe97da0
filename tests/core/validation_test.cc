// Tests of request validation: for every request of kepu.v1, a valid request
// passes, and each bad value of each field fails with INVALID_ARGUMENT naming
// that field's path. Boundary values that must still pass are listed too, so
// an over-strict rule fails as well.
#include "services/core/validation.h"

#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest-spi.h"
#include "gtest/gtest.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using google::protobuf::RepeatedPtrField;

// A setter for Cases: SET_FIELD(set_reason) or
// SET_FIELD(mutable_team()->set_name).
#define SET_FIELD(call) [](auto& r, const auto& v) { r.call(v); }

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

ValidationContext Context() { return ValidationContext{kNow}; }

constexpr absl::string_view kRequestId = "req_0001-abcdef";
constexpr absl::string_view kOrderId = "01JD8X3Q4M7Y2K9V5T6R1W0ZPN";
constexpr absl::string_view kOtherOrderId = "01JD8X3Q4M7Y2K9V5T6R1W0ZPQ";
constexpr absl::string_view kThirdOrderId = "01ARZ3NDEKTSV4RRFFQ69G5FAV";
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Fails unless `status` is INVALID_ARGUMENT whose message starts with "<path>:
// ".
void ExpectFieldError(const absl::Status& status, absl::string_view path) {
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), absl::StrCat(path, ": ")))
      << "message: " << status.message() << "\nexpected path: " << path;
}

// `count` copies of a three-byte Chinese character.
std::string Chinese(int count) {
  std::string text;
  for (int i = 0; i < count; ++i) text += "科";
  return text;
}

std::string Ascii(int count) { return std::string(count, 'x'); }

google::protobuf::Timestamp At(absl::Duration after_now) {
  return ToProto(kNow + after_now);
}

v1::TimeWindow Window(absl::Duration start_after_now, absl::Duration length) {
  v1::TimeWindow window;
  *window.mutable_start() = At(start_after_now);
  *window.mutable_end() = At(start_after_now + length);
  return window;
}

// A short, printable name for a test value.
std::string Show(absl::string_view value) {
  std::string shown = absl::CHexEscape(value);
  if (shown.size() > 40) {
    shown = absl::StrCat(shown.substr(0, 40), "...(", value.size(), " bytes)");
  }
  return absl::StrCat("\"", shown, "\"");
}

// Bad and good values shared by many fields.

std::vector<std::string> BadRequestIds() {
  return {"",
          "short",
          std::string(65, 'a'),
          "has space 1234",
          "req/0001/abcdef",
          "请求编号请求编号请求编号"};
}

std::vector<std::string> GoodRequestIds() {
  return {"12345678", std::string(64, 'a'),
          "0f8fad5b-d9cb-469f-a165-70867728950e", "A_b-C_d-1"};
}

std::vector<std::string> BadOrderIds() {
  return {"",
          "01JD8X3Q4M7Y2K9V5T6R1W0ZP",    // 25 characters
          "01JD8X3Q4M7Y2K9V5T6R1W0ZPNX",  // 27 characters
          "81JD8X3Q4M7Y2K9V5T6R1W0ZPN",   // first digit too big
          "01JD8X3Q4M7Y2K9V5T6R1W0ZPU",   // U is not Crockford base32
          "community-1"};
}

std::vector<std::string> BadOptionalIds() {
  return {"-starts-with-dash", ".starts-with-dot", "has space", "a/b", "中文",
          std::string(65, 'a')};
}

std::vector<std::string> BadIds() {
  std::vector<std::string> ids = BadOptionalIds();
  ids.insert(ids.begin(), "");
  return ids;
}

std::vector<std::string> GoodIds() {
  return {"a", "7", "elderly-smart-help", "rencheng.guhuai_01",
          std::string(64, 'a')};
}

// Text that displays as something else than it holds: every bidirectional
// embedding, override and isolate control (U+202A to U+202E, U+2066 to U+2069),
// e.g. "王芳<U+202E>3102" shows as "王芳2013".
std::vector<std::string> BidiSpoofs() {
  return {"\u202a",          "embed \u202b here",   "pop\u202c",
          "override \u202d", "王芳\u202e3102",      "\u2066isolate",
          "\u2067",          "first strong \u2068", "\u2069 pop isolate"};
}

std::vector<std::string> BadOptionalText(int max_chars, bool multiline) {
  std::vector<std::string> values = {
      Ascii(max_chars + 1), Chinese(max_chars + 1),
      "\xff\xfe",
      "bad \xe4\xb8",  // truncated sequence
      "bell\x07",           "del\x7f",
      "c1 \xc2\x85",        "tab\there",
      "lone cr\rhere",      std::string("nul\0here", 8)};
  for (std::string& spoof : BidiSpoofs()) values.push_back(std::move(spoof));
  if (!multiline) {
    values.push_back("line\nbreak");
    values.push_back("crlf\r\n");
  }
  return values;
}

std::vector<std::string> BadRequiredText(int max_chars, bool multiline) {
  std::vector<std::string> values = BadOptionalText(max_chars, multiline);
  values.push_back("");
  values.push_back("   ");
  return values;
}

std::vector<std::string> GoodRequiredText(int max_chars, bool multiline) {
  // The neighbours of the refused characters stay allowed: U+00A0 after the
  // C1 controls, U+2026 and U+202F around U+202A to U+202E, U+2060 and
  // U+206A around U+2066 to U+2069.
  std::vector<std::string> values = {"x",
                                     Ascii(max_chars),
                                     Chinese(max_chars),
                                     "王芳 (Wang Fang)",
                                     "no-break\u00a0space",
                                     "…\u202f«»",
                                     "word\u2060joiner\u206a"};
  if (multiline) {
    values.push_back("line one\nline two");
    values.push_back("crlf ok\r\nnext");
  }
  return values;
}

std::vector<std::string> GoodOptionalText(int max_chars, bool multiline) {
  std::vector<std::string> values = GoodRequiredText(max_chars, multiline);
  values.push_back("");
  return values;
}

std::vector<std::string> BadOptionalMobiles() {
  return {"12812345678",   "1381234567",      "138123456789",
          "1381234567a",   "+87 13812345678", "23812345678",
          "138 1234 5678", "+86 1281234567",  "１３８１２３４５６７８"};
}

std::vector<std::string> BadMobiles() {
  std::vector<std::string> values = BadOptionalMobiles();
  values.insert(values.begin(), "");
  return values;
}

std::vector<std::string> GoodMobiles() {
  return {"13812345678", "+86 13812345678", "+8613812345678",
          "+86-19912345678"};
}

std::vector<std::string> BadPasswords() {
  return {"",
          "abc1234",                    // 7 characters
          "abcdefgh",                   // no digit
          "12345678",                   // no letter
          std::string(128, 'a') + "1",  // 129 characters
          "abcd123\xff"};
}

std::vector<std::string> GoodPasswords() {
  return {"abcdefg1", std::string(127, 'a') + "1", "密码密码密码a1",
          "Correct horse battery staple 9"};
}

// The last three have a part past 2^64 - 1, which Redis refuses in a stream
// id.
std::vector<std::string> BadEventIds() {
  return {"abc",
          "1700000000000",
          "1700000000000-",
          "-1",
          "1-2-3",
          "1700000000000-x",
          "+1-2",
          std::string(42, '1'),
          "1700000000000 -0",
          "1-2 ",
          " 1-2",
          "18446744073709551616-0",
          "0-18446744073709551616",
          "99999999999999999999-0"};
}

std::vector<std::string> GoodEventIds() {
  return {"", "1700000000000-0", "0-0", "1800000000123-42",
          "18446744073709551615-18446744073709551615"};
}

// A table of changes to a valid request of type R: each must either make it
// fail at a given path, or keep it valid.
template <typename R>
class Cases {
 public:
  using Mutation = std::function<void(R&)>;
  using StringSetter = std::function<void(R&, const std::string&)>;
  using IntSetter = std::function<void(R&, int64_t)>;
  using IdsGetter = std::function<RepeatedPtrField<std::string>*(R&)>;
  using GeoGetter = std::function<v1::GeoPoint*(R&)>;

  explicit Cases(R valid) : valid_(std::move(valid)) {}

  // `mutate` must make the request fail at `path`.
  Cases& Bad(std::string name, std::string path, Mutation mutate) {
    entries_.push_back({std::move(name), std::move(path), std::move(mutate)});
    return *this;
  }

  // `mutate` must keep the request valid.
  Cases& Good(std::string name, Mutation mutate) {
    entries_.push_back({std::move(name), "", std::move(mutate)});
    return *this;
  }

  Cases& BadStrings(const std::string& path, StringSetter set,
                    const std::vector<std::string>& values) {
    for (const std::string& value : values) {
      Bad(absl::StrCat(path, " = ", Show(value)), path,
          [set, value](R& r) { set(r, value); });
    }
    return *this;
  }

  Cases& GoodStrings(const std::string& path, StringSetter set,
                     const std::vector<std::string>& values) {
    for (const std::string& value : values) {
      Good(absl::StrCat(path, " = ", Show(value)),
           [set, value](R& r) { set(r, value); });
    }
    return *this;
  }

  Cases& BadInts(const std::string& path, IntSetter set,
                 const std::vector<int64_t>& values) {
    for (int64_t value : values) {
      Bad(absl::StrCat(path, " = ", value), path,
          [set, value](R& r) { set(r, value); });
    }
    return *this;
  }

  Cases& GoodInts(const std::string& path, IntSetter set,
                  const std::vector<int64_t>& values) {
    for (int64_t value : values) {
      Good(absl::StrCat(path, " = ", value),
           [set, value](R& r) { set(r, value); });
    }
    return *this;
  }

  // Field kinds.

  Cases& RequiredId(const std::string& path, StringSetter set) {
    BadStrings(path, set, BadIds());
    return GoodStrings(path, set, GoodIds());
  }

  Cases& OptionalId(const std::string& path, StringSetter set) {
    BadStrings(path, set, BadOptionalIds());
    GoodStrings(path, set, GoodIds());
    return GoodStrings(path, set, {""});
  }

  Cases& OrderId(const std::string& path, StringSetter set) {
    BadStrings(path, set, BadOrderIds());
    return GoodStrings(path, set, {std::string(kThirdOrderId)});
  }

  Cases& Text(const std::string& path, StringSetter set, int min_chars,
              int max_chars, bool multiline) {
    if (min_chars == 0) {
      BadStrings(path, set, BadOptionalText(max_chars, multiline));
      return GoodStrings(path, set, GoodOptionalText(max_chars, multiline));
    }
    BadStrings(path, set, BadRequiredText(max_chars, multiline));
    return GoodStrings(path, set, GoodRequiredText(max_chars, multiline));
  }

  Cases& Mobile(const std::string& path, StringSetter set) {
    BadStrings(path, set, BadMobiles());
    return GoodStrings(path, set, GoodMobiles());
  }

  Cases& Password(const std::string& path, StringSetter set) {
    BadStrings(path, set, BadPasswords());
    return GoodStrings(path, set, GoodPasswords());
  }

  Cases& Range(const std::string& path, IntSetter set, int64_t min,
               int64_t max) {
    BadInts(path, set, {min - 1, max + 1, -1'000'000, 1'000'000});
    return GoodInts(path, set, {min, max});
  }

  // A repeated id field of `min_count` to `max_count` distinct ids.
  Cases& IdList(const std::string& path, IdsGetter ids, int min_count,
                int max_count) {
    auto fill = [ids](R& r, int count) {
      ids(r)->Clear();
      for (int i = 0; i < count; ++i) ids(r)->Add(absl::StrCat("id-", i));
    };
    if (min_count > 0) {
      Bad(path + " empty", path, [ids](R& r) { ids(r)->Clear(); });
    } else {
      Good(path + " empty", [ids](R& r) { ids(r)->Clear(); });
    }
    Bad(absl::StrCat(path, " with ", max_count + 1, " ids"), path,
        [fill, max_count](R& r) { fill(r, max_count + 1); });
    Good(absl::StrCat(path, " with ", max_count, " ids"),
         [fill, max_count](R& r) { fill(r, max_count); });
    for (const std::string& bad : BadIds()) {
      Bad(absl::StrCat(path, "[1] = ", Show(bad)), absl::StrCat(path, "[1]"),
          [ids, bad](R& r) {
            ids(r)->Clear();
            ids(r)->Add("good-id");
            ids(r)->Add(std::string(bad));
          });
    }
    return Bad(path + " with a repeat", absl::StrCat(path, "[2]"), [ids](R& r) {
      ids(r)->Clear();
      ids(r)->Add("a");
      ids(r)->Add("b");
      ids(r)->Add("a");
    });
  }

  Cases& Geo(const std::string& path, GeoGetter point) {
    const std::string lat = path + ".lat";
    const std::string lng = path + ".lng";
    for (double bad : {90.01, -90.01, kNaN, kInf}) {
      Bad(absl::StrCat(lat, " = ", bad), lat,
          [point, bad](R& r) { point(r)->set_lat(bad); });
    }
    for (double bad : {180.01, -180.01, kNaN, -kInf}) {
      Bad(absl::StrCat(lng, " = ", bad), lng,
          [point, bad](R& r) { point(r)->set_lng(bad); });
    }
    for (const std::pair<double, double>& good :
         std::vector<std::pair<double, double>>{
             {90, 180}, {-90, -180}, {0, 0}}) {
      Good(absl::StrCat(path, " = ", good.first, ",", good.second),
           [point, good](R& r) {
             point(r)->set_lat(good.first);
             point(r)->set_lng(good.second);
           });
    }
    return *this;
  }

  // Fields many requests share; these need R to have them.

  Cases& RequestId() {
    BadStrings("request_id", SET_FIELD(set_request_id), BadRequestIds());
    return GoodStrings("request_id", SET_FIELD(set_request_id),
                       GoodRequestIds());
  }

  Cases& ExpectedVersion() {
    BadInts("expected_version", SET_FIELD(set_expected_version), {0, -1});
    return GoodInts("expected_version", SET_FIELD(set_expected_version),
                    {1, int64_t{1} << 40});
  }

  // request_id, order_id, expected_version.
  Cases& OrderMove() {
    RequestId();
    OrderId("order_id", SET_FIELD(set_order_id));
    return ExpectedVersion();
  }

  Cases& Reason() {
    return Text("reason", SET_FIELD(set_reason), 1, 500, true);
  }

  Cases& Page() {
    BadInts("page.page_size", SET_FIELD(mutable_page()->set_page_size),
            {-1, 101});
    GoodInts("page.page_size", SET_FIELD(mutable_page()->set_page_size),
             {0, 1, 100});
    BadStrings("page.page_token", SET_FIELD(mutable_page()->set_page_token),
               {"has space", std::string(513, 'a'), "caf\xc3\xa9", "nl\n"});
    return GoodStrings("page.page_token",
                       SET_FIELD(mutable_page()->set_page_token),
                       {"", "CgNhYmM=", std::string(512, 'a')});
  }

  Cases& States() {
    Bad("states[0] unspecified", "states[0]",
        [](R& r) { r.add_states(v1::ORDER_STATE_UNSPECIFIED); });
    Bad("states[0] unknown", "states[0]",
        [](R& r) { r.add_states(static_cast<v1::OrderState>(99)); });
    Bad("states[1] unknown", "states[1]", [](R& r) {
      r.add_states(v1::ORDER_STATE_SUBMITTED);
      r.add_states(static_cast<v1::OrderState>(-3));
    });
    Bad("states[2] repeated", "states[2]", [](R& r) {
      r.add_states(v1::ORDER_STATE_SUBMITTED);
      r.add_states(v1::ORDER_STATE_CLAIMED);
      r.add_states(v1::ORDER_STATE_SUBMITTED);
    });
    Bad("13 states", "states", [](R& r) {
      for (int state = 1; state <= 12; ++state) {
        r.add_states(static_cast<v1::OrderState>(state));
      }
      r.add_states(v1::ORDER_STATE_SUBMITTED);
    });
    Good("no states", [](R& r) { r.clear_states(); });
    return Good("all 12 states", [](R& r) {
      r.clear_states();
      for (int state = 12; state >= 1; --state) {
        r.add_states(static_cast<v1::OrderState>(state));
      }
    });
  }

  Cases& AfterEventId() {
    BadStrings("after_event_id", SET_FIELD(set_after_event_id), BadEventIds());
    return GoodStrings("after_event_id", SET_FIELD(set_after_event_id),
                       GoodEventIds());
  }

  // Optional from and to.
  Cases& Period() {
    Bad("from before 2000", "from",
        [](R& r) { *r.mutable_from() = ToProto(absl::FromUnixSeconds(0)); });
    Bad("from with negative nanos", "from",
        [](R& r) { r.mutable_from()->set_nanos(-1); });
    Bad("to after 2200", "to",
        [](R& r) { r.mutable_to()->set_seconds(int64_t{8'000'000'000}); });
    Bad("to after 2200 without from", "to", [](R& r) {
      r.clear_from();
      r.mutable_to()->set_seconds(int64_t{8'000'000'000});
    });
    Bad("from before 2000 without to", "from", [](R& r) {
      r.clear_to();
      r.mutable_from()->set_seconds(-1);
    });
    Bad("to equal to from", "to", [](R& r) { *r.mutable_to() = r.from(); });
    Bad("to before from", "to", [](R& r) {
      *r.mutable_to() = r.from();
      r.mutable_to()->set_seconds(r.from().seconds() - 1);
    });
    Bad("to one nanosecond before from", "to", [](R& r) {
      *r.mutable_to() = r.from();
      r.mutable_from()->set_nanos(5);
      r.mutable_to()->set_nanos(4);
    });
    Good("only from", [](R& r) { r.clear_to(); });
    Good("only to", [](R& r) { r.clear_from(); });
    Good("neither", [](R& r) {
      r.clear_from();
      r.clear_to();
    });
    return Good("one nanosecond long", [](R& r) {
      *r.mutable_to() = r.from();
      r.mutable_to()->set_nanos(r.from().nanos() + 1);
    });
  }

  void Run() const {
    const absl::Status valid = Validate(valid_, Context());
    ASSERT_TRUE(valid.ok()) << "the valid request fails: " << valid;
    for (const Entry& entry : entries_) {
      SCOPED_TRACE(entry.name);
      R request = valid_;
      entry.mutate(request);
      const absl::Status status = Validate(request, Context());
      if (entry.path.empty()) {
        EXPECT_TRUE(status.ok()) << status;
      } else {
        ExpectFieldError(status, entry.path);
      }
    }
  }

 private:
  struct Entry {
    std::string name;
    std::string path;  // empty: must stay valid
    Mutation mutate;
  };

  R valid_;
  std::vector<Entry> entries_;
};

template <typename R>
R OrderMove() {
  R request;
  request.set_request_id(std::string(kRequestId));
  request.set_order_id(std::string(kOrderId));
  request.set_expected_version(3);
  return request;
}

template <typename R>
R OrderMoveWithReason() {
  R request = OrderMove<R>();
  request.set_reason("家里临时有事，改天再约。");
  return request;
}

// A request with a page (and nothing else required).
template <typename R>
R Paged() {
  R request;
  request.mutable_page()->set_page_size(20);
  request.mutable_page()->set_page_token("CgNhYmM");
  return request;
}

// Checks `request` alone (for requests without fields).
template <typename R>
void ExpectValid(const R& request) {
  const absl::Status status = Validate(request, Context());
  EXPECT_TRUE(status.ok()) << status;
}

// ---------------------------------------------------------------------------
// The helpers themselves.

TEST(ExpectFieldErrorTest, NeedsThePathFollowedByAColon) {
  EXPECT_NONFATAL_FAILURE(
      ExpectFieldError(absl::InvalidArgumentError("page.page_size: bad"),
                       "page"),
      "expected path: page");
  EXPECT_NONFATAL_FAILURE(
      ExpectFieldError(absl::FailedPreconditionError("page: bad"), "page"),
      "kInvalidArgument");
  ExpectFieldError(absl::InvalidArgumentError("page: bad"), "page");
}

// ---------------------------------------------------------------------------
// Order drafts.

v1::OrderDraft ValidDraft() {
  v1::OrderDraft draft;
  draft.set_service_line_id("elderly-smart-help");
  draft.set_service_name("智能手机使用教学");
  draft.set_community_id("rencheng-guhuai-zhuyuan");
  draft.set_address("济宁市任城区古槐街道竹园社区活动室");
  draft.mutable_location()->set_lat(35.41);
  draft.mutable_location()->set_lng(116.59);
  draft.set_audience(v1::AUDIENCE_ELDERLY);
  draft.set_expected_attendees(30);
  *draft.add_preferred_windows() = Window(absl::Hours(24), absl::Hours(2));
  *draft.add_preferred_windows() = Window(absl::Hours(48), absl::Hours(3));
  draft.set_description("想学习用手机挂号、视频通话。\n最好有志愿者一对一。");
  draft.mutable_contact()->set_name("王芳");
  draft.mutable_contact()->set_phone("13812345678");
  return draft;
}

// The cases of the draft of a request with a `draft` field.
template <typename R>
void AddDraftCases(Cases<R>& cases) {
  auto set_audience = [](R& r, int64_t v) {
    r.mutable_draft()->set_audience(static_cast<v1::Audience>(v));
  };
  auto window = [](int index, absl::Duration start, absl::Duration length) {
    return [index, start, length](R& r) {
      *r.mutable_draft()->mutable_preferred_windows(index) =
          Window(start, length);
    };
  };
  auto add_window = [](absl::Duration start, absl::Duration length) {
    return [start, length](R& r) {
      *r.mutable_draft()->add_preferred_windows() = Window(start, length);
    };
  };
  cases
      .RequiredId("draft.service_line_id",
                  SET_FIELD(mutable_draft()->set_service_line_id))
      .Text("draft.service_name", SET_FIELD(mutable_draft()->set_service_name),
            0, 40, false)
      .RequiredId("draft.community_id",
                  SET_FIELD(mutable_draft()->set_community_id))
      .Text("draft.address", SET_FIELD(mutable_draft()->set_address), 1, 200,
            false)
      .Geo("draft.location",
           [](R& r) { return r.mutable_draft()->mutable_location(); })
      .Good("no location", [](R& r) { r.mutable_draft()->clear_location(); })
      .BadInts("draft.audience", set_audience, {0, 7, -1})
      .GoodInts("draft.audience", set_audience, {1, 6})
      .Range("draft.expected_attendees",
             SET_FIELD(mutable_draft()->set_expected_attendees), 1, 5000)
      .Bad("no windows", "draft.preferred_windows",
           [](R& r) { r.mutable_draft()->clear_preferred_windows(); })
      .Bad("four windows", "draft.preferred_windows",
           [add_window](R& r) {
             add_window(absl::Hours(72), absl::Hours(1))(r);
             add_window(absl::Hours(96), absl::Hours(1))(r);
           })
      .Good("three windows", add_window(absl::Hours(72), absl::Hours(1)))
      .Bad("window in the past", "draft.preferred_windows[0].start",
           window(0, -absl::Hours(3), absl::Hours(2)))
      .Bad("window starting now", "draft.preferred_windows[0].start",
           window(0, absl::ZeroDuration(), absl::Hours(2)))
      .Bad("window beyond 180 days", "draft.preferred_windows[1].start",
           window(1, absl::Hours(24 * 181), absl::Hours(2)))
      .Bad("window of 29 minutes", "draft.preferred_windows[0]",
           window(0, absl::Hours(24), absl::Minutes(29)))
      .Bad("window of 12 hours and a minute", "draft.preferred_windows[0]",
           window(0, absl::Hours(24), absl::Minutes(12 * 60 + 1)))
      .Bad("window ending before it starts", "draft.preferred_windows[0].end",
           window(0, absl::Hours(24), -absl::Hours(1)))
      .Bad("window without a start", "draft.preferred_windows[1].start",
           [](R& r) {
             r.mutable_draft()->mutable_preferred_windows(1)->clear_start();
           })
      .Bad("overlapping windows", "draft.preferred_windows[1].start",
           window(1, absl::Hours(25), absl::Hours(2)))
      .Good("windows of 30 minutes and 12 hours",
            [window](R& r) {
              window(0, absl::Hours(24), absl::Minutes(30))(r);
              window(1, absl::Hours(26), absl::Hours(12))(r);
            })
      .Text("draft.description", SET_FIELD(mutable_draft()->set_description), 0,
            1000, true)
      .Bad("no contact", "draft.contact",
           [](R& r) { r.mutable_draft()->clear_contact(); })
      .Text("draft.contact.name",
            SET_FIELD(mutable_draft()->mutable_contact()->set_name), 1, 32,
            false)
      .Mobile("draft.contact.phone",
              SET_FIELD(mutable_draft()->mutable_contact()->set_phone));
}

TEST(ValidateDraftTest, AcceptsValidDraft) {
  EXPECT_TRUE(ValidateDraft(ValidDraft(), "draft", Context()).ok());
}

TEST(ValidateDraftTest, UsesThePathGiven) {
  v1::OrderDraft draft = ValidDraft();
  draft.mutable_contact()->set_phone("12812345678");
  ExpectFieldError(ValidateDraft(draft, "", Context()), "contact.phone");
  ExpectFieldError(ValidateDraft(draft, "order.draft", Context()),
                   "order.draft.contact.phone");
}

TEST(ValidateDraftTest, CountsCharactersNotBytes) {
  v1::OrderDraft draft = ValidDraft();
  draft.set_address(Chinese(200));  // 600 bytes
  EXPECT_TRUE(ValidateDraft(draft, "draft", Context()).ok());
  draft.set_address(Chinese(201));
  const absl::Status status = ValidateDraft(draft, "draft", Context());
  ExpectFieldError(status, "draft.address");
  EXPECT_THAT(std::string(status.message()), testing::HasSubstr("has 201"));
}

// The refusal names the field and the character, so a user can find it (it
// shows as nothing, or as text running the wrong way).
TEST(ValidateDraftTest, SpoofingCharactersAreNamedInTheRefusal) {
  v1::OrderDraft draft = ValidDraft();
  draft.mutable_contact()->set_name("王芳\u202e3102");
  absl::Status status = ValidateDraft(draft, "draft", Context());
  ExpectFieldError(status, "draft.contact.name");
  EXPECT_EQ(status.message(),
            "draft.contact.name: holds U+202E, a control that reorders how "
            "text is shown");
  draft = ValidDraft();
  draft.set_description("第一行\n第二行\t缩进");
  status = ValidateDraft(draft, "draft", Context());
  EXPECT_EQ(status.message(),
            "draft.description: holds the control character U+0009 (only "
            "line breaks are allowed)");
  draft = ValidDraft();
  draft.set_address("竹竿巷\r社区");
  status = ValidateDraft(draft, "draft", Context());
  EXPECT_EQ(status.message(),
            "draft.address: must be one line without control characters "
            "(holds U+000D)");
}

TEST(ValidateDraftTest, WindowsDependOnTheContextTime) {
  const v1::OrderDraft draft = ValidDraft();
  EXPECT_TRUE(ValidateDraft(draft, "draft", Context()).ok());
  ExpectFieldError(
      ValidateDraft(draft, "draft", ValidationContext{kNow + absl::Hours(25)}),
      "draft.preferred_windows[0].start");
}

// ---------------------------------------------------------------------------
// IdentityService.

v1::RegisterRequest ValidRegister() {
  v1::RegisterRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_phone("13812345678");
  request.set_password("secret123");
  request.set_display_name("王芳");
  return request;
}

TEST(ValidateRegisterTest, AcceptsValidRequest) {
  ExpectValid(ValidRegister());
}

TEST(ValidateRegisterTest, RejectsEachBadField) {
  Cases<v1::RegisterRequest>(ValidRegister())
      .RequestId()
      .Mobile("phone", SET_FIELD(set_phone))
      .Password("password", SET_FIELD(set_password))
      .Text("display_name", SET_FIELD(set_display_name), 1, 32, false)
      .Run();
}

TEST(ValidateRegisterTest, FirstBadFieldWins) {
  v1::RegisterRequest request = ValidRegister();
  request.set_password("weak");
  request.set_display_name("");
  ExpectFieldError(Validate(request, Context()), "password");
  request.set_phone("123");
  ExpectFieldError(Validate(request, Context()), "phone");
  request.set_request_id("");
  ExpectFieldError(Validate(request, Context()), "request_id");
}

v1::LoginRequest ValidLogin() {
  v1::LoginRequest request;
  request.set_phone("+86 13812345678");
  request.set_password("secret123");
  return request;
}

TEST(ValidateLoginTest, AcceptsValidRequest) { ExpectValid(ValidLogin()); }

TEST(ValidateLoginTest, RejectsEachBadField) {
  Cases<v1::LoginRequest>(ValidLogin())
      .Mobile("phone", SET_FIELD(set_phone))
      .BadStrings("password", SET_FIELD(set_password),
                  {"", std::string(129, 'a'), Chinese(129), "abc\xff"})
      // No strength rule at login: only presence and length.
      .GoodStrings("password", SET_FIELD(set_password),
                   {"x", "short", "abcdefgh", "12345678", std::string(128, 'a'),
                    Chinese(128), "  spaced  "})
      .Run();
}

TEST(ValidateLogoutTest, AcceptsValidRequest) {
  ExpectValid(v1::LogoutRequest());
}

v1::RevokeSessionsRequest ValidRevokeSessions() {
  v1::RevokeSessionsRequest request;
  request.set_user_id("user-42");
  return request;
}

TEST(ValidateRevokeSessionsTest, AcceptsValidRequest) {
  ExpectValid(ValidRevokeSessions());
}

TEST(ValidateRevokeSessionsTest, RejectsEachBadField) {
  Cases<v1::RevokeSessionsRequest>(ValidRevokeSessions())
      .RequiredId("user_id", SET_FIELD(set_user_id))
      .Run();
}

v1::ChangePasswordRequest ValidChangePassword() {
  v1::ChangePasswordRequest request;
  request.set_current_password("old");  // set under older rules, perhaps
  request.set_new_password("new-secret2");
  return request;
}

TEST(ValidateChangePasswordTest, AcceptsValidRequest) {
  ExpectValid(ValidChangePassword());
}

TEST(ValidateChangePasswordTest, RejectsEachBadField) {
  Cases<v1::ChangePasswordRequest>(ValidChangePassword())
      .BadStrings("current_password", SET_FIELD(set_current_password),
                  {"", std::string(129, 'a'), "\xc3"})
      .GoodStrings("current_password", SET_FIELD(set_current_password),
                   {"x", std::string(128, 'b')})
      .Password("new_password", SET_FIELD(set_new_password))
      .Bad("new equals current", "new_password",
           [](v1::ChangePasswordRequest& r) {
             r.set_current_password(r.new_password());
           })
      .Run();
}

TEST(ValidateChangePasswordTest, NamesTheRuleForAnUnchangedPassword) {
  v1::ChangePasswordRequest request = ValidChangePassword();
  request.set_current_password("new-secret2");
  EXPECT_EQ(Validate(request, Context()).message(),
            "new_password: must differ from the current password");
}

TEST(ValidateWhoAmITest, AcceptsValidRequest) {
  ExpectValid(v1::WhoAmIRequest());
}

v1::AuthenticateRequest ValidAuthenticate() {
  v1::AuthenticateRequest request;
  request.set_token("kp1.eyJ1IjoiNDIifQ.c2lnbmF0dXJl");
  return request;
}

TEST(ValidateAuthenticateTest, AcceptsValidRequest) {
  ExpectValid(ValidAuthenticate());
}

TEST(ValidateAuthenticateTest, RejectsEachBadField) {
  Cases<v1::AuthenticateRequest>(ValidAuthenticate())
      .BadStrings("token", SET_FIELD(set_token),
                  {"", std::string(513, 'a'), "has space", "tab\t", "nl\n",
                   "\xe4\xb8\xad", "del\x7f"})
      .GoodStrings("token", SET_FIELD(set_token),
                   {"a", std::string(512, 'a'), "!~azAZ09-._+/="})
      .Run();
}

v1::CreateStaffAccountRequest ValidCreateStaffAccount() {
  v1::CreateStaffAccountRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_phone("13912345678");
  request.set_display_name("李强");
  request.set_initial_password("initial1pw");
  v1::RoleGrant* worker = request.add_grants();
  worker->set_role(v1::ROLE_COMMUNITY_WORKER);
  worker->set_scope_id("rencheng-guhuai-zhuyuan");
  request.add_grants()->set_role(v1::ROLE_RESIDENT);
  return request;
}

TEST(ValidateCreateStaffAccountTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateStaffAccount());
}

TEST(ValidateCreateStaffAccountTest, RejectsEachBadField) {
  using R = v1::CreateStaffAccountRequest;
  auto add_grants = [](R& r, int count) {
    r.clear_grants();
    for (int i = 0; i < count; ++i) {
      v1::RoleGrant* grant = r.add_grants();
      grant->set_role(v1::ROLE_TEAM_LEADER);
      grant->set_scope_id(absl::StrCat("team-", i));
    }
  };
  Cases<R>(ValidCreateStaffAccount())
      .RequestId()
      .Mobile("phone", SET_FIELD(set_phone))
      .Text("display_name", SET_FIELD(set_display_name), 1, 32, false)
      .Password("initial_password", SET_FIELD(set_initial_password))
      .Bad("no grants", "grants", [](R& r) { r.clear_grants(); })
      .Bad("11 grants", "grants", [add_grants](R& r) { add_grants(r, 11); })
      .Good("10 grants", [add_grants](R& r) { add_grants(r, 10); })
      .BadInts("grants[0].role",
               [](R& r, int64_t v) {
                 r.mutable_grants(0)->set_role(static_cast<v1::Role>(v));
               },
               {0, 8, -1, v1::ROLE_SYSTEM})
      .GoodInts("grants[0].role",
                [](R& r, int64_t v) {
                  r.mutable_grants(0)->set_role(static_cast<v1::Role>(v));
                },
                {v1::ROLE_DEPARTMENT_STAFF, v1::ROLE_TEAM_LEADER,
                 v1::ROLE_VOLUNTEER, v1::ROLE_ADMIN})
      .BadStrings("grants[0].scope_id",
                  SET_FIELD(mutable_grants(0)->set_scope_id), BadIds())
      .BadStrings("grants[1].scope_id",
                  SET_FIELD(mutable_grants(1)->set_scope_id), {"rencheng", "x"})
      .Bad("repeated grant", "grants[2]",
           [](R& r) { *r.add_grants() = r.grants(0); })
      .Good("same role, other scope",
            [](R& r) {
              *r.add_grants() = r.grants(0);
              r.mutable_grants(2)->set_scope_id("rencheng-guhuai-other");
            })
      .Run();
}

TEST(ValidateCreateStaffAccountTest, NamesTheSystemRole) {
  v1::CreateStaffAccountRequest request = ValidCreateStaffAccount();
  request.mutable_grants(1)->set_role(v1::ROLE_SYSTEM);
  EXPECT_EQ(Validate(request, Context()).message(),
            "grants[1].role: cannot be granted");
}

// GrantRole and RevokeRole share their fields.
template <typename R>
R ValidRoleChange() {
  R request;
  request.set_request_id(std::string(kRequestId));
  request.set_user_id("user-42");
  request.mutable_grant()->set_role(v1::ROLE_TEAM_LEADER);
  request.mutable_grant()->set_scope_id("weishan-health");
  request.set_expected_version(4);
  return request;
}

template <typename R>
void RunRoleChangeCases() {
  Cases<R>(ValidRoleChange<R>())
      .RequestId()
      .RequiredId("user_id", SET_FIELD(set_user_id))
      .Bad("no grant", "grant", [](R& r) { r.clear_grant(); })
      .BadInts("grant.role",
               [](R& r, int64_t v) {
                 r.mutable_grant()->set_role(static_cast<v1::Role>(v));
               },
               {0, 8, v1::ROLE_SYSTEM})
      .RequiredId("grant.scope_id", SET_FIELD(mutable_grant()->set_scope_id))
      .Bad("resident with a scope", "grant.scope_id",
           [](R& r) { r.mutable_grant()->set_role(v1::ROLE_RESIDENT); })
      .Good("resident without a scope",
            [](R& r) {
              r.mutable_grant()->set_role(v1::ROLE_RESIDENT);
              r.mutable_grant()->clear_scope_id();
            })
      .Good("admin of the city",
            [](R& r) {
              r.mutable_grant()->set_role(v1::ROLE_ADMIN);
              r.mutable_grant()->set_scope_id("jining");
            })
      .ExpectedVersion()
      .Run();
}

TEST(ValidateGrantRoleTest, AcceptsValidRequest) {
  ExpectValid(ValidRoleChange<v1::GrantRoleRequest>());
}

TEST(ValidateGrantRoleTest, RejectsEachBadField) {
  RunRoleChangeCases<v1::GrantRoleRequest>();
}

TEST(ValidateRevokeRoleTest, AcceptsValidRequest) {
  ExpectValid(ValidRoleChange<v1::RevokeRoleRequest>());
}

TEST(ValidateRevokeRoleTest, RejectsEachBadField) {
  RunRoleChangeCases<v1::RevokeRoleRequest>();
}

v1::GetUserRequest ValidGetUser() {
  v1::GetUserRequest request;
  request.set_user_id("user-42");
  return request;
}

TEST(ValidateGetUserTest, AcceptsValidRequest) { ExpectValid(ValidGetUser()); }

TEST(ValidateGetUserTest, RejectsEachBadField) {
  Cases<v1::GetUserRequest>(ValidGetUser())
      .RequiredId("user_id", SET_FIELD(set_user_id))
      .Run();
}

v1::ListUsersRequest ValidListUsers() {
  v1::ListUsersRequest request = Paged<v1::ListUsersRequest>();
  request.set_role(v1::ROLE_TEAM_LEADER);
  request.set_scope_id("weishan-health");
  return request;
}

TEST(ValidateListUsersTest, AcceptsValidRequest) {
  ExpectValid(ValidListUsers());
}

TEST(ValidateListUsersTest, RejectsEachBadField) {
  using R = v1::ListUsersRequest;
  auto set_role = [](R& r, int64_t v) { r.set_role(static_cast<v1::Role>(v)); };
  Cases<R>(ValidListUsers())
      .BadInts("role", set_role, {8, -1, v1::ROLE_SYSTEM})
      .GoodInts("role", set_role,
                {v1::ROLE_UNSPECIFIED, v1::ROLE_RESIDENT, v1::ROLE_ADMIN})
      .OptionalId("scope_id", SET_FIELD(set_scope_id))
      .Page()
      .Run();
}

v1::DeactivateUserRequest ValidDeactivateUser() {
  v1::DeactivateUserRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_user_id("user-42");
  request.set_expected_version(2);
  request.set_reason("已调离社区工作岗位");
  return request;
}

TEST(ValidateDeactivateUserTest, AcceptsValidRequest) {
  ExpectValid(ValidDeactivateUser());
}

TEST(ValidateDeactivateUserTest, RejectsEachBadField) {
  Cases<v1::DeactivateUserRequest>(ValidDeactivateUser())
      .RequestId()
      .RequiredId("user_id", SET_FIELD(set_user_id))
      .ExpectedVersion()
      .Reason()
      .Run();
}

// ---------------------------------------------------------------------------
// DirectoryService.

TEST(ValidateListProgramsTest, AcceptsValidRequest) {
  v1::ListProgramsRequest request;
  request.set_include_inactive(true);
  ExpectValid(request);
}

v1::ListServiceLinesRequest ValidListServiceLines() {
  v1::ListServiceLinesRequest request;
  request.set_program_id("elderly");
  request.set_audience(v1::AUDIENCE_ELDERLY);
  request.set_orderable_only(true);
  return request;
}

TEST(ValidateListServiceLinesTest, AcceptsValidRequest) {
  ExpectValid(ValidListServiceLines());
}

TEST(ValidateListServiceLinesTest, RejectsEachBadField) {
  using R = v1::ListServiceLinesRequest;
  auto set_audience = [](R& r, int64_t v) {
    r.set_audience(static_cast<v1::Audience>(v));
  };
  Cases<R>(ValidListServiceLines())
      .OptionalId("program_id", SET_FIELD(set_program_id))
      .BadInts("audience", set_audience, {7, -1, 100})
      .GoodInts("audience", set_audience,
                {v1::AUDIENCE_UNSPECIFIED, v1::AUDIENCE_YOUTH,
                 v1::AUDIENCE_GENERAL_PUBLIC})
      .Run();
}

// Get requests by directory id.
template <typename R>
void RunGetByIdCases() {
  R valid;
  valid.set_id("rencheng-guhuai");
  ExpectValid(valid);
  Cases<R>(valid).RequiredId("id", SET_FIELD(set_id)).Run();
}

TEST(ValidateGetServiceLineTest, AcceptsValidRequest) {
  v1::GetServiceLineRequest request;
  request.set_id("elderly-smart-help");
  ExpectValid(request);
}

TEST(ValidateGetServiceLineTest, RejectsEachBadField) {
  RunGetByIdCases<v1::GetServiceLineRequest>();
}

v1::ServiceLine ValidServiceLine() {
  v1::ServiceLine line;
  line.set_id("elderly-smart-help");
  line.set_program_id("elderly");
  line.set_name("老年人智能技术运用帮扶");
  line.set_name_en("Smart technology help for the elderly");
  line.set_orderable(true);
  line.add_example_services("智能手机使用教学");
  line.add_example_services("防范电信诈骗");
  line.add_responsible_department_ids("kexie");
  line.add_responsible_department_ids("minzheng");
  line.set_version(7);  // ignored
  return line;
}

// Directory writes: request_id, the record, and for updates
// expected_version.
template <typename R>
R DirectoryWrite() {
  R request;
  request.set_request_id(std::string(kRequestId));
  if constexpr (requires { request.set_expected_version(5); }) {
    request.set_expected_version(5);
  }
  return request;
}

template <typename R>
void AddServiceLineCases(Cases<R>& cases) {
  auto fill_examples = [](R& r, int count) {
    r.mutable_service_line()->clear_example_services();
    for (int i = 0; i < count; ++i) {
      r.mutable_service_line()->add_example_services(absl::StrCat("服务", i));
    }
  };
  auto set_second_example = [](R& r, const std::string& v) {
    r.mutable_service_line()->set_example_services(1, v);
  };
  cases
      .Bad("no service line", "service_line",
           [](R& r) { r.clear_service_line(); })
      .RequiredId("service_line.id", SET_FIELD(mutable_service_line()->set_id))
      .RequiredId("service_line.program_id",
                  SET_FIELD(mutable_service_line()->set_program_id))
      .Text("service_line.name", SET_FIELD(mutable_service_line()->set_name), 1,
            60, false)
      .Text("service_line.name_en",
            SET_FIELD(mutable_service_line()->set_name_en), 0, 120, false)
      .Bad("31 example services", "service_line.example_services",
           [fill_examples](R& r) { fill_examples(r, 31); })
      .Good("30 example services",
            [fill_examples](R& r) { fill_examples(r, 30); })
      .Good("no example services",
            [](R& r) { r.mutable_service_line()->clear_example_services(); })
      .BadStrings("service_line.example_services[1]", set_second_example,
                  BadRequiredText(40, false))
      .GoodStrings("service_line.example_services[1]", set_second_example,
                   {Chinese(40), "x"})
      .Bad("repeated example service", "service_line.example_services[1]",
           [](R& r) {
             r.mutable_service_line()->set_example_services(
                 1, r.service_line().example_services(0));
           })
      .IdList(
          "service_line.responsible_department_ids",
          [](R& r) {
            return r.mutable_service_line()
                ->mutable_responsible_department_ids();
          },
          0, 30)
      .Good("server-maintained fields are ignored", [](R& r) {
        r.mutable_service_line()->set_version(-4);
        r.mutable_service_line()->set_active(false);
      });
}

v1::CreateServiceLineRequest ValidCreateServiceLine() {
  auto request = DirectoryWrite<v1::CreateServiceLineRequest>();
  *request.mutable_service_line() = ValidServiceLine();
  return request;
}

TEST(ValidateCreateServiceLineTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateServiceLine());
}

TEST(ValidateCreateServiceLineTest, RejectsEachBadField) {
  Cases<v1::CreateServiceLineRequest> cases(ValidCreateServiceLine());
  cases.RequestId();
  AddServiceLineCases(cases);
  cases.Run();
}

TEST(ValidateCreateServiceLineTest, NamesAMissingRecord) {
  v1::CreateServiceLineRequest request = ValidCreateServiceLine();
  request.clear_service_line();
  EXPECT_EQ(Validate(request, Context()).message(),
            "service_line: is required");
}

v1::UpdateServiceLineRequest ValidUpdateServiceLine() {
  auto request = DirectoryWrite<v1::UpdateServiceLineRequest>();
  *request.mutable_service_line() = ValidServiceLine();
  return request;
}

TEST(ValidateUpdateServiceLineTest, AcceptsValidRequest) {
  ExpectValid(ValidUpdateServiceLine());
}

TEST(ValidateUpdateServiceLineTest, RejectsEachBadField) {
  Cases<v1::UpdateServiceLineRequest> cases(ValidUpdateServiceLine());
  cases.RequestId();
  AddServiceLineCases(cases);
  cases.ExpectedVersion().Run();
}

v1::DeactivateRequest ValidDeactivate() {
  v1::DeactivateRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_id("weishan-health");
  request.set_expected_version(9);
  request.set_reason("服务队已解散");
  return request;
}

TEST(ValidateDeactivateTest, AcceptsValidRequest) {
  ExpectValid(ValidDeactivate());
}

TEST(ValidateDeactivateTest, RejectsEachBadField) {
  Cases<v1::DeactivateRequest>(ValidDeactivate())
      .RequestId()
      .RequiredId("id", SET_FIELD(set_id))
      .ExpectedVersion()
      .Reason()
      .Run();
}

v1::ListRegionsRequest ValidListRegions() {
  v1::ListRegionsRequest request = Paged<v1::ListRegionsRequest>();
  request.set_parent_id("rencheng");
  request.set_level(v1::REGION_LEVEL_TOWN);
  return request;
}

TEST(ValidateListRegionsTest, AcceptsValidRequest) {
  ExpectValid(ValidListRegions());
}

TEST(ValidateListRegionsTest, RejectsEachBadField) {
  using R = v1::ListRegionsRequest;
  auto set_level = [](R& r, int64_t v) {
    r.set_level(static_cast<v1::RegionLevel>(v));
  };
  Cases<R>(ValidListRegions())
      .OptionalId("parent_id", SET_FIELD(set_parent_id))
      .BadInts("level", set_level, {6, -1})
      .GoodInts("level", set_level,
                {v1::REGION_LEVEL_UNSPECIFIED, v1::REGION_LEVEL_CITY,
                 v1::REGION_LEVEL_COMMUNITY})
      .Page()
      .Run();
}

TEST(ValidateGetRegionTest, AcceptsValidRequest) {
  v1::GetRegionRequest request;
  request.set_id("rencheng");
  ExpectValid(request);
}

TEST(ValidateGetRegionTest, RejectsEachBadField) {
  RunGetByIdCases<v1::GetRegionRequest>();
}

v1::Region ValidRegion() {
  v1::Region region;
  region.set_id("rencheng-guhuai-zhuyuan");
  region.set_level(v1::REGION_LEVEL_COMMUNITY);
  region.set_parent_id("rencheng-guhuai");
  region.set_name("竹园社区");
  region.set_name_en("Zhuyuan Community");
  region.mutable_center()->set_lat(35.40);
  region.mutable_center()->set_lng(116.60);
  region.set_county_id("rencheng");
  region.set_version(3);
  return region;
}

template <typename R>
void AddRegionCases(Cases<R>& cases) {
  auto set_level = [](R& r, int64_t v) {
    r.mutable_region()->set_level(static_cast<v1::RegionLevel>(v));
  };
  cases.Bad("no region", "region", [](R& r) { r.clear_region(); })
      .RequiredId("region.id", SET_FIELD(mutable_region()->set_id))
      .BadInts("region.level", set_level, {0, 6, -2})
      .GoodInts("region.level", set_level,
                {v1::REGION_LEVEL_COUNTY, v1::REGION_LEVEL_ZONE,
                 v1::REGION_LEVEL_TOWN})
      .RequiredId("region.parent_id",
                  SET_FIELD(mutable_region()->set_parent_id))
      .Bad("a city with a parent", "region.parent_id",
           [](R& r) { r.mutable_region()->set_level(v1::REGION_LEVEL_CITY); })
      .Good("a city without a parent",
            [](R& r) {
              r.mutable_region()->set_level(v1::REGION_LEVEL_CITY);
              r.mutable_region()->clear_parent_id();
              r.mutable_region()->clear_county_id();
            })
      .Text("region.name", SET_FIELD(mutable_region()->set_name), 1, 60, false)
      .Text("region.name_en", SET_FIELD(mutable_region()->set_name_en), 0, 120,
            false)
      .Geo("region.center",
           [](R& r) { return r.mutable_region()->mutable_center(); })
      .Good("no center", [](R& r) { r.mutable_region()->clear_center(); })
      .OptionalId("region.county_id",
                  SET_FIELD(mutable_region()->set_county_id))
      .Good("server-maintained fields are ignored",
            [](R& r) { r.mutable_region()->set_version(0); });
}

v1::CreateRegionRequest ValidCreateRegion() {
  auto request = DirectoryWrite<v1::CreateRegionRequest>();
  *request.mutable_region() = ValidRegion();
  return request;
}

TEST(ValidateCreateRegionTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateRegion());
}

TEST(ValidateCreateRegionTest, RejectsEachBadField) {
  Cases<v1::CreateRegionRequest> cases(ValidCreateRegion());
  cases.RequestId();
  AddRegionCases(cases);
  cases.Run();
}

v1::UpdateRegionRequest ValidUpdateRegion() {
  auto request = DirectoryWrite<v1::UpdateRegionRequest>();
  *request.mutable_region() = ValidRegion();
  return request;
}

TEST(ValidateUpdateRegionTest, AcceptsValidRequest) {
  ExpectValid(ValidUpdateRegion());
}

TEST(ValidateUpdateRegionTest, RejectsEachBadField) {
  Cases<v1::UpdateRegionRequest> cases(ValidUpdateRegion());
  cases.RequestId();
  AddRegionCases(cases);
  cases.ExpectedVersion().Run();
}

TEST(ValidateListDepartmentsTest, AcceptsValidRequest) {
  v1::ListDepartmentsRequest request;
  request.set_include_inactive(true);
  ExpectValid(request);
}

TEST(ValidateGetDepartmentTest, AcceptsValidRequest) {
  v1::GetDepartmentRequest request;
  request.set_id("kexie");
  ExpectValid(request);
}

TEST(ValidateGetDepartmentTest, RejectsEachBadField) {
  RunGetByIdCases<v1::GetDepartmentRequest>();
}

template <typename R>
R ValidDepartmentWrite() {
  R request = DirectoryWrite<R>();
  request.mutable_department()->set_id("kexie");
  request.mutable_department()->set_name("市科协");
  request.mutable_department()->set_name_en(
      "Jining Association for Science and Technology");
  request.mutable_department()->set_version(1);
  return request;
}

template <typename R>
void AddDepartmentCases(Cases<R>& cases) {
  cases.Bad("no department", "department", [](R& r) { r.clear_department(); })
      .RequiredId("department.id", SET_FIELD(mutable_department()->set_id))
      .Text("department.name", SET_FIELD(mutable_department()->set_name), 1, 60,
            false)
      .Text("department.name_en", SET_FIELD(mutable_department()->set_name_en),
            0, 120, false);
}

TEST(ValidateCreateDepartmentTest, AcceptsValidRequest) {
  ExpectValid(ValidDepartmentWrite<v1::CreateDepartmentRequest>());
}

TEST(ValidateCreateDepartmentTest, RejectsEachBadField) {
  using R = v1::CreateDepartmentRequest;
  Cases<R> cases(ValidDepartmentWrite<R>());
  cases.RequestId();
  AddDepartmentCases(cases);
  cases.Run();
}

TEST(ValidateUpdateDepartmentTest, AcceptsValidRequest) {
  ExpectValid(ValidDepartmentWrite<v1::UpdateDepartmentRequest>());
}

TEST(ValidateUpdateDepartmentTest, RejectsEachBadField) {
  using R = v1::UpdateDepartmentRequest;
  Cases<R> cases(ValidDepartmentWrite<R>());
  cases.RequestId();
  AddDepartmentCases(cases);
  cases.ExpectedVersion().Run();
}

v1::ListTeamsRequest ValidListTeams() {
  v1::ListTeamsRequest request = Paged<v1::ListTeamsRequest>();
  request.set_service_line_id("elderly-health");
  request.set_region_id("weishan");
  request.set_department_id("weijian");
  return request;
}

TEST(ValidateListTeamsTest, AcceptsValidRequest) {
  ExpectValid(ValidListTeams());
}

TEST(ValidateListTeamsTest, RejectsEachBadField) {
  Cases<v1::ListTeamsRequest>(ValidListTeams())
      .OptionalId("service_line_id", SET_FIELD(set_service_line_id))
      .OptionalId("region_id", SET_FIELD(set_region_id))
      .OptionalId("department_id", SET_FIELD(set_department_id))
      .Page()
      .Run();
}

TEST(ValidateGetTeamTest, AcceptsValidRequest) {
  v1::GetTeamRequest request;
  request.set_id("weishan-health");
  ExpectValid(request);
}

TEST(ValidateGetTeamTest, RejectsEachBadField) {
  RunGetByIdCases<v1::GetTeamRequest>();
}

v1::Team ValidTeam() {
  v1::Team team;
  team.set_id("weishan-health");
  team.set_name("微山县健康科普志愿服务队");
  team.set_department_id("weijian");
  team.add_service_line_ids("elderly-health");
  team.add_service_line_ids("elderly-smart-help");
  team.add_service_area_region_ids("weishan");
  team.mutable_base()->set_lat(34.81);
  team.mutable_base()->set_lng(117.13);
  team.set_capacity(5);
  team.set_leader_user_id("user-42");
  team.add_member_volunteer_ids("vol-1");
  team.add_member_volunteer_ids("vol-2");
  team.mutable_contact()->set_name("张伟");
  team.mutable_contact()->set_phone("13912345678");
  team.set_version(2);
  team.mutable_stats()->set_active_orders(-3);  // ignored
  return team;
}

template <typename R>
void AddTeamCases(Cases<R>& cases) {
  cases.Bad("no team", "team", [](R& r) { r.clear_team(); })
      .RequiredId("team.id", SET_FIELD(mutable_team()->set_id))
      .Text("team.name", SET_FIELD(mutable_team()->set_name), 1, 60, false)
      .OptionalId("team.department_id",
                  SET_FIELD(mutable_team()->set_department_id))
      .IdList(
          "team.service_line_ids",
          [](R& r) { return r.mutable_team()->mutable_service_line_ids(); }, 1,
          30)
      .IdList(
          "team.service_area_region_ids",
          [](R& r) {
            return r.mutable_team()->mutable_service_area_region_ids();
          },
          1, 50)
      .Geo("team.base", [](R& r) { return r.mutable_team()->mutable_base(); })
      .Good("no base", [](R& r) { r.mutable_team()->clear_base(); })
      .Range("team.capacity", SET_FIELD(mutable_team()->set_capacity), 1, 100)
      .OptionalId("team.leader_user_id",
                  SET_FIELD(mutable_team()->set_leader_user_id))
      .IdList(
          "team.member_volunteer_ids",
          [](R& r) { return r.mutable_team()->mutable_member_volunteer_ids(); },
          0, 200)
      .Good("no contact", [](R& r) { r.mutable_team()->clear_contact(); })
      .Text("team.contact.name",
            SET_FIELD(mutable_team()->mutable_contact()->set_name), 1, 32,
            false)
      .Mobile("team.contact.phone",
              SET_FIELD(mutable_team()->mutable_contact()->set_phone))
      .Good("server-maintained fields are ignored", [](R& r) {
        r.mutable_team()->set_version(0);
        r.mutable_team()->mutable_stats()->set_mean_rating(-1);
      });
}

v1::CreateTeamRequest ValidCreateTeam() {
  auto request = DirectoryWrite<v1::CreateTeamRequest>();
  *request.mutable_team() = ValidTeam();
  return request;
}

TEST(ValidateCreateTeamTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateTeam());
}

TEST(ValidateCreateTeamTest, RejectsEachBadField) {
  Cases<v1::CreateTeamRequest> cases(ValidCreateTeam());
  cases.RequestId();
  AddTeamCases(cases);
  cases.Run();
}

v1::UpdateTeamRequest ValidUpdateTeam() {
  auto request = DirectoryWrite<v1::UpdateTeamRequest>();
  *request.mutable_team() = ValidTeam();
  return request;
}

TEST(ValidateUpdateTeamTest, AcceptsValidRequest) {
  ExpectValid(ValidUpdateTeam());
}

TEST(ValidateUpdateTeamTest, RejectsEachBadField) {
  Cases<v1::UpdateTeamRequest> cases(ValidUpdateTeam());
  cases.RequestId();
  AddTeamCases(cases);
  cases.ExpectedVersion().Run();
}

v1::ListVolunteersRequest ValidListVolunteers() {
  v1::ListVolunteersRequest request = Paged<v1::ListVolunteersRequest>();
  request.set_team_id("weishan-health");
  return request;
}

TEST(ValidateListVolunteersTest, AcceptsValidRequest) {
  ExpectValid(ValidListVolunteers());
}

TEST(ValidateListVolunteersTest, RejectsEachBadField) {
  Cases<v1::ListVolunteersRequest>(ValidListVolunteers())
      .OptionalId("team_id", SET_FIELD(set_team_id))
      .Page()
      .Run();
}

TEST(ValidateGetVolunteerTest, AcceptsValidRequest) {
  v1::GetVolunteerRequest request;
  request.set_id("vol-1");
  ExpectValid(request);
}

TEST(ValidateGetVolunteerTest, RejectsEachBadField) {
  RunGetByIdCases<v1::GetVolunteerRequest>();
}

v1::Volunteer ValidVolunteer() {
  v1::Volunteer volunteer;
  volunteer.set_id("vol-1");
  volunteer.set_user_id("user-7");
  volunteer.set_name("刘洋");
  volunteer.set_phone("13712345678");
  volunteer.add_skill_service_line_ids("elderly-health");
  volunteer.add_team_ids("weishan-health");
  volunteer.set_approved_hours(-12.5);  // ignored
  *volunteer.mutable_joined_at() = At(-absl::Hours(24 * 300));
  volunteer.set_version(1);
  return volunteer;
}

template <typename R>
void AddVolunteerCases(Cases<R>& cases) {
  cases.Bad("no volunteer", "volunteer", [](R& r) { r.clear_volunteer(); })
      .RequiredId("volunteer.id", SET_FIELD(mutable_volunteer()->set_id))
      .OptionalId("volunteer.user_id",
                  SET_FIELD(mutable_volunteer()->set_user_id))
      .Text("volunteer.name", SET_FIELD(mutable_volunteer()->set_name), 1, 32,
            false)
      .BadStrings("volunteer.phone", SET_FIELD(mutable_volunteer()->set_phone),
                  BadOptionalMobiles())
      .GoodStrings("volunteer.phone", SET_FIELD(mutable_volunteer()->set_phone),
                   GoodMobiles())
      .GoodStrings("volunteer.phone", SET_FIELD(mutable_volunteer()->set_phone),
                   {""})
      .IdList(
          "volunteer.skill_service_line_ids",
          [](R& r) {
            return r.mutable_volunteer()->mutable_skill_service_line_ids();
          },
          0, 30)
      .IdList(
          "volunteer.team_ids",
          [](R& r) { return r.mutable_volunteer()->mutable_team_ids(); }, 0,
          10);
}

v1::CreateVolunteerRequest ValidCreateVolunteer() {
  auto request = DirectoryWrite<v1::CreateVolunteerRequest>();
  *request.mutable_volunteer() = ValidVolunteer();
  return request;
}

TEST(ValidateCreateVolunteerTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateVolunteer());
}

TEST(ValidateCreateVolunteerTest, RejectsEachBadField) {
  Cases<v1::CreateVolunteerRequest> cases(ValidCreateVolunteer());
  cases.RequestId();
  AddVolunteerCases(cases);
  cases.Run();
}

v1::UpdateVolunteerRequest ValidUpdateVolunteer() {
  auto request = DirectoryWrite<v1::UpdateVolunteerRequest>();
  *request.mutable_volunteer() = ValidVolunteer();
  return request;
}

TEST(ValidateUpdateVolunteerTest, AcceptsValidRequest) {
  ExpectValid(ValidUpdateVolunteer());
}

TEST(ValidateUpdateVolunteerTest, RejectsEachBadField) {
  Cases<v1::UpdateVolunteerRequest> cases(ValidUpdateVolunteer());
  cases.RequestId();
  AddVolunteerCases(cases);
  cases.ExpectedVersion().Run();
}

// ---------------------------------------------------------------------------
// OrderService.

v1::CreateOrderRequest ValidCreateOrder() {
  v1::CreateOrderRequest request;
  request.set_request_id(std::string(kRequestId));
  *request.mutable_draft() = ValidDraft();
  return request;
}

TEST(ValidateCreateOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidCreateOrder());
}

TEST(ValidateCreateOrderTest, AcceptsAssistedOrder) {
  v1::CreateOrderRequest request = ValidCreateOrder();
  request.mutable_on_behalf_of()->set_name("赵大爷");
  request.set_assist_note("老人到社区办公室口述需求");
  ExpectValid(request);
}

TEST(ValidateCreateOrderTest, RejectsEachBadField) {
  using R = v1::CreateOrderRequest;
  Cases<R> cases(ValidCreateOrder());
  cases.RequestId().Bad("no draft", "draft", [](R& r) { r.clear_draft(); });
  AddDraftCases(cases);
  cases
      .Text("on_behalf_of.name", SET_FIELD(mutable_on_behalf_of()->set_name), 1,
            32, false)
      .Bad("on_behalf_of without a name", "on_behalf_of.name",
           [](R& r) { r.mutable_on_behalf_of()->set_phone("13812345678"); })
      .BadStrings(
          "on_behalf_of.phone",
          [](R& r, const std::string& v) {
            r.mutable_on_behalf_of()->set_name("赵大爷");
            r.mutable_on_behalf_of()->set_phone(v);
          },
          BadOptionalMobiles())
      .GoodStrings(
          "on_behalf_of.phone",
          [](R& r, const std::string& v) {
            r.mutable_on_behalf_of()->set_name("赵大爷");
            r.mutable_on_behalf_of()->set_phone(v);
          },
          GoodMobiles())
      .BadStrings(
          "assist_note",
          [](R& r, const std::string& v) {
            r.mutable_on_behalf_of()->set_name("赵大爷");
            r.set_assist_note(v);
          },
          BadOptionalText(200, true))
      .GoodStrings(
          "assist_note",
          [](R& r, const std::string& v) {
            r.mutable_on_behalf_of()->set_name("赵大爷");
            r.set_assist_note(v);
          },
          GoodOptionalText(200, true))
      .Bad("assist_note without on_behalf_of", "assist_note",
           [](R& r) { r.set_assist_note("电话下单"); })
      .Run();
}

TEST(ValidateCreateOrderTest, FirstBadFieldWins) {
  v1::CreateOrderRequest request = ValidCreateOrder();
  request.mutable_draft()->mutable_contact()->set_phone("1");
  request.mutable_draft()->set_address("");
  ExpectFieldError(Validate(request, Context()), "draft.address");
  request.set_request_id("x");
  ExpectFieldError(Validate(request, Context()), "request_id");
}

v1::UpdateOrderRequest ValidUpdateOrder() {
  auto request = OrderMove<v1::UpdateOrderRequest>();
  *request.mutable_draft() = ValidDraft();
  return request;
}

TEST(ValidateUpdateOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidUpdateOrder());
}

TEST(ValidateUpdateOrderTest, RejectsEachBadField) {
  using R = v1::UpdateOrderRequest;
  Cases<R> cases(ValidUpdateOrder());
  cases.OrderMove().Bad("no draft", "draft", [](R& r) { r.clear_draft(); });
  AddDraftCases(cases);
  cases.Run();
}

v1::ResubmitOrderRequest ValidResubmitOrder() {
  auto request = OrderMove<v1::ResubmitOrderRequest>();
  request.set_answer("活动室在三楼，可容纳40人。");
  return request;
}

TEST(ValidateResubmitOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidResubmitOrder());
}

TEST(ValidateResubmitOrderTest, RejectsEachBadField) {
  Cases<v1::ResubmitOrderRequest>(ValidResubmitOrder())
      .OrderMove()
      .Text("answer", SET_FIELD(set_answer), 1, 500, true)
      .Run();
}

TEST(ValidateCancelOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::CancelOrderRequest>());
}

TEST(ValidateCancelOrderTest, RejectsEachBadField) {
  Cases<v1::CancelOrderRequest>(OrderMoveWithReason<v1::CancelOrderRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

v1::RateOrderRequest ValidRateOrder() {
  auto request = OrderMove<v1::RateOrderRequest>();
  v1::Rating* rating = request.mutable_rating();
  rating->set_overall(5);
  rating->set_punctuality(4);
  rating->set_content(5);
  rating->set_attitude(3);
  rating->set_comment("讲得很清楚，\n老人们都学会了。");
  return request;
}

TEST(ValidateRateOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidRateOrder());
}

TEST(ValidateRateOrderTest, RejectsEachBadField) {
  using R = v1::RateOrderRequest;
  Cases<R>(ValidRateOrder())
      .OrderMove()
      .Bad("no rating", "rating", [](R& r) { r.clear_rating(); })
      .Range("rating.overall", SET_FIELD(mutable_rating()->set_overall), 1, 5)
      .Range("rating.punctuality", SET_FIELD(mutable_rating()->set_punctuality),
             1, 5)
      .Range("rating.content", SET_FIELD(mutable_rating()->set_content), 1, 5)
      .Range("rating.attitude", SET_FIELD(mutable_rating()->set_attitude), 1, 5)
      .Text("rating.comment", SET_FIELD(mutable_rating()->set_comment), 0, 500,
            true)
      .Bad("rating.at set", "rating.at",
           [](R& r) {
             *r.mutable_rating()->mutable_at() = At(absl::ZeroDuration());
           })
      .Run();
}

TEST(ValidateRateOrderTest, NamesTheServerSetTime) {
  v1::RateOrderRequest request = ValidRateOrder();
  request.mutable_rating()->mutable_at();
  EXPECT_EQ(Validate(request, Context()).message(),
            "rating.at: is set by the server");
}

TEST(ValidateReopenOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::ReopenOrderRequest>());
}

TEST(ValidateReopenOrderTest, RejectsEachBadField) {
  Cases<v1::ReopenOrderRequest>(OrderMoveWithReason<v1::ReopenOrderRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

// Requests naming one order and nothing else required.
template <typename R>
R ForOrder() {
  R request;
  request.set_order_id(std::string(kOrderId));
  return request;
}

TEST(ValidateGetOrderTest, AcceptsValidRequest) {
  ExpectValid(ForOrder<v1::GetOrderRequest>());
}

TEST(ValidateGetOrderTest, RejectsEachBadField) {
  Cases<v1::GetOrderRequest>(ForOrder<v1::GetOrderRequest>())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .Run();
}

v1::GetOrderHistoryRequest ValidGetOrderHistory() {
  auto request = Paged<v1::GetOrderHistoryRequest>();
  request.set_order_id(std::string(kOrderId));
  return request;
}

TEST(ValidateGetOrderHistoryTest, AcceptsValidRequest) {
  ExpectValid(ValidGetOrderHistory());
}

TEST(ValidateGetOrderHistoryTest, RejectsEachBadField) {
  Cases<v1::GetOrderHistoryRequest>(ValidGetOrderHistory())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .Page()
      .Run();
}

v1::ListMyOrdersRequest ValidListMyOrders() {
  auto request = Paged<v1::ListMyOrdersRequest>();
  request.add_states(v1::ORDER_STATE_SUBMITTED);
  request.add_states(v1::ORDER_STATE_NEEDS_INFO);
  return request;
}

TEST(ValidateListMyOrdersTest, AcceptsValidRequest) {
  ExpectValid(ValidListMyOrders());
}

TEST(ValidateListMyOrdersTest, RejectsEachBadField) {
  v1::ListMyOrdersRequest valid = ValidListMyOrders();
  valid.clear_states();  // States() adds to the list
  Cases<v1::ListMyOrdersRequest>(valid).States().Page().Run();
}

v1::WatchMyOrdersRequest ValidWatchMyOrders() {
  v1::WatchMyOrdersRequest request;
  request.set_after_event_id("1800000000000-3");
  return request;
}

TEST(ValidateWatchMyOrdersTest, AcceptsValidRequest) {
  ExpectValid(ValidWatchMyOrders());
}

TEST(ValidateWatchMyOrdersTest, RejectsEachBadField) {
  Cases<v1::WatchMyOrdersRequest>(ValidWatchMyOrders()).AfterEventId().Run();
}

v1::WatchOrderRequest ValidWatchOrder() {
  auto request = ForOrder<v1::WatchOrderRequest>();
  request.set_after_event_id("1800000000000-3");
  return request;
}

TEST(ValidateWatchOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidWatchOrder());
}

TEST(ValidateWatchOrderTest, RejectsEachBadField) {
  Cases<v1::WatchOrderRequest>(ValidWatchOrder())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .AfterEventId()
      .Run();
}

// ---------------------------------------------------------------------------
// DispatchService.

v1::ListQueueRequest ValidListQueue() {
  auto request = Paged<v1::ListQueueRequest>();
  request.set_community_id("rencheng-guhuai-zhuyuan");
  return request;
}

TEST(ValidateListQueueTest, AcceptsValidRequest) {
  v1::ListQueueRequest request = ValidListQueue();
  request.add_states(v1::ORDER_STATE_SUBMITTED);
  ExpectValid(request);
}

TEST(ValidateListQueueTest, RejectsEachBadField) {
  Cases<v1::ListQueueRequest>(ValidListQueue())
      .OptionalId("community_id", SET_FIELD(set_community_id))
      .States()
      .Page()
      .Run();
}

TEST(ValidateSuggestDepartmentsTest, AcceptsValidRequest) {
  ExpectValid(ForOrder<v1::SuggestDepartmentsRequest>());
}

TEST(ValidateSuggestDepartmentsTest, RejectsEachBadField) {
  Cases<v1::SuggestDepartmentsRequest>(
      ForOrder<v1::SuggestDepartmentsRequest>())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .Run();
}

v1::RequestInfoRequest ValidRequestInfo() {
  auto request = OrderMove<v1::RequestInfoRequest>();
  request.set_question("请补充活动场地的具体楼层和可容纳人数。");
  return request;
}

TEST(ValidateRequestInfoTest, AcceptsValidRequest) {
  ExpectValid(ValidRequestInfo());
}

TEST(ValidateRequestInfoTest, RejectsEachBadField) {
  Cases<v1::RequestInfoRequest>(ValidRequestInfo())
      .OrderMove()
      .Text("question", SET_FIELD(set_question), 1, 500, true)
      .Run();
}

TEST(ValidateRejectOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::RejectOrderRequest>());
}

TEST(ValidateRejectOrderTest, RejectsEachBadField) {
  Cases<v1::RejectOrderRequest>(OrderMoveWithReason<v1::RejectOrderRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

v1::MarkDuplicateRequest ValidMarkDuplicate() {
  auto request = OrderMove<v1::MarkDuplicateRequest>();
  request.set_duplicate_of_order_id(std::string(kOtherOrderId));
  request.set_note("同一户人家重复下单");
  return request;
}

TEST(ValidateMarkDuplicateTest, AcceptsValidRequest) {
  ExpectValid(ValidMarkDuplicate());
}

TEST(ValidateMarkDuplicateTest, RejectsEachBadField) {
  using R = v1::MarkDuplicateRequest;
  Cases<R>(ValidMarkDuplicate())
      .OrderMove()
      .OrderId("duplicate_of_order_id", SET_FIELD(set_duplicate_of_order_id))
      .Bad("duplicate of itself", "duplicate_of_order_id",
           [](R& r) { r.set_duplicate_of_order_id(r.order_id()); })
      .Bad("duplicate of itself in lower case", "duplicate_of_order_id",
           [](R& r) {
             r.set_duplicate_of_order_id(absl::AsciiStrToLower(r.order_id()));
           })
      .Text("note", SET_FIELD(set_note), 0, 500, true)
      .Run();
}

TEST(ValidateMarkDuplicateTest, NamesTheSameOrder) {
  v1::MarkDuplicateRequest request = ValidMarkDuplicate();
  request.set_duplicate_of_order_id(std::string(kOrderId));
  EXPECT_EQ(Validate(request, Context()).message(),
            "duplicate_of_order_id: must be another order");
}

v1::DispatchOrderRequest ValidDispatchOrder() {
  auto request = OrderMove<v1::DispatchOrderRequest>();
  request.set_department_id("kexie");
  return request;
}

TEST(ValidateDispatchOrderTest, AcceptsValidRequest) {
  ExpectValid(ValidDispatchOrder());
}

TEST(ValidateDispatchOrderTest, RejectsEachBadField) {
  Cases<v1::DispatchOrderRequest>(ValidDispatchOrder())
      .OrderMove()
      .RequiredId("department_id", SET_FIELD(set_department_id))
      .Text("reason", SET_FIELD(set_reason), 0, 500, true)
      .Run();
}

v1::ListFollowUpsRequest ValidListFollowUps() {
  auto request = Paged<v1::ListFollowUpsRequest>();
  request.set_community_id("rencheng-guhuai-zhuyuan");
  request.set_include_done(true);
  return request;
}

TEST(ValidateListFollowUpsTest, AcceptsValidRequest) {
  ExpectValid(ValidListFollowUps());
}

TEST(ValidateListFollowUpsTest, RejectsEachBadField) {
  Cases<v1::ListFollowUpsRequest>(ValidListFollowUps())
      .OptionalId("community_id", SET_FIELD(set_community_id))
      .Page()
      .Run();
}

v1::RecordFollowUpRequest ValidRecordFollowUp() {
  v1::RecordFollowUpRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_follow_up_id("fu-17");
  request.set_expected_version(1);
  request.set_note("已上门回访，居民对讲解时长不满意，已反馈服务队。");
  return request;
}

TEST(ValidateRecordFollowUpTest, AcceptsValidRequest) {
  ExpectValid(ValidRecordFollowUp());
}

TEST(ValidateRecordFollowUpTest, RejectsEachBadField) {
  Cases<v1::RecordFollowUpRequest>(ValidRecordFollowUp())
      .RequestId()
      .RequiredId("follow_up_id", SET_FIELD(set_follow_up_id))
      .ExpectedVersion()
      .Text("note", SET_FIELD(set_note), 1, 1000, true)
      .Run();
}

v1::WatchQueueRequest ValidWatchQueue() {
  v1::WatchQueueRequest request;
  request.set_community_id("rencheng-guhuai-zhuyuan");
  request.set_after_event_id("1800000000000-0");
  return request;
}

TEST(ValidateWatchQueueTest, AcceptsValidRequest) {
  ExpectValid(ValidWatchQueue());
}

TEST(ValidateWatchQueueTest, RejectsEachBadField) {
  Cases<v1::WatchQueueRequest>(ValidWatchQueue())
      .OptionalId("community_id", SET_FIELD(set_community_id))
      .AfterEventId()
      .Run();
}

// ---------------------------------------------------------------------------
// ClaimService.

v1::ListPoolRequest ValidListPool() {
  auto request = Paged<v1::ListPoolRequest>();
  request.set_department_id("kexie");
  return request;
}

TEST(ValidateListPoolTest, AcceptsValidRequest) {
  v1::ListPoolRequest request = ValidListPool();
  request.add_states(v1::ORDER_STATE_DISPATCHED);
  ExpectValid(request);
}

TEST(ValidateListPoolTest, RejectsEachBadField) {
  Cases<v1::ListPoolRequest>(ValidListPool())
      .OptionalId("department_id", SET_FIELD(set_department_id))
      .States()
      .Page()
      .Run();
}

TEST(ValidateClaimOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMove<v1::ClaimOrderRequest>());
}

TEST(ValidateClaimOrderTest, RejectsEachBadField) {
  Cases<v1::ClaimOrderRequest>(OrderMove<v1::ClaimOrderRequest>())
      .OrderMove()
      .Run();
}

TEST(ValidateReturnOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::ReturnOrderRequest>());
}

TEST(ValidateReturnOrderTest, RejectsEachBadField) {
  Cases<v1::ReturnOrderRequest>(OrderMoveWithReason<v1::ReturnOrderRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

v1::ListEligibleTeamsRequest ValidListEligibleTeams() {
  auto request = Paged<v1::ListEligibleTeamsRequest>();
  request.set_order_id(std::string(kOrderId));
  return request;
}

TEST(ValidateListEligibleTeamsTest, AcceptsValidRequest) {
  ExpectValid(ValidListEligibleTeams());
}

TEST(ValidateListEligibleTeamsTest, RejectsEachBadField) {
  Cases<v1::ListEligibleTeamsRequest>(ValidListEligibleTeams())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .Page()
      .Run();
}

v1::AssignTeamRequest ValidAssignTeam() {
  auto request = OrderMove<v1::AssignTeamRequest>();
  request.set_team_id("weishan-health");
  *request.mutable_offer_ttl() = ToProto(absl::Hours(4));
  return request;
}

TEST(ValidateAssignTeamTest, AcceptsValidRequest) {
  ExpectValid(ValidAssignTeam());
}

TEST(ValidateAssignTeamTest, RejectsEachBadField) {
  using R = v1::AssignTeamRequest;
  auto ttl = [](absl::Duration d) {
    return [d](R& r) { *r.mutable_offer_ttl() = ToProto(d); };
  };
  Cases<R>(ValidAssignTeam())
      .OrderMove()
      .RequiredId("team_id", SET_FIELD(set_team_id))
      .Bad("offer_ttl under 10 minutes", "offer_ttl",
           ttl(absl::Minutes(10) - absl::Seconds(1)))
      .Bad("offer_ttl over 7 days", "offer_ttl",
           ttl(absl::Hours(24 * 7) + absl::Seconds(1)))
      .Bad("negative offer_ttl", "offer_ttl", ttl(-absl::Hours(1)))
      .Bad("offer_ttl with bad nanos", "offer_ttl",
           [](R& r) {
             r.mutable_offer_ttl()->set_seconds(3600);
             r.mutable_offer_ttl()->set_nanos(-5);
           })
      .Good("no offer_ttl", [](R& r) { r.clear_offer_ttl(); })
      .Good("offer_ttl of 10 minutes", ttl(absl::Minutes(10)))
      .Good("offer_ttl of 7 days", ttl(absl::Hours(24 * 7)))
      .Run();
}

TEST(ValidateReleaseToMatchingTest, AcceptsValidRequest) {
  ExpectValid(OrderMove<v1::ReleaseToMatchingRequest>());
}

TEST(ValidateReleaseToMatchingTest, RejectsEachBadField) {
  Cases<v1::ReleaseToMatchingRequest>(OrderMove<v1::ReleaseToMatchingRequest>())
      .OrderMove()
      .Run();
}

v1::WatchPoolRequest ValidWatchPool() {
  v1::WatchPoolRequest request;
  request.set_department_id("kexie");
  request.set_after_event_id("1800000000000-12");
  return request;
}

TEST(ValidateWatchPoolTest, AcceptsValidRequest) {
  ExpectValid(ValidWatchPool());
}

TEST(ValidateWatchPoolTest, RejectsEachBadField) {
  Cases<v1::WatchPoolRequest>(ValidWatchPool())
      .OptionalId("department_id", SET_FIELD(set_department_id))
      .AfterEventId()
      .Run();
}

// ---------------------------------------------------------------------------
// FulfilmentService.

v1::ListOffersRequest ValidListOffers() {
  auto request = Paged<v1::ListOffersRequest>();
  request.set_team_id("weishan-health");
  return request;
}

TEST(ValidateListOffersTest, AcceptsValidRequest) {
  ExpectValid(ValidListOffers());
}

TEST(ValidateListOffersTest, RejectsEachBadField) {
  Cases<v1::ListOffersRequest>(ValidListOffers())
      .OptionalId("team_id", SET_FIELD(set_team_id))
      .Page()
      .Run();
}

v1::ListTasksRequest ValidListTasks() {
  auto request = Paged<v1::ListTasksRequest>();
  request.set_team_id("weishan-health");
  return request;
}

TEST(ValidateListTasksTest, AcceptsValidRequest) {
  v1::ListTasksRequest request = ValidListTasks();
  request.add_states(v1::ORDER_STATE_ACCEPTED);
  request.add_states(v1::ORDER_STATE_IN_SERVICE);
  ExpectValid(request);
}

TEST(ValidateListTasksTest, RejectsEachBadField) {
  Cases<v1::ListTasksRequest>(ValidListTasks())
      .OptionalId("team_id", SET_FIELD(set_team_id))
      .States()
      .Page()
      .Run();
}

TEST(ValidateAcceptOfferTest, AcceptsValidRequest) {
  ExpectValid(OrderMove<v1::AcceptOfferRequest>());
}

TEST(ValidateAcceptOfferTest, RejectsEachBadField) {
  Cases<v1::AcceptOfferRequest>(OrderMove<v1::AcceptOfferRequest>())
      .OrderMove()
      .Run();
}

TEST(ValidateDeclineOfferTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::DeclineOfferRequest>());
}

TEST(ValidateDeclineOfferTest, RejectsEachBadField) {
  Cases<v1::DeclineOfferRequest>(OrderMoveWithReason<v1::DeclineOfferRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

v1::ScheduleServiceRequest ValidScheduleService() {
  auto request = OrderMove<v1::ScheduleServiceRequest>();
  *request.mutable_schedule() = Window(absl::Hours(30), absl::Hours(2));
  return request;
}

TEST(ValidateScheduleServiceTest, AcceptsValidRequest) {
  ExpectValid(ValidScheduleService());
}

TEST(ValidateScheduleServiceTest, RejectsEachBadField) {
  using R = v1::ScheduleServiceRequest;
  auto schedule = [](absl::Duration start, absl::Duration length) {
    return [start, length](R& r) {
      *r.mutable_schedule() = Window(start, length);
    };
  };
  Cases<R>(ValidScheduleService())
      .OrderMove()
      .Bad("no schedule", "schedule", [](R& r) { r.clear_schedule(); })
      .Bad("no start", "schedule.start",
           [](R& r) { r.mutable_schedule()->clear_start(); })
      .Bad("no end", "schedule.end",
           [](R& r) { r.mutable_schedule()->clear_end(); })
      .Bad("start in the past", "schedule.start",
           schedule(-absl::Minutes(10), absl::Hours(1)))
      .Bad("start now", "schedule.start",
           schedule(absl::ZeroDuration(), absl::Hours(1)))
      .Bad("start beyond 180 days", "schedule.start",
           schedule(absl::Hours(24 * 180) + absl::Minutes(1), absl::Hours(1)))
      .Bad("end before start", "schedule.end",
           schedule(absl::Hours(5), -absl::Hours(1)))
      .Bad("empty window", "schedule.end",
           schedule(absl::Hours(5), absl::ZeroDuration()))
      .Bad("29 minutes", "schedule",
           schedule(absl::Hours(5), absl::Minutes(29)))
      .Bad("12 hours and a second", "schedule",
           schedule(absl::Hours(5), absl::Hours(12) + absl::Seconds(1)))
      .Good("30 minutes, a second from now",
            schedule(absl::Seconds(1), absl::Minutes(30)))
      .Good("12 hours, 180 days from now",
            schedule(absl::Hours(24 * 180), absl::Hours(12)))
      .Run();
}

v1::CheckInRequest ValidCheckIn() {
  auto request = OrderMove<v1::CheckInRequest>();
  request.mutable_location()->set_lat(35.41);
  request.mutable_location()->set_lng(116.59);
  return request;
}

TEST(ValidateCheckInTest, AcceptsValidRequest) { ExpectValid(ValidCheckIn()); }

TEST(ValidateCheckInTest, RejectsEachBadField) {
  using R = v1::CheckInRequest;
  Cases<R>(ValidCheckIn())
      .OrderMove()
      .Geo("location", [](R& r) { return r.mutable_location(); })
      .Good("no location", [](R& r) { r.clear_location(); })
      .Run();
}

v1::CompleteServiceRequest ValidCompleteService() {
  auto request = OrderMove<v1::CompleteServiceRequest>();
  request.set_actual_attendees(28);
  request.set_summary("讲解了智能手机挂号和防诈骗知识。\n现场答疑一小时。");
  v1::HoursEntry* first = request.add_hours();
  first->set_volunteer_id("vol-1");
  first->set_hours(2.5);
  v1::HoursEntry* second = request.add_hours();
  second->set_volunteer_id("vol-2");
  second->set_hours(3);
  return request;
}

TEST(ValidateCompleteServiceTest, AcceptsValidRequest) {
  ExpectValid(ValidCompleteService());
}

TEST(ValidateCompleteServiceTest, RejectsEachBadField) {
  using R = v1::CompleteServiceRequest;
  auto fill_hours = [](R& r, int count) {
    r.clear_hours();
    for (int i = 0; i < count; ++i) {
      v1::HoursEntry* entry = r.add_hours();
      entry->set_volunteer_id(absl::StrCat("vol-", i));
      entry->set_hours(1);
    }
  };
  Cases<R> cases(ValidCompleteService());
  cases.OrderMove()
      .Range("actual_attendees", SET_FIELD(set_actual_attendees), 0, 5000)
      .Text("summary", SET_FIELD(set_summary), 1, 1000, true)
      .Bad("51 entries", "hours", [fill_hours](R& r) { fill_hours(r, 51); })
      .Good("50 entries", [fill_hours](R& r) { fill_hours(r, 50); })
      .Good("no entries", [](R& r) { r.clear_hours(); })
      .RequiredId("hours[1].volunteer_id",
                  SET_FIELD(mutable_hours(1)->set_volunteer_id))
      .Bad("a volunteer twice", "hours[1].volunteer_id",
           [](R& r) {
             r.mutable_hours(1)->set_volunteer_id(r.hours(0).volunteer_id());
           })
      .Bad("a volunteer twice, not adjacent", "hours[2].volunteer_id",
           [](R& r) { *r.add_hours() = r.hours(0); });
  for (double bad :
       {0.0, 0.25, 0.49, 0.75, 1.3, 24.5, 25.0, -1.0, kNaN, kInf, -kInf}) {
    cases.Bad(absl::StrCat("hours[1].hours = ", bad), "hours[1].hours",
              [bad](R& r) { r.mutable_hours(1)->set_hours(bad); });
  }
  for (double good : {0.5, 1.0, 7.5, 23.5, 24.0}) {
    cases.Good(absl::StrCat("hours[1].hours = ", good),
               [good](R& r) { r.mutable_hours(1)->set_hours(good); });
  }
  cases.Run();
}

TEST(ValidateCompleteServiceTest, FirstBadFieldWins) {
  v1::CompleteServiceRequest request = ValidCompleteService();
  request.mutable_hours(0)->set_hours(100);
  request.mutable_hours(1)->set_volunteer_id("");
  ExpectFieldError(Validate(request, Context()), "hours[0].hours");
  request.set_summary("");
  ExpectFieldError(Validate(request, Context()), "summary");
}

TEST(ValidateWithdrawOrderTest, AcceptsValidRequest) {
  ExpectValid(OrderMoveWithReason<v1::WithdrawOrderRequest>());
}

TEST(ValidateWithdrawOrderTest, RejectsEachBadField) {
  Cases<v1::WithdrawOrderRequest>(
      OrderMoveWithReason<v1::WithdrawOrderRequest>())
      .OrderMove()
      .Reason()
      .Run();
}

v1::ListHoursRequest ValidListHours() {
  auto request = Paged<v1::ListHoursRequest>();
  request.set_volunteer_id("vol-1");
  return request;
}

TEST(ValidateListHoursTest, AcceptsValidRequest) {
  ExpectValid(ValidListHours());
}

TEST(ValidateListHoursTest, RejectsEachBadField) {
  using R = v1::ListHoursRequest;
  Cases<R>(ValidListHours())
      .Bad("none of the three", "volunteer_id",
           [](R& r) { r.clear_volunteer_id(); })
      .Bad("volunteer and team", "volunteer_id",
           [](R& r) { r.set_team_id("weishan-health"); })
      .Bad("volunteer and order", "volunteer_id",
           [](R& r) { r.set_order_id(std::string(kOrderId)); })
      .Bad("team and order", "volunteer_id",
           [](R& r) {
             r.clear_volunteer_id();
             r.set_team_id("weishan-health");
             r.set_order_id(std::string(kOrderId));
           })
      .BadStrings("volunteer_id", SET_FIELD(set_volunteer_id), BadOptionalIds())
      .BadStrings(
          "team_id",
          [](R& r, const std::string& v) {
            r.clear_volunteer_id();
            r.set_team_id(v);
          },
          BadOptionalIds())
      .BadStrings("order_id",
                  [](R& r, const std::string& v) {
                    r.clear_volunteer_id();
                    r.set_order_id(v);
                  },
                  {"01JD8X3Q4M7Y2K9V5T6R1W0ZP", "vol-1"})
      .Good("team only",
            [](R& r) {
              r.clear_volunteer_id();
              r.set_team_id("weishan-health");
            })
      .Good("order only",
            [](R& r) {
              r.clear_volunteer_id();
              r.set_order_id(std::string(kOrderId));
            })
      .Page()
      .Run();
}

TEST(ValidateListHoursTest, NamesTheRule) {
  EXPECT_EQ(Validate(v1::ListHoursRequest(), Context()).message(),
            "volunteer_id: set exactly one of volunteer_id, team_id, order_id");
}

v1::DeclineHoursRequest ValidDeclineHours() {
  v1::DeclineHoursRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_hours_id("hours-01");
  request.set_reason("该志愿者未到场");
  return request;
}

TEST(ValidateDeclineHoursTest, AcceptsValidRequest) {
  ExpectValid(ValidDeclineHours());
}

TEST(ValidateDeclineHoursTest, RejectsEachBadField) {
  Cases<v1::DeclineHoursRequest>(ValidDeclineHours())
      .RequestId()
      .RequiredId("hours_id", SET_FIELD(set_hours_id))
      .Reason()
      .Run();
}

v1::CorrectHoursRequest ValidCorrectHours() {
  v1::CorrectHoursRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_hours_id("hours-01");
  request.set_hours(1.5);
  request.set_reason("迟到半小时");
  return request;
}

TEST(ValidateCorrectHoursTest, RejectsEachBadField) {
  ExpectValid(ValidCorrectHours());
  Cases<v1::CorrectHoursRequest>(ValidCorrectHours())
      .RequestId()
      .RequiredId("hours_id", SET_FIELD(set_hours_id))
      .Reason()
      .Bad("hours 0.3", "hours", [](auto& r) { r.set_hours(0.3); })
      .Bad("hours missing", "hours", [](auto& r) { r.clear_hours(); })
      .Bad("hours NaN", "hours", [](auto& r) { r.set_hours(kNaN); })
      .Run();
}

TEST(ValidateDisputeHoursTest, RejectsEachBadField) {
  v1::DisputeHoursRequest valid;
  valid.set_request_id(std::string(kRequestId));
  valid.set_hours_id("hours-01");
  valid.set_reason("我一直在场");
  ExpectValid(valid);
  Cases<v1::DisputeHoursRequest>(valid)
      .RequestId()
      .RequiredId("hours_id", SET_FIELD(set_hours_id))
      .Reason()
      .Run();
}

TEST(ValidateResolveDisputeTest, HoursOnlyToCorrect) {
  v1::ResolveDisputeRequest valid;
  valid.set_request_id(std::string(kRequestId));
  valid.set_hours_id("hours-01");
  valid.set_resolution(v1::HoursDispute::RESOLUTION_KEEP);
  valid.set_reason("签到表为准");
  ExpectValid(valid);
  Cases<v1::ResolveDisputeRequest>(valid)
      .RequestId()
      .RequiredId("hours_id", SET_FIELD(set_hours_id))
      .Reason()
      .Bad("no resolution", "resolution", [](auto& r) { r.clear_resolution(); })
      .Bad("hours to keep", "hours", [](auto& r) { r.set_hours(2); })
      .Bad("a correction without hours", "hours",
           [](auto& r) {
             r.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
           })
      .Good("a correction with hours",
            [](auto& r) {
              r.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
              r.set_hours(2.5);
            })
      .Run();
}

TEST(ValidateSignInTest, TheCodeAndTheDirectionAreNamed) {
  v1::SignInVolunteerRequest valid;
  valid.set_request_id(std::string(kRequestId));
  valid.set_token(absl::StrCat(kOrderId, ".29000000.", std::string(32, 'a')));
  valid.set_direction(v1::SIGN_IN_DIRECTION_OUT);
  ExpectValid(valid);
  Cases<v1::SignInVolunteerRequest>(valid)
      .RequestId()
      .Bad("no token", "token", [](auto& r) { r.clear_token(); })
      .Bad("a token with a space", "token",
           [](auto& r) { r.set_token("has space"); })
      .Bad("a token of 129 characters", "token",
           [](auto& r) { r.set_token(std::string(129, 'a')); })
      .Bad("no direction", "direction", [](auto& r) { r.clear_direction(); })
      .Bad(
          "an unknown direction", "direction",
          [](auto& r) { r.set_direction(static_cast<v1::SignInDirection>(9)); })
      .Bad("a location off the globe", "location.lat",
           [](auto& r) { r.mutable_location()->set_lat(91); })
      .Run();
  v1::GetSignInCodeRequest code;
  code.set_order_id(std::string(kOrderId));
  ExpectValid(code);
  EXPECT_THAT(
      std::string(Validate(v1::GetSignInCodeRequest(), Context()).message()),
      ::testing::StartsWith("order_id:"));
  v1::ListSignInsRequest list;
  list.set_order_id("not-an-order");
  EXPECT_THAT(std::string(Validate(list, Context()).message()),
              ::testing::StartsWith("order_id:"));
}

TEST(ValidateCompleteServiceTest, AnHoursReasonIsAReason) {
  v1::CompleteServiceRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_order_id(std::string(kOrderId));
  request.set_expected_version(3);
  request.set_summary("完成");
  v1::HoursEntry* hours = request.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(2);
  hours->set_reason("纸质签到表");
  ExpectValid(request);
  hours->set_reason(std::string(501, 'a'));
  EXPECT_THAT(std::string(Validate(request, Context()).message()),
              ::testing::StartsWith("hours[0].reason:"));
}

TEST(ValidateGetMyVolunteerSummaryTest, AcceptsValidRequest) {
  ExpectValid(v1::GetMyVolunteerSummaryRequest());
}

v1::WatchTeamRequest ValidWatchTeam() {
  v1::WatchTeamRequest request;
  request.set_team_id("weishan-health");
  request.set_after_event_id("1800000000000-7");
  return request;
}

TEST(ValidateWatchTeamTest, AcceptsValidRequest) {
  ExpectValid(ValidWatchTeam());
}

TEST(ValidateWatchTeamTest, RejectsEachBadField) {
  Cases<v1::WatchTeamRequest>(ValidWatchTeam())
      .OptionalId("team_id", SET_FIELD(set_team_id))
      .AfterEventId()
      .Run();
}

// ---------------------------------------------------------------------------
// MatchingService.

TEST(ValidateExplainOfferTest, AcceptsValidRequest) {
  ExpectValid(ForOrder<v1::ExplainOfferRequest>());
}

TEST(ValidateExplainOfferTest, RejectsEachBadField) {
  Cases<v1::ExplainOfferRequest>(ForOrder<v1::ExplainOfferRequest>())
      .OrderId("order_id", SET_FIELD(set_order_id))
      .Run();
}

TEST(ValidateGetMatchingStatusTest, AcceptsValidRequest) {
  ExpectValid(v1::GetMatchingStatusRequest());
}

TEST(ValidateListDeadLettersTest, AcceptsValidRequest) {
  ExpectValid(Paged<v1::ListDeadLettersRequest>());
}

TEST(ValidateListDeadLettersTest, RejectsEachBadField) {
  Cases<v1::ListDeadLettersRequest>(Paged<v1::ListDeadLettersRequest>())
      .Page()
      .Run();
}

v1::RetryDeadLetterRequest ValidRetryDeadLetter() {
  v1::RetryDeadLetterRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_entry_id("1800000000000-0");
  return request;
}

TEST(ValidateRetryDeadLetterTest, AcceptsValidRequest) {
  ExpectValid(ValidRetryDeadLetter());
}

TEST(ValidateRetryDeadLetterTest, RejectsEachBadField) {
  Cases<v1::RetryDeadLetterRequest>(ValidRetryDeadLetter())
      .RequestId()
      .BadStrings("entry_id", SET_FIELD(set_entry_id), BadEventIds())
      .Bad("entry_id empty", "entry_id", [](auto& r) { r.set_entry_id(""); })
      .GoodStrings("entry_id", SET_FIELD(set_entry_id),
                   {"1700000000000-0", "0-0"})
      .Run();
}

// ---------------------------------------------------------------------------
// WatchdogService.

TEST(ValidateGetSlaPolicyTest, AcceptsValidRequest) {
  ExpectValid(v1::GetSlaPolicyRequest());
}

v1::ListEscalationsRequest ValidListEscalations() {
  auto request = Paged<v1::ListEscalationsRequest>();
  request.set_region_id("rencheng");
  request.set_include_acknowledged(true);
  return request;
}

TEST(ValidateListEscalationsTest, AcceptsValidRequest) {
  ExpectValid(ValidListEscalations());
}

TEST(ValidateListEscalationsTest, RejectsEachBadField) {
  Cases<v1::ListEscalationsRequest>(ValidListEscalations())
      .OptionalId("region_id", SET_FIELD(set_region_id))
      .Page()
      .Run();
}

v1::AcknowledgeEscalationRequest ValidAcknowledgeEscalation() {
  v1::AcknowledgeEscalationRequest request;
  request.set_request_id(std::string(kRequestId));
  request.set_escalation_id("esc-9");
  request.set_expected_version(1);
  request.set_note("已督促社区当天派单");
  return request;
}

TEST(ValidateAcknowledgeEscalationTest, AcceptsValidRequest) {
  ExpectValid(ValidAcknowledgeEscalation());
}

TEST(ValidateAcknowledgeEscalationTest, RejectsEachBadField) {
  Cases<v1::AcknowledgeEscalationRequest>(ValidAcknowledgeEscalation())
      .RequestId()
      .RequiredId("escalation_id", SET_FIELD(set_escalation_id))
      .ExpectedVersion()
      .Text("note", SET_FIELD(set_note), 1, 500, true)
      .Run();
}

// ---------------------------------------------------------------------------
// ReportService.

// A request over 2026: region_id, from and to.
template <typename R>
R ValidPeriodRequest() {
  R request;
  request.set_region_id("rencheng");
  *request.mutable_from() = ToProto(absl::FromUnixSeconds(1'767'225'600));
  *request.mutable_to() = ToProto(absl::FromUnixSeconds(1'798'761'600));
  return request;
}

TEST(ValidateGetSummaryTest, AcceptsValidRequest) {
  ExpectValid(ValidPeriodRequest<v1::GetSummaryRequest>());
}

TEST(ValidateGetSummaryTest, RejectsEachBadField) {
  Cases<v1::GetSummaryRequest>(ValidPeriodRequest<v1::GetSummaryRequest>())
      .OptionalId("region_id", SET_FIELD(set_region_id))
      .Period()
      .Run();
}

TEST(ValidateGetSummaryTest, NamesAnEmptyPeriod) {
  v1::GetSummaryRequest request = ValidPeriodRequest<v1::GetSummaryRequest>();
  *request.mutable_to() = request.from();
  EXPECT_EQ(Validate(request, Context()).message(), "to: must be after from");
}

TEST(ValidateExportServiceRecordsTest, AcceptsValidRequest) {
  ExpectValid(ValidPeriodRequest<v1::ExportServiceRecordsRequest>());
}

TEST(ValidateExportServiceRecordsTest, RejectsEachBadField) {
  Cases<v1::ExportServiceRecordsRequest>(
      ValidPeriodRequest<v1::ExportServiceRecordsRequest>())
      .OptionalId("region_id", SET_FIELD(set_region_id))
      .Period()
      .Run();
}

v1::ListAuditEventsRequest ValidListAuditEvents() {
  auto request = Paged<v1::ListAuditEventsRequest>();
  request.set_actor_user_id("user-42");
  request.set_target("team/weishan-health");
  *request.mutable_from() = ToProto(absl::FromUnixSeconds(1'767'225'600));
  *request.mutable_to() = ToProto(absl::FromUnixSeconds(1'798'761'600));
  return request;
}

TEST(ValidateListAuditEventsTest, AcceptsValidRequest) {
  ExpectValid(ValidListAuditEvents());
}

TEST(ValidateListAuditEventsTest, RejectsEachBadField) {
  Cases<v1::ListAuditEventsRequest>(ValidListAuditEvents())
      .OptionalId("actor_user_id", SET_FIELD(set_actor_user_id))
      .Text("target", SET_FIELD(set_target), 0, 200, false)
      .Period()
      .Page()
      .Run();
}

}  // namespace
}  // namespace kepu
