// The notification table checked as a whole: every row readable in both
// languages, every SMS within one segment even with the longest values, every
// trigger pointing at a row, and a few moves planned end to end.
#include "services/core/notification_table.h"

#include <set>
#include <string>
#include <utility>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/notice_render.h"
#include "services/core/text.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

// Every variable a text may name, each with the longest value it can take.
NoticeVars LongestVars() {
  const std::string long_text(40 * 3, 'x');
  std::string chinese;
  for (int i = 0; i < 60; ++i) chinese += "科";
  return {
      {"order_no", "ZPX831"},
      {"community", chinese},
      {"service", chinese},
      {"department", chinese},
      {"team", chinese},
      {"team_contact", chinese},
      {"team_phone", "13812345678"},
      {"deadline", "12月14日 周一 09:00"},
      {"time", "12月14日 周一 09:00"},
      {"address", chinese},
      {"reason", chinese},
      {"rating", "5"},
      {"hours", "12.5"},
      {"level", "市级"},
      {"volunteer", chinese},
      {"count", "100000"},
      {"sms", "100000"},
      {"webhook", "100000"},
  };
}

TEST(NoticeTableTest, EveryRowReadsInBothLanguages) {
  const NoticeVars vars = LongestVars();
  std::set<std::pair<std::string, int>> seen;
  for (const NoticeRule& rule : NoticeTable()) {
    SCOPED_TRACE(std::string(rule.event));
    EXPECT_TRUE(seen.insert({std::string(rule.event), rule.recipient}).second)
        << "two rows for one (event, recipient)";
    EXPECT_NE(rule.category, v1::NOTICE_CATEGORY_UNSPECIFIED);
    for (const NoticeText* text : {&rule.zh, &rule.en}) {
      EXPECT_FALSE(text->title.empty());
      EXPECT_FALSE(text->body.empty());
      // Every variable named is one the renderer knows.
      EXPECT_TRUE(RenderNoticeText(text->title, vars).ok());
      EXPECT_TRUE(RenderNoticeText(text->body, vars).ok());
      if (!text->sms.empty()) {
        EXPECT_TRUE(RenderNoticeText(text->sms, vars).ok());
      }
    }
    // SMS in both languages or neither, with a provider template.
    EXPECT_EQ(rule.zh.sms.empty(), rule.en.sms.empty());
    EXPECT_EQ(rule.zh.sms.empty(), rule.sms_template.empty());
    if (rule.sms_by_default) {
      EXPECT_FALSE(rule.zh.sms.empty());
    }
  }
}

TEST(NoticeTableTest, EverySmsFitsOneSegmentWithTheLongestValues) {
  const NoticeVars vars = LongestVars();
  int rows_with_sms = 0;
  for (const NoticeRule& rule : NoticeTable()) {
    if (rule.zh.sms.empty()) continue;
    ++rows_with_sms;
    absl::StatusOr<std::string> sms = RenderSms(rule, vars);
    ASSERT_TRUE(sms.ok()) << rule.event << ": " << sms.status();
    EXPECT_LE(Utf8Length(*sms).value_or(1000), kSmsSegmentLength)
        << rule.event << ": " << *sms;
    EXPECT_TRUE(sms->starts_with(std::string(kSmsSignName)));
  }
  EXPECT_GE(rows_with_sms, 10);
}

TEST(NoticeTableTest, EveryTriggerHasARowForItsAudience) {
  for (const NoticeTrigger& trigger : TriggerTable()) {
    v1::Role role = v1::ROLE_UNSPECIFIED;
    switch (trigger.audience) {
      case NoticeAudience::kResident:
        role = v1::ROLE_RESIDENT;
        break;
      case NoticeAudience::kCommunityWorkers:
        role = v1::ROLE_COMMUNITY_WORKER;
        break;
      case NoticeAudience::kDispatchedDepartments:
      case NoticeAudience::kDepartment:
        role = v1::ROLE_DEPARTMENT_STAFF;
        break;
      case NoticeAudience::kOfferedTeams:
      case NoticeAudience::kTeamBefore:
      case NoticeAudience::kTeamAfter:
        role = v1::ROLE_TEAM_LEADER;
        break;
      case NoticeAudience::kVolunteersRecorded:
      case NoticeAudience::kVolunteersApproved:
        role = v1::ROLE_VOLUNTEER;
        break;
    }
    EXPECT_NE(FindNoticeRule(trigger.event, role), nullptr)
        << trigger.event << " for role " << role;
  }
}

TEST(NoticeTableTest, TheIssuesListIsCovered) {
  // Issue 12's list of who must be told what.
  const std::pair<const char*, v1::Role> required[] = {
      {"order.dispatched", v1::ROLE_RESIDENT},
      {"order.info_requested", v1::ROLE_RESIDENT},
      {"order.rejected", v1::ROLE_RESIDENT},
      {"order.accepted", v1::ROLE_RESIDENT},
      {"order.scheduled", v1::ROLE_RESIDENT},
      {"reminder.service_tomorrow", v1::ROLE_RESIDENT},
      {"order.completed", v1::ROLE_RESIDENT},
      {"order.follow_up", v1::ROLE_RESIDENT},
      {"order.created", v1::ROLE_COMMUNITY_WORKER},
      {"order.resubmitted", v1::ROLE_COMMUNITY_WORKER},
      {"order.escalated", v1::ROLE_COMMUNITY_WORKER},
      {"order.dispatched_to_department", v1::ROLE_DEPARTMENT_STAFF},
      {"order.offer_declined", v1::ROLE_DEPARTMENT_STAFF},
      {"order.offer_lapsed", v1::ROLE_DEPARTMENT_STAFF},
      {"order.escalated", v1::ROLE_DEPARTMENT_STAFF},
      {"order.offered", v1::ROLE_TEAM_LEADER},
      {"reminder.offer_lapsing", v1::ROLE_TEAM_LEADER},
      {"reminder.service_tomorrow", v1::ROLE_TEAM_LEADER},
      {"order.cancelled", v1::ROLE_TEAM_LEADER},
      {"hours.disputed", v1::ROLE_TEAM_LEADER},
      {"hours.recorded", v1::ROLE_VOLUNTEER},
      {"hours.approved", v1::ROLE_VOLUNTEER},
      {"hours.corrected", v1::ROLE_VOLUNTEER},
  };
  for (const auto& [event, role] : required) {
    EXPECT_NE(FindNoticeRule(event, role), nullptr) << event << " " << role;
  }
  EXPECT_EQ(FindNoticeRule("order.info_requested", v1::ROLE_RESIDENT)->category,
            v1::NOTICE_CATEGORY_MUST_ACT);
}

v1::Order SampleOrder() {
  v1::Order order;
  order.set_id("01M97ANWN7QZZPX881GPST8318");
  order.set_resident_id("u-resident");
  order.mutable_draft()->set_community_id("c-guhuai");
  order.mutable_draft()->set_service_line_id("line-fraud");
  order.mutable_draft()->set_address("古槐街道 12 号");
  return order;
}

TEST(NoticesOfTest, AQuestionTellsTheResidentWithTheQuestionAndDeadline) {
  Transition t;
  t.before = SampleOrder();
  t.after = SampleOrder();
  t.after.set_state(v1::ORDER_STATE_NEEDS_INFO);
  *t.after.mutable_next_deadline()->mutable_due_at() =
      ToProto(absl::FromUnixMillis(1'800'000'000'000));
  t.event.set_action(v1::ORDER_ACTION_REQUEST_INFO);
  t.event.set_reason("几点方便？");
  const std::vector<v1::Notice> notices = NoticesOf(t);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].event(), "order.info_requested");
  EXPECT_EQ(notices[0].recipient_role(), v1::ROLE_RESIDENT);
  EXPECT_EQ(notices[0].recipient_scope(), "u-resident");
  EXPECT_EQ(notices[0].vars().at("reason"), "几点方便？");
  EXPECT_EQ(notices[0].vars().at("deadline"), "1800000000000");
  EXPECT_EQ(notices[0].vars().at("order_no"), "ST8318");
}

TEST(NoticesOfTest, AnEditTellsNobody) {
  Transition t;
  t.before = SampleOrder();
  t.after = SampleOrder();
  t.event.set_action(v1::ORDER_ACTION_EDIT);
  EXPECT_THAT(NoticesOf(t), IsEmpty());
}

TEST(NoticesOfTest, ADeclineTellsTheDepartmentOnlyWhenNoTeamHoldsTheOffer) {
  Transition t;
  t.before = SampleOrder();
  t.before->set_department_id("d-kexie");
  t.before->add_offered_team_ids("t-1");
  t.after = *t.before;
  t.after.set_state(v1::ORDER_STATE_OFFERED);
  t.event.set_action(v1::ORDER_ACTION_DECLINE);
  EXPECT_THAT(NoticesOf(t), IsEmpty());
  t.after.set_state(v1::ORDER_STATE_CLAIMED);
  const std::vector<v1::Notice> notices = NoticesOf(t);
  ASSERT_EQ(notices.size(), 1u);
  EXPECT_EQ(notices[0].recipient_scope(), "d-kexie");
}

TEST(NoticesOfTest, CompletionTellsTheResidentAndEachVolunteer) {
  Transition t;
  t.before = SampleOrder();
  t.after = SampleOrder();
  t.after.set_state(v1::ORDER_STATE_COMPLETED);
  t.event.set_action(v1::ORDER_ACTION_COMPLETE);
  for (const char* volunteer : {"v-1", "v-2"}) {
    v1::VolunteerHours hours;
    hours.set_volunteer_id(volunteer);
    hours.set_hours(2.5);
    t.hours.push_back(hours);
  }
  std::vector<std::pair<std::string, std::string>> got;
  for (const v1::Notice& n : NoticesOf(t)) {
    got.emplace_back(n.event(), n.recipient_scope());
  }
  EXPECT_THAT(got, ElementsAre(Pair("order.completed", "u-resident"),
                               Pair("hours.recorded", "v-1"),
                               Pair("hours.recorded", "v-2")));
}

TEST(RenderTest, TimesReadInLocalTimeWithTheWeekday) {
  v1::InboxItem item;
  item.set_event("order.scheduled");
  item.set_recipient_role(v1::ROLE_RESIDENT);
  // 2026-12-14 01:00 UTC is Monday 09:00 in Jining.
  (*item.mutable_vars())["time"] = "1797210000000";
  (*item.mutable_vars())["order_no"] = "ST8318";
  (*item.mutable_vars())["service"] = "防诈骗讲座";
  (*item.mutable_vars())["address"] = "古槐街道 12 号";
  const v1::Notification zh = RenderInboxItem(item, false, Language::kZh);
  EXPECT_EQ(zh.title(), "服务时间已确定");
  EXPECT_EQ(zh.body(),
            "订单 ST8318（防诈骗讲座）的服务时间：12月14日 周一 09:00，地点："
            "古槐街道 12 号。");
  const v1::Notification en = RenderInboxItem(item, true, Language::kEn);
  EXPECT_EQ(en.body(),
            "Order ST8318 (防诈骗讲座) will take place at Mon Dec 14 09:00, at "
            "古槐街道 12 号.");
  EXPECT_TRUE(en.read());
}

TEST(RenderTest, EnglishUsesTheDirectorysEnglishName) {
  v1::InboxItem item;
  item.set_event("order.rejected");
  item.set_recipient_role(v1::ROLE_RESIDENT);
  (*item.mutable_vars())["order_no"] = "ST8318";
  (*item.mutable_vars())["service"] = "实施智慧助老行动";
  (*item.mutable_vars())["service_en"] = "Smart help for the elderly";
  (*item.mutable_vars())["reason"] = "重复";
  EXPECT_EQ(RenderInboxItem(item, false, Language::kEn).body(),
            "Your order ST8318 (Smart help for the elderly) was not accepted. "
            "Reason: 重复");
  EXPECT_EQ(RenderInboxItem(item, false, Language::kZh).body(),
            "您的订单 ST8318（实施智慧助老行动）未通过审核。原因：重复");
}

TEST(RenderTest, AMissingValueShowsAsADash) {
  v1::InboxItem item;
  item.set_event("order.rejected");
  item.set_recipient_role(v1::ROLE_RESIDENT);
  const v1::Notification zh = RenderInboxItem(item, false, Language::kZh);
  EXPECT_EQ(zh.body(), "您的订单 —（—）未通过审核。原因：—");
}

}  // namespace
}  // namespace kepu
