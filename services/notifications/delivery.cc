#include "services/notifications/delivery.h"

#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/log.h"
#include "services/core/notification_table.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

constexpr int kAccountsPerPage = 100;

// The name of a directory record, or nothing when the directory lost it.
template <typename Record>
absl::Status Name(absl::StatusOr<Record> found, NoticeVarMap& vars,
                  const std::string& var) {
  ASSIGN_OR_RETURN(std::optional<Record> record, IfFound(std::move(found)));
  if (!record.has_value()) return absl::OkStatus();
  vars[var] = record->name();
  if constexpr (requires { record->name_en(); }) {
    if (!record->name_en().empty()) vars[var + "_en"] = record->name_en();
  }
  return absl::OkStatus();
}

std::string Var(const v1::Notice& notice, const std::string& name) {
  const auto found = notice.vars().find(name);
  return found == notice.vars().end() ? "" : found->second;
}

}  // namespace

absl::StatusOr<std::vector<std::string>> NoticeResolver::Recipients(
    const v1::Notice& notice) {
  const std::string& scope = notice.recipient_scope();
  if (scope.empty()) return std::vector<std::string>();
  switch (notice.recipient_role()) {
    case v1::ROLE_RESIDENT:
      return std::vector<std::string>{scope};
    case v1::ROLE_VOLUNTEER: {
      ASSIGN_OR_RETURN(std::optional<v1::Volunteer> volunteer,
                       IfFound(directory_.GetVolunteer(scope)));
      if (!volunteer.has_value() || volunteer->user_id().empty()) {
        return std::vector<std::string>();
      }
      return std::vector<std::string>{volunteer->user_id()};
    }
    default: {
      std::vector<std::string> ids;
      std::string after;
      while (true) {
        ASSIGN_OR_RETURN(UserIdPage page,
                         accounts_.ListIds(notice.recipient_role(), scope,
                                           after, kAccountsPerPage));
        ids.insert(ids.end(), page.ids.begin(), page.ids.end());
        if (!page.more || page.ids.empty()) break;
        after = page.ids.back();
      }
      return ids;
    }
  }
}

absl::StatusOr<NoticeVarMap> NoticeResolver::Resolve(const v1::Notice& notice) {
  NoticeVarMap vars = notice.vars();
  if (const std::string id = Var(notice, "community_id"); !id.empty()) {
    RETURN_IF_ERROR(Name(directory_.GetRegion(id), vars, "community"));
  }
  if (const std::string name = Var(notice, "service_name"); !name.empty()) {
    vars["service"] = name;
  } else if (const std::string id = Var(notice, "service_line_id");
             !id.empty()) {
    RETURN_IF_ERROR(Name(directory_.GetServiceLine(id), vars, "service"));
  }
  if (const std::string id = Var(notice, "department_id"); !id.empty()) {
    RETURN_IF_ERROR(Name(directory_.GetDepartment(id), vars, "department"));
  }
  if (const std::string id = Var(notice, "team_id"); !id.empty()) {
    ASSIGN_OR_RETURN(std::optional<v1::Team> team,
                     IfFound(directory_.GetTeam(id)));
    if (team.has_value()) {
      vars["team"] = team->name();
      // The team's contact is told only to the resident whose order it took.
      if (notice.recipient_role() == v1::ROLE_RESIDENT) {
        vars["team_contact"] = team->contact().name();
        vars["team_phone"] = team->contact().phone();
      }
    }
  }
  if (const std::string id = Var(notice, "volunteer_id"); !id.empty()) {
    RETURN_IF_ERROR(Name(directory_.GetVolunteer(id), vars, "volunteer"));
  }
  return vars;
}

absl::StatusOr<std::string> NoticeResolver::PhoneOf(absl::string_view user_id) {
  absl::StatusOr<StoredUser> user = accounts_.Get(user_id);
  if (absl::IsNotFound(user.status())) return std::string();
  if (!user.ok()) return user.status();
  return user->user.active() ? user->user.phone() : std::string();
}

NotificationDelivery::NotificationDelivery(
    RedisClient& redis, absl::string_view tenant, NoticeResolver& resolver,
    RedisInbox& inbox, NotificationPreferenceStore& preferences,
    DeliveryOptions options)
    : redis_(redis),
      keys_(tenant),
      resolver_(resolver),
      inbox_(inbox),
      preferences_(preferences),
      options_(std::move(options)) {}

absl::Status NotificationDelivery::EnsureGroup() {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"XGROUP", "CREATE", keys_.Outbox(),
                      std::string(kDeliveryGroup), "0", "MKSTREAM"}));
  if (reply.IsError() && !absl::StartsWith(reply.Str(), "BUSYGROUP")) {
    return UnexpectedReply("XGROUP CREATE", reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<NotificationDelivery::Entry>>
NotificationDelivery::Take() {
  const std::string outbox = keys_.Outbox();
  const std::string group(kDeliveryGroup);
  const std::string count = absl::StrCat(options_.batch);
  std::vector<Entry> entries;
  auto collect = [&](const RedisReply& list) {
    for (size_t i = 0; i < list.Size(); ++i) {
      const RedisReply& item = list[i];
      // Entries deleted while pending come back with nil fields.
      if (!item.IsArray() || item.Size() != 2 || !item[1].IsArray()) continue;
      Entry entry;
      entry.id = std::string(item[0].Str());
      for (size_t f = 0; f + 1 < item[1].Size(); f += 2) {
        if (item[1][f].Str() == "o") {
          entry.order_id = std::string(item[1][f + 1].Str());
        } else if (item[1][f].Str() == "n") {
          entry.batch = std::string(item[1][f + 1].Str());
        }
      }
      entries.push_back(std::move(entry));
    }
  };
  ASSIGN_OR_RETURN(
      RedisReply claimed,
      redis_.Command(
          {"XAUTOCLAIM", outbox, group, options_.consumer,
           absl::StrCat(absl::ToInt64Milliseconds(options_.claim_idle)), "0-0",
           "COUNT", count}));
  if (claimed.IsError() && absl::StartsWith(claimed.Str(), "NOGROUP")) {
    RETURN_IF_ERROR(EnsureGroup());
    return entries;
  }
  if (!claimed.IsArray() || claimed.Size() < 2) {
    return UnexpectedReply("XAUTOCLAIM", claimed);
  }
  collect(claimed[1]);
  if (!entries.empty()) return entries;
  ASSIGN_OR_RETURN(
      RedisReply read,
      redis_.Command({"XREADGROUP", "GROUP", group, options_.consumer, "COUNT",
                      count, "BLOCK",
                      absl::StrCat(absl::ToInt64Milliseconds(options_.block)),
                      "STREAMS", outbox, ">"}));
  if (read.IsError() && absl::StartsWith(read.Str(), "NOGROUP")) {
    RETURN_IF_ERROR(EnsureGroup());
    return entries;
  }
  if (read.IsNil()) return entries;
  if (!read.IsArray() || read.Size() == 0) {
    return UnexpectedReply("XREADGROUP", read);
  }
  collect(read[0][1]);
  return entries;
}

absl::Status NotificationDelivery::DeliverNotice(const Entry& entry, int index,
                                                 const v1::Notice& notice) {
  const NoticeRule* rule =
      FindNoticeRule(notice.event(), notice.recipient_role());
  if (rule == nullptr) {
    Log(LogLevel::kError, "notify.no_rule",
        {{"entry", entry.id},
         {"event", notice.event()},
         {"role", v1::Role_Name(notice.recipient_role())}});
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(std::vector<std::string> users,
                   resolver_.Recipients(notice));
  if (users.empty()) return absl::OkStatus();
  ASSIGN_OR_RETURN(NoticeVarMap vars, resolver_.Resolve(notice));
  for (const std::string& user : users) {
    v1::InboxItem item;
    item.set_id(absl::StrCat(entry.id, "-", index));
    item.set_user_id(user);
    item.set_event(notice.event());
    item.set_recipient_role(notice.recipient_role());
    item.set_order_id(notice.order_id());
    *item.mutable_created_at() = notice.at();
    *item.mutable_vars() = vars;
    RETURN_IF_ERROR(inbox_.Add(item).status());

    if (!options_.queue_sms) continue;
    ASSIGN_OR_RETURN(v1::NotificationPreferences preferences,
                     preferences_.Get(user));
    if (!options_.queue_sms || !WantsSms(*rule, preferences)) continue;
    // An SMS job, added once (its key names the entry, notice and person);
    // the SMS workers send it, within the person's quiet hours and cap.
    v1::SmsJob job;
    job.set_key(absl::StrCat(entry.id, ":", index, ":", user, ":sms"));
    job.set_user_id(user);
    job.set_event(notice.event());
    job.set_recipient_role(notice.recipient_role());
    job.set_category(rule->category);
    *job.mutable_vars() = vars;
    const std::string jobs = absl::StrCat(keys_.prefix(), "sms:jobs");
    const std::string due = absl::StrCat(keys_.prefix(), "sms:due");
    ASSIGN_OR_RETURN(
        std::vector<RedisReply> replies,
        redis_.Pipeline({{"HSETNX", jobs, job.key(), job.SerializeAsString()},
                         {"ZADD", due, "NX", "0", job.key()}}));
    for (const RedisReply& reply : replies) {
      if (reply.IsError()) return UnexpectedReply("HSETNX/ZADD", reply);
    }
  }
  return absl::OkStatus();
}

absl::Status NotificationDelivery::Deliver(const Entry& entry) {
  v1::NoticeBatch batch;
  if (!batch.ParseFromString(entry.batch)) {
    return DeadLetter(entry, "the entry does not parse");
  }
  for (int i = 0; i < batch.notices_size(); ++i) {
    RETURN_IF_ERROR(DeliverNotice(entry, i, batch.notices(i)));
  }
  return absl::OkStatus();
}

absl::Status NotificationDelivery::DeadLetter(const Entry& entry,
                                              absl::string_view why) {
  Log(LogLevel::kError, "notify.dead_letter",
      {{"entry", entry.id}, {"why", std::string(why)}});
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"XADD", absl::StrCat(keys_.prefix(), "notify:dead"), "*",
                      "entry", entry.id, "o", entry.order_id, "n", entry.batch,
                      "why", std::string(why)}));
  if (reply.IsError()) return UnexpectedReply("XADD", reply);
  return absl::OkStatus();
}

absl::Status NotificationDelivery::Acknowledge(
    const std::vector<std::string>& ids) {
  if (ids.empty()) return absl::OkStatus();
  const std::string outbox = keys_.Outbox();
  std::vector<absl::string_view> ack = {"XACK", outbox, kDeliveryGroup};
  std::vector<absl::string_view> del = {"XDEL", outbox};
  ack.insert(ack.end(), ids.begin(), ids.end());
  del.insert(del.end(), ids.begin(), ids.end());
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_.Pipeline({ack, del}));
  for (const RedisReply& reply : replies) {
    if (reply.IsError()) return UnexpectedReply("XACK/XDEL", reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<int> NotificationDelivery::RunOnce() {
  ASSIGN_OR_RETURN(std::vector<Entry> entries, Take());
  std::vector<std::string> delivered;
  absl::Status first_error;
  for (const Entry& entry : entries) {
    absl::Status status = Deliver(entry);
    if (status.ok()) {
      delivered.push_back(entry.id);
    } else if (first_error.ok()) {
      first_error = status;
    }
  }
  RETURN_IF_ERROR(Acknowledge(delivered));
  if (!first_error.ok()) return first_error;
  return static_cast<int>(delivered.size());
}

void NotificationDelivery::Run(const absl::Notification& stop) {
  if (absl::Status status = EnsureGroup(); !status.ok()) {
    Log(LogLevel::kWarning, "notify.group",
        {{"error", std::string(status.message())}});
  }
  while (!stop.HasBeenNotified()) {
    absl::StatusOr<int> round = RunOnce();
    if (!round.ok()) {
      Log(LogLevel::kWarning, "notify.round_failed",
          {{"consumer", options_.consumer},
           {"error", std::string(round.status().message())}});
      stop.WaitForNotificationWithTimeout(absl::Milliseconds(500));
    }
  }
}

}  // namespace kepu
