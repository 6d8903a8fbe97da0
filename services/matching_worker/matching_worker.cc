#include "services/matching_worker/matching_worker.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/log.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using matching::LatLng;
using matching::OrderInput;
using matching::TeamInput;
using matching::Window;

constexpr absl::Duration kRecentPeriod = absl::Hours(24 * 7);
// Orders read per team to learn its calendar and recent work.
constexpr int kTeamOrdersRead = 100;
// An order whose offer lost a race is matched again after this long.
constexpr absl::Duration kRetrySoon = absl::Seconds(1);
// A worker that has not read the stream for this long has stopped.
constexpr absl::Duration kForgetConsumersAfter = absl::Hours(1);

Window WindowOf(const v1::TimeWindow& window) {
  return {absl::ToUnixMillis(FromProto(window.start())),
          absl::ToUnixMillis(FromProto(window.end()))};
}

v1::TimeWindow TimeWindowOf(const Window& window) {
  v1::TimeWindow result;
  *result.mutable_start() = ToProto(absl::FromUnixMillis(window.start_ms));
  *result.mutable_end() = ToProto(absl::FromUnixMillis(window.end_ms));
  return result;
}

bool Known(const v1::GeoPoint& point) {
  return point.lat() != 0 || point.lng() != 0;
}

// The windows a held order keeps its team busy in: its schedule, else the
// window it was offered for, else every window the resident proposed.
std::vector<Window> BusyWindowsOf(const v1::Order& order) {
  if (order.has_schedule()) return {WindowOf(order.schedule())};
  if (order.offer().has_window()) return {WindowOf(order.offer().window())};
  std::vector<Window> windows;
  for (const v1::TimeWindow& window : order.draft().preferred_windows()) {
    windows.push_back(WindowOf(window));
  }
  return windows;
}

v1::OfferExplanation ExplanationOf(const matching::Explanation& explanation) {
  v1::OfferExplanation result;
  result.set_total_cost(explanation.total_cost);
  for (const auto& [term, value] : explanation.terms) {
    (*result.mutable_terms())[term] = value;
  }
  result.set_distance_km(explanation.distance_km);
  result.set_candidates(explanation.candidates);
  for (const std::string& team : explanation.runners_up) {
    result.add_runners_up(team);
  }
  return result;
}

// The order as the matching library sees it.
absl::StatusOr<OrderInput> OrderInputOf(const v1::Order& order,
                                        DirectoryView& directory,
                                        absl::Time now) {
  OrderInput input;
  input.id = order.id();
  input.service_line_id = order.draft().service_line_id();
  ASSIGN_OR_RETURN(std::vector<v1::Region> chain,
                   directory.RegionChain(order.draft().community_id()));
  for (const v1::Region& region : chain) input.area_ids.push_back(region.id());
  if (Known(order.draft().location())) {
    input.location =
        LatLng{order.draft().location().lat(), order.draft().location().lng()};
  } else if (!chain.empty() && Known(chain.front().center())) {
    input.location =
        LatLng{chain.front().center().lat(), chain.front().center().lng()};
  }
  for (const v1::TimeWindow& window : order.draft().preferred_windows()) {
    input.windows.push_back(WindowOf(window));
  }
  input.expected_attendees = order.draft().expected_attendees();
  input.waited_ms = std::max<int64_t>(
      0, absl::ToInt64Milliseconds(now - FromProto(order.state_entered_at())));
  input.excluded_team_ids.assign(order.excluded_team_ids().begin(),
                                 order.excluded_team_ids().end());
  return input;
}

// The team as the matching library sees it: its load and calendar from the
// orders it holds, its history from its stats.
absl::StatusOr<TeamInput> TeamInputOf(const v1::Team& team, OrderStore& store,
                                      absl::Time now) {
  TeamInput input;
  input.id = team.id();
  input.service_line_ids.assign(team.service_line_ids().begin(),
                                team.service_line_ids().end());
  input.service_area_ids.assign(team.service_area_region_ids().begin(),
                                team.service_area_region_ids().end());
  if (Known(team.base()))
    input.base = LatLng{team.base().lat(), team.base().lng()};

  OrderQuery held;
  held.index = OrderIndex::kTeam;
  held.scope_id = team.id();
  held.states = {v1::ORDER_STATE_OFFERED, v1::ORDER_STATE_ACCEPTED,
                 v1::ORDER_STATE_IN_SERVICE};
  held.limit = kTeamOrdersRead;
  ASSIGN_OR_RETURN(OrderPage holding, store.List(held));
  input.free_capacity = std::max<int64_t>(0, team.capacity() - holding.total);
  for (const v1::Order& order : holding.orders) {
    for (const Window& window : BusyWindowsOf(order)) {
      input.busy.push_back(window);
    }
  }

  OrderQuery done = held;
  done.states = {v1::ORDER_STATE_COMPLETED, v1::ORDER_STATE_RATED,
                 v1::ORDER_STATE_CLOSED};
  done.newest_first = true;
  ASSIGN_OR_RETURN(OrderPage finished, store.List(done));
  int recent = 0;
  for (const v1::Order& order : finished.orders) {
    if (FromProto(order.completion().at()) >= now - kRecentPeriod) ++recent;
  }
  input.recent_orders = static_cast<int>(holding.total) + recent;

  ASSIGN_OR_RETURN(const v1::TeamStats stats, store.TeamHistory(team.id()));
  input.ratings = stats.ratings();
  input.mean_rating = stats.mean_rating();
  input.offers_received = stats.offers_received();
  input.offers_accepted = stats.offers_accepted();
  return input;
}

// Whether the order still waits for the matching engine.
bool AwaitsMatch(const v1::Order& order) {
  return order.state() == v1::ORDER_STATE_CLAIMED && order.awaiting_match();
}

}  // namespace

MatchingWorker::MatchingWorker(MatchingQueue& queue, OrderStore& store,
                               OrderWorkflow& workflow,
                               DirectoryView& directory, const Clock& clock,
                               absl::string_view tenant,
                               MatchingWorkerOptions options)
    : queue_(queue),
      store_(store),
      workflow_(workflow),
      directory_(directory),
      clock_(clock),
      system_(SystemPrincipal(tenant, "kepu-matching", "matching engine")),
      options_(std::move(options)) {}

absl::StatusOr<MatchingRound> MatchingWorker::RunOnce(absl::Duration wait) {
  MatchingRound round;
  RETURN_IF_ERROR(queue_.Unpark(clock_.Now(), options_.batch_size).status());

  std::vector<MatchingEntry> batch;
  ASSIGN_OR_RETURN(std::vector<MatchingEntry> stale,
                   queue_.ClaimStale(options_.consumer, options_.claim_idle,
                                     options_.batch_size));
  for (MatchingEntry& entry : stale) {
    if (entry.deliveries > options_.max_deliveries) {
      // This delivery is not a try: the letter counts the tries.
      entry.deliveries -= 1;
      ASSIGN_OR_RETURN(
          std::string dead,
          queue_.DeadLetter(entry,
                            absl::StrCat("delivered ", entry.deliveries,
                                         " times without success"),
                            clock_.Now()));
      if (!dead.empty()) {
        ++round.dead_letters;
        Log(LogLevel::kWarning, "matching.dead_letter",
            {{"entry", entry.entry_id},
             {"order_id", entry.order_id},
             {"deliveries", absl::StrCat(entry.deliveries)},
             {"dead_letter", dead}});
      }
      continue;
    }
    ++round.taken_over;
    batch.push_back(std::move(entry));
  }

  const int room = options_.batch_size - static_cast<int>(batch.size());
  if (room > 0) {
    ASSIGN_OR_RETURN(
        std::vector<MatchingEntry> fresh,
        queue_.ReadNew(options_.consumer, room,
                       batch.empty() ? wait : absl::ZeroDuration()));
    // A short window lets a burst of releases be matched together.
    if (!fresh.empty() && static_cast<int>(fresh.size()) < room &&
        options_.batch_window > absl::ZeroDuration()) {
      absl::SleepFor(options_.batch_window);
      ASSIGN_OR_RETURN(std::vector<MatchingEntry> more,
                       queue_.ReadNew(options_.consumer,
                                      room - static_cast<int>(fresh.size()),
                                      absl::ZeroDuration()));
      fresh.insert(fresh.end(), more.begin(), more.end());
    }
    batch.insert(batch.end(), fresh.begin(), fresh.end());
  }
  round.entries = static_cast<int>(batch.size());
  if (batch.empty()) return round;
  RETURN_IF_ERROR(MatchBatch(batch, round));
  return round;
}

absl::Status MatchingWorker::MatchBatch(
    const std::vector<MatchingEntry>& entries, MatchingRound& round) {
  const absl::Time started = clock_.Now();
  Settlement settlement;
  settlement.retry_at = started + options_.retry_unmatched;
  settlement.retry_soon_at = started + kRetrySoon;
  // Settles what was decided so far, also when the batch stops early.
  auto settle = [&](absl::Status status) -> absl::Status {
    absl::Status settled = queue_.Settle(settlement);
    return status.ok() ? settled : status;
  };
  auto fail = [&](const std::vector<std::string>& entry_ids,
                  const absl::Status& error) -> absl::Status {
    ++round.failures;
    Log(LogLevel::kWarning, "matching.entry_failed",
        {{"entries", absl::StrCat(entry_ids.size())},
         {"error", std::string(error.message())}});
    for (const std::string& id : entry_ids) {
      RETURN_IF_ERROR(queue_.RecordFailure(id, error.ToString()));
    }
    return absl::OkStatus();
  };

  // The entries of each order (an order may be on the stream twice).
  std::map<std::string, std::vector<std::string>> entries_of;
  std::vector<std::string> order_ids;
  for (const MatchingEntry& entry : entries) {
    if (entry.order_id.empty()) {
      RETURN_IF_ERROR(fail({entry.entry_id},
                           absl::InvalidArgumentError(
                               "the entry names no order (field o missing)")));
      continue;
    }
    std::vector<std::string>& ids = entries_of[entry.order_id];
    if (ids.empty()) order_ids.push_back(entry.order_id);
    ids.push_back(entry.entry_id);
  }
  auto done_with = [&](const std::string& order_id) {
    for (const std::string& id : entries_of[order_id]) {
      settlement.entry_ids.push_back(id);
    }
  };

  std::vector<v1::Order> orders;
  std::vector<OrderInput> inputs;
  for (const std::string& order_id : order_ids) {
    absl::StatusOr<v1::Order> order = store_.Get(order_id);
    if (order.status().code() == absl::StatusCode::kUnavailable) {
      return settle(order.status());
    }
    if (order.status().code() == absl::StatusCode::kNotFound ||
        (order.ok() && !AwaitsMatch(*order))) {
      ++round.skipped;
      done_with(order_id);
      continue;
    }
    if (!order.ok()) {
      RETURN_IF_ERROR(fail(entries_of[order_id], order.status()));
      continue;
    }
    absl::StatusOr<OrderInput> input =
        OrderInputOf(*order, directory_, started);
    if (input.status().code() == absl::StatusCode::kUnavailable) {
      return settle(input.status());
    }
    if (!input.ok()) {
      RETURN_IF_ERROR(fail(entries_of[order_id], input.status()));
      continue;
    }
    orders.push_back(*std::move(order));
    inputs.push_back(*std::move(input));
  }
  round.orders = static_cast<int>(orders.size());

  // Every team that could serve one of the orders, once; the directory is
  // asked once per service line and community.
  std::vector<TeamInput> teams;
  std::set<std::string> seen;
  std::set<std::pair<std::string, std::string>> asked;
  for (size_t i = 0; i < orders.size(); ++i) {
    const v1::OrderDraft& draft = orders[i].draft();
    if (!asked.emplace(draft.service_line_id(), draft.community_id()).second) {
      continue;
    }
    absl::StatusOr<std::vector<v1::Team>> serving =
        directory_.TeamsServing(draft.service_line_id(), inputs[i].area_ids);
    if (!serving.ok()) return settle(serving.status());
    for (const v1::Team& team : *serving) {
      if (!seen.insert(team.id()).second) continue;
      absl::StatusOr<TeamInput> input = TeamInputOf(team, store_, started);
      if (!input.ok()) return settle(input.status());
      teams.push_back(*std::move(input));
    }
  }

  const matching::BatchResult result =
      matching::MatchBatch(inputs, teams, options_.weights);
  for (int index : result.unassigned) {
    settlement.parked_order_ids.push_back(orders[index].id());
    done_with(orders[index].id());
    ++round.parked;
  }

  int offers = 0;
  for (const matching::Assignment& assignment : result.assignments) {
    const v1::Order& order = orders[assignment.order];
    Command command;
    command.action = v1::ORDER_ACTION_OFFER;
    command.order_id = order.id();
    // Request ids are per account: the order's id makes this one unique.
    command.request_id =
        absl::StrCat("match-", order.id(), "-", order.version());
    v1::Order key;
    key.set_id(order.id());
    key.set_version(order.version());
    command.fingerprint = Fingerprint(key);
    command.expected_version = order.version();
    command.team_id = teams[assignment.team].id;
    command.offer_expires_at = clock_.Now() + options_.offer_ttl;
    command.explanation = ExplanationOf(assignment.explanation);
    command.offer_window = TimeWindowOf(assignment.window);
    absl::StatusOr<v1::Order> offered = workflow_.Act(system_, command);
    if (offered.ok()) {
      ++round.offers;
      done_with(order.id());
      if (options_.after_offer) options_.after_offer(++offers);
      continue;
    }
    switch (offered.status().code()) {
      case absl::StatusCode::kUnavailable:
        return settle(offered.status());
      case absl::StatusCode::kAborted:
      case absl::StatusCode::kFailedPrecondition:
      case absl::StatusCode::kNotFound:
      case absl::StatusCode::kInvalidArgument: {
        // The order or the team moved on since they were read (another
        // worker offered it, the team filled up): if the order still waits,
        // it goes to a later batch.
        absl::StatusOr<v1::Order> now = store_.Get(order.id());
        if (now.status().code() == absl::StatusCode::kUnavailable) {
          return settle(now.status());
        }
        if (now.ok() && AwaitsMatch(*now)) {
          Log(LogLevel::kInfo, "matching.offer_lost_race",
              {{"order_id", order.id()},
               {"team_id", command.team_id},
               {"error", std::string(offered.status().message())}});
          settlement.requeued_order_ids.push_back(order.id());
        } else {
          ++round.skipped;
        }
        done_with(order.id());
        break;
      }
      default:
        RETURN_IF_ERROR(fail(entries_of[order.id()], offered.status()));
    }
  }
  RETURN_IF_ERROR(settle(absl::OkStatus()));
  const absl::Duration took = clock_.Now() - started;
  RETURN_IF_ERROR(
      queue_.RecordBatch(round.orders, round.offers, took, clock_.Now()));
  Log(LogLevel::kInfo, "matching.batch",
      {{"consumer", options_.consumer},
       {"entries", absl::StrCat(round.entries)},
       {"taken_over", absl::StrCat(round.taken_over)},
       {"orders", absl::StrCat(round.orders)},
       {"teams", absl::StrCat(teams.size())},
       {"offers", absl::StrCat(round.offers)},
       {"parked", absl::StrCat(round.parked)},
       {"skipped", absl::StrCat(round.skipped)},
       {"millis", absl::StrCat(absl::ToDoubleMilliseconds(took))}});
  return absl::OkStatus();
}

void MatchingWorker::Run(const std::atomic<bool>& stop, absl::Duration poll) {
  absl::Status ensured = queue_.EnsureGroup();
  // Workers that stopped long ago (each process joins under its own name).
  if (absl::StatusOr<int> forgotten =
          queue_.ForgetIdleConsumers(kForgetConsumersAfter);
      forgotten.ok() && *forgotten > 0) {
    Log(LogLevel::kInfo, "matching.forgot_idle_workers",
        {{"workers", absl::StrCat(*forgotten)}});
  }
  absl::Duration backoff = absl::Milliseconds(100);
  while (!stop.load()) {
    if (!ensured.ok()) ensured = queue_.EnsureGroup();
    absl::StatusOr<MatchingRound> round =
        ensured.ok() ? RunOnce(poll) : absl::StatusOr<MatchingRound>(ensured);
    if (round.ok()) {
      backoff = absl::Milliseconds(100);
      continue;
    }
    Log(LogLevel::kWarning, "matching.round_failed",
        {{"consumer", options_.consumer},
         {"error", std::string(round.status().message())}});
    absl::SleepFor(backoff);
    backoff = std::min(backoff * 2, absl::Seconds(5));
  }
}

}  // namespace kepu
