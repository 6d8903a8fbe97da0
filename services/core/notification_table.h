// What Kepu tells whom, as data (issue 12). Read this file with
// transition_table.h: the lifecycle says what a move does; this table says
// whom the move tells and in what words.
//
// Two tables:
//   - NoticeTable(): one row per (event, recipient role): the category, the
//     channels (the in-app inbox always; SMS by default or not), the SMS
//     provider's template code, and the texts in zh-CN and en with named
//     variables ("{order_no}"). An SMS text, with the sign name, fits one
//     70-character segment in Chinese (notification_table_test checks every
//     row with the longest values the variables can take).
//   - TriggerTable(): which events each order move causes, for which audience
//     of the order, and when.
// NoticesOf() applies the triggers to a planned move: its result goes to the
// outbox in the move's own atomic write (order_store.h), so a move that
// happened is never silent and a refused or replayed one tells nobody.
//
// Personal data: a notice carries ids and what the move recorded (a reason, a
// time); names are looked up at delivery. No recipient is told a phone number
// they may not see: the only number in any text is the team's contact, told to
// the resident whose order the team accepted.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/order_store.h"

namespace kepu {

// The words of one row in one language.
struct NoticeText {
  absl::string_view title;
  absl::string_view body;
  // Empty when the row has no SMS.
  absl::string_view sms;
};

struct NoticeRule {
  absl::string_view event;
  v1::Role recipient = v1::ROLE_UNSPECIFIED;
  v1::NoticeCategory category = v1::NOTICE_CATEGORY_UNSPECIFIED;
  // SMS unless the recipient's preferences say otherwise (the row must have an
  // SMS text).
  bool sms_by_default = false;
  // The template registered with the SMS provider; empty without SMS.
  absl::string_view sms_template;
  NoticeText zh;
  NoticeText en;
};

// Every row, in the order of the file.
const std::vector<NoticeRule>& NoticeTable();
// The row of (event, recipient role); nullptr when there is none.
const NoticeRule* FindNoticeRule(absl::string_view event, v1::Role recipient);

// Whom of an order a trigger addresses.
enum class NoticeAudience {
  kResident,               // the order's resident (by account)
  kCommunityWorkers,       // the workers of the order's community
  kDispatchedDepartments,  // every department the move dispatched it to
  kDepartment,             // the department holding it (before or after)
  kOfferedTeams,           // the leaders of every team the move offered it to
  kTeamBefore,  // the leaders of the team holding it, or of the teams it was
                // offered to, before the move
  kTeamAfter,   // the leader of the team holding it after the move
  kVolunteersRecorded,  // each volunteer the move recorded hours for
  kVolunteersApproved,  // each volunteer whose hours the move approved
};

// When a trigger fires besides its action.
enum class When {
  kAlways,
  kBackToDepartment,    // the order is CLAIMED after the move (a decline by the
                        // last team holding the offer)
  kFollowUp,            // the move asked the community for a follow-up visit
  kTeamInvolved,        // a team held or was offered the order before the move
  kDepartmentInvolved,  // a department held the order (after the move)
  kAtTeam,              // the order waits on its team (ACCEPTED)
};

struct NoticeTrigger {
  v1::OrderAction action = v1::ORDER_ACTION_UNSPECIFIED;
  absl::string_view event;
  NoticeAudience audience = NoticeAudience::kResident;
  When when = When::kAlways;
};

// Every trigger, grouped by action.
const std::vector<NoticeTrigger>& TriggerTable();

// The notices a planned move causes, addressed and with their variables (raw:
// ids, times in Unix milliseconds). Pure.
std::vector<v1::Notice> NoticesOf(const Transition& transition);

// The notices of a reminder: `event` for the audience of the order (only
// kResident, kTeamAfter and kOfferedTeams make sense), at `now`, with the
// time of the service or the offer's expiry as `deadline` and `time`.
std::vector<v1::Notice> ReminderNotices(absl::string_view event,
                                        const v1::Order& order, absl::Time now);

// Variables as shown: name -> text.
using NoticeVars = std::map<std::string, std::string, std::less<>>;

// `text` with every "{name}" replaced by its value in `vars`.
//   kInvalidArgument: a name that `vars` lacks, or an unclosed brace.
absl::StatusOr<std::string> RenderNoticeText(absl::string_view text,
                                             const NoticeVars& vars);

// The sign name every SMS starts with, and the length (in characters) one
// SMS segment holds in Chinese.
inline constexpr absl::string_view kSmsSignName = "【济宁科普】";
inline constexpr int kSmsSegmentLength = 70;

// The short number people read out: the last six characters of the order id.
std::string OrderNumber(absl::string_view order_id);

}  // namespace kepu
