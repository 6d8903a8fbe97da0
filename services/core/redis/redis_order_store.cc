#include "services/core/redis/redis_order_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/order_rules.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"
#include "services/core/transition_table.h"

namespace kepu {
namespace {

// The request key's value is "<fingerprint>:<first result>".
constexpr size_t kFingerprintLength = 32;

int64_t Millis(const google::protobuf::Timestamp& t) {
  return absl::ToUnixMillis(FromProto(t));
}

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

// The score ranges of a team's index that a capacity guard counts: ACCEPTED
// (from OFFERED when offers count too) and IN_SERVICE.
std::vector<std::pair<int64_t, int64_t>> HeldRanges(
    const Transition::CapacityGuard& guard) {
  const v1::OrderState first =
      guard.count_offered ? v1::ORDER_STATE_OFFERED : v1::ORDER_STATE_ACCEPTED;
  return {{IndexScore(first, 0),
           IndexScore(v1::ORDER_STATE_ACCEPTED, kStateScoreSpan)},
          {IndexScore(v1::ORDER_STATE_IN_SERVICE, 0),
           IndexScore(v1::ORDER_STATE_IN_SERVICE, kStateScoreSpan)}};
}

}  // namespace

RedisOrderStore::RedisOrderStore(RedisClient& redis, absl::string_view tenant,
                                 RedisOrderStoreOptions options)
    : redis_(redis), keys_(tenant), options_(options) {}

std::vector<ScoredKey> RedisOrderStore::IndexEntriesOf(
    const v1::Order& order) const {
  std::vector<ScoredKey> entries;
  const int64_t score =
      IndexScore(order.state(), Millis(order.state_entered_at()));
  auto add = [&entries](std::string key, int64_t entry_score) {
    for (const ScoredKey& entry : entries) {
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
  return ParseStored<v1::Order>(reply.Str(), "order");
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
  ASSIGN_OR_RETURN(std::optional<std::string> prior,
                   PriorResult(replies[0], request.fingerprint));
  if (prior.has_value()) {
    ASSIGN_OR_RETURN(loaded.replay,
                     ParseStored<v1::Order>(*prior, "request result"));
  }
  if (replies[1].IsString()) {
    ASSIGN_OR_RETURN(loaded.current,
                     ParseStored<v1::Order>(replies[1].Str(), "order"));
  } else if (!replies[1].IsNil()) {
    return UnexpectedReply("HGET", replies[1]);
  }
  return loaded;
}

RecordWrite RedisOrderStore::MoveWrite(const Transition& transition) const {
  const v1::Order& after = transition.after;
  const std::string& id = after.id();
  RecordWrite write;
  write.Request(
      keys_.Request(transition.request.actor_id, transition.request.request_id),
      transition.request.fingerprint, options_.request_ttl);
  if (transition.before.has_value()) {
    write.Hash(keys_.Order(id), transition.before->version(),
               transition.before->state());
  } else {
    write.Hash(keys_.Order(id), 0);
  }
  write.Field("v", absl::StrCat(after.version()))
      .Field("s", absl::StrCat(after.state()))
      .Field("r", after.SerializeAsString());
  if (transition.capacity.has_value()) {
    write.CheckCapacity(keys_.TeamIndex(transition.capacity->team_id),
                        HeldRanges(*transition.capacity),
                        transition.capacity->limit);
  }
  if (transition.duplicates_since.has_value()) {
    // Possible duplicates are appended to the serialized order as more
    // possible_duplicate_ids fields (protobuf merges repeated fields that come
    // later), found before the order joins the index.
    write.Links(keys_.OpenOrders(after.draft().community_id(),
                                 after.draft().service_line_id()),
                absl::ToUnixMillis(*transition.duplicates_since), 100, id,
                Varint((v1::Order::kPossibleDuplicateIdsFieldNumber << 3) | 2));
  }
  // Only the indexes that change are written, so an order that stays in its
  // state keeps its place in the queues.
  write.Index(id,
              transition.before.has_value() ? IndexEntriesOf(*transition.before)
                                            : std::vector<ScoredKey>(),
              IndexEntriesOf(after));
  if (const std::optional<absl::Time> due = WatchdogDueAt(after)) {
    write.ZAdd(keys_.Deadlines(), absl::ToUnixMillis(*due), id);
  } else {
    write.ZRem(keys_.Deadlines(), id);
  }

  // Records the move creates, each with the indexes that list it.
  for (const v1::VolunteerHours& hours : transition.hours) {
    const int64_t at = Millis(hours.recorded_at());
    write.Set(keys_.Hours(hours.id()), hours.SerializeAsString())
        .ZAdd(keys_.HoursByVolunteer(hours.volunteer_id()), at, hours.id())
        .ZAdd(keys_.HoursByTeam(hours.team_id()), at, hours.id())
        .ZAdd(keys_.HoursByOrder(hours.order_id()), at, hours.id());
  }
  for (const Transition::HoursChange& change : transition.hours_changes) {
    write.SetIf(keys_.Hours(change.before.id()),
                change.before.SerializeAsString(),
                change.after.SerializeAsString());
  }
  if (transition.follow_up.has_value()) {
    const v1::FollowUp& follow_up = *transition.follow_up;
    write.Set(keys_.FollowUp(follow_up.id()), follow_up.SerializeAsString())
        .ZAdd(keys_.FollowUpsByCommunity(follow_up.community_id()),
              Millis(follow_up.created_at()), follow_up.id());
  }
  if (transition.escalation.has_value()) {
    const v1::Escalation& escalation = *transition.escalation;
    const int64_t at = Millis(escalation.escalated_at());
    write.Set(keys_.Escalation(escalation.id()), escalation.SerializeAsString())
        .ZAdd(keys_.Escalations(), at, escalation.id())
        .ZAdd(keys_.EscalationsByCounty(escalation.county_id()), at,
              escalation.id())
        .ZAdd(keys_.EscalationsByCommunity(escalation.community_id()), at,
              escalation.id());
  }
  for (const TeamTally& tally : transition.tallies) {
    write.HIncrBy(keys_.TeamHistory(tally.team_id), CounterName(tally.counter),
                  tally.by);
  }

  const std::string event = transition.event.SerializeAsString();
  write
      .Log(keys_.Events(), {{"o", id}, {"e", event}},
           options_.event_stream_length)
      .History(keys_.History(id), event);
  if (transition.enqueue_matching) {
    write.Enqueue(keys_.MatchingQueue(),
                  {{"o", id}, {"v", absl::StrCat(after.version())}});
  }
  if (!transition.notices.empty()) {
    v1::NoticeBatch batch;
    for (const v1::Notice& notice : transition.notices) {
      *batch.add_notices() = notice;
    }
    write.Enqueue(keys_.Outbox(),
                  {{"o", id}, {"n", batch.SerializeAsString()}});
  }
  return write;
}

absl::StatusOr<Applied> RedisOrderStore::Apply(const Transition& transition) {
  const v1::Order& after = transition.after;
  const std::string& id = after.id();
  if (transition.request.fingerprint.size() != kFingerprintLength) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  ASSIGN_OR_RETURN(WriteOutcome outcome,
                   ApplyRecordWrite(redis_, MoveWrite(transition)));
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      break;
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    case WriteRefusal::kExists:
      return absl::AlreadyExistsError(absl::StrCat("order ", id, " exists"));
    case WriteRefusal::kNotFound:
      return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
    case WriteRefusal::kStale:
      return absl::AbortedError(absl::StrCat(
          "order ", id, " is at version ", outcome.detail, ", not ",
          transition.before.has_value() ? transition.before->version() : 0,
          ": read it again and retry"));
    case WriteRefusal::kState:
      return absl::FailedPreconditionError(absl::StrCat(
          "order ", id, " is no longer in the state the move starts from"));
    case WriteRefusal::kCapacity:
      return absl::FailedPreconditionError(absl::StrCat(
          "team ", transition.capacity->team_id, " is at capacity (",
          transition.capacity->limit, " orders held)"));
    default:
      return absl::InternalError(
          absl::StrCat("unexpected refusal of a move of order ", id));
  }
  Applied applied;
  if (outcome.replayed) {
    ASSIGN_OR_RETURN(applied.order,
                     ParseStored<v1::Order>(outcome.result, "request result"));
    applied.replayed = true;
    return applied;
  }
  applied.order = after;
  applied.event_id = std::move(outcome.log_id);
  // The possible duplicates the write found (and stored with the order).
  for (std::string& duplicate : outcome.linked) {
    applied.order.add_possible_duplicate_ids(std::move(duplicate));
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
    ASSIGN_OR_RETURN(
        v1::OrderEvent event,
        ParseStored<v1::OrderEvent>(entry.substr(space + 1),
                                    absl::StrCat("event of order ", order_id)));
    event.set_event_id(std::string(event_id));
    events.push_back(std::move(event));
  }
  return events;
}

absl::StatusOr<std::vector<OutboxEntry>> RedisOrderStore::Outbox(
    absl::string_view after_id, int limit) {
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError("limit must be 1 to 1000");
  }
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Command({"XRANGE", keys_.Outbox(),
                      after_id.empty() ? "-" : absl::StrCat("(", after_id), "+",
                      "COUNT", absl::StrCat(limit)}));
  if (!reply.IsArray()) return UnexpectedReply("XRANGE", reply);
  std::vector<OutboxEntry> entries;
  for (size_t i = 0; i < reply.Size(); ++i) {
    const RedisReply& item = reply[i];
    if (!item.IsArray() || item.Size() != 2 || !item[1].IsArray()) {
      return UnexpectedReply("XRANGE", reply);
    }
    OutboxEntry entry;
    entry.id = std::string(item[0].Str());
    const RedisReply& fields = item[1];
    for (size_t f = 0; f + 1 < fields.Size(); f += 2) {
      if (fields[f].Str() == "o")
        entry.order_id = std::string(fields[f + 1].Str());
      if (fields[f].Str() == "n") {
        ASSIGN_OR_RETURN(entry.batch, ParseStored<v1::NoticeBatch>(
                                          fields[f + 1].Str(), "outbox entry"));
      }
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

absl::StatusOr<std::optional<std::string>> RedisOrderStore::FindResult(
    const RequestKey& request) {
  const std::string key = keys_.Request(request.actor_id, request.request_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  return PriorResult(reply, request.fingerprint);
}

}  // namespace kepu
