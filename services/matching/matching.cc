// IsCandidate, CostOf, DistanceKm and MatchBatch (matching.h).
#include "services/matching/matching.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "services/matching/incremental_assignment.h"

namespace kepu::matching {
namespace {

constexpr double kEarthRadiusKm = 6371.0088;
constexpr double kMillisecondsPerHour = 3600.0 * 1000.0;

bool Contains(const std::vector<std::string>& values, absl::string_view value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

// Half-open windows overlap when each starts before the other ends.
bool Overlaps(const Window& a, const Window& b) {
  return a.start_ms < b.end_ms && b.start_ms < a.end_ms;
}

bool OverlapsAny(const Window& window, const std::vector<Window>& others) {
  return std::any_of(others.begin(), others.end(), [&](const Window& other) {
    return Overlaps(window, other);
  });
}

// The terms of CostOf, as plain numbers (MatchBatch computes millions).
struct CostTerms {
  double distance = 0;
  double load = 0;
  double rating = 0;
  double reliability = 0;
  double waiting = 0;
  double distance_km = -1;

  // Summed in the order of the explanation's keys, so that summing its map
  // gives the same number.
  double Total() const {
    return distance + load + rating + reliability + waiting;
  }
  // What the solver's edge carries; the load is in the slot costs.
  double WithoutLoad() const {
    return distance + rating + reliability + waiting;
  }
};

double LoadTerm(const TeamInput& team, int k, const Weights& weights) {
  return weights.load_per_order * (team.recent_orders + k);
}

double RatingTerm(const TeamInput& team, const Weights& weights) {
  const double shrunk = (team.ratings * team.mean_rating +
                         weights.prior_weight * weights.prior_rating) /
                        (team.ratings + weights.prior_weight);
  return weights.rating_weight * (5 - shrunk) / 4;
}

double ReliabilityTerm(const TeamInput& team, const Weights& weights) {
  const double shrunk =
      (team.offers_accepted + weights.prior_weight * weights.prior_acceptance) /
      (team.offers_received + weights.prior_weight);
  return weights.reliability_weight * (1 - shrunk);
}

double WaitingTerm(const OrderInput& order, const Weights& weights) {
  const double hours = std::max(
      0.0, static_cast<double>(order.waited_ms) / kMillisecondsPerHour);
  return -weights.waiting_per_hour * std::min(hours, weights.max_waiting_hours);
}

CostTerms Terms(const OrderInput& order, const TeamInput& team, int k,
                const Weights& weights) {
  CostTerms terms;
  if (order.location.has_value() && team.base.has_value()) {
    terms.distance_km = DistanceKm(*order.location, *team.base);
    terms.distance = weights.distance_per_km * terms.distance_km;
  } else {
    terms.distance = weights.distance_per_km * weights.unknown_distance_km;
  }
  terms.load = LoadTerm(team, k, weights);
  terms.rating = RatingTerm(team, weights);
  terms.reliability = ReliabilityTerm(team, weights);
  terms.waiting = WaitingTerm(order, weights);
  return terms;
}

// A team that passes IsCandidate for an order.
struct Candidate {
  int team = 0;
  double edge_cost = 0;   // CostOf(order, team, 0) without the load term
  double first_cost = 0;  // CostOf(order, team, 0).total_cost
};

std::string LineAreaKey(absl::string_view line, absl::string_view area) {
  return absl::StrCat(line, "\x1f", area);
}

// Every order's candidates, cheapest first (ties: lower team index). Teams
// are looked up by (service line, area) and then checked with IsCandidate,
// which stays the one definition of a candidate.
std::vector<std::vector<Candidate>> FindCandidates(
    const std::vector<OrderInput>& orders, const std::vector<TeamInput>& teams,
    const Weights& weights) {
  absl::flat_hash_map<std::string, std::vector<int>> teams_by_line_area;
  for (int team = 0; team < static_cast<int>(teams.size()); ++team) {
    if (teams[team].free_capacity <= 0) continue;
    for (const std::string& line : teams[team].service_line_ids) {
      for (const std::string& area : teams[team].service_area_ids) {
        std::vector<int>& listed = teams_by_line_area[LineAreaKey(line, area)];
        if (listed.empty() || listed.back() != team) listed.push_back(team);
      }
    }
  }
  std::vector<std::vector<Candidate>> candidates(orders.size());
  std::vector<int> looked_at_for(teams.size(), -1);
  for (int index = 0; index < static_cast<int>(orders.size()); ++index) {
    const OrderInput& order = orders[index];
    for (const std::string& area : order.area_ids) {
      const auto found =
          teams_by_line_area.find(LineAreaKey(order.service_line_id, area));
      if (found == teams_by_line_area.end()) continue;
      for (int team : found->second) {
        if (looked_at_for[team] == index) continue;
        looked_at_for[team] = index;
        if (!IsCandidate(order, teams[team])) continue;
        const CostTerms terms = Terms(order, teams[team], 0, weights);
        candidates[index].push_back({team, terms.WithoutLoad(), terms.Total()});
      }
    }
    std::sort(candidates[index].begin(), candidates[index].end(),
              [](const Candidate& a, const Candidate& b) {
                return std::pair(a.first_cost, a.team) <
                       std::pair(b.first_cost, b.team);
              });
  }
  return candidates;
}

// The model MatchBatch solves: orders are rows, teams columns; each order
// keeps its max_candidates_per_order cheapest candidates.
AssignmentProblem BuildProblem(
    const std::vector<std::vector<Candidate>>& candidates,
    const std::vector<TeamInput>& teams, const Weights& weights) {
  AssignmentProblem problem;
  problem.rows = static_cast<int>(candidates.size());
  problem.columns = static_cast<int>(teams.size());
  problem.unassigned_cost = weights.unassigned_cost;
  problem.capacity.assign(teams.size(), 0);
  for (int order = 0; order < problem.rows; ++order) {
    int kept = 0;
    for (const Candidate& candidate : candidates[order]) {
      if (weights.max_candidates_per_order > 0 &&
          kept == weights.max_candidates_per_order) {
        break;
      }
      ++kept;
      problem.edges.push_back({order, candidate.team, candidate.edge_cost});
      ++problem.capacity[candidate.team];
    }
  }
  // Slot k of a team costs its load term as its k-th order; a team never
  // needs more slots than it has edges.
  problem.slot_cost.resize(teams.size());
  for (int team = 0; team < problem.columns; ++team) {
    problem.capacity[team] =
        std::min(problem.capacity[team], teams[team].free_capacity);
    for (int k = 0; k < problem.capacity[team]; ++k) {
      problem.slot_cost[team].push_back(LoadTerm(teams[team], k, weights));
    }
  }
  return problem;
}

// An order the solver gave to a team, before its window is chosen.
struct Given {
  int order = 0;
  double edge_cost = 0;
};

const Candidate& CandidateFor(const std::vector<Candidate>& candidates,
                              int team) {
  return *std::find_if(
      candidates.begin(), candidates.end(),
      [team](const Candidate& candidate) { return candidate.team == team; });
}

Explanation Explain(const CostTerms& terms) {
  Explanation explanation;
  explanation.total_cost = terms.Total();
  explanation.terms = {{"distance", terms.distance},
                       {"load", terms.load},
                       {"rating", terms.rating},
                       {"reliability", terms.reliability},
                       {"waiting", terms.waiting}};
  explanation.distance_km = terms.distance_km;
  return explanation;
}

}  // namespace

double DistanceKm(const LatLng& a, const LatLng& b) {
  constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
  const double lat_a = a.lat * kRadiansPerDegree;
  const double lat_b = b.lat * kRadiansPerDegree;
  const double half_dlat = (lat_b - lat_a) / 2;
  const double half_dlng = (b.lng - a.lng) * kRadiansPerDegree / 2;
  const double h = std::sin(half_dlat) * std::sin(half_dlat) +
                   std::cos(lat_a) * std::cos(lat_b) * std::sin(half_dlng) *
                       std::sin(half_dlng);
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, std::sqrt(h)));
}

bool IsCandidate(const OrderInput& order, const TeamInput& team) {
  if (team.free_capacity <= 0) return false;
  if (!Contains(team.service_line_ids, order.service_line_id)) return false;
  if (Contains(order.excluded_team_ids, team.id)) return false;
  const bool serves_area =
      std::any_of(order.area_ids.begin(), order.area_ids.end(),
                  [&](const std::string& area) {
                    return Contains(team.service_area_ids, area);
                  });
  if (!serves_area) return false;
  return std::any_of(
      order.windows.begin(), order.windows.end(),
      [&](const Window& window) { return !OverlapsAny(window, team.busy); });
}

Explanation CostOf(const OrderInput& order, const TeamInput& team, int k,
                   const Weights& weights) {
  return Explain(Terms(order, team, k, weights));
}

// Solves, then gives each team's orders their windows, cheapest pair first:
// an order whose windows all overlap the team's busy windows or the windows
// already given to cheaper pairs of the same team loses that pair, and the
// batch is solved again without it (IncrementalAssignment: only what the
// removal disturbs is searched again). Every round removes at least one pair,
// so the loop ends; the result is optimal for the model without the removed
// pairs. A removed pair is not replaced by a candidate beyond
// max_candidates_per_order.
BatchResult MatchBatch(const std::vector<OrderInput>& orders,
                       const std::vector<TeamInput>& teams,
                       const Weights& weights) {
  const std::vector<std::vector<Candidate>> candidates =
      FindCandidates(orders, teams, weights);
  const AssignmentProblem problem = BuildProblem(candidates, teams, weights);
  IncrementalAssignment solver(problem);
  std::vector<std::vector<Given>> given_to(teams.size());
  std::vector<Window> window_of_order(orders.size());
  std::vector<int> column_of_row;
  while (true) {
    column_of_row = solver.Solve().column_of_row;
    for (std::vector<Given>& given : given_to) given.clear();
    for (int order = 0; order < static_cast<int>(orders.size()); ++order) {
      const int team = column_of_row[order];
      if (team < 0) continue;
      given_to[team].push_back(
          {order, CandidateFor(candidates[order], team).edge_cost});
    }
    std::vector<std::pair<int, int>> double_booked;
    for (int team = 0; team < static_cast<int>(teams.size()); ++team) {
      std::vector<Given>& given = given_to[team];
      std::sort(given.begin(), given.end(), [](const Given& a, const Given& b) {
        return std::pair(a.edge_cost, a.order) <
               std::pair(b.edge_cost, b.order);
      });
      std::vector<Window> taken = teams[team].busy;
      for (const Given& pair : given) {
        const std::vector<Window>& windows = orders[pair.order].windows;
        const auto free = std::find_if(
            windows.begin(), windows.end(),
            [&](const Window& window) { return !OverlapsAny(window, taken); });
        if (free == windows.end()) {
          double_booked.emplace_back(pair.order, team);
          continue;
        }
        window_of_order[pair.order] = *free;
        taken.push_back(*free);
      }
    }
    if (double_booked.empty()) break;
    solver.RemovePairs(double_booked);
  }

  BatchResult result;
  for (int team = 0; team < static_cast<int>(teams.size()); ++team) {
    // given_to[team] is sorted cheapest first: that is the order of the
    // team's slots, so the k-th pays the k-th load.
    for (int k = 0; k < static_cast<int>(given_to[team].size()); ++k) {
      const int order = given_to[team][k].order;
      Assignment assignment;
      assignment.order = order;
      assignment.team = team;
      assignment.window = window_of_order[order];
      assignment.explanation =
          Explain(Terms(orders[order], teams[team], k, weights));
      assignment.explanation.candidates =
          static_cast<int>(candidates[order].size());
      for (const Candidate& candidate : candidates[order]) {
        if (static_cast<int>(assignment.explanation.runners_up.size()) ==
            weights.runners_up) {
          break;
        }
        if (candidate.team == team) continue;
        assignment.explanation.runners_up.push_back(teams[candidate.team].id);
      }
      result.total_cost += assignment.explanation.total_cost;
      result.assignments.push_back(std::move(assignment));
    }
  }
  std::sort(result.assignments.begin(), result.assignments.end(),
            [](const Assignment& a, const Assignment& b) {
              return a.order < b.order;
            });
  for (int order = 0; order < static_cast<int>(orders.size()); ++order) {
    if (column_of_row[order] < 0) {
      result.unassigned.push_back(order);
      result.total_cost += weights.unassigned_cost;
    }
  }
  return result;
}

}  // namespace kepu::matching
