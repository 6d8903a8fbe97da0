#include "services/notifications/sms_delivery.h"

#include <algorithm>
#include <random>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kepu_notification_scripts.h"
#include "services/core/log.h"
#include "services/core/notice_render.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/notify/sms_policy.h"

namespace kepu {
namespace {

// A confirmed send is remembered this long (longer than any job waits).
constexpr int64_t kSentSeconds = 7 * 24 * 60 * 60;
constexpr int kLogLength = 100'000;

const LuaScript& ClaimScript() {
  static const LuaScript* const kScript = new LuaScript(
      "sms_claim", absl::string_view(notification_scripts::kClaimDue.data(),
                                     notification_scripts::kClaimDue.size()));
  return *kScript;
}

// "HH:MM" → TimeOfDay; nullopt for empty.
std::optional<notify::TimeOfDay> ClockTime(absl::string_view text) {
  int hour = 0;
  int minute = 0;
  if (text.size() != 5 || !absl::SimpleAtoi(text.substr(0, 2), &hour) ||
      !absl::SimpleAtoi(text.substr(3, 2), &minute)) {
    return std::nullopt;
  }
  return notify::TimeOfDay{hour, minute};
}

notify::QuietHours QuietHoursOf(const v1::NotificationPreferences& prefs) {
  const std::optional<notify::TimeOfDay> start = ClockTime(prefs.quiet_start());
  const std::optional<notify::TimeOfDay> end = ClockTime(prefs.quiet_end());
  if (!start.has_value() || !end.has_value()) return notify::QuietHours();
  return notify::QuietHours(*start, *end, notify::KepuTimeZone());
}

bool Permanent(const absl::Status& status) {
  return absl::IsInvalidArgument(status) ||
         absl::IsFailedPrecondition(status) ||
         absl::IsPermissionDenied(status) || absl::IsNotFound(status);
}

}  // namespace

SmsDelivery::SmsDelivery(RedisClient& redis, absl::string_view tenant,
                         PhoneOf phone_of,
                         NotificationPreferenceStore& preferences,
                         notify::SmsSender& sender, const Clock& clock,
                         SmsDeliveryOptions options)
    : redis_(redis),
      keys_(tenant),
      phone_of_(std::move(phone_of)),
      preferences_(preferences),
      sender_(sender),
      clock_(clock),
      options_(std::move(options)) {}

std::string SmsDelivery::Key(absl::string_view name) const {
  return absl::StrCat(keys_.prefix(), name);
}

absl::StatusOr<int> SmsDelivery::RunOnce() {
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Eval(
          ClaimScript(), {Key("sms:due")},
          {absl::StrCat(absl::ToUnixMillis(now)), absl::StrCat(options_.batch),
           absl::StrCat(absl::ToUnixMillis(now + options_.lease))}));
  if (!reply.IsArray()) return UnexpectedReply("sms_claim", reply);
  int handled = 0;
  for (size_t i = 0; i + 1 < reply.Size(); i += 2) {
    RETURN_IF_ERROR(Handle(std::string(reply[i].Str())));
    ++handled;
  }
  return handled;
}

absl::Status SmsDelivery::Handle(const std::string& key) {
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> found,
      redis_.Pipeline({{"HGET", Key("sms:jobs"), key},
                       {"EXISTS", Key(absl::StrCat("sms:sent:", key))}}));
  if (!found[0].IsString() || found[1].Integer() == 1) {
    // Sent before, or its job is gone: nothing to do but forget it.
    ASSIGN_OR_RETURN(std::vector<RedisReply> done,
                     redis_.Pipeline({{"ZREM", Key("sms:due"), key},
                                      {"HDEL", Key("sms:jobs"), key}}));
    return absl::OkStatus();
  }
  ASSIGN_OR_RETURN(v1::SmsJob job,
                   ParseStored<v1::SmsJob>(found[0].Str(), "SMS job"));
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(v1::NotificationPreferences prefs,
                   preferences_.Get(job.user_id()));
  const NoticeRule* rule = FindNoticeRule(job.event(), job.recipient_role());
  if (rule == nullptr || !WantsSms(*rule, prefs)) {
    return Finish(job, "not_wanted", "", false);
  }
  const notify::QuietHours quiet = QuietHoursOf(prefs);
  const bool must_act = rule->category == v1::NOTICE_CATEGORY_MUST_ACT;
  if (quiet.InQuiet(now) && !(must_act && prefs.must_act_in_quiet_hours())) {
    return Reschedule(std::move(job), quiet.NextAllowed(now), false,
                      "quiet hours");
  }
  ASSIGN_OR_RETURN(std::string phone, phone_of_(job.user_id()));
  if (phone.empty()) return Finish(job, "no_phone", "", false);

  // The daily cap, counted before sending (a send that fails still counts:
  // the cap bounds what a person may receive, not what succeeded).
  const notify::DailyCapWindow window = notify::DailyCapWindowAt(now);
  const std::string cap_key =
      Key(absl::StrCat("sms:cap:", job.user_id(), ":", window.day_key));
  if (!job.counted()) {
    job.set_counted(true);
    ASSIGN_OR_RETURN(std::vector<RedisReply> counted,
                     redis_.Pipeline({{"INCR", cap_key},
                                      {"EXPIRE", cap_key,
                                       absl::StrCat(window.ttl_seconds)}}));
    if (!counted[0].IsInteger()) return UnexpectedReply("INCR", counted[0]);
    const notify::CapDecision decision =
        notify::Decide(static_cast<int>(counted[0].Integer()) - 1,
                       options_.daily_cap, must_act);
    if (decision != notify::CapDecision::kSend) {
      return Finish(job, "capped",
                    absl::StrCat("over ", options_.daily_cap, " today"), false);
    }
  }

  const NoticeVars vars = DisplayVars(job.vars(), Language::kZh);
  absl::StatusOr<std::vector<std::pair<std::string, std::string>>> params =
      SmsParams(*rule, vars);
  if (!params.ok()) {
    return Finish(job, "dead", params.status().message(), false);
  }
  notify::SmsMessage message;
  message.phone = phone;
  message.template_code = std::string(rule->sms_template);
  message.params = *std::move(params);
  message.idempotency_key = job.key();
  absl::Duration retry_after = absl::ZeroDuration();
  absl::StatusOr<notify::SmsReceipt> receipt =
      sender_.Send(message, &retry_after);
  if (receipt.ok()) {
    return Finish(job, "sent", receipt->provider_message_id, true);
  }
  const std::string error(receipt.status().ToString());
  if (Permanent(receipt.status())) return Finish(job, "dead", error, false);
  if (job.attempts() + 1 >= options_.max_attempts) {
    job.set_attempts(job.attempts() + 1);
    return Finish(job, "dead", error, false);
  }
  // Backoff: first_backoff × 2^attempts, ±20 %, at most max_backoff; at
  // least what the provider asked for.
  static thread_local std::mt19937_64 random(std::random_device{}());
  absl::Duration backoff = std::min(
      options_.first_backoff * (int64_t{1} << std::min(job.attempts(), 20)),
      options_.max_backoff);
  backoff *= std::uniform_real_distribution<double>(0.8, 1.2)(random);
  backoff = std::max(backoff, retry_after);
  return Reschedule(std::move(job), now + backoff, true, error);
}

absl::Status SmsDelivery::Reschedule(v1::SmsJob job, absl::Time at,
                                     bool attempt, absl::string_view error) {
  if (attempt) job.set_attempts(job.attempts() + 1);
  job.set_last_error(std::string(error));
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_.Pipeline(
          {{"HSET", Key("sms:jobs"), job.key(), job.SerializeAsString()},
           {"ZADD", Key("sms:due"), absl::StrCat(absl::ToUnixMillis(at)),
            job.key()},
           {"XADD", Key("sms:log"), "MAXLEN", "~", absl::StrCat(kLogLength),
            "*", "key", job.key(), "event", job.event(), "user", job.user_id(),
            "outcome", attempt ? "retry" : "held", "detail", std::string(error),
            "at", absl::StrCat(absl::ToUnixMillis(at))}}));
  for (const RedisReply& reply : replies) {
    if (reply.IsError()) return UnexpectedReply("reschedule", reply);
  }
  if (attempt) {
    Log(LogLevel::kWarning, "sms.retry",
        {{"key", job.key()},
         {"attempts", absl::StrCat(job.attempts())},
         {"error", std::string(error)}});
  }
  return absl::OkStatus();
}

absl::Status SmsDelivery::Finish(const v1::SmsJob& job,
                                 absl::string_view outcome,
                                 absl::string_view detail, bool sent) {
  std::vector<std::vector<std::string>> commands;
  if (sent) {
    commands.push_back({"SET", Key(absl::StrCat("sms:sent:", job.key())),
                        std::string(detail), "EX", absl::StrCat(kSentSeconds)});
  }
  if (outcome == "dead") {
    commands.push_back({"XADD", Key("notify:dead"), "*", "channel", "sms",
                        "key", job.key(), "job", job.SerializeAsString(), "why",
                        std::string(detail)});
    Log(LogLevel::kError, "sms.dead_letter",
        {{"key", job.key()}, {"why", std::string(detail)}});
  }
  commands.push_back({"XADD", Key("sms:log"), "MAXLEN", "~",
                      absl::StrCat(kLogLength), "*", "key", job.key(), "event",
                      job.event(), "user", job.user_id(), "outcome",
                      std::string(outcome), "detail", std::string(detail),
                      "attempts", absl::StrCat(job.attempts())});
  commands.push_back({"ZREM", Key("sms:due"), job.key()});
  commands.push_back({"HDEL", Key("sms:jobs"), job.key()});
  std::vector<std::vector<absl::string_view>> views;
  for (const auto& command : commands) {
    views.emplace_back(command.begin(), command.end());
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(views));
  for (const RedisReply& reply : replies) {
    if (reply.IsError()) return UnexpectedReply("finish", reply);
  }
  return absl::OkStatus();
}

void SmsDelivery::Run(const absl::Notification& stop) {
  while (!stop.HasBeenNotified()) {
    absl::StatusOr<int> round = RunOnce();
    if (!round.ok()) {
      Log(LogLevel::kWarning, "sms.round_failed",
          {{"error", std::string(round.status().message())}});
    }
    if (!round.ok() || *round == 0) {
      stop.WaitForNotificationWithTimeout(options_.idle);
    }
  }
}

}  // namespace kepu
