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

// A position in a time-ordered listing: the time (ms) and the order id there.
struct Cursor {
  int64_t millis = 0;
  std::string id;
};

std::string EncodeCursor(const Cursor& cursor) {
  return absl::StrCat(cursor.millis, ".", cursor.id);
}

absl::StatusOr<std::optional<Cursor>> DecodeCursor(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('.', 1));
  Cursor cursor;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.millis) ||
      cursor.millis < 0 || cursor.millis >= kStateScoreSpan ||
      parts[1].empty()) {
    return absl::InvalidArgumentError("page.page_token: is not a page token");
  }
  cursor.id = std::string(parts[1]);
  return cursor;
}

// Whether `a` comes before `b` in the listing's order.
bool Before(const Cursor& a, const Cursor& b, bool newest_first) {
  if (a.millis != b.millis) {
    return newest_first ? a.millis > b.millis : a.millis < b.millis;
  }
  return newest_first ? a.id > b.id : a.id < b.id;
}

int64_t ParseScore(absl::string_view text) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value)) return 0;
  return static_cast<int64_t>(value);
}

// A time-ordered slice of one sorted set: the members scored
// [offset, offset + kStateScoreSpan), whose time is their score - offset.
struct IndexRange {
  std::string key;
  int64_t offset = 0;
};

struct RangePage {
  std::vector<Cursor> hits;
  // There are further members past the last hit.
  bool more = false;
  // Members of the ranges in all.
  int64_t total = 0;
};

// The members of `ranges` past `cursor` in time order (then id), at most
// `limit`.
absl::StatusOr<RangePage> ReadRanges(RedisClient& redis,
                                     const std::vector<IndexRange>& ranges,
                                     const std::optional<Cursor>& cursor,
                                     bool newest_first, int limit);

// The orders of `hits`, nullopt for one that vanished meanwhile.
absl::StatusOr<std::vector<std::optional<v1::Order>>> ReadOrders(
    RedisClient& redis, const RedisKeys& keys, const std::vector<Cursor>& hits);

}  // namespace

RedisOrderStore::RedisOrderStore(RedisClient& redis, absl::string_view tenant,
                                 RedisOrderStoreOptions options)
    : redis_(redis), keys_(tenant), options_(options) {}

std::vector<RedisOrderStore::IndexEntry> RedisOrderStore::IndexEntriesOf(
    const v1::Order& order) const {
  std::vector<IndexEntry> entries;
  const int64_t score =
      IndexScore(order.state(), Millis(order.state_entered_at()));
  if (!order.draft().community_id().empty()) {
    entries.push_back(
        {keys_.CommunityIndex(order.draft().community_id()), score});
  }
  if (!order.department_id().empty()) {
    entries.push_back({keys_.DepartmentIndex(order.department_id()), score});
  }
  if (!order.team_id().empty()) {
    entries.push_back({keys_.TeamIndex(order.team_id()), score});
  }
  if (!order.resident_id().empty()) {
    entries.push_back(
        {keys_.ResidentIndex(order.resident_id()), Millis(order.created_at())});
  }
  return entries;
}

absl::StatusOr<v1::Order> RedisOrderStore::Get(absl::string_view order_id) {
  const std::string key = keys_.Order(order_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HGET", key, "r"}));
  if (reply.IsNil()) {
    return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
  }
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
    if (prior.substr(0, kFingerprintLength) != request.fingerprint) {
      return RequestReused();
    }
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

  // Indexes to leave, and to join or move in: only those that change, so an
  // order that stays in its state keeps its place in the queues.
  std::vector<IndexEntry> before;
  if (transition.before.has_value())
    before = IndexEntriesOf(*transition.before);
  const std::vector<IndexEntry> now = IndexEntriesOf(after);
  auto find = [](const std::vector<IndexEntry>& entries,
                 const std::string& key) {
    return std::find_if(entries.begin(), entries.end(),
                        [&key](const IndexEntry& e) { return e.key == key; });
  };
  std::vector<absl::string_view> leave;
  for (const IndexEntry& entry : before) {
    if (find(now, entry.key) == now.end()) leave.push_back(entry.key);
  }
  std::vector<absl::string_view> join;
  std::vector<std::string> join_scores;
  for (const IndexEntry& entry : now) {
    auto it = find(before, entry.key);
    if (it == before.end() || it->score != entry.score) {
      join.push_back(entry.key);
      join_scores.push_back(absl::StrCat(entry.score));
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
  const std::string max_length = absl::StrCat(options_.event_stream_length);
  const std::string leave_count = absl::StrCat(leave.size());
  const std::string join_count = absl::StrCat(join.size());
  std::vector<absl::string_view> args = {
      expected_version,
      expected_state,
      new_state,
      new_version,
      record,
      event,
      transition.request.fingerprint,
      ttl,
      transition.enqueue_matching ? "1" : "0",
      max_length,
      id,
      leave_count,
      join_count};
  args.insert(args.end(), join_scores.begin(), join_scores.end());

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
  // An order's history is short (one entry per move): read it whole and skip
  // to the cursor.
  const std::string key = keys_.History(order_id);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"LRANGE", key, "0", "-1"}));
  if (!reply.IsArray()) return UnexpectedReply("LRANGE", reply);
  std::vector<v1::OrderEvent> events;
  bool past_cursor = after_event_id.empty();
  for (size_t i = 0;
       i < reply.Size() && static_cast<int>(events.size()) < limit; ++i) {
    absl::string_view entry = reply[i].Str();
    const size_t space = entry.find(' ');
    if (space == absl::string_view::npos) {
      return absl::DataLossError(
          absl::StrCat("malformed history of order ", order_id));
    }
    absl::string_view event_id = entry.substr(0, space);
    if (!past_cursor) {
      past_cursor = event_id == after_event_id;
      continue;
    }
    absl::string_view bytes = entry.substr(space + 1);
    v1::OrderEvent event;
    if (!event.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      return absl::DataLossError(
          absl::StrCat("cannot parse an event of order ", order_id));
    }
    event.set_event_id(std::string(event_id));
    events.push_back(std::move(event));
  }
  return events;
}

namespace {

absl::StatusOr<RangePage> ReadRanges(RedisClient& redis,
                                     const std::vector<IndexRange>& ranges,
                                     const std::optional<Cursor>& cursor,
                                     bool newest_first, int limit) {
  // Per range: how many it holds, the members tied with the cursor's time
  // (few: same millisecond), and up to limit + 1 members strictly past it.
  std::vector<std::string> strings;  // owns the arguments below
  strings.reserve(ranges.size() * 6);
  auto text = [&strings](std::string value) -> absl::string_view {
    strings.push_back(std::move(value));
    return strings.back();
  };
  const std::string fetch = absl::StrCat(limit + 1);
  std::vector<std::vector<absl::string_view>> commands;
  for (const IndexRange& range : ranges) {
    const int64_t low = range.offset;
    const int64_t high = range.offset + kStateScoreSpan;
    commands.push_back({"ZCOUNT", range.key, text(absl::StrCat(low)),
                        text(absl::StrCat("(", high))});
    absl::string_view start;
    absl::string_view end;
    if (cursor.has_value()) {
      const absl::string_view tie = text(absl::StrCat(low + cursor->millis));
      commands.push_back({"ZRANGE", range.key, tie, tie, "BYSCORE"});
      start = text(absl::StrCat("(", low + cursor->millis));
    } else {
      start = newest_first ? text(absl::StrCat("(", high))
                           : text(absl::StrCat(low));
    }
    end =
        newest_first ? text(absl::StrCat(low)) : text(absl::StrCat("(", high));
    if (newest_first) {
      commands.push_back({"ZRANGE", range.key, start, end, "BYSCORE", "REV",
                          "LIMIT", "0", fetch, "WITHSCORES"});
    } else {
      commands.push_back({"ZRANGE", range.key, start, end, "BYSCORE", "LIMIT",
                          "0", fetch, "WITHSCORES"});
    }
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(commands));

  RangePage page;
  size_t r = 0;
  for (const IndexRange& range : ranges) {
    page.total += replies[r++].Integer();
    if (cursor.has_value()) {
      const RedisReply& ties = replies[r++];
      for (size_t i = 0; i < ties.Size(); ++i) {
        Cursor hit{cursor->millis, std::string(ties[i].Str())};
        if (Before(*cursor, hit, newest_first))
          page.hits.push_back(std::move(hit));
      }
    }
    const RedisReply& rest = replies[r++];
    for (size_t i = 0; i + 1 < rest.Size(); i += 2) {
      page.hits.push_back({ParseScore(rest[i + 1].Str()) - range.offset,
                           std::string(rest[i].Str())});
    }
  }
  std::sort(page.hits.begin(), page.hits.end(),
            [newest_first](const Cursor& a, const Cursor& b) {
              return Before(a, b, newest_first);
            });
  page.more = page.hits.size() > static_cast<size_t>(limit);
  if (page.more) page.hits.resize(limit);
  return page;
}

absl::StatusOr<std::vector<std::optional<v1::Order>>> ReadOrders(
    RedisClient& redis, const RedisKeys& keys,
    const std::vector<Cursor>& hits) {
  std::vector<std::string> order_keys;
  order_keys.reserve(hits.size());
  for (const Cursor& hit : hits) order_keys.push_back(keys.Order(hit.id));
  std::vector<std::vector<absl::string_view>> reads;
  for (const std::string& key : order_keys) reads.push_back({"HGET", key, "r"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> records, redis.Pipeline(reads));
  std::vector<std::optional<v1::Order>> orders;
  for (const RedisReply& record : records) {
    if (!record.IsString()) {
      orders.push_back(std::nullopt);
      continue;
    }
    ASSIGN_OR_RETURN(v1::Order order, ParseOrder(record.Str(), "order"));
    orders.push_back(std::move(order));
  }
  return orders;
}

// A resident's orders (few): the index walked in batches, filtered by state,
// until the page is full.
absl::StatusOr<OrderPage> ListResident(RedisClient& redis,
                                       const RedisKeys& keys,
                                       const OrderQuery& query,
                                       std::optional<Cursor> cursor) {
  constexpr int kBatch = 100;
  const std::vector<IndexRange> ranges = {
      {keys.ResidentIndex(query.scope_id), 0}};
  OrderPage page;
  while (true) {
    ASSIGN_OR_RETURN(RangePage batch, ReadRanges(redis, ranges, cursor,
                                                 query.newest_first, kBatch));
    page.total = batch.total;
    ASSIGN_OR_RETURN(std::vector<std::optional<v1::Order>> orders,
                     ReadOrders(redis, keys, batch.hits));
    for (size_t i = 0; i < orders.size(); ++i) {
      cursor = batch.hits[i];
      if (!orders[i].has_value()) continue;
      const bool wanted = query.states.empty() ||
                          std::find(query.states.begin(), query.states.end(),
                                    orders[i]->state()) != query.states.end();
      if (!wanted) continue;
      page.orders.push_back(*std::move(orders[i]));
      if (static_cast<int>(page.orders.size()) == query.limit) {
        if (i + 1 < orders.size() || batch.more) {
          page.next_cursor = EncodeCursor(*cursor);
        }
        return page;
      }
    }
    if (!batch.more) return page;
  }
}

}  // namespace

absl::StatusOr<OrderPage> RedisOrderStore::List(const OrderQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(query.cursor));
  if (query.index == OrderIndex::kResident) {
    return ListResident(redis_, keys_, query, cursor);
  }
  if (query.states.empty()) {
    return absl::InvalidArgumentError("states: is required");
  }
  std::string key;
  switch (query.index) {
    case OrderIndex::kCommunity:
      key = keys_.CommunityIndex(query.scope_id);
      break;
    case OrderIndex::kDepartment:
      key = keys_.DepartmentIndex(query.scope_id);
      break;
    case OrderIndex::kTeam:
    case OrderIndex::kResident:
      key = keys_.TeamIndex(query.scope_id);
      break;
  }
  std::vector<IndexRange> ranges;
  for (v1::OrderState state : query.states) {
    const IndexRange range{key, IndexScore(state, 0)};
    if (std::none_of(ranges.begin(), ranges.end(), [&](const IndexRange& r) {
          return r.offset == range.offset;
        })) {
      ranges.push_back(range);
    }
  }
  ASSIGN_OR_RETURN(
      RangePage range_page,
      ReadRanges(redis_, ranges, cursor, query.newest_first, query.limit));
  ASSIGN_OR_RETURN(std::vector<std::optional<v1::Order>> orders,
                   ReadOrders(redis_, keys_, range_page.hits));
  OrderPage page;
  page.total = range_page.total;
  for (std::optional<v1::Order>& order : orders) {
    if (order.has_value()) page.orders.push_back(*std::move(order));
  }
  if (range_page.more && !range_page.hits.empty()) {
    page.next_cursor = EncodeCursor(range_page.hits.back());
  }
  return page;
}

}  // namespace kepu
