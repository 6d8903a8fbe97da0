#include "services/core/redis/redis_order_store.h"

#include <algorithm>
#include <functional>
#include <optional>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kepu_redis_scripts.h"
#include "services/core/order_rules.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"
#include "services/core/transition_table.h"

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
  auto add = [&entries](std::string key, int64_t entry_score) {
    for (const IndexEntry& entry : entries) {
      if (entry.key == key) return;
    }
    entries.push_back({std::move(key), entry_score});
  };
  if (!order.draft().community_id().empty()) {
    add(keys_.CommunityIndex(order.draft().community_id()), score);
  }
  if (!order.department_id().empty()) {
    add(keys_.DepartmentIndex(order.department_id()), score);
  }
  for (const std::string& department : order.dispatched_department_ids()) {
    add(keys_.DepartmentIndex(department), score);
  }
  if (!order.team_id().empty()) add(keys_.TeamIndex(order.team_id()), score);
  for (const std::string& team : order.offered_team_ids()) {
    add(keys_.TeamIndex(team), score);
  }
  if (!order.resident_id().empty()) {
    add(keys_.ResidentIndex(order.resident_id()), Millis(order.created_at()));
  }
  if (!IsFinal(order.state()) && order.state() != v1::ORDER_STATE_COMPLETED) {
    add(keys_.OpenOrders(order.draft().community_id(),
                         order.draft().service_line_id()),
        Millis(order.created_at()));
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

namespace {

// `value` as a protobuf varint.
std::string Varint(uint32_t value) {
  std::string bytes;
  while (value >= 0x80) {
    bytes.push_back(static_cast<char>((value & 0x7f) | 0x80));
    value >>= 7;
  }
  bytes.push_back(static_cast<char>(value));
  return bytes;
}

}  // namespace

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
  const std::string deadlines_key = keys_.Deadlines();
  const std::string capacity_key =
      transition.capacity.has_value()
          ? keys_.TeamIndex(transition.capacity->team_id)
          : keys_.TeamIndex("-");
  const std::string open_key =
      transition.duplicates_since.has_value()
          ? keys_.OpenOrders(after.draft().community_id(),
                             after.draft().service_line_id())
          : keys_.OpenOrders("-", "-");
  std::vector<absl::string_view> keys = {
      order_key, request_key,   history_key,  events_key,
      queue_key, deadlines_key, capacity_key, open_key};
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
  const std::optional<absl::Time> due = WatchdogDueAt(after);
  const std::string deadline =
      due.has_value() ? absl::StrCat(absl::ToUnixMillis(*due)) : "";
  std::string capacity_limit;
  std::vector<std::string> capacity_ranges(4);
  if (transition.capacity.has_value()) {
    capacity_limit = absl::StrCat(transition.capacity->limit);
    const v1::OrderState first = transition.capacity->count_offered
                                     ? v1::ORDER_STATE_OFFERED
                                     : v1::ORDER_STATE_ACCEPTED;
    capacity_ranges = {
        absl::StrCat(IndexScore(first, 0)),
        absl::StrCat(IndexScore(v1::ORDER_STATE_ACCEPTED, kStateScoreSpan)),
        absl::StrCat(IndexScore(v1::ORDER_STATE_IN_SERVICE, 0)),
        absl::StrCat(IndexScore(v1::ORDER_STATE_IN_SERVICE, kStateScoreSpan))};
  }

  // Records the move creates with it, each with the indexes that list it.
  struct Side {
    std::string key;
    std::string value;
    std::string member;
    std::string score;
    std::vector<std::string> indexes;
  };
  std::vector<Side> sides;
  for (const v1::VolunteerHours& hours : transition.hours) {
    sides.push_back({keys_.Hours(hours.id()),
                     hours.SerializeAsString(),
                     hours.id(),
                     absl::StrCat(Millis(hours.recorded_at())),
                     {keys_.HoursByVolunteer(hours.volunteer_id()),
                      keys_.HoursByTeam(hours.team_id()),
                      keys_.HoursByOrder(hours.order_id())}});
  }
  if (transition.follow_up.has_value()) {
    const v1::FollowUp& follow_up = *transition.follow_up;
    sides.push_back({keys_.FollowUp(follow_up.id()),
                     follow_up.SerializeAsString(),
                     follow_up.id(),
                     absl::StrCat(Millis(follow_up.created_at())),
                     {keys_.FollowUpsByCommunity(follow_up.community_id())}});
  }
  if (transition.escalation.has_value()) {
    const v1::Escalation& escalation = *transition.escalation;
    sides.push_back(
        {keys_.Escalation(escalation.id()),
         escalation.SerializeAsString(),
         escalation.id(),
         absl::StrCat(Millis(escalation.escalated_at())),
         {keys_.Escalations(),
          keys_.EscalationsByCounty(escalation.county_id()),
          keys_.EscalationsByCommunity(escalation.community_id())}});
  }
  std::vector<std::string> side_counts;
  side_counts.reserve(sides.size());
  for (const Side& side : sides) {
    keys.push_back(side.key);
    keys.insert(keys.end(), side.indexes.begin(), side.indexes.end());
    side_counts.push_back(absl::StrCat(side.indexes.size()));
  }

  // The bytes of possible_duplicate_ids' tag, which the script puts before
  // each id it appends to the serialized order (repeated fields may be
  // appended).
  const std::string duplicates_since =
      transition.duplicates_since.has_value()
          ? absl::StrCat(absl::ToUnixMillis(*transition.duplicates_since))
          : "";
  const std::string duplicate_tag = Varint(
      (v1::Order::kPossibleDuplicateIdsFieldNumber << 3) | 2 /* bytes */);

  const std::string leave_count = absl::StrCat(leave.size());
  const std::string join_count = absl::StrCat(join.size());
  const std::string side_count = absl::StrCat(sides.size());
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
      deadline,
      capacity_limit,
      capacity_ranges[0],
      capacity_ranges[1],
      capacity_ranges[2],
      capacity_ranges[3],
      leave_count,
      join_count,
      side_count,
      duplicates_since,
      duplicate_tag};
  args.insert(args.end(), join_scores.begin(), join_scores.end());
  for (size_t i = 0; i < sides.size(); ++i) {
    args.insert(args.end(), {sides[i].value, sides[i].member, sides[i].score,
                             side_counts[i]});
  }
  // Team tallies: their keys after the side records', counter and increment
  // in the args.
  std::vector<std::string> tally_keys, increments;
  tally_keys.reserve(transition.tallies.size());
  increments.reserve(transition.tallies.size());
  for (const TeamTally& tally : transition.tallies) {
    tally_keys.push_back(keys_.TeamHistory(tally.team_id));
    increments.push_back(absl::StrCat(tally.by));
  }
  keys.insert(keys.end(), tally_keys.begin(), tally_keys.end());
  for (size_t i = 0; i < transition.tallies.size(); ++i) {
    args.push_back(CounterName(transition.tallies[i].counter));
    args.push_back(increments[i]);
  }

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
    if (absl::StartsWith(error, "KEPU_CAPACITY")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "team ", transition.capacity->team_id, " is at capacity (",
          transition.capacity->limit, " orders held)"));
    }
    if (absl::StartsWith(error, "KEPU_STATE")) {
      return absl::FailedPreconditionError(absl::StrCat(
          "order ", id, " is no longer in the state the move starts from"));
    }
    return UnexpectedReply("apply_transition", reply);
  }
  if (!reply.IsArray() || reply.Size() < 2 || !reply[1].IsString()) {
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
    // The possible duplicates the script found (and stored with the order).
    if (reply.Size() > 2 && reply[2].IsArray()) {
      for (size_t i = 0; i < reply[2].Size(); ++i)
        applied.order.add_possible_duplicate_ids(
            std::string(reply[2][i].Str()));
    }
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

namespace {

const LuaScript& CompareAndSetScript() {
  static const LuaScript* const kScript =
      new LuaScript("compare_and_set",
                    absl::string_view(redis_scripts::kCompareAndSet.data(),
                                      redis_scripts::kCompareAndSet.size()));
  return *kScript;
}

template <typename Message>
absl::StatusOr<Message> ParseRecord(const RedisReply& reply,
                                    absl::string_view what,
                                    absl::string_view id) {
  if (reply.IsNil())
    return absl::NotFoundError(absl::StrCat(what, " ", id, " not found"));
  Message message;
  if (!reply.IsString() ||
      !message.ParseFromArray(reply.Str().data(),
                              static_cast<int>(reply.Str().size()))) {
    return absl::DataLossError(
        absl::StrCat("cannot parse the stored ", what, " ", id));
  }
  return message;
}

// Reads the records listed by `index` newest first from `cursor`, at most
// `limit`.
template <typename Message>
absl::StatusOr<std::pair<std::vector<Message>, std::string>> ReadRecordPage(
    RedisClient& redis, const std::string& index, int limit,
    absl::string_view cursor_text,
    const std::function<std::string(absl::string_view)>& key_of,
    const std::function<bool(const Message&)>& wanted) {
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(cursor_text));
  std::vector<Message> records;
  std::string next;
  const std::vector<IndexRange> ranges = {{index, 0}};
  while (true) {
    ASSIGN_OR_RETURN(RangePage page,
                     ReadRanges(redis, ranges, cursor, /*newest_first=*/true,
                                std::max(limit, 20)));
    std::vector<std::string> keys;
    for (const Cursor& hit : page.hits) keys.push_back(key_of(hit.id));
    std::vector<std::vector<absl::string_view>> reads;
    for (const std::string& key : keys) reads.push_back({"GET", key});
    ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(reads));
    for (size_t i = 0; i < replies.size(); ++i) {
      cursor = page.hits[i];
      if (replies[i].IsNil()) continue;
      ASSIGN_OR_RETURN(
          Message record,
          ParseRecord<Message>(replies[i], "record", page.hits[i].id));
      if (!wanted(record)) continue;
      records.push_back(std::move(record));
      if (static_cast<int>(records.size()) == limit) {
        if (i + 1 < replies.size() || page.more) next = EncodeCursor(*cursor);
        return std::make_pair(std::move(records), next);
      }
    }
    if (!page.more) return std::make_pair(std::move(records), next);
  }
}

// Runs compare_and_set for `key`; returns the stored value after (or the
// replay).
absl::StatusOr<std::string> CompareAndSet(
    RedisClient& redis, const RedisKeys& keys, const std::string& key,
    const RequestKey& request, const std::string& before,
    const std::string& after, absl::Duration request_ttl) {
  const std::string request_key =
      keys.Request(request.actor_id, request.request_id);
  const std::string ttl = absl::StrCat(absl::ToInt64Seconds(request_ttl));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis.Eval(CompareAndSetScript(), {key, request_key},
                              {before, after, request.fingerprint, ttl}));
  if (reply.IsError()) {
    absl::string_view error = reply.Str();
    if (absl::StartsWith(error, "KEPU_REQUEST_REUSED")) return RequestReused();
    if (absl::StartsWith(error, "KEPU_NOT_FOUND")) {
      return absl::NotFoundError("record not found");
    }
    if (absl::StartsWith(error, "KEPU_STALE")) {
      return absl::AbortedError(
          "the record changed meanwhile: read it again and retry");
    }
    return UnexpectedReply("compare_and_set", reply);
  }
  if (!reply.IsArray() || reply.Size() != 2)
    return UnexpectedReply("compare_and_set", reply);
  return std::string(reply[1].Str());
}

}  // namespace

absl::StatusOr<std::optional<std::string>> RedisOrderStore::FindResult(
    const RequestKey& request) {
  const std::string key = keys_.Request(request.actor_id, request.request_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  if (reply.IsNil()) return std::nullopt;
  if (!reply.IsString()) return UnexpectedReply("GET", reply);
  absl::string_view prior = reply.Str();
  if (prior.substr(0, kFingerprintLength) != request.fingerprint)
    return RequestReused();
  return std::string(prior.substr(kFingerprintLength + 1));
}

absl::StatusOr<v1::VolunteerHours> RedisOrderStore::GetHours(
    absl::string_view hours_id) {
  const std::string key = keys_.Hours(hours_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  return ParseRecord<v1::VolunteerHours>(reply, "hours", hours_id);
}

absl::StatusOr<HoursPage> RedisOrderStore::ListHours(const HoursQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  std::string index;
  if (!query.volunteer_id.empty()) {
    index = keys_.HoursByVolunteer(query.volunteer_id);
  } else if (!query.team_id.empty()) {
    index = keys_.HoursByTeam(query.team_id);
  } else {
    index = keys_.HoursByOrder(query.order_id);
  }
  ASSIGN_OR_RETURN(auto page,
                   ReadRecordPage<v1::VolunteerHours>(
                       redis_, index, query.limit, query.cursor,
                       [this](absl::string_view id) { return keys_.Hours(id); },
                       [](const v1::VolunteerHours&) { return true; }));
  return HoursPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::VolunteerHours> RedisOrderStore::UpdateHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after) {
  ASSIGN_OR_RETURN(
      std::string stored,
      CompareAndSet(redis_, keys_, keys_.Hours(before.id()), request,
                    before.SerializeAsString(), after.SerializeAsString(),
                    options_.request_ttl));
  v1::VolunteerHours hours;
  if (!hours.ParseFromString(stored))
    return absl::DataLossError("cannot parse hours");
  return hours;
}

absl::StatusOr<v1::FollowUp> RedisOrderStore::GetFollowUp(
    absl::string_view follow_up_id) {
  const std::string key = keys_.FollowUp(follow_up_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  return ParseRecord<v1::FollowUp>(reply, "follow-up", follow_up_id);
}

absl::StatusOr<FollowUpPage> RedisOrderStore::ListFollowUps(
    absl::string_view community_id, bool include_done, int limit,
    absl::string_view cursor) {
  if (limit < 1 || limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(
      auto page,
      ReadRecordPage<v1::FollowUp>(
          redis_, keys_.FollowUpsByCommunity(community_id), limit, cursor,
          [this](absl::string_view id) { return keys_.FollowUp(id); },
          [include_done](const v1::FollowUp& f) {
            return include_done || !f.done();
          }));
  return FollowUpPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::FollowUp> RedisOrderStore::UpdateFollowUp(
    const RequestKey& request, const v1::FollowUp& before,
    const v1::FollowUp& after) {
  ASSIGN_OR_RETURN(
      std::string stored,
      CompareAndSet(redis_, keys_, keys_.FollowUp(before.id()), request,
                    before.SerializeAsString(), after.SerializeAsString(),
                    options_.request_ttl));
  v1::FollowUp follow_up;
  if (!follow_up.ParseFromString(stored))
    return absl::DataLossError("cannot parse follow-up");
  return follow_up;
}

absl::StatusOr<v1::Escalation> RedisOrderStore::GetEscalation(
    absl::string_view escalation_id) {
  const std::string key = keys_.Escalation(escalation_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  return ParseRecord<v1::Escalation>(reply, "escalation", escalation_id);
}

absl::StatusOr<EscalationPage> RedisOrderStore::ListEscalations(
    const EscalationQuery& query) {
  if (query.limit < 1 || query.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  std::string index;
  switch (query.scope) {
    case EscalationQuery::Scope::kCity:
      index = keys_.Escalations();
      break;
    case EscalationQuery::Scope::kCounty:
      index = keys_.EscalationsByCounty(query.scope_id);
      break;
    case EscalationQuery::Scope::kCommunity:
      index = keys_.EscalationsByCommunity(query.scope_id);
      break;
  }
  const bool include_acknowledged = query.include_acknowledged;
  ASSIGN_OR_RETURN(
      auto page,
      ReadRecordPage<v1::Escalation>(
          redis_, index, query.limit, query.cursor,
          [this](absl::string_view id) { return keys_.Escalation(id); },
          [include_acknowledged](const v1::Escalation& e) {
            return include_acknowledged || !e.acknowledged();
          }));
  return EscalationPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::Escalation> RedisOrderStore::UpdateEscalation(
    const RequestKey& request, const v1::Escalation& before,
    const v1::Escalation& after) {
  ASSIGN_OR_RETURN(
      std::string stored,
      CompareAndSet(redis_, keys_, keys_.Escalation(before.id()), request,
                    before.SerializeAsString(), after.SerializeAsString(),
                    options_.request_ttl));
  v1::Escalation escalation;
  if (!escalation.ParseFromString(stored))
    return absl::DataLossError("cannot parse escalation");
  return escalation;
}

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
