#include "services/core/notification_table.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using v1::NoticeCategory;
using v1::OrderAction;
using v1::Role;

constexpr Role kResident = v1::ROLE_RESIDENT;
constexpr Role kWorker = v1::ROLE_COMMUNITY_WORKER;
constexpr Role kDepartment = v1::ROLE_DEPARTMENT_STAFF;
constexpr Role kLeader = v1::ROLE_TEAM_LEADER;
constexpr Role kVolunteer = v1::ROLE_VOLUNTEER;
constexpr Role kAdmin = v1::ROLE_ADMIN;

constexpr NoticeCategory kMustAct = v1::NOTICE_CATEGORY_MUST_ACT;
constexpr NoticeCategory kStatus = v1::NOTICE_CATEGORY_STATUS;
constexpr NoticeCategory kReminder = v1::NOTICE_CATEGORY_REMINDER;
constexpr NoticeCategory kDigest = v1::NOTICE_CATEGORY_DIGEST;

// An escalation reads the same to the community and the department.
constexpr NoticeText kEscalatedZh = {
    "订单超时已上报",
    "订单 {order_no}（{service}）未在期限内处理，已上报{level}。",
    "订单{order_no}（{service}）处理超时，已上报{level}，请尽快处理。"};
constexpr NoticeText kEscalatedEn = {
    "Order overdue and escalated",
    "Order {order_no} ({service}) missed its deadline and went up to the "
    "{level}.",
    "Order {order_no} is overdue and went up to the {level}."};

// The variables (notification_delivery resolves the raw ones a notice
// carries into these): order_no, community, service, department, team,
// team_contact, team_phone, deadline, time, address, reason, rating, hours,
// level, volunteer, count, sms, webhook.
std::vector<NoticeRule> BuildNoticeTable() {
  // clang-format off
  return {
    // ---- Resident (群众)
    {"order.info_requested", kResident, kMustAct, true, "KEPU_INFO_REQUESTED",
     {"社区需要您补充信息",
      "关于您的订单 {order_no}（{service}），社区问：{reason}。请在 {deadline} 前回复。",
      "您的科普服务订单{order_no}需要补充信息，请在{deadline}前打开济宁科普回复。"},
     {"The community has a question",
      "About your order {order_no} ({service}) the community asks: {reason}. Please answer by "
      "{deadline}.",
      "Your order {order_no} needs more information. Please answer in Kepu by {deadline}."}},
    {"order.rejected", kResident, kStatus, true, "KEPU_ORDER_REJECTED",
     {"订单未通过审核", "您的订单 {order_no}（{service}）未通过审核。原因：{reason}",
      "您的科普服务订单{order_no}未通过审核，原因请打开济宁科普查看。"},
     {"Order not accepted", "Your order {order_no} ({service}) was not accepted. Reason: {reason}",
      "Your order {order_no} was not accepted. Open Kepu to see why."}},
    {"order.dispatched", kResident, kStatus, false, "",
     {"订单已派给{department}",
      "您的订单 {order_no}（{service}）已派给{department}，正在安排服务队。", ""},
     {"Order sent to {department}",
      "Your order {order_no} ({service}) went to {department}, who will find a team.", ""}},
    {"order.accepted", kResident, kStatus, true, "KEPU_ORDER_ACCEPTED",
     {"服务队已接单",
      "{team}接下了您的订单 {order_no}（{service}）。联系人：{team_contact}，电话 {team_phone}。",
      "{team}已接下您的订单{order_no}，联系电话{team_phone}。"},
     {"A team took your order",
      "{team} will deliver your order {order_no} ({service}). Contact: {team_contact}, "
      "{team_phone}.",
      "{team} took your order {order_no}. Phone: {team_phone}."}},
    {"order.scheduled", kResident, kStatus, true, "KEPU_ORDER_SCHEDULED",
     {"服务时间已确定", "订单 {order_no}（{service}）的服务时间：{time}，地点：{address}。",
      "您的科普服务{order_no}时间已确定：{time}。"},
     {"Service time confirmed",
      "Order {order_no} ({service}) will take place at {time}, at {address}.",
      "Your service {order_no} is confirmed for {time}."}},
    {"reminder.service_tomorrow", kResident, kReminder, true, "KEPU_SERVICE_REMINDER",
     {"明天有科普服务", "提醒：您预约的 {service}（订单 {order_no}）将于 {time} 开始，地点：{address}。",
      "提醒：您预约的科普服务{order_no}将于{time}开始。"},
     {"Your service is tomorrow",
      "Reminder: {service} (order {order_no}) starts at {time}, at {address}.",
      "Reminder: your service {order_no} starts at {time}."}},
    {"order.completed", kResident, kStatus, true, "KEPU_ORDER_COMPLETED",
     {"服务已完成，请您评价",
      "订单 {order_no}（{service}）已完成。请为这次服务打分，您的评价会让服务更好。",
      "您的科普服务{order_no}已完成，请打开济宁科普评价。"},
     {"Service done: please rate it",
      "Order {order_no} ({service}) is done. Please rate it: it helps the next one.",
      "Your service {order_no} is done. Please rate it in Kepu."}},
    {"order.follow_up", kResident, kStatus, false, "",
     {"社区将回访", "感谢您的评价。订单 {order_no} 的服务没有让您满意，社区会联系您回访。", ""},
     {"The community will call you",
      "Thank you for your rating. Order {order_no} fell short; the community will follow up.",
      ""}},

    // ---- Community worker (社区工作者)
    {"order.created", kWorker, kMustAct, false, "KEPU_ORDER_NEW",
     {"新订单待审核",
      "{community}有新订单 {order_no}（{service}），请在 {deadline} 前审核派单。",
      "{community}有新订单{order_no}（{service}），请在{deadline}前审核。"},
     {"New order to review",
      "A new order in {community}: {order_no} ({service}). Please review it by {deadline}.",
      "New order {order_no} in {community}. Please review it by {deadline}."}},
    {"order.resubmitted", kWorker, kMustAct, false, "",
     {"居民已回复", "订单 {order_no}（{service}）的居民回复：{reason}", ""},
     {"The resident answered", "The resident of order {order_no} ({service}) answered: {reason}",
      ""}},
    {"order.returned", kWorker, kMustAct, false, "",
     {"订单被退回", "{department}退回了订单 {order_no}（{service}）。原因：{reason}", ""},
     {"Order returned", "{department} returned order {order_no} ({service}). Reason: {reason}",
      ""}},
    {"order.follow_up", kWorker, kMustAct, false, "",
     {"低分评价待回访", "订单 {order_no}（{service}）得到 {rating} 星评价，请安排回访。", ""},
     {"Low rating: please follow up",
      "Order {order_no} ({service}) was rated {rating} stars. Please follow up.", ""}},
    {"order.escalated", kWorker, kMustAct, true, "KEPU_ORDER_ESCALATED", kEscalatedZh,
     kEscalatedEn},

    // ---- Department (部门)
    {"order.dispatched_to_department", kDepartment, kMustAct, true, "KEPU_ORDER_DISPATCHED",
     {"新派单待领取",
      "{community}的订单 {order_no}（{service}）派给了{department}，请在 {deadline} 前领单。",
      "订单{order_no}（{service}）已派给贵单位，请在{deadline}前领单。"},
     {"New order to claim",
      "Order {order_no} ({service}) from {community} went to {department}. Please claim it by "
      "{deadline}.",
      "Order {order_no} ({service}) is yours to claim by {deadline}."}},
    {"order.offer_declined", kDepartment, kMustAct, false, "",
     {"服务队婉拒了任务", "{team}婉拒了订单 {order_no}（{service}）。原因：{reason}。请另找服务队。",
      ""},
     {"A team declined",
      "{team} declined order {order_no} ({service}). Reason: {reason}. Please find another team.",
      ""}},
    {"order.offer_lapsed", kDepartment, kMustAct, false, "",
     {"任务邀请已过期", "{team}未在期限内接受订单 {order_no}（{service}），请另找服务队。", ""},
     {"An offer lapsed",
      "{team} did not accept order {order_no} ({service}) in time. Please find another team.",
      ""}},
    {"order.withdrawn", kDepartment, kMustAct, false, "",
     {"服务队退出了任务", "{team}退出了订单 {order_no}（{service}）。原因：{reason}", ""},
     {"A team withdrew", "{team} withdrew from order {order_no} ({service}). Reason: {reason}",
      ""}},
    {"order.cancelled", kDepartment, kStatus, false, "",
     {"订单已取消", "订单 {order_no}（{service}）已取消。原因：{reason}", ""},
     {"Order cancelled", "Order {order_no} ({service}) was cancelled. Reason: {reason}", ""}},
    {"order.escalated", kDepartment, kMustAct, true, "KEPU_ORDER_ESCALATED", kEscalatedZh,
     kEscalatedEn},

    // ---- Team leader (服务队队长)
    {"order.offered", kLeader, kMustAct, true, "KEPU_OFFER",
     {"新任务邀请",
      "订单 {order_no}（{service}，{community}）邀请{team}接单，请在 {deadline} 前接受或婉拒。",
      "{team}收到科普服务邀请{order_no}（{service}），请在{deadline}前接单。"},
     {"New offer",
      "Order {order_no} ({service}, {community}) is offered to {team}. Please accept or decline "
      "by {deadline}.",
      "{team} has an offer {order_no} ({service}). Please answer by {deadline}."}},
    {"reminder.offer_lapsing", kLeader, kReminder, true, "KEPU_OFFER_LAPSING",
     {"任务邀请即将过期", "订单 {order_no}（{service}）的邀请将于 {deadline} 过期，请尽快接受或婉拒。",
      "科普服务邀请{order_no}将于{deadline}过期，请尽快处理。"},
     {"Offer about to lapse",
      "The offer of order {order_no} ({service}) lapses at {deadline}. Please accept or decline.",
      "Offer {order_no} lapses at {deadline}. Please answer soon."}},
    {"reminder.service_tomorrow", kLeader, kReminder, true, "KEPU_TASK_REMINDER",
     {"明天有服务任务", "提醒：{team}的任务 {order_no}（{service}）将于 {time} 开始，地点：{address}。",
      "提醒：任务{order_no}将于{time}开始，请准时到场签到。"},
     {"Service tomorrow",
      "Reminder: {team}'s task {order_no} ({service}) starts at {time}, at {address}.",
      "Reminder: task {order_no} starts at {time}. Please check in on time."}},
    {"order.cancelled", kLeader, kStatus, true, "KEPU_TASK_CANCELLED",
     {"订单已取消", "订单 {order_no}（{service}）已取消，无需到场。原因：{reason}",
      "任务{order_no}（{service}）已取消，无需到场。"},
     {"Order cancelled",
      "Order {order_no} ({service}) was cancelled; no need to go. Reason: {reason}",
      "Task {order_no} ({service}) was cancelled; no need to go."}},
    {"order.reopened", kLeader, kMustAct, true, "KEPU_TASK_REOPENED",
     {"订单被重新打开", "居民认为订单 {order_no}（{service}）的服务没有完成：{reason}",
      "任务{order_no}被居民重新打开，请打开济宁科普查看。"},
     {"Order reopened",
      "The resident says order {order_no} ({service}) was not done: {reason}",
      "Task {order_no} was reopened by the resident. Please open Kepu."}},
    {"order.escalated", kLeader, kMustAct, true, "KEPU_ORDER_ESCALATED",
     {"任务超时已上报", "任务 {order_no}（{service}）未在服务时间内完成，已上报{level}。",
      "任务{order_no}（{service}）超时未完成，已上报{level}。"},
     {"Task overdue and escalated",
      "Task {order_no} ({service}) was not done in its time and went up to the {level}.",
      "Task {order_no} is overdue and went up to the {level}."}},
    {"hours.disputed", kLeader, kMustAct, false, "",
     {"志愿者对时长有异议", "{volunteer}对订单 {order_no} 记录的时长有异议：{reason}", ""},
     {"Hours disputed", "{volunteer} disputes the hours of order {order_no}: {reason}", ""}},

    // ---- Volunteer (志愿者)
    {"hours.recorded", kVolunteer, kStatus, false, "",
     {"志愿时长已记录", "订单 {order_no}（{service}）为您记录了 {hours} 小时志愿服务，待确认。", ""},
     {"Hours recorded",
      "Order {order_no} ({service}) recorded {hours} hours of service for you, to be confirmed.",
      ""}},
    {"hours.approved", kVolunteer, kStatus, false, "",
     {"志愿时长已确认", "订单 {order_no}（{service}）的 {hours} 小时志愿服务已确认。", ""},
     {"Hours confirmed", "Your {hours} hours for order {order_no} ({service}) are confirmed.",
      ""}},
    {"hours.corrected", kVolunteer, kStatus, false, "",
     {"志愿时长已更正", "订单 {order_no} 的志愿时长更正为 {hours} 小时。原因：{reason}", ""},
     {"Hours corrected", "Your hours for order {order_no} are now {hours}. Reason: {reason}",
      ""}},

    // ---- Administrators (管理员)
    {"digest.delivery_failures", kAdmin, kDigest, false, "",
     {"通知发送失败汇总", "{time}共有 {count} 条通知未能送达（短信 {sms} 条，Webhook {webhook} 条）。",
      ""},
     {"Notifications not delivered",
      "On {time}, {count} notifications could not be delivered ({sms} SMS, {webhook} webhook).",
      ""}},
  };
  // clang-format on
}

using A = NoticeAudience;

std::vector<NoticeTrigger> BuildTriggers() {
  // clang-format off
  return {
    {v1::ORDER_ACTION_CREATE, "order.created", A::kCommunityWorkers},
    {v1::ORDER_ACTION_REQUEST_INFO, "order.info_requested", A::kResident},
    {v1::ORDER_ACTION_RESUBMIT, "order.resubmitted", A::kCommunityWorkers},
    {v1::ORDER_ACTION_REJECT, "order.rejected", A::kResident},
    {v1::ORDER_ACTION_MARK_DUPLICATE, "order.rejected", A::kResident},
    {v1::ORDER_ACTION_DISPATCH, "order.dispatched", A::kResident},
    {v1::ORDER_ACTION_DISPATCH, "order.dispatched_to_department", A::kDispatchedDepartments},
    {v1::ORDER_ACTION_RETURN, "order.returned", A::kCommunityWorkers},
    {v1::ORDER_ACTION_ASSIGN_TEAM, "order.offered", A::kOfferedTeams},
    {v1::ORDER_ACTION_OFFER, "order.offered", A::kOfferedTeams},
    {v1::ORDER_ACTION_ACCEPT, "order.accepted", A::kResident},
    {v1::ORDER_ACTION_DECLINE, "order.offer_declined", A::kDepartment, When::kBackToDepartment},
    {v1::ORDER_ACTION_EXPIRE_OFFER, "order.offer_lapsed", A::kDepartment},
    {v1::ORDER_ACTION_WITHDRAW, "order.withdrawn", A::kDepartment},
    {v1::ORDER_ACTION_SCHEDULE, "order.scheduled", A::kResident},
    {v1::ORDER_ACTION_COMPLETE, "order.completed", A::kResident},
    {v1::ORDER_ACTION_COMPLETE, "hours.recorded", A::kVolunteersRecorded},
    {v1::ORDER_ACTION_RATE, "order.follow_up", A::kResident, When::kFollowUp},
    {v1::ORDER_ACTION_RATE, "order.follow_up", A::kCommunityWorkers, When::kFollowUp},
    {v1::ORDER_ACTION_RATE, "hours.approved", A::kVolunteersApproved},
    {v1::ORDER_ACTION_REOPEN, "order.reopened", A::kTeamAfter},
    {v1::ORDER_ACTION_CANCEL, "order.cancelled", A::kTeamBefore, When::kTeamInvolved},
    {v1::ORDER_ACTION_CANCEL, "order.cancelled", A::kDepartment, When::kDepartmentInvolved},
    {v1::ORDER_ACTION_ESCALATE, "order.escalated", A::kCommunityWorkers},
    {v1::ORDER_ACTION_ESCALATE, "order.escalated", A::kDepartment, When::kDepartmentInvolved},
    {v1::ORDER_ACTION_ESCALATE, "order.escalated", A::kTeamAfter, When::kAtTeam},
  };
  // clang-format on
}

std::string Millis(const google::protobuf::Timestamp& t) {
  return absl::StrCat(absl::ToUnixMillis(FromProto(t)));
}

bool Holds(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

void AddUnique(std::vector<std::string>& ids, const std::string& id) {
  if (!id.empty() && !Holds(ids, id)) ids.push_back(id);
}

bool Fires(When when, const Transition& t) {
  const v1::Order& after = t.after;
  switch (when) {
    case When::kAlways:
      return true;
    case When::kBackToDepartment:
      return after.state() == v1::ORDER_STATE_CLAIMED;
    case When::kFollowUp:
      return t.follow_up.has_value();
    case When::kTeamInvolved:
      return t.before.has_value() && (!t.before->team_id().empty() ||
                                      t.before->offered_team_ids_size() > 0);
    case When::kDepartmentInvolved:
      return !after.department_id().empty();
    case When::kAtTeam:
      return after.state() == v1::ORDER_STATE_ACCEPTED;
  }
  return false;
}

// The variables every notice of `order` carries.
void SetOrderVars(const v1::Order& order, v1::Notice& notice) {
  auto& vars = *notice.mutable_vars();
  notice.set_order_id(order.id());
  vars["order_no"] = OrderNumber(order.id());
  vars["community_id"] = order.draft().community_id();
  vars["service_line_id"] = order.draft().service_line_id();
  if (!order.draft().service_name().empty()) {
    vars["service_name"] = order.draft().service_name();
  }
  vars["address"] = order.draft().address();
  if (!order.department_id().empty()) {
    vars["department_id"] = order.department_id();
  }
  if (!order.team_id().empty()) vars["team_id"] = order.team_id();
  if (order.has_next_deadline()) {
    vars["deadline"] = Millis(order.next_deadline().due_at());
  }
  if (order.has_schedule()) {
    vars["time"] = Millis(order.schedule().start());
  } else if (order.draft().preferred_windows_size() > 0) {
    vars["time"] = Millis(order.draft().preferred_windows(0).start());
  }
}

// One notice per recipient of `audience`, with the move's variables.
void AddNotices(const NoticeTrigger& trigger, const Transition& t,
                std::vector<v1::Notice>& out) {
  const v1::Order& after = t.after;
  v1::Notice base;
  base.set_event(std::string(trigger.event));
  *base.mutable_at() = t.event.at();
  SetOrderVars(after, base);
  auto& vars = *base.mutable_vars();
  if (!t.event.reason().empty()) vars["reason"] = t.event.reason();
  if (after.state() == v1::ORDER_STATE_OFFERED && after.has_offer()) {
    vars["deadline"] = Millis(after.offer().expires_at());
  }
  if (t.before.has_value()) {
    // The team or department the move took the order from.
    if (vars.find("team_id") == vars.end()) {
      std::string team = t.before->team_id();
      if (team.empty() && !t.event.team_id().empty()) team = t.event.team_id();
      if (!team.empty()) vars["team_id"] = team;
    }
    if (vars.find("department_id") == vars.end() &&
        !t.before->department_id().empty()) {
      vars["department_id"] = t.before->department_id();
    }
  }
  if (after.has_rating()) {
    vars["rating"] = absl::StrCat(after.rating().overall());
  }
  if (t.event.escalation_level() > 0) {
    vars["level"] = absl::StrCat(t.event.escalation_level());
  }

  auto add = [&](v1::Role role, const std::string& scope) {
    if (scope.empty()) return;
    v1::Notice notice = base;
    notice.set_recipient_role(role);
    notice.set_recipient_scope(scope);
    out.push_back(std::move(notice));
  };
  switch (trigger.audience) {
    case A::kResident:
      add(v1::ROLE_RESIDENT, after.resident_id());
      break;
    case A::kCommunityWorkers:
      add(v1::ROLE_COMMUNITY_WORKER, after.draft().community_id());
      break;
    case A::kDispatchedDepartments:
      for (const std::string& department : after.dispatched_department_ids()) {
        v1::Notice notice = base;
        notice.set_recipient_role(v1::ROLE_DEPARTMENT_STAFF);
        notice.set_recipient_scope(department);
        (*notice.mutable_vars())["department_id"] = department;
        out.push_back(std::move(notice));
      }
      break;
    case A::kDepartment:
      add(v1::ROLE_DEPARTMENT_STAFF,
          after.department_id().empty() && t.before.has_value()
              ? t.before->department_id()
              : after.department_id());
      break;
    case A::kOfferedTeams: {
      std::vector<std::string> teams;
      AddUnique(teams, after.team_id());
      for (const std::string& team : after.offered_team_ids()) {
        AddUnique(teams, team);
      }
      for (const std::string& team : teams) {
        v1::Notice notice = base;
        notice.set_recipient_role(v1::ROLE_TEAM_LEADER);
        notice.set_recipient_scope(team);
        (*notice.mutable_vars())["team_id"] = team;
        out.push_back(std::move(notice));
      }
      break;
    }
    case A::kTeamBefore: {
      if (!t.before.has_value()) break;
      std::vector<std::string> teams;
      AddUnique(teams, t.before->team_id());
      for (const std::string& team : t.before->offered_team_ids()) {
        AddUnique(teams, team);
      }
      for (const std::string& team : teams) {
        v1::Notice notice = base;
        notice.set_recipient_role(v1::ROLE_TEAM_LEADER);
        notice.set_recipient_scope(team);
        (*notice.mutable_vars())["team_id"] = team;
        out.push_back(std::move(notice));
      }
      break;
    }
    case A::kTeamAfter:
      add(v1::ROLE_TEAM_LEADER, after.team_id());
      break;
    case A::kVolunteersRecorded:
      for (const v1::VolunteerHours& hours : t.hours) {
        v1::Notice notice = base;
        notice.set_recipient_role(v1::ROLE_VOLUNTEER);
        notice.set_recipient_scope(hours.volunteer_id());
        (*notice.mutable_vars())["hours"] = absl::StrCat(hours.hours());
        out.push_back(std::move(notice));
      }
      break;
    case A::kVolunteersApproved:
      for (const Transition::HoursChange& change : t.hours_changes) {
        if (change.after.status() != v1::VolunteerHours::STATUS_APPROVED) {
          continue;
        }
        v1::Notice notice = base;
        notice.set_recipient_role(v1::ROLE_VOLUNTEER);
        notice.set_recipient_scope(change.after.volunteer_id());
        (*notice.mutable_vars())["hours"] = absl::StrCat(change.after.hours());
        out.push_back(std::move(notice));
      }
      break;
  }
}

}  // namespace

const std::vector<NoticeRule>& NoticeTable() {
  static const auto* const kTable =
      new std::vector<NoticeRule>(BuildNoticeTable());
  return *kTable;
}

const NoticeRule* FindNoticeRule(absl::string_view event, v1::Role recipient) {
  for (const NoticeRule& rule : NoticeTable()) {
    if (rule.event == event && rule.recipient == recipient) return &rule;
  }
  return nullptr;
}

const std::vector<NoticeTrigger>& TriggerTable() {
  static const auto* const kTable =
      new std::vector<NoticeTrigger>(BuildTriggers());
  return *kTable;
}

std::vector<v1::Notice> NoticesOf(const Transition& transition) {
  std::vector<v1::Notice> notices;
  for (const NoticeTrigger& trigger : TriggerTable()) {
    if (trigger.action != transition.event.action()) continue;
    if (!Fires(trigger.when, transition)) continue;
    AddNotices(trigger, transition, notices);
  }
  return notices;
}

std::vector<v1::Notice> ReminderNotices(absl::string_view event,
                                        const v1::Order& order,
                                        absl::Time now) {
  std::vector<v1::Notice> notices;
  v1::Notice base;
  base.set_event(std::string(event));
  *base.mutable_at() = ToProto(now);
  SetOrderVars(order, base);
  auto add = [&](v1::Role role, const std::string& scope) {
    if (scope.empty() || FindNoticeRule(event, role) == nullptr) return;
    v1::Notice notice = base;
    notice.set_recipient_role(role);
    notice.set_recipient_scope(scope);
    if (role == v1::ROLE_TEAM_LEADER) {
      (*notice.mutable_vars())["team_id"] = scope;
    }
    notices.push_back(std::move(notice));
  };
  if (order.state() == v1::ORDER_STATE_OFFERED) {
    if (order.has_offer()) {
      (*base.mutable_vars())["deadline"] = Millis(order.offer().expires_at());
    }
    std::vector<std::string> teams;
    AddUnique(teams, order.team_id());
    for (const std::string& team : order.offered_team_ids()) {
      AddUnique(teams, team);
    }
    for (const std::string& team : teams) add(v1::ROLE_TEAM_LEADER, team);
  } else {
    add(v1::ROLE_RESIDENT, order.resident_id());
    add(v1::ROLE_TEAM_LEADER, order.team_id());
  }
  return notices;
}

absl::StatusOr<std::string> RenderNoticeText(absl::string_view text,
                                             const NoticeVars& vars) {
  std::string out;
  out.reserve(text.size() + 32);
  size_t i = 0;
  while (i < text.size()) {
    const size_t open = text.find('{', i);
    if (open == absl::string_view::npos) {
      absl::StrAppend(&out, text.substr(i));
      break;
    }
    const size_t close = text.find('}', open);
    if (close == absl::string_view::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("unclosed { in template \"", text, "\""));
    }
    absl::StrAppend(&out, text.substr(i, open - i));
    const absl::string_view name = text.substr(open + 1, close - open - 1);
    const auto found = vars.find(name);
    if (found == vars.end()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no value for {", name, "} in template \"", text, "\""));
    }
    absl::StrAppend(&out, found->second);
    i = close + 1;
  }
  return out;
}

std::string OrderNumber(absl::string_view order_id) {
  return std::string(order_id.size() > 6 ? order_id.substr(order_id.size() - 6)
                                         : order_id);
}

}  // namespace kepu
