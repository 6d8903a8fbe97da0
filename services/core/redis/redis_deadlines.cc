// RedisOrderStore's deadlines index (the watchdog's leases) and the teams'
// history counters.
#include "absl/strings/numbers.h"
#include "kepu_redis_scripts.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

const LuaScript& ClaimDueScript() {
  static const LuaScript* const kScript = new LuaScript(
      "claim_due", absl::string_view(redis_scripts::kClaimDue.data(),
                                     redis_scripts::kClaimDue.size()));
  return *kScript;
}

const LuaScript& ResetDeadlineScript() {
  static const LuaScript* const kScript =
      new LuaScript("reset_deadline",
                    absl::string_view(redis_scripts::kResetDeadline.data(),
                                      redis_scripts::kResetDeadline.size()));
  return *kScript;
}

}  // namespace

absl::StatusOr<std::vector<DueOrder>> RedisOrderStore::ClaimDue(
    absl::Time now, int limit, absl::Duration lease) {
  if (limit < 1) return absl::InvalidArgumentError("limit: must be positive");
  const std::string key = keys_.Deadlines();
  const std::string now_ms = absl::StrCat(absl::ToUnixMillis(now));
  const std::string count = absl::StrCat(limit);
  const std::string until = absl::StrCat(absl::ToUnixMillis(now + lease));
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(ClaimDueScript(), {key},
                                                 {now_ms, count, until}));
  if (!reply.IsArray()) return UnexpectedReply("claim_due", reply);
  std::vector<DueOrder> due;
  for (size_t i = 0; i + 1 < reply.Size(); i += 2) {
    due.push_back({std::string(reply[i].Str()),
                   absl::FromUnixMillis(ParseScore(reply[i + 1].Str()))});
  }
  return due;
}

absl::StatusOr<std::optional<absl::Time>> RedisOrderStore::EarliestDue() {
  const std::string key = keys_.Deadlines();
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"ZRANGE", key, "0", "0", "WITHSCORES"}));
  if (!reply.IsArray()) return UnexpectedReply("ZRANGE", reply);
  if (reply.Size() < 2) return std::nullopt;
  return absl::FromUnixMillis(ParseScore(reply[1].Str()));
}

absl::StatusOr<bool> RedisOrderStore::ResetDeadline(
    absl::string_view order_id, int64_t version,
    std::optional<absl::Time> due) {
  const std::string order_key = keys_.Order(order_id);
  const std::string deadlines_key = keys_.Deadlines();
  const std::string expected = absl::StrCat(version);
  const std::string score =
      due.has_value() ? absl::StrCat(absl::ToUnixMillis(*due)) : "";
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(ResetDeadlineScript(),
                                                 {order_key, deadlines_key},
                                                 {expected, order_id, score}));
  if (reply.IsError()) return UnexpectedReply("reset_deadline", reply);
  return reply.Integer() == 1;
}

absl::StatusOr<v1::TeamStats> RedisOrderStore::TeamHistory(
    absl::string_view team_id) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"HMGET", keys_.TeamHistory(team_id),
                      CounterName(TeamTally::Counter::kOffers),
                      CounterName(TeamTally::Counter::kAccepted),
                      CounterName(TeamTally::Counter::kCompleted),
                      CounterName(TeamTally::Counter::kRatings),
                      CounterName(TeamTally::Counter::kRatingSum)}));
  if (!reply.IsArray() || reply.Size() != 5) {
    return UnexpectedReply("HMGET", reply);
  }
  int64_t counts[5] = {};
  for (size_t i = 0; i < 5; ++i) {
    if (reply[i].IsString()) (void)absl::SimpleAtoi(reply[i].Str(), &counts[i]);
  }
  v1::TeamStats stats;
  stats.set_offers_received(static_cast<int32_t>(counts[0]));
  stats.set_offers_accepted(static_cast<int32_t>(counts[1]));
  stats.set_completed_orders(static_cast<int32_t>(counts[2]));
  stats.set_ratings(static_cast<int32_t>(counts[3]));
  if (counts[3] > 0) {
    stats.set_mean_rating(static_cast<double>(counts[4]) /
                          static_cast<double>(counts[3]));
  }
  return stats;
}

}  // namespace kepu
