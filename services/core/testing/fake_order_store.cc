#include "services/core/testing/fake_order_store.h"

#include <algorithm>
#include <functional>
#include <tuple>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/core/order_rules.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"
#include "services/core/transition_table.h"

namespace kepu {
namespace {

std::string RequestMapKey(const RequestKey& request) {
  return absl::StrCat(request.actor_id, "\n", request.request_id);
}

absl::Status RequestReused() {
  return absl::InvalidArgumentError(
      "request_id: was already used for a different request");
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& ids,
              const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// Whether `order` is in the index of `index` and `scope_id` (before any state
// filter), as RedisOrderStore::IndexEntriesOf lists it.
bool InIndex(const v1::Order& order, OrderIndex index,
             const std::string& scope_id) {
  switch (index) {
    case OrderIndex::kResident:
      return order.resident_id() == scope_id;
    case OrderIndex::kCommunity:
      return order.draft().community_id() == scope_id;
    case OrderIndex::kDepartment:
      return order.department_id() == scope_id ||
             Contains(order.dispatched_department_ids(), scope_id);
    case OrderIndex::kTeam:
      return order.team_id() == scope_id ||
             Contains(order.offered_team_ids(), scope_id);
  }
  return false;
}

bool IsOpen(const v1::Order& order) {
  return !IsFinal(order.state()) && order.state() != v1::ORDER_STATE_COMPLETED;
}

// Listings are ordered by (time, id) and resumed after a cursor
// "<millis>.<id>", as the Redis store's are.
struct Position {
  int64_t millis = 0;
  std::string id;
  bool operator<(const Position& other) const {
    return std::tie(millis, id) < std::tie(other.millis, other.id);
  }
};

absl::StatusOr<std::optional<Position>> ParseCursor(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('.', 1));
  Position position;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &position.millis) ||
      position.millis < 0 || parts[1].empty()) {
    return absl::InvalidArgumentError("page.page_token: is not a page token");
  }
  position.id = std::string(parts[1]);
  return position;
}

absl::Status CheckLimit(int limit) {
  if (limit < 1 || limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  return absl::OkStatus();
}

// One page of `entries` (each with its position) after `cursor_text`.
template <typename T>
absl::StatusOr<std::pair<std::vector<T>, std::string>> Page(
    std::vector<std::pair<Position, T>> entries, bool newest_first, int limit,
    absl::string_view cursor_text) {
  RETURN_IF_ERROR(CheckLimit(limit));
  ASSIGN_OR_RETURN(std::optional<Position> cursor, ParseCursor(cursor_text));
  std::sort(entries.begin(), entries.end(),
            [newest_first](const auto& a, const auto& b) {
              return newest_first ? b.first < a.first : a.first < b.first;
            });
  std::vector<T> page;
  std::string next;
  for (size_t i = 0; i < entries.size(); ++i) {
    const Position& at = entries[i].first;
    if (cursor.has_value() && !(newest_first ? at < *cursor : *cursor < at)) {
      continue;
    }
    if (static_cast<int>(page.size()) == limit) {
      const Position& last = entries[i - 1].first;
      next = absl::StrCat(last.millis, ".", last.id);
      break;
    }
    page.push_back(std::move(entries[i].second));
  }
  return std::make_pair(std::move(page), std::move(next));
}

int64_t Millis(const google::protobuf::Timestamp& t) {
  return absl::ToUnixMillis(FromProto(t));
}

}  // namespace

void FakeOrderStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

int FakeOrderStore::writes() const {
  absl::MutexLock lock(&mu_);
  return writes_;
}

std::vector<std::string> FakeOrderStore::matching_queue() const {
  absl::MutexLock lock(&mu_);
  return matching_queue_;
}

absl::Status FakeOrderStore::CheckAvailable() const {
  if (unavailable_) return absl::UnavailableError("fake store is down");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> FakeOrderStore::Prior(
    const RequestKey& request) const {
  auto it = requests_.find(RequestMapKey(request));
  if (it == requests_.end()) return std::nullopt;
  if (it->second.fingerprint != request.fingerprint) return RequestReused();
  return it->second.result;
}

absl::StatusOr<v1::Order> FakeOrderStore::Get(absl::string_view order_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = orders_.find(std::string(order_id));
  if (it == orders_.end())
    return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
  return it->second;
}

absl::StatusOr<LoadedOrder> FakeOrderStore::LoadForUpdate(
    absl::string_view order_id, const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  LoadedOrder loaded;
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(request));
  if (prior.has_value()) {
    loaded.replay.emplace();
    loaded.replay->ParseFromString(*prior);
  }
  auto it = orders_.find(std::string(order_id));
  if (it != orders_.end()) loaded.current = it->second;
  return loaded;
}

absl::StatusOr<Applied> FakeOrderStore::Apply(const Transition& transition) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(transition.request));
  if (prior.has_value()) {
    Applied replay;
    replay.order.ParseFromString(*prior);
    replay.replayed = true;
    return replay;
  }
  const std::string& id = transition.after.id();
  auto it = orders_.find(id);
  if (!transition.before.has_value()) {
    if (it != orders_.end())
      return absl::AlreadyExistsError(absl::StrCat("order ", id, " exists"));
  } else {
    if (it == orders_.end())
      return absl::NotFoundError(absl::StrCat("order ", id, " not found"));
    if (it->second.version() != transition.before->version()) {
      return absl::AbortedError(absl::StrCat("order ", id, " is at version ",
                                             it->second.version(),
                                             ": read it again and retry"));
    }
    if (it->second.state() != transition.before->state()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "order ", id, " is no longer in the state the move starts from"));
    }
  }
  if (transition.capacity.has_value()) {
    const Transition::CapacityGuard& guard = *transition.capacity;
    int held = 0;
    for (const auto& [other_id, other] : orders_) {
      if (!InIndex(other, OrderIndex::kTeam, guard.team_id)) continue;
      held += other.state() == v1::ORDER_STATE_ACCEPTED ||
              other.state() == v1::ORDER_STATE_IN_SERVICE ||
              (guard.count_offered && other.state() == v1::ORDER_STATE_OFFERED);
    }
    if (held >= guard.limit) {
      return absl::FailedPreconditionError(
          absl::StrCat("team ", guard.team_id, " is at capacity (", guard.limit,
                       " orders held)"));
    }
  }
  v1::Order after = transition.after;
  if (transition.duplicates_since.has_value()) {
    // The open orders of the line and community created since, oldest first.
    std::vector<std::pair<Position, std::string>> open;
    for (const auto& [other_id, other] : orders_) {
      if (other_id != id &&
          other.draft().community_id() == after.draft().community_id() &&
          other.draft().service_line_id() == after.draft().service_line_id() &&
          IsOpen(other) &&
          FromProto(other.created_at()) >= *transition.duplicates_since) {
        open.push_back({{Millis(other.created_at()), other_id}, other_id});
      }
    }
    std::sort(open.begin(), open.end());
    if (open.size() > 100) open.resize(100);
    for (const auto& [position, other_id] : open) {
      after.add_possible_duplicate_ids(other_id);
    }
  }
  orders_[id] = after;
  for (const v1::VolunteerHours& hours : transition.hours)
    hours_[hours.id()] = hours;
  for (const Transition::HoursChange& change : transition.hours_changes) {
    auto stored = hours_.find(change.before.id());
    if (stored != hours_.end() && stored->second.SerializeAsString() ==
                                      change.before.SerializeAsString()) {
      stored->second = change.after;
    }
  }
  if (transition.follow_up.has_value()) {
    follow_ups_[transition.follow_up->id()] = *transition.follow_up;
  }
  for (const TeamTally& tally : transition.tallies) {
    team_history_[tally.team_id][tally.counter] += tally.by;
  }
  if (transition.escalation.has_value()) {
    escalations_[transition.escalation->id()] = *transition.escalation;
  }
  if (std::optional<absl::Time> due = WatchdogDueAt(after)) {
    deadlines_[id] = *due;
  } else {
    deadlines_.erase(id);
  }
  v1::OrderEvent event = transition.event;
  event.set_event_id(absl::StrCat(next_event_++, "-0"));
  history_[id].push_back(event);
  requests_[RequestMapKey(transition.request)] = {
      transition.request.fingerprint, after.SerializeAsString()};
  if (transition.enqueue_matching) matching_queue_.push_back(id);
  if (!transition.notices.empty()) {
    OutboxEntry entry;
    entry.id = absl::StrCat(next_event_++, "-0");
    entry.order_id = id;
    for (const v1::Notice& notice : transition.notices) {
      *entry.batch.add_notices() = notice;
    }
    outbox_.push_back(std::move(entry));
  }
  ++writes_;
  return Applied{after, event.event_id(), false};
}

absl::StatusOr<std::vector<v1::OrderEvent>> FakeOrderStore::History(
    absl::string_view order_id, absl::string_view after_event_id, int limit) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<v1::OrderEvent> events;
  auto it = history_.find(std::string(order_id));
  if (it == history_.end()) return events;
  bool after = after_event_id.empty();
  for (const v1::OrderEvent& event : it->second) {
    if (after && static_cast<int>(events.size()) < limit)
      events.push_back(event);
    if (event.event_id() == after_event_id) after = true;
  }
  return events;
}

absl::StatusOr<OrderPage> FakeOrderStore::List(const OrderQuery& query) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  RETURN_IF_ERROR(CheckLimit(query.limit));
  const bool resident = query.index == OrderIndex::kResident;
  if (!resident && query.states.empty()) {
    return absl::InvalidArgumentError("states: is required");
  }
  OrderPage page;
  std::vector<std::pair<Position, v1::Order>> matching;
  for (const auto& [id, order] : orders_) {
    if (!InIndex(order, query.index, query.scope_id)) continue;
    // A resident's total counts every order of theirs.
    if (resident) ++page.total;
    if (!query.states.empty() &&
        std::find(query.states.begin(), query.states.end(), order.state()) ==
            query.states.end()) {
      continue;
    }
    const int64_t millis = resident ? Millis(order.created_at())
                                    : Millis(order.state_entered_at());
    matching.push_back({{millis, id}, order});
  }
  if (!resident) page.total = static_cast<int64_t>(matching.size());
  ASSIGN_OR_RETURN(auto paged, Page(std::move(matching), query.newest_first,
                                    query.limit, query.cursor));
  page.orders = std::move(paged.first);
  page.next_cursor = std::move(paged.second);
  return page;
}

template <typename Message>
absl::StatusOr<Message> FakeOrderStore::CompareAndSet(
    std::map<std::string, Message>& records, const RequestKey& request,
    const Message& before, const Message& after) {
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(request));
  if (prior.has_value()) {
    Message replay;
    replay.ParseFromString(*prior);
    return replay;
  }
  auto it = records.find(before.id());
  if (it == records.end()) return absl::NotFoundError("record not found");
  if (it->second.SerializeAsString() != before.SerializeAsString()) {
    return absl::AbortedError(
        "the record changed meanwhile: read it again and retry");
  }
  it->second = after;
  requests_[RequestMapKey(request)] = {request.fingerprint,
                                       after.SerializeAsString()};
  ++writes_;
  return after;
}

absl::StatusOr<std::optional<std::string>> FakeOrderStore::FindResult(
    const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  return Prior(request);
}

absl::StatusOr<v1::VolunteerHours> FakeOrderStore::GetHours(
    absl::string_view hours_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = hours_.find(std::string(hours_id));
  if (it == hours_.end()) {
    return absl::NotFoundError(absl::StrCat("hours ", hours_id, " not found"));
  }
  return it->second;
}

absl::StatusOr<HoursPage> FakeOrderStore::ListHours(const HoursQuery& query) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<std::pair<Position, v1::VolunteerHours>> matching;
  for (const auto& [id, hours] : hours_) {
    const bool wanted =
        !query.volunteer_id.empty()
            ? hours.volunteer_id() == query.volunteer_id
            : (!query.team_id.empty() ? hours.team_id() == query.team_id
                                      : hours.order_id() == query.order_id);
    if (wanted) matching.push_back({{Millis(hours.recorded_at()), id}, hours});
  }
  ASSIGN_OR_RETURN(auto page, Page(std::move(matching), /*newest_first=*/true,
                                   query.limit, query.cursor));
  return HoursPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::VolunteerHours> FakeOrderStore::UpdateHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  return CompareAndSet(hours_, request, before, after);
}

absl::StatusOr<v1::VolunteerHours> FakeOrderStore::AppendHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after, const v1::VolunteerHours& entry) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(request));
  if (prior.has_value()) {
    v1::VolunteerHours replay;
    replay.ParseFromString(*prior);
    return replay;
  }
  auto it = hours_.find(before.id());
  if (it == hours_.end()) return absl::NotFoundError("record not found");
  if (it->second.SerializeAsString() != before.SerializeAsString()) {
    return absl::AbortedError(
        "the record changed meanwhile: read it again and retry");
  }
  it->second = after;
  hours_[entry.id()] = entry;
  requests_[RequestMapKey(request)] = {request.fingerprint,
                                       entry.SerializeAsString()};
  ++writes_;
  return entry;
}

absl::StatusOr<std::vector<v1::VolunteerSignIn>> FakeOrderStore::ListSignIns(
    absl::string_view order_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = sign_ins_.find(std::string(order_id));
  if (it == sign_ins_.end()) return std::vector<v1::VolunteerSignIn>();
  return it->second;
}

absl::StatusOr<v1::VolunteerSignIn> FakeOrderStore::PutSignIn(
    const RequestKey& request, const std::optional<v1::VolunteerSignIn>& before,
    const v1::VolunteerSignIn& after) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(request));
  if (prior.has_value()) {
    v1::VolunteerSignIn replay;
    replay.ParseFromString(*prior);
    return replay;
  }
  std::vector<v1::VolunteerSignIn>& order = sign_ins_[after.order_id()];
  auto it = std::find_if(order.begin(), order.end(),
                         [&after](const v1::VolunteerSignIn& stored) {
                           return stored.volunteer_id() == after.volunteer_id();
                         });
  const bool matches =
      it == order.end() ? !before.has_value()
                        : before.has_value() && it->SerializeAsString() ==
                                                    before->SerializeAsString();
  if (!matches) {
    return absl::AbortedError(
        "the sign-in changed meanwhile: read it again and retry");
  }
  if (it == order.end()) {
    order.push_back(after);
  } else {
    *it = after;
  }
  requests_[RequestMapKey(request)] = {request.fingerprint,
                                       after.SerializeAsString()};
  ++writes_;
  return after;
}

absl::StatusOr<v1::FollowUp> FakeOrderStore::GetFollowUp(
    absl::string_view follow_up_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = follow_ups_.find(std::string(follow_up_id));
  if (it == follow_ups_.end()) {
    return absl::NotFoundError(
        absl::StrCat("follow-up ", follow_up_id, " not found"));
  }
  return it->second;
}

absl::StatusOr<FollowUpPage> FakeOrderStore::ListFollowUps(
    absl::string_view community_id, bool include_done, int limit,
    absl::string_view cursor) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<std::pair<Position, v1::FollowUp>> matching;
  for (const auto& [id, follow_up] : follow_ups_) {
    if (follow_up.community_id() == community_id &&
        (include_done || !follow_up.done())) {
      matching.push_back({{Millis(follow_up.created_at()), id}, follow_up});
    }
  }
  ASSIGN_OR_RETURN(auto page, Page(std::move(matching), /*newest_first=*/true,
                                   limit, cursor));
  return FollowUpPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::FollowUp> FakeOrderStore::UpdateFollowUp(
    const RequestKey& request, const v1::FollowUp& before,
    const v1::FollowUp& after) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  return CompareAndSet(follow_ups_, request, before, after);
}

absl::StatusOr<v1::Escalation> FakeOrderStore::GetEscalation(
    absl::string_view escalation_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = escalations_.find(std::string(escalation_id));
  if (it == escalations_.end()) {
    return absl::NotFoundError(
        absl::StrCat("escalation ", escalation_id, " not found"));
  }
  return it->second;
}

absl::StatusOr<EscalationPage> FakeOrderStore::ListEscalations(
    const EscalationQuery& query) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<std::pair<Position, v1::Escalation>> matching;
  for (const auto& [id, escalation] : escalations_) {
    const bool in_scope = query.scope == EscalationQuery::Scope::kCity ||
                          (query.scope == EscalationQuery::Scope::kCounty &&
                           escalation.county_id() == query.scope_id) ||
                          (query.scope == EscalationQuery::Scope::kCommunity &&
                           escalation.community_id() == query.scope_id);
    if (in_scope &&
        (query.include_acknowledged || !escalation.acknowledged())) {
      matching.push_back({{Millis(escalation.escalated_at()), id}, escalation});
    }
  }
  ASSIGN_OR_RETURN(auto page, Page(std::move(matching), /*newest_first=*/true,
                                   query.limit, query.cursor));
  return EscalationPage{std::move(page.first), std::move(page.second)};
}

absl::StatusOr<v1::Escalation> FakeOrderStore::UpdateEscalation(
    const RequestKey& request, const v1::Escalation& before,
    const v1::Escalation& after) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  return CompareAndSet(escalations_, request, before, after);
}

absl::StatusOr<std::vector<DueOrder>> FakeOrderStore::ClaimDue(
    absl::Time now, int limit, absl::Duration lease) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  if (limit < 1) return absl::InvalidArgumentError("limit: must be positive");
  std::vector<DueOrder> due;
  for (const auto& [id, at] : deadlines_) {
    if (at <= now) due.push_back({id, at});
  }
  std::sort(due.begin(), due.end(), [](const DueOrder& a, const DueOrder& b) {
    return std::make_pair(a.due, a.order_id) <
           std::make_pair(b.due, b.order_id);
  });
  if (due.size() > static_cast<size_t>(limit)) due.resize(limit);
  for (const DueOrder& claimed : due)
    deadlines_[claimed.order_id] = now + lease;
  return due;
}

absl::StatusOr<std::optional<absl::Time>> FakeOrderStore::EarliestDue() {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::optional<absl::Time> earliest;
  for (const auto& [id, at] : deadlines_) {
    if (!earliest.has_value() || at < *earliest) earliest = at;
  }
  return earliest;
}

absl::StatusOr<bool> FakeOrderStore::ResetDeadline(
    absl::string_view order_id, int64_t version,
    std::optional<absl::Time> due) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  const std::string id(order_id);
  auto it = orders_.find(id);
  if (it != orders_.end() && it->second.version() != version) return false;
  if (it != orders_.end() && due.has_value()) {
    deadlines_[id] = *due;
  } else {
    deadlines_.erase(id);
  }
  return true;
}

std::map<std::string, absl::Time> FakeOrderStore::deadlines() const {
  absl::MutexLock lock(&mu_);
  return deadlines_;
}

absl::StatusOr<std::vector<OutboxEntry>> FakeOrderStore::Outbox(
    absl::string_view after_id, int limit) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  if (limit < 1 || limit > 1000) {
    return absl::InvalidArgumentError("limit must be 1 to 1000");
  }
  std::vector<OutboxEntry> entries;
  bool past = after_id.empty();
  for (const OutboxEntry& entry : outbox_) {
    if (static_cast<int>(entries.size()) == limit) break;
    if (past) entries.push_back(entry);
    if (entry.id == after_id) past = true;
  }
  return entries;
}

absl::StatusOr<v1::TeamStats> FakeOrderStore::TeamHistory(
    absl::string_view team_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  v1::TeamStats stats;
  auto it = team_history_.find(std::string(team_id));
  if (it == team_history_.end()) return stats;
  std::map<TeamTally::Counter, int64_t>& counts = it->second;
  stats.set_offers_received(
      static_cast<int32_t>(counts[TeamTally::Counter::kOffers]));
  stats.set_offers_accepted(
      static_cast<int32_t>(counts[TeamTally::Counter::kAccepted]));
  stats.set_completed_orders(
      static_cast<int32_t>(counts[TeamTally::Counter::kCompleted]));
  const int64_t ratings = counts[TeamTally::Counter::kRatings];
  stats.set_ratings(static_cast<int32_t>(ratings));
  if (ratings > 0) {
    stats.set_mean_rating(
        static_cast<double>(counts[TeamTally::Counter::kRatingSum]) /
        static_cast<double>(ratings));
  }
  return stats;
}

}  // namespace kepu
