#include "services/matching_worker/matching_queue.h"

#include <algorithm>
#include <map>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kepu_matching_scripts.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

constexpr absl::Duration kRequestTtl = absl::Hours(24 * 7);
// A worker that read the stream this recently counts as live (a worker
// blocks on the stream for under a second at a time).
constexpr absl::Duration kLiveWorkerIdle = absl::Minutes(1);

// A script kept for the life of the process (LuaScript caches its SHA).
const LuaScript& KeptScript(const char* name, std::string_view body) {
  return *new LuaScript(name, absl::string_view(body.data(), body.size()));
}

absl::Status Unexpected(absl::string_view what, const RedisReply& reply) {
  return absl::InternalError(
      absl::StrCat("unexpected reply to ", what, ": ", reply.Str()));
}

std::string Millis(absl::Time time) {
  return absl::StrCat(absl::ToUnixMillis(time));
}

// The value of `field` in a flat [field, value, ...] array reply; empty if
// absent.
std::string FieldOf(const RedisReply& fields, absl::string_view field) {
  for (size_t i = 0; i + 1 < fields.Size(); i += 2) {
    if (fields[i].Str() == field) return std::string(fields[i + 1].Str());
  }
  return "";
}

// Stream entries [[id, [field, value, ...]], ...] as matching entries. An
// entry that was deleted while pending comes as [id, nil].
std::vector<MatchingEntry> EntriesOf(const RedisReply& entries) {
  std::vector<MatchingEntry> result;
  for (size_t i = 0; i < entries.Size(); ++i) {
    MatchingEntry entry;
    entry.entry_id = std::string(entries[i][0].Str());
    entry.order_id = FieldOf(entries[i][1], "o");
    result.push_back(std::move(entry));
  }
  return result;
}

// Orders stream ids "<ms>-<seq>" numerically.
bool EntryIdLess(const std::string& a, const std::string& b) {
  auto split = [](const std::string& id) {
    const size_t dash = id.find('-');
    uint64_t ms = 0, seq = 0;
    (void)absl::SimpleAtoi(id.substr(0, dash), &ms);
    if (dash != std::string::npos)
      (void)absl::SimpleAtoi(id.substr(dash + 1), &seq);
    return std::make_pair(ms, seq);
  };
  return split(a) < split(b);
}

}  // namespace

MatchingQueue::MatchingQueue(RedisClient& redis, absl::string_view tenant)
    : redis_(redis),
      keys_(tenant),
      stream_(keys_.MatchingQueue()),
      dead_(absl::StrCat(stream_, ":dead")),
      errors_(absl::StrCat(stream_, ":errors")),
      parked_(absl::StrCat(stream_, ":parked")),
      batch_(absl::StrCat(stream_, ":batch")) {}

absl::Status MatchingQueue::EnsureGroup() {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"XGROUP", "CREATE", stream_, kGroup, "0", "MKSTREAM"}));
  if (reply.IsError() && !absl::StartsWith(reply.Str(), "BUSYGROUP")) {
    return Unexpected("XGROUP CREATE", reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<MatchingEntry>> MatchingQueue::ReadNew(
    absl::string_view consumer, int count, absl::Duration wait) {
  const std::string count_arg = absl::StrCat(count);
  const std::string block_arg =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(wait)));
  std::vector<absl::string_view> argv = {"XREADGROUP", "GROUP", kGroup,
                                         consumer,     "COUNT", count_arg};
  if (wait > absl::ZeroDuration()) {
    argv.push_back("BLOCK");
    argv.push_back(block_arg);
  }
  argv.insert(argv.end(), {"STREAMS", stream_, ">"});
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command(argv));
  if (reply.IsNil()) return std::vector<MatchingEntry>();
  if (reply.IsError() && absl::StartsWith(reply.Str(), "NOGROUP")) {
    // The stream was deleted (e.g. FLUSHALL): make the group again.
    RETURN_IF_ERROR(EnsureGroup());
    return std::vector<MatchingEntry>();
  }
  if (!reply.IsArray() || reply.Size() != 1) {
    return Unexpected("XREADGROUP", reply);
  }
  return EntriesOf(reply[0][1]);
}

absl::StatusOr<std::vector<MatchingEntry>> MatchingQueue::ClaimStale(
    absl::string_view consumer, absl::Duration min_idle, int count) {
  const std::string idle_arg =
      absl::StrCat(absl::ToInt64Milliseconds(min_idle));
  const std::string count_arg = absl::StrCat(count);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"XAUTOCLAIM", stream_, kGroup, consumer,
                                   idle_arg, "0-0", "COUNT", count_arg}));
  if (reply.IsError() && absl::StartsWith(reply.Str(), "NOGROUP")) {
    RETURN_IF_ERROR(EnsureGroup());
    return std::vector<MatchingEntry>();
  }
  if (!reply.IsArray() || reply.Size() < 2) {
    return Unexpected("XAUTOCLAIM", reply);
  }
  std::vector<MatchingEntry> claimed = EntriesOf(reply[1]);
  if (claimed.empty()) return claimed;

  // Their delivery counts, from the consumer's pending entries.
  std::string first = claimed.front().entry_id, last = first;
  for (const MatchingEntry& entry : claimed) {
    if (EntryIdLess(entry.entry_id, first)) first = entry.entry_id;
    if (EntryIdLess(last, entry.entry_id)) last = entry.entry_id;
  }
  const std::string pending_count = absl::StrCat(claimed.size() + 1000);
  ASSIGN_OR_RETURN(RedisReply pending,
                   redis_.Command({"XPENDING", stream_, kGroup, first, last,
                                   pending_count, consumer}));
  if (!pending.IsArray()) return Unexpected("XPENDING", pending);
  std::map<std::string, int64_t> deliveries;
  for (size_t i = 0; i < pending.Size(); ++i) {
    deliveries[std::string(pending[i][0].Str())] = pending[i][3].Integer();
  }
  for (MatchingEntry& entry : claimed) {
    auto found = deliveries.find(entry.entry_id);
    if (found != deliveries.end()) entry.deliveries = found->second;
  }
  return claimed;
}

absl::Status MatchingQueue::Settle(const Settlement& settlement) {
  static const LuaScript& script =
      KeptScript("matching_settle", matching_scripts::kSettle);
  if (settlement.entry_ids.empty() && settlement.parked_order_ids.empty() &&
      settlement.requeued_order_ids.empty()) {
    return absl::OkStatus();
  }
  const std::string entries = absl::StrCat(settlement.entry_ids.size());
  const std::string parked = absl::StrCat(settlement.parked_order_ids.size());
  const std::string retry_at = Millis(settlement.retry_at);
  const std::string retry_soon_at = Millis(settlement.retry_soon_at);
  std::vector<absl::string_view> args = {kGroup, entries, parked, retry_at,
                                         retry_soon_at};
  for (const std::string& id : settlement.entry_ids) args.push_back(id);
  for (const std::string& id : settlement.parked_order_ids) args.push_back(id);
  for (const std::string& id : settlement.requeued_order_ids)
    args.push_back(id);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(script, {stream_, errors_, parked_}, args));
  if (reply.IsError()) return Unexpected("settle", reply);
  return absl::OkStatus();
}

absl::Status MatchingQueue::RecordFailure(absl::string_view entry_id,
                                          absl::string_view error) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"HSET", errors_, entry_id, error}));
  if (reply.IsError()) return Unexpected("HSET", reply);
  return absl::OkStatus();
}

absl::StatusOr<std::string> MatchingQueue::DeadLetter(
    const MatchingEntry& entry, absl::string_view error, absl::Time now) {
  static const LuaScript& script =
      KeptScript("matching_dead_letter", matching_scripts::kDeadLetter);
  ASSIGN_OR_RETURN(RedisReply recorded,
                   redis_.Command({"HGET", errors_, entry.entry_id}));
  const std::string last_error =
      recorded.IsString() ? std::string(recorded.Str()) : std::string(error);
  const std::string deliveries = absl::StrCat(entry.deliveries);
  const std::string at = Millis(now);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(script, {stream_, dead_, errors_},
                               {kGroup, entry.entry_id, entry.order_id,
                                deliveries, last_error, at}));
  if (!reply.IsString()) return Unexpected("dead letter", reply);
  return std::string(reply.Str());
}

absl::StatusOr<int> MatchingQueue::Unpark(absl::Time now, int limit) {
  static const LuaScript& script =
      KeptScript("matching_unpark", matching_scripts::kUnpark);
  const std::string now_arg = Millis(now);
  const std::string limit_arg = absl::StrCat(limit);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(script, {stream_, parked_},
                                                 {now_arg, limit_arg}));
  if (!reply.IsInteger()) return Unexpected("unpark", reply);
  return static_cast<int>(reply.Integer());
}

absl::Status MatchingQueue::RecordBatch(int orders, int offers,
                                        absl::Duration took, absl::Time at) {
  const std::string orders_arg = absl::StrCat(orders);
  const std::string offers_arg = absl::StrCat(offers);
  const std::string micros = absl::StrCat(absl::ToInt64Microseconds(took));
  const std::string at_arg = Millis(at);
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"HSET", batch_, "orders", orders_arg, "offers",
                      offers_arg, "micros", micros, "at", at_arg}));
  if (reply.IsError()) return Unexpected("HSET", reply);
  return absl::OkStatus();
}

absl::StatusOr<v1::MatchingStatus> MatchingQueue::Status() {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_.Pipeline({{"XLEN", stream_},
                                    {"XINFO", "GROUPS", stream_},
                                    {"XLEN", dead_},
                                    {"HGETALL", batch_}}));
  v1::MatchingStatus status;
  int64_t length = replies[0].IsInteger() ? replies[0].Integer() : 0;
  const RedisReply& groups = replies[1];
  for (size_t i = 0; groups.IsArray() && i < groups.Size(); ++i) {
    if (FieldOf(groups[i], "name") != kGroup) continue;
    for (size_t f = 0; f + 1 < groups[i].Size(); f += 2) {
      if (groups[i][f].Str() == "pending")
        status.set_pending(groups[i][f + 1].Integer());
    }
  }
  ASSIGN_OR_RETURN(std::vector<Consumer> consumers, Consumers());
  for (const Consumer& consumer : consumers) {
    if (consumer.idle < kLiveWorkerIdle) {
      status.set_consumers(status.consumers() + 1);
    }
  }
  // Settled entries are deleted: what is on the stream is queued or pending.
  status.set_queued(std::max<int64_t>(0, length - status.pending()));
  status.set_dead_letters(replies[2].IsInteger() ? replies[2].Integer() : 0);
  const RedisReply& batch = replies[3];
  int64_t value = 0;
  if (absl::SimpleAtoi(FieldOf(batch, "orders"), &value))
    status.set_last_batch_orders(static_cast<int32_t>(value));
  if (absl::SimpleAtoi(FieldOf(batch, "offers"), &value))
    status.set_last_batch_offers(static_cast<int32_t>(value));
  if (absl::SimpleAtoi(FieldOf(batch, "micros"), &value))
    status.set_last_batch_millis(static_cast<double>(value) / 1000.0);
  if (absl::SimpleAtoi(FieldOf(batch, "at"), &value)) {
    *status.mutable_last_batch_at() = ToProto(absl::FromUnixMillis(value));
  }
  return status;
}

absl::StatusOr<std::vector<MatchingQueue::Consumer>>
MatchingQueue::Consumers() {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"XINFO", "CONSUMERS", stream_, kGroup}));
  std::vector<Consumer> consumers;
  if (!reply.IsArray()) return consumers;  // no stream or group yet
  for (size_t i = 0; i < reply.Size(); ++i) {
    Consumer consumer;
    consumer.name = FieldOf(reply[i], "name");
    for (size_t f = 0; f + 1 < reply[i].Size(); f += 2) {
      if (reply[i][f].Str() == "pending")
        consumer.pending = reply[i][f + 1].Integer();
      if (reply[i][f].Str() == "idle") {
        consumer.idle = absl::Milliseconds(reply[i][f + 1].Integer());
      }
    }
    consumers.push_back(std::move(consumer));
  }
  return consumers;
}

absl::StatusOr<int> MatchingQueue::ForgetIdleConsumers(
    absl::Duration min_idle) {
  static const LuaScript& script =
      KeptScript("matching_forget_consumer", matching_scripts::kForgetConsumer);
  ASSIGN_OR_RETURN(std::vector<Consumer> consumers, Consumers());
  int forgotten = 0;
  for (const Consumer& consumer : consumers) {
    if (consumer.pending > 0 || consumer.idle < min_idle) continue;
    ASSIGN_OR_RETURN(RedisReply reply,
                     redis_.Eval(script, {stream_}, {kGroup, consumer.name}));
    if (!reply.IsInteger()) return Unexpected("forget consumer", reply);
    if (reply.Integer() == 0) continue;
    ++forgotten;
  }
  return forgotten;
}

absl::StatusOr<v1::ListDeadLettersResponse> MatchingQueue::ListDeadLetters(
    int limit, absl::string_view cursor) {
  // The cursor is the id of the last dead letter of the previous page.
  const std::string end = cursor.empty() ? "+" : absl::StrCat("(", cursor);
  const std::string count = absl::StrCat(limit + 1);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"XREVRANGE", dead_, end,
                                                     "-", "COUNT", count}));
  if (!reply.IsArray()) return Unexpected("XREVRANGE", reply);
  v1::ListDeadLettersResponse page;
  for (size_t i = 0; i < reply.Size(); ++i) {
    if (static_cast<int>(i) == limit) {
      page.set_next_page_token(page.dead_letters(limit - 1).entry_id());
      break;
    }
    const RedisReply& fields = reply[i][1];
    v1::DeadLetter& letter = *page.add_dead_letters();
    letter.set_entry_id(std::string(reply[i][0].Str()));
    letter.set_order_id(FieldOf(fields, "o"));
    int64_t number = 0;
    if (absl::SimpleAtoi(FieldOf(fields, "deliveries"), &number))
      letter.set_deliveries(static_cast<int32_t>(number));
    letter.set_last_error(FieldOf(fields, "error"));
    if (absl::SimpleAtoi(FieldOf(fields, "at"), &number))
      *letter.mutable_dead_at() = ToProto(absl::FromUnixMillis(number));
  }
  return page;
}

absl::StatusOr<std::string> MatchingQueue::RetryDeadLetter(
    const RequestKey& request, absl::string_view dead_letter_id) {
  static const LuaScript& script = KeptScript(
      "matching_retry_dead_letter", matching_scripts::kRetryDeadLetter);
  const std::string request_key =
      keys_.Request(request.actor_id, request.request_id);
  const std::string ttl = absl::StrCat(absl::ToInt64Seconds(kRequestTtl));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(script, {stream_, dead_, request_key},
                               {dead_letter_id, request.fingerprint, ttl}));
  if (reply.IsError()) {
    if (absl::StartsWith(reply.Str(), "KEPU_REQUEST_REUSED")) {
      return absl::InvalidArgumentError(
          "request_id: was already used for a different request");
    }
    if (absl::StartsWith(reply.Str(), "KEPU_NOT_FOUND")) {
      return absl::NotFoundError(
          absl::StrCat("dead letter ", dead_letter_id, " not found"));
    }
    return Unexpected("retry dead letter", reply);
  }
  if (!reply.IsArray() || reply.Size() != 2)
    return Unexpected("retry dead letter", reply);
  return std::string(reply[1].Str());
}

}  // namespace kepu
