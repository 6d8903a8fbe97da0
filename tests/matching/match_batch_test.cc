// MatchBatch, IsCandidate, CostOf and DistanceKm: hard constraints on random
// batches, optimality against brute force, and the behaviour each cost term
// promises.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/matching/matching.h"

namespace kepu::matching {
namespace {

constexpr int64_t kHour = 3600 * 1000;
constexpr double kInfinity = std::numeric_limits<double>::infinity();

bool Overlaps(const Window& a, const Window& b) {
  return a.start_ms < b.end_ms && b.start_ms < a.end_ms;
}

OrderInput Order(const std::string& id, const std::string& line = "line",
                 const std::string& area = "area") {
  OrderInput order;
  order.id = id;
  order.service_line_id = line;
  order.area_ids = {area, "county"};
  order.windows = {{10 * kHour, 12 * kHour}};
  return order;
}

TeamInput Team(const std::string& id, int free_capacity = 5) {
  TeamInput team;
  team.id = id;
  team.service_line_ids = {"line"};
  team.service_area_ids = {"county"};
  team.free_capacity = free_capacity;
  return team;
}

// Orders that all fit one team's day: windows that never overlap.
std::vector<OrderInput> DisjointOrders(int count) {
  std::vector<OrderInput> orders;
  for (int index = 0; index < count; ++index) {
    OrderInput order = Order(absl::StrCat("o", index));
    order.windows = {{index * 2 * kHour, (index * 2 + 1) * kHour}};
    orders.push_back(order);
  }
  return orders;
}

std::map<int, int> OrdersPerTeam(const BatchResult& result) {
  std::map<int, int> count;
  for (const Assignment& assignment : result.assignments) {
    ++count[assignment.team];
  }
  return count;
}

// Every hard constraint of matching.h, and the bookkeeping of the result.
void ExpectValid(const std::vector<OrderInput>& orders,
                 const std::vector<TeamInput>& teams, const Weights& weights,
                 const BatchResult& result) {
  std::vector<int> seen(orders.size(), 0);
  std::map<int, std::vector<Window>> windows_of_team;
  double total = 0;
  for (const Assignment& assignment : result.assignments) {
    const OrderInput& order = orders[assignment.order];
    const TeamInput& team = teams[assignment.team];
    ++seen[assignment.order];
    EXPECT_TRUE(IsCandidate(order, team)) << order.id << " " << team.id;
    EXPECT_NE(std::find_if(order.windows.begin(), order.windows.end(),
                           [&](const Window& window) {
                             return window.start_ms ==
                                        assignment.window.start_ms &&
                                    window.end_ms == assignment.window.end_ms;
                           }),
              order.windows.end());
    for (const Window& busy : team.busy) {
      EXPECT_FALSE(Overlaps(busy, assignment.window));
    }
    for (const Window& other : windows_of_team[assignment.team]) {
      EXPECT_FALSE(Overlaps(other, assignment.window)) << "double booked";
    }
    windows_of_team[assignment.team].push_back(assignment.window);
    double sum = 0;
    for (const auto& [name, term] : assignment.explanation.terms) sum += term;
    EXPECT_NEAR(sum, assignment.explanation.total_cost, 1e-9);
    total += assignment.explanation.total_cost;
  }
  for (const auto& [team, windows] : windows_of_team) {
    EXPECT_LE(static_cast<int>(windows.size()), teams[team].free_capacity);
  }
  for (int order : result.unassigned) ++seen[order];
  EXPECT_TRUE(
      std::is_sorted(result.unassigned.begin(), result.unassigned.end()));
  for (int count : seen) EXPECT_EQ(count, 1);
  total +=
      weights.unassigned_cost * static_cast<double>(result.unassigned.size());
  EXPECT_NEAR(total, result.total_cost, 1e-6);
}

// The optimum of the candidate model, windows aside: every order to a
// candidate team or unassigned, the k-th order of a team paying the k-th load.
double BruteForce(const std::vector<OrderInput>& orders,
                  const std::vector<TeamInput>& teams, const Weights& weights) {
  std::vector<int> taken(teams.size(), 0);
  double best = kInfinity;
  auto visit = [&](auto& self, int order, double cost) -> void {
    if (order == static_cast<int>(orders.size())) {
      best = std::min(best, cost);
      return;
    }
    self(self, order + 1, cost + weights.unassigned_cost);
    for (int team = 0; team < static_cast<int>(teams.size()); ++team) {
      if (!IsCandidate(orders[order], teams[team])) continue;
      if (taken[team] >= teams[team].free_capacity) continue;
      const double pair =
          CostOf(orders[order], teams[team], taken[team], weights).total_cost;
      ++taken[team];
      self(self, order + 1, cost + pair);
      --taken[team];
    }
  };
  visit(visit, 0, 0.0);
  return best;
}

struct RandomBatch {
  std::vector<OrderInput> orders;
  std::vector<TeamInput> teams;
};

// Up to 6 orders and 4 teams over 2 lines and 3 communities of one county;
// windows from 4 hour-long slots (or, with disjoint_windows, one slot of its
// own per order).
RandomBatch MakeRandomBatch(std::mt19937& random, bool disjoint_windows) {
  auto pick = [&](int low, int high) {
    return std::uniform_int_distribution(low, high)(random);
  };
  auto location = [&]() -> std::optional<LatLng> {
    if (pick(0, 4) == 0) return std::nullopt;
    return LatLng{35.3 + pick(0, 100) / 500.0, 116.5 + pick(0, 100) / 500.0};
  };
  auto slot = [](int index) {
    return Window{index * kHour, (index + 1) * kHour};
  };
  RandomBatch batch;
  const int teams = pick(1, 4);
  for (int index = 0; index < teams; ++index) {
    TeamInput team;
    team.id = absl::StrCat("t", index);
    team.service_line_ids = {pick(0, 1) ? "a" : "b"};
    if (pick(0, 2) == 0) team.service_line_ids.push_back("c");
    team.service_area_ids = {pick(0, 2) == 0 ? "county"
                                             : absl::StrCat("c", pick(0, 2))};
    team.base = location();
    team.free_capacity = pick(0, 3);
    if (pick(0, 2) == 0) team.busy.push_back(slot(pick(0, 3)));
    team.recent_orders = pick(0, 4);
    team.ratings = pick(0, 5);
    team.mean_rating = 1 + pick(0, 40) / 10.0;
    team.offers_received = pick(0, 6);
    team.offers_accepted = pick(0, team.offers_received);
    batch.teams.push_back(team);
  }
  const int orders = pick(0, 6);
  for (int index = 0; index < orders; ++index) {
    OrderInput order;
    order.id = absl::StrCat("o", index);
    order.service_line_id = pick(0, 1) ? "a" : "c";
    order.area_ids = {absl::StrCat("c", pick(0, 2)), "county"};
    order.location = location();
    if (disjoint_windows) {
      order.windows = {slot(10 + index)};
    } else {
      const int first = pick(0, 3);
      order.windows = {slot(first)};
      if (pick(0, 1) && first < 3)
        order.windows.push_back(slot(pick(first + 1, 3)));
    }
    order.waited_ms = pick(0, 100) * kHour;
    if (pick(0, 4) == 0)
      order.excluded_team_ids = {absl::StrCat("t", pick(0, 3))};
    batch.orders.push_back(order);
  }
  return batch;
}

TEST(MatchBatch, KeepsEveryHardConstraintOnRandomBatches) {
  std::mt19937 random(31337);
  const Weights weights;
  for (int instance = 0; instance < 400; ++instance) {
    SCOPED_TRACE(instance);
    const RandomBatch batch = MakeRandomBatch(random, false);
    const BatchResult result = MatchBatch(batch.orders, batch.teams, weights);
    ExpectValid(batch.orders, batch.teams, weights, result);
    // Removing pairs can only cost more than the model without windows.
    EXPECT_GE(result.total_cost,
              BruteForce(batch.orders, batch.teams, weights) - 1e-9);
  }
}

TEST(MatchBatch, IsOptimalWhenNoWindowsConflict) {
  std::mt19937 random(2718);
  for (int instance = 0; instance < 400; ++instance) {
    SCOPED_TRACE(instance);
    Weights weights;
    weights.max_candidates_per_order = instance % 3;  // 0: all
    const RandomBatch batch = MakeRandomBatch(random, true);
    const BatchResult result = MatchBatch(batch.orders, batch.teams, weights);
    ExpectValid(batch.orders, batch.teams, weights, result);
    if (weights.max_candidates_per_order == 0) {
      EXPECT_NEAR(result.total_cost,
                  BruteForce(batch.orders, batch.teams, weights), 1e-9);
    }
  }
}

TEST(MatchBatch, RepairsADoubleBookingByKeepingTheCheaperPair) {
  // Both orders can only happen 10:00-12:00; the near team is best for both.
  std::vector<OrderInput> orders = {Order("far-waiting"), Order("near")};
  orders[0].location = LatLng{35.40, 116.60};
  orders[1].location = LatLng{35.41, 116.59};
  std::vector<TeamInput> teams = {Team("near"), Team("other")};
  teams[0].base = LatLng{35.41, 116.59};
  teams[1].base = LatLng{35.60, 116.90};
  const BatchResult result = MatchBatch(orders, teams);
  ExpectValid(orders, teams, Weights(), result);
  ASSERT_EQ(result.assignments.size(), 2u);
  EXPECT_EQ(result.assignments[1].team, 0);  // "near" keeps the near team
  EXPECT_EQ(result.assignments[0].team, 1);
}

TEST(MatchBatch, SpreadsIdenticalOrdersEvenly) {
  const std::vector<OrderInput> orders = DisjointOrders(6);
  const std::vector<TeamInput> teams = {Team("a"), Team("b"), Team("c")};
  const BatchResult result = MatchBatch(orders, teams);
  ExpectValid(orders, teams, Weights(), result);
  EXPECT_EQ(OrdersPerTeam(result),
            (std::map<int, int>{{0, 2}, {1, 2}, {2, 2}}));
}

TEST(MatchBatch, GivesFewerOrdersToTheTeamWithMoreRecentOrders) {
  const std::vector<OrderInput> orders = DisjointOrders(6);
  std::vector<TeamInput> teams = {Team("busy"), Team("b"), Team("c")};
  teams[0].recent_orders = 3;
  const BatchResult result = MatchBatch(orders, teams);
  std::map<int, int> count = OrdersPerTeam(result);
  EXPECT_LT(count[0], count[1]);
  EXPECT_LT(count[0], count[2]);
}

TEST(MatchBatch, TheLongerWaitingOrderWinsAContestedTeam) {
  std::vector<OrderInput> orders = {Order("new"), Order("old")};
  orders[0].waited_ms = 1 * kHour;
  orders[1].waited_ms = 20 * kHour;
  const std::vector<TeamInput> teams = {Team("only", 1)};
  const BatchResult result = MatchBatch(orders, teams);
  ASSERT_EQ(result.assignments.size(), 1u);
  EXPECT_EQ(result.assignments[0].order, 1);
  EXPECT_EQ(result.unassigned, (std::vector<int>{0}));
}

// The one assignment of a batch of one order.
Assignment OnlyAssignment(const OrderInput& order,
                          const std::vector<TeamInput>& teams) {
  const BatchResult result = MatchBatch({order}, teams);
  EXPECT_EQ(result.assignments.size(), 1u);
  if (result.assignments.empty()) return Assignment{-1, -1, {}, {}};
  return result.assignments[0];
}

TEST(MatchBatch, TheBetterRatedTeamWins) {
  std::vector<TeamInput> teams = {Team("poor"), Team("good")};
  teams[0].ratings = teams[1].ratings = 10;
  teams[0].mean_rating = 3.0;
  teams[1].mean_rating = 4.8;
  EXPECT_EQ(OnlyAssignment(Order("o"), teams).team, 1);
}

TEST(MatchBatch, TheMoreReliableTeamWins) {
  std::vector<TeamInput> teams = {Team("reliable"), Team("lapses")};
  teams[0].offers_received = teams[1].offers_received = 10;
  teams[0].offers_accepted = 10;
  teams[1].offers_accepted = 4;
  EXPECT_EQ(OnlyAssignment(Order("o"), teams).team, 0);
}

TEST(MatchBatch, TheNearerTeamWins) {
  OrderInput order = Order("o");
  order.location = LatLng{35.4146, 116.5871};
  std::vector<TeamInput> teams = {Team("far"), Team("near")};
  teams[0].base = LatLng{35.5811, 116.9864};
  teams[1].base = LatLng{35.42, 116.59};
  const Assignment assignment = OnlyAssignment(order, teams);
  EXPECT_EQ(assignment.team, 1);
  EXPECT_LT(assignment.explanation.distance_km, 1.0);
}

TEST(MatchBatch, ExplainsTheChoice) {
  std::vector<OrderInput> orders = {Order("o")};
  orders[0].location = LatLng{35.40, 116.60};
  orders[0].waited_ms = 5 * kHour;
  std::vector<TeamInput> teams;
  for (int index = 0; index < 6; ++index) {
    TeamInput team = Team(absl::StrCat("t", index));
    team.base = LatLng{35.40 + 0.02 * index, 116.60};
    teams.push_back(team);
  }
  teams[5].service_line_ids = {"other"};  // not a candidate
  Weights weights;
  weights.runners_up = 3;
  const BatchResult result = MatchBatch(orders, teams, weights);
  ASSERT_EQ(result.assignments.size(), 1u);
  const Explanation& explanation = result.assignments[0].explanation;
  EXPECT_EQ(result.assignments[0].team, 0);
  EXPECT_EQ(explanation.candidates, 5);
  EXPECT_EQ(explanation.runners_up,
            (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_NEAR(explanation.terms.at("waiting"), -2.5, 1e-12);
  EXPECT_NEAR(explanation.terms.at("load"), 0.0, 1e-12);
  double sum = 0;
  for (const auto& [name, term] : explanation.terms) sum += term;
  EXPECT_NEAR(sum, explanation.total_cost, 1e-12);
  EXPECT_NEAR(result.total_cost, explanation.total_cost, 1e-12);
  EXPECT_EQ(explanation.terms.size(), 5u);
}

TEST(MatchBatch, RunnersUpAreSortedAndExcludeTheChosenTeam) {
  std::mt19937 random(5);
  Weights weights;
  for (int instance = 0; instance < 200; ++instance) {
    const RandomBatch batch = MakeRandomBatch(random, false);
    const BatchResult result = MatchBatch(batch.orders, batch.teams, weights);
    for (const Assignment& assignment : result.assignments) {
      const OrderInput& order = batch.orders[assignment.order];
      std::vector<std::pair<double, std::string>> others;
      int candidates = 0;
      for (const TeamInput& team : batch.teams) {
        if (!IsCandidate(order, team)) continue;
        ++candidates;
        if (team.id == batch.teams[assignment.team].id) continue;
        others.emplace_back(CostOf(order, team, 0, weights).total_cost,
                            team.id);
      }
      std::sort(others.begin(), others.end());
      std::vector<std::string> expected;
      for (int index = 0;
           index < std::min<int>(weights.runners_up, others.size()); ++index) {
        expected.push_back(others[index].second);
      }
      EXPECT_EQ(assignment.explanation.candidates, candidates);
      EXPECT_EQ(assignment.explanation.runners_up, expected);
    }
  }
}

TEST(IsCandidate, ChecksEveryHardConstraint) {
  const OrderInput order = Order("o");
  EXPECT_TRUE(IsCandidate(order, Team("t")));
  TeamInput other_line = Team("t");
  other_line.service_line_ids = {"other"};
  EXPECT_FALSE(IsCandidate(order, other_line));
  TeamInput other_area = Team("t");
  other_area.service_area_ids = {"elsewhere"};
  EXPECT_FALSE(IsCandidate(order, other_area));
  EXPECT_FALSE(IsCandidate(order, Team("t", 0)));
  OrderInput excluded = order;
  excluded.excluded_team_ids = {"t"};
  EXPECT_FALSE(IsCandidate(excluded, Team("t")));
  TeamInput busy = Team("t");
  busy.busy = {{11 * kHour, 13 * kHour}};
  EXPECT_FALSE(IsCandidate(order, busy));
  busy.busy = {{12 * kHour, 13 * kHour}};  // half-open: touching is free
  EXPECT_TRUE(IsCandidate(order, busy));
}

TEST(CostOf, UnknownDistanceCostsTheDefault) {
  const Weights weights;
  const Explanation explanation = CostOf(Order("o"), Team("t"), 2, weights);
  EXPECT_DOUBLE_EQ(explanation.terms.at("distance"),
                   weights.unknown_distance_km * weights.distance_per_km);
  EXPECT_DOUBLE_EQ(explanation.terms.at("load"), 2 * weights.load_per_order);
  EXPECT_LT(explanation.distance_km, 0);
  // No history: the priors. Rating 4 -> 8 * 1/4; acceptance 0.8 -> 6 * 0.2.
  EXPECT_DOUBLE_EQ(explanation.terms.at("rating"), 2.0);
  EXPECT_NEAR(explanation.terms.at("reliability"), 1.2, 1e-12);
}

TEST(DistanceKm, JiningToQufu) {
  // Haversine with R = 6371.0088 km gives 40.613 km.
  EXPECT_NEAR(DistanceKm({35.4146, 116.5871}, {35.5811, 116.9864}), 40.613,
              0.5);
  EXPECT_NEAR(DistanceKm({35.4146, 116.5871}, {35.4146, 116.5871}), 0.0, 1e-12);
}

}  // namespace
}  // namespace kepu::matching
