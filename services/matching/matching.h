// The matching engine's pure core (ARCHITECTURE §5): which waiting order goes
// to which volunteer team, one batch at a time. No Redis, no gRPC, no clock:
// everything it needs is in its arguments, so it is tested against brute force
// and benchmarked on its own.
//
// A batch is solved as one min-cost flow: every order is a unit of supply that
// goes either to a team slot (the k-th order a team takes in this batch) or to
// its private "unassigned" sink, whose cost is high enough that an order is
// left unassigned only when no team can take it. The assignment is optimal for
// that model; see MatchBatch for the one constraint checked after solving.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace kepu::matching {

// A half-open interval of time [start_ms, end_ms), milliseconds since the
// epoch.
struct Window {
  int64_t start_ms = 0;
  int64_t end_ms = 0;
};

struct LatLng {
  double lat = 0;
  double lng = 0;
};

// An order waiting for a team.
struct OrderInput {
  std::string id;
  std::string service_line_id;
  // The order's community and every region above it (town, county, city): a
  // team serves the order when one of its service areas is among them.
  std::vector<std::string> area_ids;
  // Where the service takes place, when known (else the community's centre,
  // when known).
  std::optional<LatLng> location;
  // When the service could take place (1 to 3, sorted, not overlapping).
  std::vector<Window> windows;
  int expected_attendees = 1;
  // How long the order has waited for a team so far (since it was claimed).
  int64_t waited_ms = 0;
  // Teams never to offer this order again (declined, let lapse, withdrew).
  std::vector<std::string> excluded_team_ids;
};

// A team that may take orders.
struct TeamInput {
  std::string id;
  std::vector<std::string> service_line_ids;
  std::vector<std::string> service_area_ids;
  std::optional<LatLng> base;
  // How many more orders the team may hold now (capacity minus the orders it
  // holds ACCEPTED, IN_SERVICE or OFFERED). 0: no candidate for anything.
  int free_capacity = 0;
  // The windows of the orders the team already holds: a team is free in an
  // order's window when the window overlaps none of these.
  std::vector<Window> busy;
  // Orders the team took on in the last 7 days (accepted or offered): the
  // load-balance term starts from here.
  int recent_orders = 0;
  // History, for the rating and reliability terms.
  int ratings = 0;
  double mean_rating = 0;  // 1 to 5, meaningful when ratings > 0
  int offers_received = 0;
  int offers_accepted = 0;
};

// The cost of giving order o to team t as the k-th order t takes in the batch
// (k = 0, 1, ...), lower is better; every term is documented with its weight
// in the README ("How the matching engine chooses"):
//   distance    = distance_per_km * km(o.location, t.base), or
//                 unknown_distance_km * distance_per_km when either is unknown
//   load        = load_per_order * (t.recent_orders + k)
//   rating      = rating_weight * (5 - r) / 4, with r the mean rating shrunk
//                 toward prior_rating by prior_weight pseudo-ratings
//   reliability = reliability_weight * (1 - a), with a the acceptance rate
//                 shrunk toward prior_acceptance by prior_weight pseudo-offers
//   waiting     = -waiting_per_hour * min(hours waited, max_waiting_hours)
// and leaving o unassigned costs unassigned_cost (plus nothing for waiting, so
// an order that waited longer wins a contested team).
struct Weights {
  double distance_per_km = 1.0;
  double unknown_distance_km = 15.0;
  double load_per_order = 2.0;
  double rating_weight = 8.0;
  double reliability_weight = 6.0;
  double waiting_per_hour = 0.5;
  double max_waiting_hours = 72.0;
  double prior_rating = 4.0;
  double prior_acceptance = 0.8;
  double prior_weight = 3.0;
  double unassigned_cost = 1000.0;
  // Candidates per order kept in the graph, cheapest first (0: all).
  int max_candidates_per_order = 0;
  // Runners-up named in an explanation.
  int runners_up = 3;
};

// Why an order went to its team: the terms of its cost (weights applied).
struct Explanation {
  double total_cost = 0;
  // "distance", "load", "rating", "reliability", "waiting".
  std::map<std::string, double> terms;
  // Kilometres from the team's base to the order; negative when unknown.
  double distance_km = -1;
  // How many teams met every hard constraint for this order.
  int candidates = 0;
  // The next best candidates by their own cost, best first (ids).
  std::vector<std::string> runners_up;
};

struct Assignment {
  int order = 0;  // index into the batch's orders
  int team = 0;   // index into the teams
  // The order's window the team is free in (the first such).
  Window window;
  Explanation explanation;
};

struct BatchResult {
  std::vector<Assignment> assignments;
  // Orders no team could take (indexes), in input order.
  std::vector<int> unassigned;
  // Sum of the assignments' costs plus unassigned_cost per unassigned order:
  // the objective the solver minimised.
  double total_cost = 0;
};

// Whether team t may take order o at all: it covers the service line, serves
// one of the order's areas, has free capacity, is not excluded, and is free in
// at least one of the order's windows.
bool IsCandidate(const OrderInput& order, const TeamInput& team);

// The cost terms of giving `order` to `team` as its k-th order in the batch.
Explanation CostOf(const OrderInput& order, const TeamInput& team, int k,
                   const Weights& weights);

// Matches one batch optimally. Hard constraints are never broken: every
// assignment is a candidate pair, no team gets more than free_capacity orders,
// and no team gets two orders whose chosen windows overlap (each other or its
// busy windows) — when the optimal flow would double-book a team, the cheaper
// order keeps the team and the pair of the other is removed and the batch
// solved again.
//
// In detail: each team's orders get their windows cheapest pair first (by
// the pair's cost without the load term; ties: lower order index), each the
// first of its windows overlapping neither the team's busy windows nor the
// windows already given; an order left without one loses that pair. All such
// pairs of a round are removed at once and the batch solved again (only what
// the removal disturbs is searched again), until no team is double-booked.
// The result is optimal for the model without the removed pairs; a removed
// pair is not replaced by a candidate beyond max_candidates_per_order. The
// k-th order of a team (in the same cheapest-first order) is explained with
// the k-th load term.
BatchResult MatchBatch(const std::vector<OrderInput>& orders,
                       const std::vector<TeamInput>& teams,
                       const Weights& weights = {});

// The solver under MatchBatch, exposed for tests and benchmarks.
//
// A bipartite min-cost assignment with capacities and convex slot costs:
// row i may go to column j at cost edges[...].cost, or stay unassigned at
// unassigned_cost; column j takes at most capacity[j] rows, and its k-th row
// costs slot_cost[j][k] more (slot_cost[j] non-decreasing, size capacity[j];
// may be empty for all zeros). Returns, per row, its column or -1.
struct Edge {
  int row = 0;
  int column = 0;
  double cost = 0;
};
struct AssignmentProblem {
  int rows = 0;
  int columns = 0;
  std::vector<Edge> edges;
  std::vector<int> capacity;                   // size columns
  std::vector<std::vector<double>> slot_cost;  // size columns, or empty
  double unassigned_cost = 1e9;
};
struct AssignmentSolution {
  std::vector<int> column_of_row;
  double total_cost = 0;
};
AssignmentSolution SolveAssignment(const AssignmentProblem& problem);

// The baseline of the benchmarks: each row in turn takes its cheapest column
// with room left.
AssignmentSolution SolveGreedy(const AssignmentProblem& problem);

// Great-circle distance in kilometres.
double DistanceKm(const LatLng& a, const LatLng& b);

}  // namespace kepu::matching
