#include "services/core/testing/fake_order_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/core/order_rules.h"
#include "services/core/time_util.h"
#include "services/core/transition_table.h"

namespace kepu {
namespace {

std::string RequestMapKey(const RequestKey& request) {
  return absl::StrCat(request.actor_id, "\n", request.request_id);
}

// Whether `order` belongs in the index `query` reads (before the state filter).
bool InIndex(const v1::Order& order, const OrderQuery& query) {
  switch (query.index) {
    case OrderIndex::kResident:
      return order.resident_id() == query.scope_id;
    case OrderIndex::kCommunity:
      return order.draft().community_id() == query.scope_id;
    case OrderIndex::kDepartment:
      return order.department_id() == query.scope_id ||
             std::find(order.dispatched_department_ids().begin(),
                       order.dispatched_department_ids().end(),
                       query.scope_id) !=
                 order.dispatched_department_ids().end();
    case OrderIndex::kTeam:
      return order.team_id() == query.scope_id ||
             std::find(order.offered_team_ids().begin(),
                       order.offered_team_ids().end(),
                       query.scope_id) != order.offered_team_ids().end();
  }
  return false;
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

absl::StatusOr<v1::Order> FakeOrderStore::Get(absl::string_view order_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = orders_.find(std::string(order_id));
  if (it == orders_.end())
    return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
  return it->second;
}

absl::StatusOr<LoadedOrder> FakeOrderStore::LoadForUpdate(
    absl::string_view order_id, const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  LoadedOrder loaded;
  auto stored = requests_.find(RequestMapKey(request));
  if (stored != requests_.end()) {
    if (stored->second.fingerprint != request.fingerprint) {
      return absl::InvalidArgumentError(
          "request_id: was already used for a different request");
    }
    loaded.replay = stored->second.result;
  }
  auto it = orders_.find(std::string(order_id));
  if (it != orders_.end()) loaded.current = it->second;
  return loaded;
}

absl::StatusOr<Applied> FakeOrderStore::Apply(const Transition& transition) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  const std::string request_key = RequestMapKey(transition.request);
  if (auto stored = requests_.find(request_key); stored != requests_.end()) {
    if (stored->second.fingerprint != transition.request.fingerprint) {
      return absl::InvalidArgumentError(
          "request_id: was already used for a different request");
    }
    return Applied{stored->second.result, "", true};
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
      return absl::AbortedError(
          absl::StrCat("order ", id, " is at version ", it->second.version()));
    }
    if (it->second.state() != transition.before->state()) {
      return absl::FailedPreconditionError("order state changed");
    }
  }
  if (transition.capacity.has_value()) {
    int held = 0;
    for (const auto& [other_id, other] : orders_) {
      held += other.team_id() == transition.capacity->team_id &&
              (other.state() == v1::ORDER_STATE_ACCEPTED ||
               other.state() == v1::ORDER_STATE_IN_SERVICE ||
               (transition.capacity->count_offered &&
                other.state() == v1::ORDER_STATE_OFFERED));
    }
    if (held >= transition.capacity->limit) {
      return absl::FailedPreconditionError(absl::StrCat(
          "team ", transition.capacity->team_id, " is at capacity"));
    }
  }
  v1::Order after = transition.after;
  if (transition.duplicates_since.has_value()) {
    int found = 0;
    for (const auto& [other_id, other] : orders_) {  // by id: oldest first
      if (found < 100 && other_id != id &&
          other.draft().community_id() == after.draft().community_id() &&
          other.draft().service_line_id() == after.draft().service_line_id() &&
          !IsFinal(other.state()) &&
          other.state() != v1::ORDER_STATE_COMPLETED &&
          FromProto(other.created_at()) >= *transition.duplicates_since) {
        after.add_possible_duplicate_ids(other_id);
        ++found;
      }
    }
  }
  orders_[id] = after;
  for (const v1::VolunteerHours& hours : transition.hours)
    hours_[hours.id()] = hours;
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
  requests_[request_key] = {transition.request.fingerprint, after};
  if (transition.enqueue_matching) matching_queue_.push_back(id);
  ++writes_;
  return Applied{after, event.event_id(), false};
}

absl::StatusOr<std::vector<v1::OrderEvent>> FakeOrderStore::History(
    absl::string_view order_id, absl::string_view after_event_id, int limit) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
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
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  std::vector<const v1::Order*> matching;
  for (const auto& [id, order] : orders_) {
    if (!InIndex(order, query)) continue;
    if (!query.states.empty() &&
        std::find(query.states.begin(), query.states.end(), order.state()) ==
            query.states.end()) {
      continue;
    }
    matching.push_back(&order);
  }
  auto time_of = [&query](const v1::Order* order) {
    return query.index == OrderIndex::kResident
               ? FromProto(order->created_at())
               : FromProto(order->state_entered_at());
  };
  std::sort(matching.begin(), matching.end(),
            [&](const v1::Order* a, const v1::Order* b) {
              auto ka = std::make_pair(time_of(a), a->id());
              auto kb = std::make_pair(time_of(b), b->id());
              return query.newest_first ? kb < ka : ka < kb;
            });
  OrderPage page;
  page.total = static_cast<int64_t>(matching.size());
  size_t start = 0;
  if (!query.cursor.empty()) {
    while (start < matching.size() && matching[start]->id() != query.cursor)
      ++start;
    ++start;
  }
  for (size_t i = start; i < matching.size() &&
                         static_cast<int>(page.orders.size()) < query.limit;
       ++i) {
    page.orders.push_back(*matching[i]);
  }
  if (start + page.orders.size() < matching.size())
    page.next_cursor = page.orders.back().id();
  return page;
}

namespace {

// Applies `after` in place of `before` in `records` under `request`, as
// compare_and_set.lua.
template <typename Message>
absl::StatusOr<Message> CompareAndSet(
    std::map<std::string, Message>& records,
    std::map<std::string, std::pair<std::string, std::string>>& requests,
    const RequestKey& request, const Message& before, const Message& after) {
  const std::string key = RequestMapKey(request);
  if (auto it = requests.find(key); it != requests.end()) {
    if (it->second.first != request.fingerprint) {
      return absl::InvalidArgumentError(
          "request_id: was already used for a different request");
    }
    Message replay;
    replay.ParseFromString(it->second.second);
    return replay;
  }
  auto it = records.find(before.id());
  if (it == records.end()) return absl::NotFoundError("record not found");
  if (it->second.SerializeAsString() != before.SerializeAsString()) {
    return absl::AbortedError("the record changed meanwhile");
  }
  it->second = after;
  requests[key] = {request.fingerprint, after.SerializeAsString()};
  return after;
}

}  // namespace

absl::StatusOr<std::optional<std::string>> FakeOrderStore::FindResult(
    const RequestKey& request) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = record_requests_.find(RequestMapKey(request));
  if (it == record_requests_.end()) return std::nullopt;
  if (it->second.first != request.fingerprint) {
    return absl::InvalidArgumentError(
        "request_id: was already used for a different request");
  }
  return it->second.second;
}

absl::StatusOr<v1::VolunteerHours> FakeOrderStore::GetHours(
    absl::string_view hours_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = hours_.find(std::string(hours_id));
  if (it == hours_.end()) return absl::NotFoundError("hours not found");
  return it->second;
}

absl::StatusOr<HoursPage> FakeOrderStore::ListHours(const HoursQuery& query) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  HoursPage page;
  for (auto it = hours_.rbegin(); it != hours_.rend(); ++it) {
    const v1::VolunteerHours& hours = it->second;
    const bool wanted =
        (!query.volunteer_id.empty() &&
         hours.volunteer_id() == query.volunteer_id) ||
        (!query.team_id.empty() && hours.team_id() == query.team_id) ||
        (!query.order_id.empty() && hours.order_id() == query.order_id);
    if (wanted) page.hours.push_back(hours);
  }
  return page;
}

absl::StatusOr<v1::VolunteerHours> FakeOrderStore::UpdateHours(
    const RequestKey& request, const v1::VolunteerHours& before,
    const v1::VolunteerHours& after) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  return CompareAndSet(hours_, record_requests_, request, before, after);
}

absl::StatusOr<v1::FollowUp> FakeOrderStore::GetFollowUp(
    absl::string_view follow_up_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = follow_ups_.find(std::string(follow_up_id));
  if (it == follow_ups_.end())
    return absl::NotFoundError("follow-up not found");
  return it->second;
}

absl::StatusOr<FollowUpPage> FakeOrderStore::ListFollowUps(
    absl::string_view community_id, bool include_done, int, absl::string_view) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  FollowUpPage page;
  for (auto it = follow_ups_.rbegin(); it != follow_ups_.rend(); ++it) {
    if (it->second.community_id() == community_id &&
        (include_done || !it->second.done())) {
      page.follow_ups.push_back(it->second);
    }
  }
  return page;
}

absl::StatusOr<v1::FollowUp> FakeOrderStore::UpdateFollowUp(
    const RequestKey& request, const v1::FollowUp& before,
    const v1::FollowUp& after) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  return CompareAndSet(follow_ups_, record_requests_, request, before, after);
}

absl::StatusOr<v1::Escalation> FakeOrderStore::GetEscalation(
    absl::string_view escalation_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  auto it = escalations_.find(std::string(escalation_id));
  if (it == escalations_.end())
    return absl::NotFoundError("escalation not found");
  return it->second;
}

absl::StatusOr<EscalationPage> FakeOrderStore::ListEscalations(
    const EscalationQuery& query) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  std::vector<const v1::Escalation*> matching;
  for (const auto& [id, escalation] : escalations_) {
    const bool in_scope = query.scope == EscalationQuery::Scope::kCity ||
                          (query.scope == EscalationQuery::Scope::kCounty &&
                           escalation.county_id() == query.scope_id) ||
                          (query.scope == EscalationQuery::Scope::kCommunity &&
                           escalation.community_id() == query.scope_id);
    if (in_scope && (query.include_acknowledged || !escalation.acknowledged()))
      matching.push_back(&escalation);
  }
  std::sort(matching.begin(), matching.end(),
            [](const v1::Escalation* a, const v1::Escalation* b) {
              return std::make_pair(FromProto(a->escalated_at()), a->id()) >
                     std::make_pair(FromProto(b->escalated_at()), b->id());
            });
  EscalationPage page;
  size_t start = 0;
  if (!query.cursor.empty()) {
    while (start < matching.size() && matching[start]->id() != query.cursor)
      ++start;
    ++start;
  }
  for (size_t i = start;
       i < matching.size() &&
       static_cast<int>(page.escalations.size()) < query.limit;
       ++i) {
    page.escalations.push_back(*matching[i]);
  }
  if (start + page.escalations.size() < matching.size())
    page.next_cursor = page.escalations.back().id();
  return page;
}

absl::StatusOr<v1::Escalation> FakeOrderStore::UpdateEscalation(
    const RequestKey& request, const v1::Escalation& before,
    const v1::Escalation& after) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
  return CompareAndSet(escalations_, record_requests_, request, before, after);
}

absl::StatusOr<std::vector<DueOrder>> FakeOrderStore::ClaimDue(
    absl::Time now, int limit, absl::Duration lease) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
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
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
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
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
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

absl::StatusOr<v1::TeamStats> FakeOrderStore::TeamHistory(
    absl::string_view team_id) {
  absl::MutexLock lock(&mu_);
  if (absl::Status s = CheckAvailable(); !s.ok()) return s;
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
