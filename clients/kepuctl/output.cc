#include "clients/kepuctl/output.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/strip.h"
#include "clients/kepuctl/args.h"
#include "google/protobuf/util/json_util.h"
#include "services/core/time_util.h"

namespace kepu::ctl {
namespace {

// Decodes the code point at text[*i] and advances *i; an invalid byte yields
// U+FFFD and advances by one.
uint32_t NextCodePoint(absl::string_view text, size_t* i) {
  const auto lead = static_cast<uint8_t>(text[*i]);
  int extra = 0;
  uint32_t code = lead;
  if (lead < 0x80) {
    ++*i;
    return code;
  } else if (lead < 0xC0) {
    extra = -1;
  } else if (lead < 0xE0) {
    extra = 1;
    code = lead & 0x1F;
  } else if (lead < 0xF0) {
    extra = 2;
    code = lead & 0x0F;
  } else if (lead < 0xF8) {
    extra = 3;
    code = lead & 0x07;
  } else {
    extra = -1;
  }
  if (extra < 0 || *i + extra >= text.size()) {
    ++*i;
    return 0xFFFD;
  }
  for (int k = 1; k <= extra; ++k) {
    const auto next = static_cast<uint8_t>(text[*i + k]);
    if ((next & 0xC0) != 0x80) {
      ++*i;
      return 0xFFFD;
    }
    code = (code << 6) | (next & 0x3F);
  }
  *i += extra + 1;
  return code;
}

int CodePointWidth(uint32_t c) {
  if (c == 0) return 0;
  // Combining marks and zero-width characters.
  if ((c >= 0x0300 && c <= 0x036F) || (c >= 0x200B && c <= 0x200F) ||
      (c >= 0xFE00 && c <= 0xFE0F) || (c >= 0x20D0 && c <= 0x20FF)) {
    return 0;
  }
  // East Asian Wide (W) and Fullwidth (F) blocks.
  if ((c >= 0x1100 && c <= 0x115F) || (c >= 0x2E80 && c <= 0x303E) ||
      (c >= 0x3041 && c <= 0x33FF) || (c >= 0x3400 && c <= 0x4DBF) ||
      (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xA000 && c <= 0xA4CF) ||
      (c >= 0xAC00 && c <= 0xD7A3) || (c >= 0xF900 && c <= 0xFAFF) ||
      (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFF60) ||
      (c >= 0xFFE0 && c <= 0xFFE6) || (c >= 0x1F300 && c <= 0x1F64F) ||
      (c >= 0x1F900 && c <= 0x1F9FF) || (c >= 0x20000 && c <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

std::string EnumShortName(const google::protobuf::EnumDescriptor* descriptor,
                          int number, absl::string_view prefix) {
  const google::protobuf::EnumValueDescriptor* value =
      descriptor->FindValueByNumber(number);
  if (value == nullptr) return absl::StrCat(number);
  absl::string_view name = value->name();
  absl::ConsumePrefix(&name, prefix);
  std::string out = absl::AsciiStrToLower(name);
  absl::StrReplaceAll({{"_", "-"}}, &out);
  return out;
}

}  // namespace

int DisplayWidth(absl::string_view text) {
  int width = 0;
  size_t i = 0;
  while (i < text.size()) width += CodePointWidth(NextCodePoint(text, &i));
  return width;
}

std::string Truncate(absl::string_view text, int width) {
  if (DisplayWidth(text) <= width) return std::string(text);
  std::string out;
  int used = 0;
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    const int w = CodePointWidth(NextCodePoint(text, &i));
    if (used + w > width - 1) break;
    used += w;
    absl::StrAppend(&out, text.substr(start, i - start));
  }
  return out + "…";
}

std::string PadRight(absl::string_view text, int width) {
  std::string out(text);
  const int pad = width - DisplayWidth(text);
  if (pad > 0) out.append(static_cast<size_t>(pad), ' ');
  return out;
}

Table::Table(std::vector<std::string> header)
    : header_(std::move(header)), max_width_(header_.size(), 0) {}

void Table::AddRow(std::vector<std::string> cells) {
  rows_.push_back(std::move(cells));
}

void Table::SetMaxWidth(size_t column, int width) {
  if (column >= max_width_.size()) max_width_.resize(column + 1, 0);
  max_width_[column] = width;
}

std::string Table::Render() const {
  size_t columns = header_.size();
  for (const auto& row : rows_) columns = std::max(columns, row.size());
  std::vector<std::vector<std::string>> lines;
  if (!header_.empty()) lines.push_back(header_);
  for (const auto& row : rows_) lines.push_back(row);
  for (auto& line : lines) {
    line.resize(columns);
    for (size_t c = 0; c < columns; ++c) {
      // Cells are one line each.
      absl::StrReplaceAll({{"\n", " "}, {"\t", " "}, {"\r", ""}}, &line[c]);
      if (c < max_width_.size() && max_width_[c] > 0) {
        line[c] = Truncate(line[c], max_width_[c]);
      }
    }
  }
  std::vector<int> widths(columns, 0);
  for (const auto& line : lines) {
    for (size_t c = 0; c < columns; ++c) {
      widths[c] = std::max(widths[c], DisplayWidth(line[c]));
    }
  }
  std::string out;
  for (const auto& line : lines) {
    std::string text;
    for (size_t c = 0; c < columns; ++c) {
      if (c > 0) text += "  ";
      text += c + 1 < columns ? PadRight(line[c], widths[c]) : line[c];
    }
    absl::StripTrailingAsciiWhitespace(&text);
    absl::StrAppend(&out, text, "\n");
  }
  return out;
}

std::string RenderProgress(int64_t done, int64_t total, absl::string_view label,
                           int width) {
  const double fraction =
      total <= 0
          ? 1.0
          : std::clamp(static_cast<double>(done) / static_cast<double>(total),
                       0.0, 1.0);
  const int filled = static_cast<int>(fraction * width);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(width - filled), '.');
  return absl::StrCat("[", bar, "] ", done, "/", total,
                      label.empty() ? "" : " ", label);
}

Progress::Progress(std::ostream& out, bool terminal, int64_t total)
    : out_(out), terminal_(terminal), total_(total) {}

void Progress::Advance(absl::string_view label) {
  if (!terminal_ && !label_.empty() && label != label_) {
    out_ << RenderProgress(done_, total_, label_) << "\n";
  }
  ++done_;
  label_ = std::string(label);
  if (terminal_) {
    out_ << "\r" << RenderProgress(done_, total_, label_) << "\x1b[K"
         << std::flush;
  }
}

void Progress::Finish() {
  if (finished_) return;
  finished_ = true;
  if (terminal_) {
    out_ << "\n" << std::flush;
  } else {
    out_ << RenderProgress(done_, total_, label_) << "\n" << std::flush;
  }
}

std::string TimeText(absl::Time time) {
  const absl::TimeZone zone = LocalZone();
  const absl::CivilSecond civil = absl::ToCivilSecond(time, zone);
  if (civil.second() != 0) {
    return absl::FormatTime("%Y-%m-%dT%H:%M:%S", time, zone);
  }
  return absl::FormatTime("%Y-%m-%dT%H:%M", time, zone);
}

std::string TimeText(const google::protobuf::Timestamp& time) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  return TimeText(FromProto(time));
}

std::string FormatWindow(const v1::TimeWindow& window) {
  if (!window.has_start()) return "";
  const absl::TimeZone zone = LocalZone();
  const absl::Time start = FromProto(window.start());
  const absl::Time end = FromProto(window.end());
  const std::string from = TimeText(start);
  if (absl::ToCivilDay(start, zone) == absl::ToCivilDay(end, zone)) {
    const std::string full = TimeText(end);
    return absl::StrCat(from, "/", full.substr(full.find('T') + 1));
  }
  return absl::StrCat(from, "/", TimeText(end));
}

std::string FormatDue(const google::protobuf::Timestamp& time, absl::Time now) {
  if (time.seconds() == 0 && time.nanos() == 0) return "";
  const absl::Duration left = FromProto(time) - now;
  const absl::Duration magnitude = absl::AbsDuration(left);
  std::string text;
  const int64_t minutes = absl::ToInt64Minutes(magnitude);
  if (minutes >= 48 * 60) {
    text = absl::StrCat(minutes / (24 * 60), "d");
  } else if (minutes >= 60) {
    text = absl::StrCat(minutes / 60, "h");
    if (minutes % 60 != 0) absl::StrAppend(&text, minutes % 60, "m");
  } else {
    text = absl::StrCat(minutes, "m");
  }
  return left >= absl::ZeroDuration() ? absl::StrCat("in ", text)
                                      : absl::StrCat(text, " overdue");
}

std::string StateName(v1::OrderState state) {
  return EnumShortName(v1::OrderState_descriptor(), state, "ORDER_STATE_");
}

std::string RoleName(v1::Role role) {
  return EnumShortName(v1::Role_descriptor(), role, "ROLE_");
}

std::string AudienceName(v1::Audience audience) {
  return EnumShortName(v1::Audience_descriptor(), audience, "AUDIENCE_");
}

std::string LevelName(v1::RegionLevel level) {
  return EnumShortName(v1::RegionLevel_descriptor(), level, "REGION_LEVEL_");
}

std::string ActionName(v1::OrderAction action) {
  return EnumShortName(v1::OrderAction_descriptor(), action, "ORDER_ACTION_");
}

std::string StateLabel(v1::OrderState state) {
  switch (state) {
    case v1::ORDER_STATE_SUBMITTED:
      return "待审核";
    case v1::ORDER_STATE_NEEDS_INFO:
      return "待补充";
    case v1::ORDER_STATE_REJECTED:
      return "已驳回";
    case v1::ORDER_STATE_DISPATCHED:
      return "已派单";
    case v1::ORDER_STATE_CLAIMED:
      return "已领单";
    case v1::ORDER_STATE_OFFERED:
      return "待接单";
    case v1::ORDER_STATE_ACCEPTED:
      return "已接单";
    case v1::ORDER_STATE_IN_SERVICE:
      return "服务中";
    case v1::ORDER_STATE_COMPLETED:
      return "已完成";
    case v1::ORDER_STATE_RATED:
      return "已评价";
    case v1::ORDER_STATE_CLOSED:
      return "已关闭";
    case v1::ORDER_STATE_CANCELLED:
      return "已取消";
    default:
      return "";
  }
}

std::string GrantText(const v1::RoleGrant& grant) {
  std::string text = RoleName(grant.role());
  if (!grant.scope_id().empty()) absl::StrAppend(&text, ":", grant.scope_id());
  return text;
}

std::string ToJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  // Cannot fail for a message of a generated type.
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  return out;
}

std::string FormatNumber(double value) {
  std::string text = absl::StrFormat("%.2f", value);
  while (!text.empty() && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace kepu::ctl
