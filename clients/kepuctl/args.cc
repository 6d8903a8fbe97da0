#include "clients/kepuctl/args.h"

#include <cmath>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "google/protobuf/descriptor.h"
#include "services/core/time_util.h"

namespace kepu::ctl {
namespace {

constexpr absl::string_view kUsagePayload = "kepuctl/usage";

const FlagSpec* FindSpec(const std::vector<FlagSpec>& specs,
                         absl::string_view name) {
  for (const FlagSpec& spec : specs) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

// "needs-info" -> "NEEDS_INFO".
std::string Canonical(absl::string_view text) {
  std::string out = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  absl::StrReplaceAll({{"-", "_"}, {" ", "_"}}, &out);
  return out;
}

// Looks `text` up among the values of `descriptor`, with or without `prefix`,
// after the aliases; UNSPECIFIED never matches.
absl::StatusOr<int> ParseEnum(
    absl::string_view text, const google::protobuf::EnumDescriptor* descriptor,
    absl::string_view prefix, absl::string_view what,
    const std::vector<std::pair<absl::string_view, absl::string_view>>&
        aliases) {
  std::string name = Canonical(text);
  for (const auto& [alias, target] : aliases) {
    if (name == alias) {
      name = std::string(target);
      break;
    }
  }
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByName(absl::StrCat(prefix, name));
  if (value == nullptr) value = descriptor->FindValueByName(name);
  if (value == nullptr || value->number() == 0) {
    std::string known;
    for (int i = 1; i < descriptor->value_count(); ++i) {
      absl::string_view short_name = descriptor->value(i)->name();
      absl::ConsumePrefix(&short_name, prefix);
      std::string shown = absl::AsciiStrToLower(short_name);
      absl::StrReplaceAll({{"_", "-"}}, &shown);
      absl::StrAppend(&known, i == 1 ? "" : ", ", shown);
    }
    return UsageError(
        absl::StrCat("unknown ", what, " '", text, "' (one of: ", known, ")"));
  }
  return value->number();
}

}  // namespace

absl::Status UsageError(absl::string_view message) {
  absl::Status status = absl::InvalidArgumentError(message);
  status.SetPayload(kUsagePayload, absl::Cord("1"));
  return status;
}

bool IsUsageError(const absl::Status& status) {
  return status.GetPayload(kUsagePayload).has_value();
}

absl::StatusOr<Args> Args::Parse(const std::vector<std::string>& tokens,
                                 const std::vector<FlagSpec>& specs) {
  Args args;
  bool flags_done = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    const std::string& token = tokens[i];
    if (flags_done || !absl::StartsWith(token, "--") || token.size() == 2) {
      if (token == "--" && !flags_done) {
        flags_done = true;
        continue;
      }
      args.positional_.push_back(token);
      continue;
    }
    absl::string_view body = absl::string_view(token).substr(2);
    std::string name;
    std::optional<std::string> value;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = std::string(body.substr(0, eq));
      value = std::string(body.substr(eq + 1));
    } else {
      name = std::string(body);
    }
    const FlagSpec* spec = FindSpec(specs, name);
    if (spec == nullptr && !value.has_value() && absl::StartsWith(name, "no")) {
      const FlagSpec* negated = FindSpec(specs, name.substr(2));
      if (negated != nullptr && negated->kind == FlagKind::kBool) {
        args.values_[negated->name] = {"false"};
        continue;
      }
    }
    if (spec == nullptr) {
      return UsageError(absl::StrCat("unknown flag --", name));
    }
    if (spec->kind == FlagKind::kBool) {
      if (value.has_value()) {
        absl::StatusOr<bool> parsed = ParseBoolText(*value);
        if (!parsed.ok()) {
          return UsageError(absl::StrCat("--", name, ": ", "expected true or ",
                                         "false, got '", *value, "'"));
        }
        args.values_[name] = {*parsed ? "true" : "false"};
      } else {
        args.values_[name] = {"true"};
      }
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= tokens.size()) {
        return UsageError(absl::StrCat("--", name, " needs a value"));
      }
      value = tokens[++i];
    }
    std::vector<std::string>& slot = args.values_[name];
    if (spec->kind == FlagKind::kValue) slot.clear();
    slot.push_back(*std::move(value));
  }
  return args;
}

bool Args::Has(absl::string_view name) const {
  return values_.find(name) != values_.end();
}

std::optional<std::string> Args::Get(absl::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string Args::GetOr(absl::string_view name,
                        absl::string_view fallback) const {
  std::optional<std::string> value = Get(name);
  return value.has_value() ? *value : std::string(fallback);
}

std::vector<std::string> Args::GetAll(absl::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

bool Args::GetBool(absl::string_view name) const {
  return GetOr(name, "false") == "true";
}

absl::StatusOr<std::string> Args::Require(absl::string_view name) const {
  std::optional<std::string> value = Get(name);
  if (!value.has_value()) {
    return UsageError(absl::StrCat("--", name, " is required"));
  }
  return *value;
}

absl::StatusOr<std::optional<int64_t>> Args::GetInt(absl::string_view name,
                                                    int64_t min,
                                                    int64_t max) const {
  std::optional<std::string> text = Get(name);
  if (!text.has_value()) return std::optional<int64_t>();
  int64_t value = 0;
  if (!absl::SimpleAtoi(*text, &value)) {
    return UsageError(absl::StrCat(
        "--", name, ": expected a whole number, got '", *text, "'"));
  }
  if (value < min || value > max) {
    return UsageError(absl::StrCat("--", name, ": must be ", min, " to ", max,
                                   ", got ", value));
  }
  return std::optional<int64_t>(value);
}

absl::StatusOr<std::optional<double>> Args::GetDouble(
    absl::string_view name) const {
  std::optional<std::string> text = Get(name);
  if (!text.has_value()) return std::optional<double>();
  double value = 0;
  if (!absl::SimpleAtod(*text, &value) || !std::isfinite(value)) {
    return UsageError(
        absl::StrCat("--", name, ": expected a number, got '", *text, "'"));
  }
  return std::optional<double>(value);
}

const std::vector<std::string>& GlobalFlagNames() {
  static const auto* const kNames =
      new std::vector<std::string>{"server", "profile", "json", "timeout"};
  return *kNames;
}

absl::StatusOr<SplitArgs> SplitGlobalFlags(
    const std::vector<std::string>& args) {
  SplitArgs split;
  auto is_global = [](absl::string_view name) {
    for (const std::string& global : GlobalFlagNames()) {
      if (name == global) return true;
    }
    return false;
  };
  bool flags_done = false;
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& token = args[i];
    if (flags_done) {
      split.command.push_back(token);
      continue;
    }
    if (token == "--") {
      flags_done = true;
      split.command.push_back(token);
      continue;
    }
    if (token == "-h" || token == "--help") {
      split.help = true;
      continue;
    }
    if (!absl::StartsWith(token, "--")) {
      split.command.push_back(token);
      continue;
    }
    absl::string_view body = absl::string_view(token).substr(2);
    absl::string_view name = body;
    std::optional<std::string> value;
    if (size_t eq = body.find('='); eq != absl::string_view::npos) {
      name = body.substr(0, eq);
      value = std::string(body.substr(eq + 1));
    }
    if (name == "nojson" && !value.has_value()) {
      split.globals.emplace_back("json", "false");
      continue;
    }
    if (!is_global(name)) {
      split.command.push_back(token);
      continue;
    }
    if (name == "json") {
      split.globals.emplace_back("json", value.value_or("true"));
      continue;
    }
    if (!value.has_value()) {
      if (i + 1 >= args.size()) {
        return UsageError(absl::StrCat("--", name, " needs a value"));
      }
      value = args[++i];
    }
    split.globals.emplace_back(std::string(name), *std::move(value));
  }
  return split;
}

absl::TimeZone LocalZone() {
  static const absl::TimeZone* const kZone = [] {
    auto* zone = new absl::TimeZone;
    if (!absl::LoadTimeZone("Asia/Shanghai", zone)) {
      *zone = absl::FixedTimeZone(8 * 60 * 60);
    }
    return zone;
  }();
  return *kZone;
}

absl::StatusOr<absl::Time> ParseTime(absl::string_view text,
                                     absl::TimeZone zone) {
  std::string normalized(absl::StripAsciiWhitespace(text));
  if (normalized.size() > 10 && normalized[10] == ' ') normalized[10] = 'T';
  // Formats with an offset first, then local ones.
  static constexpr const char* kZoned[] = {"%Y-%m-%dT%H:%M:%S%Ez",
                                           "%Y-%m-%dT%H:%M%Ez"};
  static constexpr const char* kLocal[] = {"%Y-%m-%dT%H:%M:%S",
                                           "%Y-%m-%dT%H:%M", "%Y-%m-%d"};
  std::string zoned = normalized;
  if (absl::EndsWith(zoned, "Z") || absl::EndsWith(zoned, "z")) {
    zoned.back() = '+';
    zoned += "00:00";
  }
  absl::Time time;
  std::string error;
  for (const char* format : kZoned) {
    if (absl::ParseTime(format, zoned, &time, &error)) return time;
  }
  for (const char* format : kLocal) {
    if (absl::ParseTime(format, normalized, zone, &time, &error)) return time;
  }
  return UsageError(absl::StrCat(
      "'", text, "' is not a time like 2026-12-01T09:00 (local time, ",
      "Asia/Shanghai)"));
}

absl::StatusOr<v1::TimeWindow> ParseWindow(absl::string_view text,
                                           absl::TimeZone zone) {
  std::vector<absl::string_view> parts = absl::StrSplit(text, '/');
  if (parts.size() != 2) {
    return UsageError(absl::StrCat(
        "'", text, "' is not a window like 2026-12-01T09:00/11:00"));
  }
  absl::StatusOr<absl::Time> start = ParseTime(parts[0], zone);
  if (!start.ok()) return start.status();
  absl::string_view end_text = absl::StripAsciiWhitespace(parts[1]);
  absl::StatusOr<absl::Time> end;
  if (end_text.size() <= 8 && !absl::StrContains(end_text, '-')) {
    // Only a time of day: on the start's day.
    const absl::CivilDay day = absl::ToCivilDay(*start, zone);
    end = ParseTime(absl::StrCat(absl::FormatCivilTime(day), "T", end_text),
                    zone);
  } else {
    end = ParseTime(end_text, zone);
  }
  if (!end.ok()) return end.status();
  if (*end <= *start) {
    return UsageError(
        absl::StrCat("window '", text, "' must end after it starts"));
  }
  v1::TimeWindow window;
  *window.mutable_start() = ToProto(*start);
  *window.mutable_end() = ToProto(*end);
  return window;
}

absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text) {
  text = absl::StripAsciiWhitespace(text);
  absl::Duration duration;
  if (absl::EndsWith(text, "d")) {
    double days = 0;
    if (absl::SimpleAtod(text.substr(0, text.size() - 1), &days) &&
        std::isfinite(days) && days >= 0) {
      return absl::Hours(24 * days);
    }
  } else if (absl::ParseDuration(text, &duration) &&
             duration >= absl::ZeroDuration() &&
             duration != absl::InfiniteDuration()) {
    return duration;
  }
  return UsageError(
      absl::StrCat("'", text, "' is not a duration like 90m, 2h, 1h30m, 3d"));
}

absl::StatusOr<v1::HoursEntry> ParseHours(absl::string_view text) {
  // <volunteer>:<hours>[:<reason>]; volunteer ids have no colon.
  const size_t colon = text.find(':');
  const size_t second = colon == absl::string_view::npos
                            ? absl::string_view::npos
                            : text.find(':', colon + 1);
  double hours = 0;
  if (colon == absl::string_view::npos || colon == 0 ||
      !absl::SimpleAtod(text.substr(colon + 1, second == absl::string_view::npos
                                                   ? absl::string_view::npos
                                                   : second - colon - 1),
                        &hours) ||
      !std::isfinite(hours)) {
    return UsageError(
        absl::StrCat("'", text,
                     "' is not <volunteer id>:<hours>[:<reason>], "
                     "e.g. v-rc-01:2.5 or v-rc-01:2:签到表"));
  }
  v1::HoursEntry entry;
  entry.set_volunteer_id(std::string(text.substr(0, colon)));
  entry.set_hours(hours);
  if (second != absl::string_view::npos) {
    entry.set_reason(std::string(text.substr(second + 1)));
  }
  return entry;
}

absl::StatusOr<v1::RoleGrant> ParseGrant(absl::string_view text) {
  const size_t colon = text.find(':');
  absl::StatusOr<v1::Role> role = ParseRole(text.substr(0, colon));
  if (!role.ok()) return role.status();
  v1::RoleGrant grant;
  grant.set_role(*role);
  if (colon != absl::string_view::npos) {
    grant.set_scope_id(std::string(text.substr(colon + 1)));
  }
  return grant;
}

absl::StatusOr<v1::Role> ParseRole(absl::string_view text) {
  absl::StatusOr<int> value =
      ParseEnum(text, v1::Role_descriptor(), "ROLE_", "role",
                {{"WORKER", "COMMUNITY_WORKER"},
                 {"DEPARTMENT", "DEPARTMENT_STAFF"},
                 {"DEPT", "DEPARTMENT_STAFF"},
                 {"STAFF", "DEPARTMENT_STAFF"},
                 {"LEADER", "TEAM_LEADER"}});
  if (!value.ok()) return value.status();
  return static_cast<v1::Role>(*value);
}

absl::StatusOr<v1::Audience> ParseAudience(absl::string_view text) {
  absl::StatusOr<int> value =
      ParseEnum(text, v1::Audience_descriptor(), "AUDIENCE_", "audience",
                {{"WORKERS", "INDUSTRIAL_WORKERS"},
                 {"PUBLIC", "GENERAL_PUBLIC"},
                 {"GENERAL", "GENERAL_PUBLIC"}});
  if (!value.ok()) return value.status();
  return static_cast<v1::Audience>(*value);
}

absl::StatusOr<v1::OrderState> ParseState(absl::string_view text) {
  absl::StatusOr<int> value =
      ParseEnum(text, v1::OrderState_descriptor(), "ORDER_STATE_", "state",
                {{"CANCELED", "CANCELLED"}, {"INSERVICE", "IN_SERVICE"}});
  if (!value.ok()) return value.status();
  return static_cast<v1::OrderState>(*value);
}

absl::StatusOr<v1::RegionLevel> ParseRegionLevel(absl::string_view text) {
  absl::StatusOr<int> value = ParseEnum(text, v1::RegionLevel_descriptor(),
                                        "REGION_LEVEL_", "region level", {});
  if (!value.ok()) return value.status();
  return static_cast<v1::RegionLevel>(*value);
}

absl::StatusOr<bool> ParseBoolText(absl::string_view text) {
  const std::string lower = absl::AsciiStrToLower(text);
  if (lower == "true" || lower == "yes" || lower == "1" || lower == "on") {
    return true;
  }
  if (lower == "false" || lower == "no" || lower == "0" || lower == "off") {
    return false;
  }
  return UsageError(absl::StrCat("'", text, "' is not true or false"));
}

std::vector<std::string> SplitList(absl::string_view text) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

}  // namespace kepu::ctl
