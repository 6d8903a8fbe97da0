#include "services/core/redis/redis_order_store.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kepu_redis_scripts.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

const LuaScript& ApplyTransitionScript() {
  static const LuaScript* const kScript =
      new LuaScript("apply_transition",
                    absl::string_view(redis_scripts::kApplyTransition.data(),
                                      redis_scripts::kApplyTransition.size()));
  return *kScript;
}

absl::StatusOr<v1::Order> ParseOrder(absl::string_view bytes,
                                     absl::string_view what) {
  v1::Order order;
  if (!order.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("cannot parse the stored ", what));
  }
  return order;
}

absl::Status UnexpectedReply(absl::string_view command,
                             const RedisReply& reply) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", command,
                                          reply.IsError() ? ": " : "",
                                          reply.IsError() ? reply.Str() : ""));
}

absl::Status RequestReused() {
  return absl::InvalidArgumentError(
      "request_id: was already used for a different request");
}

// The request key's value is "<fingerprint>:<first result>".
constexpr size_t kFingerprintLength = 32;

int64_t Millis(const google::protobuf::Timestamp& t) {
  return absl::ToUnixMillis(FromProto(t));
}

// A position in an index: the score and the member there.
struct Cursor {
  int64_t score = 0;
  std::string id;
};

std::string EncodeCursor(int64_t score, absl::string_view id) {
  return absl::StrCat(score, ".", id);
}

absl::StatusOr<std::optional<Cursor>> DecodeCursor(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('.', 1));
  Cursor cursor;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.score) ||
      parts[1].empty()) {
    return absl::InvalidArgumentError("page.page_token: is not a page token");
  }
  cursor.id = std::string(parts[1]);
  return cursor;
}

struct Entry {
  int64_t score;
  std::string id;
};

}  // namespace

RedisOrderStore::RedisOrderStore(RedisClient& redis, absl::string_view tenant,
                                 RedisOrderStoreOptions options)
    : redis_(redis), keys_(tenant), options_(options) {}

std::vector<std::string> RedisOrderStore::IndexKeysOf(
    const v1::Order& order) const {
  std::vector<std::string> keys;
  const v1::OrderState state = order.state();
  keys.push_back(keys_.StateIndex(state));
  if (!order.draft().community_id().empty()) {
    keys.push_back(keys_.CommunityIndex(order.draft().community_id(), state));
  }
  if (!order.department_id().empty()) {
    keys.push_back(keys_.DepartmentIndex(order.department_id(), state));
  }
  if (!order.team_id().empty())
    keys.push_back(keys_.TeamIndex(order.team_id(), state));
  if (!order.resident_id().empty())
    keys.push_back(keys_.ResidentIndex(order.resident_id()));
  return keys;
}

absl::StatusOr<v1::Order> RedisOrderStore::Get(absl::string_view order_id) {
  const std::string key = keys_.Order(order_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HGET", key, "r"}));
  if (reply.IsNil())
    return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
  if (!reply.IsString()) return UnexpectedReply("HGET", reply);
  return ParseOrder(reply.Str(), "order");
}

absl::StatusOr<LoadedOrder> RedisOrderStore::LoadForUpdate(
    absl::string_view order_id, const RequestKey& request) {
  const std::string request_key =
      keys_.Request(request.actor_id, request.request_id);
  const std::string order_key = keys_.Order(order_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_.Pipeline({{"GET", request_key}, {"HGET", order_key, "r"}}));
  LoadedOrder loaded;
  if (replies[0].IsString()) {
    absl::string_view prior = replies[0].Str();
    if (prior.substr(0, kFingerprintLength) != request.fingerprint)
      return RequestReused();
    ASSIGN_OR_RETURN(
        loaded.replay,
        ParseOrder(prior.substr(kFingerprintLength + 1), "request result"));
  } else if (!replies[0].IsNil()) {
    return UnexpectedReply("GET", replies[0]);
  }
  if (replies[1].IsString()) {
    ASSIGN_OR_RETURN(loaded.current, ParseOrder(replies[1].Str(), "order"));
  } else if (!replies[1].IsNil()) {
    return UnexpectedReply("HGET", replies[1]);
  }
  return loaded;
}

absl::StatusOr<Applied> RedisOrderStore::Apply(const Transition& transition) {
  const v1::Order& after = transition.after;
  const std::string& id = after.id();
  if (transition.request.fingerprint.size() != kFingerprintLength) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }

  // Indexes to leave and to join: only those that differ, so an order that
  // stays in its state keeps its place in the queues.
  std::vector<std::string> before_keys;
  if (transition.before.has_value())
    before_keys = IndexKeysOf(*transition.before);
  std::vector<std::string> after_keys = IndexKeysOf(after);
  std::vector<std::string> leave;
  std::vector<std::string> join;
  for (const std::string& key : before_keys) {
    if (std::find(after_keys.begin(), after_keys.end(), key) ==
        after_keys.end()) {
      leave.push_back(key);
    }
  }
  for (const std::string& key : after_keys) {
    if (std::find(before_keys.begin(), before_keys.end(), key) ==
        before_keys.end()) {
      join.push_back(key);
    }
  }

  const std::string order_key = keys_.Order(id);
  const std::string request_key =
      keys_.Request(transition.request.actor_id, transition.request.request_id);
  const std::string history_key = keys_.History(id);
  const std::string events_key = keys_.Events();
  const std::string queue_key = keys_.MatchingQueue();
  std::vector<absl::string_view> keys = {order_key, request_key, history_key,
                                         events_key, queue_key};
  keys.insert(keys.end(), leave.begin(), leave.end());
  keys.insert(keys.end(), join.begin(), join.end());

  const std::string expected_version =
      transition.before.has_value() ? absl::StrCat(transition.before->version())
                                    : "0";
  const std::string expected_state =
      transition.before.has_value() ? absl::StrCat(transition.before->state())
                                    : "0";
  const std::string new_state = absl::StrCat(after.state());
  const std::string new_version = absl::StrCat(after.version());
  const std::string record = after.SerializeAsString();
  const std::string event = transition.event.SerializeAsString();
  const std::string ttl =
      absl::StrCat(absl::ToInt64Seconds(options_.request_ttl));
  const std::string leave_count = absl::StrCat(leave.size());
  const std::string join_count = absl::StrCat(join.size());
  // The resident's index is scored by creation, which is the state time of a
  // new order.
  const std::string score = absl::StrCat(Millis(after.state_entered_at()));
  const std::string max_length = absl::StrCat(options_.event_stream_length);
  std::vector<absl::string_view> args = {
      expected_version,
      expected_state,
      new_state,
      new_version,
      record,
      event,
      transition.request.fingerprint,
      ttl,
      leave_count,
      join_count,
      score,
      transition.enqueue_matching ? "1" : "0",
      max_length,
      id};

  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(ApplyTransitionScript(), keys, args));
  if (reply.IsError()) {
    absl::string_view error = reply.Str();
    if (absl::StartsWith(error, "KEPU_REQUEST_REUSED")) return RequestReused();
    if (absl::StartsWith(error, "KEPU_EXISTS")) {
      return absl::AlreadyExistsError(absl::StrCat("order ", id, " exists"));
    }
    if (absl::StartsWith(error, "KEPU_NOT_FOUND")) {
      return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
    }
    if (absl::StartsWith(error, "KEPU_STALE")) {
      return absl::AbortedError(absl::StrCat(
          "order ", id, " is at version ", error.substr(11), ", not ",
          expected_version, ": read it again and retry"));
    }
    if (absl::StartsWith(error, "KEPU_STATE")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "order ", id, " is no longer in the state the move starts from"));
    }
    return UnexpectedReply("apply_transition", reply);
  }
  if (!reply.IsArray() || reply.Size() != 2 || !reply[1].IsString()) {
    return UnexpectedReply("apply_transition", reply);
  }
  Applied applied;
  if (reply[0].Str() == "replayed") {
    ASSIGN_OR_RETURN(applied.order,
                     ParseOrder(reply[1].Str(), "request result"));
    applied.replayed = true;
  } else {
    applied.order = after;
    applied.event_id = std::string(reply[1].Str());
  }
  return applied;
}

absl::StatusOr<std::vector<v1::OrderEvent>> RedisOrderStore::History(
    absl::string_view order_id, absl::string_view after_event_id, int limit) {
  const std::string key = keys_.History(order_id);
  const std::string start = after_event_id.empty()
                                ? std::string("-")
                                : absl::StrCat("(", after_event_id);
  const std::string count = absl::StrCat(std::max(limit, 1));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"XRANGE", key, start, "+", "COUNT", count}));
  if (!reply.IsArray()) return UnexpectedReply("XRANGE", reply);
  std::vector<v1::OrderEvent> events;
  events.reserve(reply.Size());
  for (size_t i = 0; i < reply.Size(); ++i) {
    RedisReply entry = reply[i];
    RedisReply fields = entry[1];
    v1::OrderEvent event;
    if (fields.Size() < 2 ||
        !event.ParseFromArray(fields[1].Str().data(),
                              static_cast<int>(fields[1].Str().size()))) {
      return absl::DataLossError(
          absl::StrCat("cannot parse an event of order ", order_id));
    }
    event.set_event_id(std::string(entry[0].Str()));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<OrderPage> RedisOrderStore::List(const OrderQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  if (query.index == OrderIndex::kResident) return ListResident(query);
  if (query.states.empty())
    return absl::InvalidArgumentError("states: is required");
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(query.cursor));

  std::vector<std::string> index_keys;
  for (v1::OrderState state : query.states) {
    switch (query.index) {
      case OrderIndex::kCommunity:
        index_keys.push_back(keys_.CommunityIndex(query.scope_id, state));
        break;
      case OrderIndex::kDepartment:
        index_keys.push_back(keys_.DepartmentIndex(query.scope_id, state));
        break;
      case OrderIndex::kTeam:
        index_keys.push_back(keys_.TeamIndex(query.scope_id, state));
        break;
      default:
        index_keys.push_back(keys_.StateIndex(state));
        break;
    }
  }
  std::sort(index_keys.begin(), index_keys.end());
  index_keys.erase(std::unique(index_keys.begin(), index_keys.end()),
                   index_keys.end());

  // Per index: its size, the members tied with the cursor's score, and up to
  // `limit` members strictly past it. Ties are few (same millisecond), so
  // reading them all keeps pages exact.
  const std::string limit = absl::StrCat(query.limit);
  const std::string tie = cursor ? absl::StrCat(cursor->score) : "";
  const std::string past_start = cursor
                                     ? absl::StrCat("(", cursor->score)
                                     : (query.newest_first ? "+inf" : "-inf");
  const std::string past_end = query.newest_first ? "-inf" : "+inf";
  std::vector<std::vector<absl::string_view>> commands;
  for (const std::string& key : index_keys) {
    commands.push_back({"ZCARD", key});
    if (cursor) commands.push_back({"ZRANGE", key, tie, tie, "BYSCORE"});
    if (query.newest_first) {
      commands.push_back({"ZRANGE", key, past_start, past_end, "BYSCORE", "REV",
                          "LIMIT", "0", limit, "WITHSCORES"});
    } else {
      commands.push_back({"ZRANGE", key, past_start, past_end, "BYSCORE",
                          "LIMIT", "0", limit, "WITHSCORES"});
    }
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(commands));

  OrderPage page;
  std::vector<Entry> candidates;
  size_t r = 0;
  for (size_t k = 0; k < index_keys.size(); ++k) {
    page.total += replies[r++].Integer();
    if (cursor) {
      const RedisReply& ties = replies[r++];
      for (size_t i = 0; i < ties.Size(); ++i) {
        std::string id(ties[i].Str());
        const bool past =
            query.newest_first ? id < cursor->id : id > cursor->id;
        if (past) candidates.push_back({cursor->score, std::move(id)});
      }
    }
    const RedisReply& rest = replies[r++];
    for (size_t i = 0; i + 1 < rest.Size(); i += 2) {
      int64_t score = 0;
      double value = 0;
      if (absl::SimpleAtod(rest[i + 1].Str(), &value))
        score = static_cast<int64_t>(value);
      candidates.push_back({score, std::string(rest[i].Str())});
    }
  }
  std::sort(candidates.begin(), candidates.end(),
            [&query](const Entry& a, const Entry& b) {
              if (a.score != b.score)
                return query.newest_first ? a.score > b.score
                                          : a.score < b.score;
              return query.newest_first ? a.id > b.id : a.id < b.id;
            });
  const bool more = candidates.size() > static_cast<size_t>(query.limit);
  if (more) candidates.resize(query.limit);

  std::vector<std::string> order_keys;
  std::vector<std::vector<absl::string_view>> reads;
  for (const Entry& entry : candidates)
    order_keys.push_back(keys_.Order(entry.id));
  for (const std::string& key : order_keys) reads.push_back({"HGET", key, "r"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> records, redis_.Pipeline(reads));
  for (const RedisReply& record : records) {
    if (!record.IsString()) continue;  // moved on between the two reads
    ASSIGN_OR_RETURN(v1::Order order, ParseOrder(record.Str(), "order"));
    page.orders.push_back(std::move(order));
  }
  if (more && !candidates.empty()) {
    page.next_cursor =
        EncodeCursor(candidates.back().score, candidates.back().id);
  }
  return page;
}

absl::StatusOr<OrderPage> RedisOrderStore::ListResident(
    const OrderQuery& query) {
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(query.cursor));
  const std::string key = keys_.ResidentIndex(query.scope_id);
  OrderPage page;
  // A resident has few orders: walk the index in batches, filtering by state,
  // until the page is full.
  constexpr int kBatch = 100;
  const std::string batch = absl::StrCat(kBatch);
  bool first = true;
  while (true) {
    const std::string tie = cursor ? absl::StrCat(cursor->score) : "";
    const std::string past_start = cursor
                                       ? absl::StrCat("(", cursor->score)
                                       : (query.newest_first ? "+inf" : "-inf");
    const std::string past_end = query.newest_first ? "-inf" : "+inf";
    std::vector<std::vector<absl::string_view>> commands = {{"ZCARD", key}};
    if (cursor)
      commands.push_back({"ZRANGE", key, tie, tie, "BYSCORE", "WITHSCORES"});
    if (query.newest_first) {
      commands.push_back({"ZRANGE", key, past_start, past_end, "BYSCORE", "REV",
                          "LIMIT", "0", batch, "WITHSCORES"});
    } else {
      commands.push_back({"ZRANGE", key, past_start, past_end, "BYSCORE",
                          "LIMIT", "0", batch, "WITHSCORES"});
    }
    ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                     redis_.Pipeline(commands));
    if (first) page.total = replies[0].Integer();
    first = false;
    std::vector<Entry> entries;
    size_t r = 1;
    if (cursor) {
      const RedisReply& ties = replies[r++];
      std::vector<std::string> tied;
      for (size_t i = 0; i + 1 < ties.Size(); i += 2) {
        std::string id(ties[i].Str());
        if (query.newest_first ? id < cursor->id : id > cursor->id)
          tied.push_back(id);
      }
      std::sort(tied.begin(), tied.end());
      if (query.newest_first) std::reverse(tied.begin(), tied.end());
      for (std::string& id : tied)
        entries.push_back({cursor->score, std::move(id)});
    }
    const RedisReply& rest = replies[r];
    for (size_t i = 0; i + 1 < rest.Size(); i += 2) {
      double value = 0;
      (void)absl::SimpleAtod(rest[i + 1].Str(), &value);
      entries.push_back(
          {static_cast<int64_t>(value), std::string(rest[i].Str())});
    }
    if (entries.empty()) return page;

    std::vector<std::string> order_keys;
    std::vector<std::vector<absl::string_view>> reads;
    for (const Entry& entry : entries)
      order_keys.push_back(keys_.Order(entry.id));
    for (const std::string& order_key : order_keys)
      reads.push_back({"HGET", order_key, "r"});
    ASSIGN_OR_RETURN(std::vector<RedisReply> records, redis_.Pipeline(reads));
    for (size_t i = 0; i < records.size(); ++i) {
      cursor = Cursor{entries[i].score, entries[i].id};
      if (!records[i].IsString()) continue;
      ASSIGN_OR_RETURN(v1::Order order, ParseOrder(records[i].Str(), "order"));
      const bool wanted = query.states.empty() ||
                          std::find(query.states.begin(), query.states.end(),
                                    order.state()) != query.states.end();
      if (!wanted) continue;
      page.orders.push_back(std::move(order));
      if (static_cast<int>(page.orders.size()) == query.limit) {
        const bool last = i + 1 == records.size() && rest.Size() / 2 < kBatch;
        if (!last) page.next_cursor = EncodeCursor(cursor->score, cursor->id);
        return page;
      }
    }
    if (rest.Size() / 2 < kBatch) return page;  // the index is exhausted
  }
}

}  // namespace kepu
