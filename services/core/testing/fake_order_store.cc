#include "services/core/testing/fake_order_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/core/time_util.h"

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
      return order.department_id() == query.scope_id;
    case OrderIndex::kTeam:
      return order.team_id() == query.scope_id;
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
  orders_[id] = transition.after;
  v1::OrderEvent event = transition.event;
  event.set_event_id(absl::StrCat(next_event_++, "-0"));
  history_[id].push_back(event);
  requests_[request_key] = {transition.request.fingerprint, transition.after};
  if (transition.enqueue_matching) matching_queue_.push_back(id);
  ++writes_;
  return Applied{transition.after, event.event_id(), false};
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

}  // namespace kepu
