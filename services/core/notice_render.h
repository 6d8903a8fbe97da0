// Turning a notice's variables into the words a person reads (pure): times
// in Jining's local time, escalation levels in words, and the SMS text within
// one segment. The texts themselves are in notification_table.cc.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/notification.pb.h"
#include "services/core/notification_table.h"

namespace kepu {

enum class Language { kZh, kEn };

// "en" (any case, with or without a region) is English; anything else,
// including empty, is Chinese.
Language LanguageOf(absl::string_view tag);

// An inbox item as the reader sees it, in `language`: the table's title and
// body with the item's variables (times formatted, levels in words). An item
// whose event has no row, or whose text names a variable the item lacks,
// still reads: the missing values show as "—" (an old item after the table
// changed must not vanish from an inbox).
v1::Notification RenderInboxItem(const v1::InboxItem& item, bool read,
                                 Language language);

// The variables as shown, in `language`: "deadline" and "time" (Unix ms)
// become "12月14日 周一 09:00" / "Mon Dec 14 09:00", "level" (1, 2) becomes
// 区县/市级 (county/city); others stay.
NoticeVars DisplayVars(
    const google::protobuf::Map<std::string, std::string>& vars,
    Language language);

// The SMS of `rule` in Chinese: the sign name and the text, with each
// variable cut to what one 70-character segment leaves room for (SmsVarLimit).
//   kFailedPrecondition: the row has no SMS text;
//   kInvalidArgument: a variable the text names is missing.
absl::StatusOr<std::string> RenderSms(const NoticeRule& rule,
                                      const NoticeVars& vars);

// The provider's template parameters of `rule`'s SMS: each variable its text
// names, cut as RenderSms cuts it, in the order the text names them.
//   kFailedPrecondition, kInvalidArgument: as RenderSms.
absl::StatusOr<std::vector<std::pair<std::string, std::string>>> SmsParams(
    const NoticeRule& rule, const NoticeVars& vars);

// The most characters a variable keeps in an SMS (longer values end in "…").
int SmsVarLimit(absl::string_view name);

}  // namespace kepu
