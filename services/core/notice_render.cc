#include "services/core/notice_render.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/core/text.h"

namespace kepu {
namespace {

// China keeps one offset all year (no daylight saving time).
absl::TimeZone Jining() {
  static const absl::TimeZone* const kZone =
      new absl::TimeZone(absl::FixedTimeZone(8 * 60 * 60));
  return *kZone;
}

std::string FormatTime(absl::string_view millis, Language language) {
  int64_t ms = 0;
  if (!absl::SimpleAtoi(millis, &ms)) return std::string(millis);
  const absl::Time t = absl::FromUnixMillis(ms);
  if (language == Language::kEn) {
    return absl::FormatTime("%a %b %e %H:%M", t, Jining());
  }
  static constexpr const char* kWeekdays[] = {"周日", "周一", "周二", "周三",
                                              "周四", "周五", "周六"};
  const absl::CivilSecond civil = absl::ToCivilSecond(t, Jining());
  const int weekday = static_cast<int>(absl::GetWeekday(civil));
  // absl::Weekday counts from Monday (0).
  return absl::StrFormat("%d月%d日 %s %02d:%02d", civil.month(), civil.day(),
                         kWeekdays[(weekday + 1) % 7], civil.hour(),
                         civil.minute());
}

std::string LevelName(absl::string_view level, Language language) {
  if (level == "1") return language == Language::kEn ? "county" : "区县";
  if (level == "2") return language == Language::kEn ? "city" : "市级";
  return std::string(level);
}

// `text` cut to `limit` characters, the last one an ellipsis when cut.
std::string Cut(absl::string_view text, int limit) {
  std::string out;
  int count = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const size_t width = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (count == limit - 1 && i + width < text.size()) {
      absl::StrAppend(&out, "…");
      return out;
    }
    absl::StrAppend(&out, text.substr(i, width));
    ++count;
    i += width;
  }
  return out;
}

// "—" for every variable `text` names that `vars` lacks.
void FillMissing(absl::string_view text, NoticeVars& vars) {
  size_t i = 0;
  while ((i = text.find('{', i)) != absl::string_view::npos) {
    const size_t close = text.find('}', i);
    if (close == absl::string_view::npos) return;
    const std::string name(text.substr(i + 1, close - i - 1));
    if (vars.find(name) == vars.end()) vars[name] = "—";
    i = close + 1;
  }
}

}  // namespace

Language LanguageOf(absl::string_view tag) {
  return absl::StartsWithIgnoreCase(tag, "en") ? Language::kEn : Language::kZh;
}

NoticeVars DisplayVars(
    const google::protobuf::Map<std::string, std::string>& vars,
    Language language) {
  NoticeVars shown;
  for (const auto& [name, value] : vars) {
    if (name == "deadline" || name == "time") {
      shown[name] = FormatTime(value, language);
    } else if (name == "level") {
      shown[name] = LevelName(value, language);
    } else {
      shown[name] = value;
    }
  }
  // In English, a name the directory also has in English ("<name>_en").
  if (language == Language::kEn) {
    for (const auto& [name, value] : vars) {
      if (name.size() > 3 && absl::EndsWith(name, "_en") && !value.empty()) {
        shown[name.substr(0, name.size() - 3)] = value;
      }
    }
  }
  return shown;
}

v1::Notification RenderInboxItem(const v1::InboxItem& item, bool read,
                                 Language language) {
  v1::Notification out;
  out.set_id(item.id());
  out.set_event(item.event());
  out.set_order_id(item.order_id());
  *out.mutable_created_at() = item.created_at();
  out.set_read(read);
  const NoticeRule* rule = FindNoticeRule(item.event(), item.recipient_role());
  if (rule == nullptr) {
    out.set_title(item.event());
    return out;
  }
  out.set_category(rule->category);
  const NoticeText& text = language == Language::kEn ? rule->en : rule->zh;
  NoticeVars vars = DisplayVars(item.vars(), language);
  FillMissing(text.title, vars);
  FillMissing(text.body, vars);
  out.set_title(RenderNoticeText(text.title, vars).value_or(""));
  out.set_body(RenderNoticeText(text.body, vars).value_or(""));
  return out;
}

int SmsVarLimit(absl::string_view name) {
  if (name == "order_no") return 6;
  if (name == "team_phone") return 11;
  if (name == "deadline" || name == "time") return 15;
  if (name == "level") return 2;
  if (name == "community" || name == "team") return 8;
  return 10;  // service, department and the rest
}

absl::StatusOr<std::string> RenderSms(const NoticeRule& rule,
                                      const NoticeVars& vars) {
  if (rule.zh.sms.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat(rule.event, " has no SMS text"));
  }
  NoticeVars cut;
  for (const auto& [name, value] : vars) {
    cut[name] = Cut(value, SmsVarLimit(name));
  }
  absl::StatusOr<std::string> text = RenderNoticeText(rule.zh.sms, cut);
  if (!text.ok()) return text.status();
  return absl::StrCat(kSmsSignName, *text);
}

absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SmsParams(
    const NoticeRule& rule, const NoticeVars& vars) {
  absl::StatusOr<std::string> text = RenderSms(rule, vars);
  if (!text.ok()) return text.status();
  std::vector<std::pair<std::string, std::string>> params;
  const absl::string_view sms = rule.zh.sms;
  size_t i = 0;
  while ((i = sms.find('{', i)) != absl::string_view::npos) {
    const size_t close = sms.find('}', i);
    const std::string name(sms.substr(i + 1, close - i - 1));
    bool seen = false;
    for (const auto& [have, value] : params) seen = seen || have == name;
    if (!seen) {
      params.emplace_back(name,
                          Cut(vars.find(name)->second, SmsVarLimit(name)));
    }
    i = close + 1;
  }
  return params;
}

}  // namespace kepu
