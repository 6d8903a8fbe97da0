// SolveAssignment against brute force (small instances) and against a plain
// min-cost flow (medium ones); SolveGreedy against SolveAssignment.
#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>
#include <random>
#include <vector>

#include "gtest/gtest.h"
#include "services/matching/incremental_assignment.h"
#include "services/matching/matching.h"

namespace kepu::matching {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();

double SlotCost(const AssignmentProblem& problem, int column, int slot) {
  if (problem.slot_cost.empty() || problem.slot_cost[column].empty()) return 0;
  return problem.slot_cost[column][slot];
}

// cheapest[row][column]: the cheapest edge, or infinity.
std::vector<std::vector<double>> CheapestEdges(
    const AssignmentProblem& problem) {
  std::vector<std::vector<double>> cheapest(
      problem.rows, std::vector<double>(problem.columns, kInfinity));
  for (const Edge& edge : problem.edges) {
    double& cost = cheapest[edge.row][edge.column];
    cost = std::min(cost, edge.cost);
  }
  return cheapest;
}

// The cost of column_of_row, or infinity when it breaks the model (no edge,
// over capacity).
double CostOfAssignment(const AssignmentProblem& problem,
                        const std::vector<int>& column_of_row) {
  const auto cheapest = CheapestEdges(problem);
  std::vector<int> taken(problem.columns, 0);
  double total = 0;
  for (int row = 0; row < problem.rows; ++row) {
    const int column = column_of_row[row];
    if (column == -1) {
      total += problem.unassigned_cost;
      continue;
    }
    if (column < 0 || column >= problem.columns) return kInfinity;
    if (taken[column] >= problem.capacity[column]) return kInfinity;
    total += cheapest[row][column] + SlotCost(problem, column, taken[column]++);
  }
  return total;
}

// Every assignment, depth first.
double BruteForce(const AssignmentProblem& problem) {
  const auto cheapest = CheapestEdges(problem);
  std::vector<int> taken(problem.columns, 0);
  double best = kInfinity;
  auto visit = [&](auto& self, int row, double cost) -> void {
    if (row == problem.rows) {
      best = std::min(best, cost);
      return;
    }
    self(self, row + 1, cost + problem.unassigned_cost);
    for (int column = 0; column < problem.columns; ++column) {
      if (cheapest[row][column] == kInfinity) continue;
      if (taken[column] >= problem.capacity[column]) continue;
      const double slot = SlotCost(problem, column, taken[column]);
      ++taken[column];
      self(self, row + 1, cost + cheapest[row][column] + slot);
      --taken[column];
    }
  };
  visit(visit, 0, 0.0);
  return best;
}

// An independent reference: min-cost flow by successive Bellman-Ford
// (queue-based) shortest paths on the explicit graph source -> row -> column
// -> slot arc -> sink, with row -> sink at unassigned_cost. Slow, simple.
double MinCostFlow(const AssignmentProblem& problem) {
  struct Arc {
    int to;
    int capacity;
    double cost;
  };
  std::vector<Arc> arcs;
  const int source = problem.rows + problem.columns;
  const int sink = source + 1;
  std::vector<std::vector<int>> out(sink + 1);
  auto add = [&](int from, int to, double cost) {
    out[from].push_back(static_cast<int>(arcs.size()));
    arcs.push_back({to, 1, cost});
    out[to].push_back(static_cast<int>(arcs.size()));
    arcs.push_back({from, 0, -cost});
  };
  const auto cheapest = CheapestEdges(problem);
  for (int row = 0; row < problem.rows; ++row) {
    add(source, row, 0);
    add(row, sink, problem.unassigned_cost);
    for (int column = 0; column < problem.columns; ++column) {
      if (cheapest[row][column] < kInfinity) {
        add(row, problem.rows + column, cheapest[row][column]);
      }
    }
  }
  for (int column = 0; column < problem.columns; ++column) {
    for (int slot = 0; slot < problem.capacity[column]; ++slot) {
      add(problem.rows + column, sink, SlotCost(problem, column, slot));
    }
  }
  double total = 0;
  for (int unit = 0; unit < problem.rows; ++unit) {
    std::vector<double> distance(sink + 1, kInfinity);
    std::vector<int> via(sink + 1, -1);
    std::vector<bool> queued(sink + 1, false);
    std::deque<int> queue = {source};
    distance[source] = 0;
    while (!queue.empty()) {
      const int node = queue.front();
      queue.pop_front();
      queued[node] = false;
      for (int arc : out[node]) {
        const Arc& a = arcs[arc];
        if (a.capacity == 0 ||
            distance[node] + a.cost >= distance[a.to] - 1e-12)
          continue;
        distance[a.to] = distance[node] + a.cost;
        via[a.to] = arc;
        if (!queued[a.to]) {
          queued[a.to] = true;
          queue.push_back(a.to);
        }
      }
    }
    total += distance[sink];
    for (int node = sink; node != source; node = arcs[via[node] ^ 1].to) {
      --arcs[via[node]].capacity;
      ++arcs[via[node] ^ 1].capacity;
    }
  }
  return total;
}

struct Shape {
  int max_rows;
  int max_columns;
  int max_capacity;
  double edge_probability;  // negative: draw one per instance
};

AssignmentProblem RandomProblem(std::mt19937& random, const Shape& shape) {
  AssignmentProblem problem;
  problem.rows = std::uniform_int_distribution(0, shape.max_rows)(random);
  problem.columns = std::uniform_int_distribution(0, shape.max_columns)(random);
  const double probability =
      shape.edge_probability >= 0
          ? shape.edge_probability
          : std::uniform_real_distribution(0.0, 1.0)(random);
  // Integer costs half of the time, to make ties.
  const bool integral = random() % 2 == 0;
  auto cost = [&](double low, double high) {
    const double value = std::uniform_real_distribution(low, high)(random);
    return integral ? std::floor(value) : value;
  };
  std::bernoulli_distribution has_edge(probability);
  for (int row = 0; row < problem.rows; ++row) {
    for (int column = 0; column < problem.columns; ++column) {
      if (!has_edge(random)) continue;
      problem.edges.push_back({row, column, cost(-5, 20)});
      if (random() % 8 == 0) {  // a duplicate
        problem.edges.push_back({row, column, cost(-5, 20)});
      }
    }
  }
  std::shuffle(problem.edges.begin(), problem.edges.end(), random);
  const bool with_slot_costs = random() % 4 != 0;
  for (int column = 0; column < problem.columns; ++column) {
    const int capacity =
        std::uniform_int_distribution(0, shape.max_capacity)(random);
    problem.capacity.push_back(capacity);
    if (!with_slot_costs) continue;
    std::vector<double> slots;
    for (int slot = 0; slot < capacity; ++slot) slots.push_back(cost(0, 6));
    std::sort(slots.begin(), slots.end());
    problem.slot_cost.push_back(slots);
  }
  problem.unassigned_cost = cost(0, 30);
  return problem;
}

// 1 to 7 rows, 1 to max_columns columns, every pair an edge costing up to
// max_cost; capacities left to the caller.
AssignmentProblem RandomFullProblem(std::mt19937& random, int max_columns,
                                    double max_cost) {
  AssignmentProblem problem;
  problem.rows = std::uniform_int_distribution(1, 7)(random);
  problem.columns = std::uniform_int_distribution(1, max_columns)(random);
  for (int row = 0; row < problem.rows; ++row) {
    for (int column = 0; column < problem.columns; ++column) {
      problem.edges.push_back(
          {row, column, std::uniform_real_distribution(0.0, max_cost)(random)});
    }
  }
  return problem;
}

// The solution is a valid assignment whose cost is its total.
void ExpectConsistent(const AssignmentProblem& problem,
                      const AssignmentSolution& solution) {
  ASSERT_EQ(static_cast<int>(solution.column_of_row.size()), problem.rows);
  const double cost = CostOfAssignment(problem, solution.column_of_row);
  ASSERT_LT(cost, kInfinity) << "breaks an edge or a capacity";
  EXPECT_NEAR(cost, solution.total_cost, 1e-9);
}

// SolveAssignment's answer is a valid assignment costing what `reference`
// says the optimum costs.
template <typename Reference>
void ExpectSolvedAs(const AssignmentProblem& problem, Reference reference,
                    double tolerance) {
  const AssignmentSolution solution = SolveAssignment(problem);
  ExpectConsistent(problem, solution);
  EXPECT_NEAR(solution.total_cost, reference(problem), tolerance);
}

TEST(SolveAssignment, EqualsBruteForceOnSmallRandomInstances) {
  std::mt19937 random(20240611);
  for (int instance = 0; instance < 600; ++instance) {
    SCOPED_TRACE(instance);
    const Shape shape{7, 4, 3, instance % 4 == 0 ? 1.0 : -1.0};
    const AssignmentProblem problem = RandomProblem(random, shape);
    ExpectSolvedAs(problem, BruteForce, 1e-9);
  }
}

TEST(SolveAssignment, EqualsBruteForceOnSmallFullInstances) {
  // Full matrices take the dense search, in both orientations (more rows
  // than slots and fewer); every other one has capacities up to 3 and slot
  // costs.
  std::mt19937 random(7);
  for (int instance = 0; instance < 300; ++instance) {
    SCOPED_TRACE(instance);
    AssignmentProblem problem = RandomFullProblem(random, 7, 100.0);
    problem.capacity.assign(problem.columns, 1);
    if (instance % 2 == 1) {
      for (int column = 0; column < problem.columns; ++column) {
        problem.capacity[column] = std::uniform_int_distribution(1, 3)(random);
        std::vector<double> slots;
        for (int slot = 0; slot < problem.capacity[column]; ++slot) {
          slots.push_back(std::uniform_real_distribution(0.0, 30.0)(random));
        }
        std::sort(slots.begin(), slots.end());
        problem.slot_cost.push_back(slots);
      }
    }
    problem.unassigned_cost = instance % 4 < 2 ? 1000.0 : 40.0;
    ExpectSolvedAs(problem, BruteForce, 1e-9);
  }
}

TEST(SolveAssignment, EqualsMinCostFlowOnMediumRandomInstances) {
  std::mt19937 random(99);
  for (int instance = 0; instance < 60; ++instance) {
    SCOPED_TRACE(instance);
    const Shape shape{60, 25, 4, instance % 3 == 0 ? 1.0 : 0.15};
    const AssignmentProblem problem = RandomProblem(random, shape);
    ExpectSolvedAs(problem, MinCostFlow, 1e-7);
  }
}

// Solves `problem` incrementally over a few rounds, removing after each one
// pair in `one_in` of those the solution used (and sometimes a random pair);
// every answer must be consistent with, and cost as much as `reference` says
// for, the problem without the pairs removed so far.
template <typename Reference>
void ExpectIncrementalMatches(std::mt19937& random,
                              const AssignmentProblem& problem, int one_in,
                              Reference reference, double tolerance) {
  IncrementalAssignment incremental(problem);
  AssignmentProblem remaining = problem;
  for (int round = 0; round < 4; ++round) {
    SCOPED_TRACE(round);
    const AssignmentSolution solution = incremental.Solve();
    ExpectConsistent(remaining, solution);
    EXPECT_NEAR(solution.total_cost, reference(remaining), tolerance);
    std::vector<std::pair<int, int>> removed;
    for (int row = 0; row < problem.rows; ++row) {
      const int column = solution.column_of_row[row];
      if (column >= 0 && random() % one_in == 0) {
        removed.emplace_back(row, column);
      }
    }
    if (problem.rows > 0 && problem.columns > 0 && random() % 2 == 0) {
      removed.emplace_back(random() % problem.rows, random() % problem.columns);
    }
    incremental.RemovePairs(removed);
    std::erase_if(remaining.edges, [&](const Edge& edge) {
      return std::find(removed.begin(), removed.end(),
                       std::pair(edge.row, edge.column)) != removed.end();
    });
  }
}

TEST(IncrementalAssignment, EqualsBruteForceAfterPairsAreRemoved) {
  std::mt19937 random(1234);
  for (int instance = 0; instance < 300; ++instance) {
    SCOPED_TRACE(instance);
    const Shape shape{7, 4, 3, instance % 4 == 0 ? 1.0 : -1.0};
    ExpectIncrementalMatches(random, RandomProblem(random, shape), 2,
                             BruteForce, 1e-9);
  }
}

TEST(IncrementalAssignment, EqualsBruteForceOnFullMatricesAfterRemovals) {
  // Every pair present and every capacity 1 to 3: the dense search, in both
  // orientations, with removals written into its matrix.
  std::mt19937 random(4321);
  for (int instance = 0; instance < 200; ++instance) {
    SCOPED_TRACE(instance);
    AssignmentProblem problem = RandomFullProblem(random, 4, 50.0);
    for (int column = 0; column < problem.columns; ++column) {
      problem.capacity.push_back(std::uniform_int_distribution(1, 3)(random));
    }
    problem.unassigned_cost = 60;
    ExpectIncrementalMatches(random, problem, 2, BruteForce, 1e-9);
  }
}

TEST(IncrementalAssignment, EqualsMinCostFlowOnMediumInstancesAfterRemovals) {
  std::mt19937 random(555);
  for (int instance = 0; instance < 40; ++instance) {
    SCOPED_TRACE(instance);
    const Shape shape{60, 25, 4, instance % 3 == 0 ? 1.0 : 0.15};
    ExpectIncrementalMatches(random, RandomProblem(random, shape), 4,
                             MinCostFlow, 1e-7);
  }
}

TEST(SolveAssignment, RowWithoutEdgesStaysUnassigned) {
  AssignmentProblem problem;
  problem.rows = 2;
  problem.columns = 1;
  problem.capacity = {1};
  problem.edges = {{0, 0, 3.0}};
  problem.unassigned_cost = 50;
  const AssignmentSolution solution = SolveAssignment(problem);
  EXPECT_EQ(solution.column_of_row, (std::vector<int>{0, -1}));
  EXPECT_DOUBLE_EQ(solution.total_cost, 53.0);
}

TEST(SolveAssignment, DuplicateEdgesCountTheirCheapest) {
  AssignmentProblem problem;
  problem.rows = 1;
  problem.columns = 1;
  problem.capacity = {1};
  problem.edges = {{0, 0, 9.0}, {0, 0, 2.0}, {0, 0, 5.0}};
  problem.unassigned_cost = 4;
  const AssignmentSolution solution = SolveAssignment(problem);
  EXPECT_EQ(solution.column_of_row, (std::vector<int>{0}));
  EXPECT_DOUBLE_EQ(solution.total_cost, 2.0);
}

TEST(SolveAssignment, ConvexSlotCostsSpreadRows) {
  // Two rows, two columns of capacity 2, every edge costs 1: the second slot
  // of a column costs 10, so each column takes one row.
  AssignmentProblem problem;
  problem.rows = 2;
  problem.columns = 2;
  problem.capacity = {2, 2};
  problem.slot_cost = {{0, 10}, {0, 10}};
  problem.edges = {{0, 0, 1}, {0, 1, 1}, {1, 0, 1}, {1, 1, 1}};
  problem.unassigned_cost = 100;
  const AssignmentSolution solution = SolveAssignment(problem);
  EXPECT_NE(solution.column_of_row[0], solution.column_of_row[1]);
  EXPECT_DOUBLE_EQ(solution.total_cost, 2.0);
}

TEST(SolveGreedy, NeverBeatsTheSolver) {
  std::mt19937 random(4242);
  for (int instance = 0; instance < 300; ++instance) {
    SCOPED_TRACE(instance);
    const AssignmentProblem problem =
        RandomProblem(random, Shape{20, 8, 3, -1.0});
    const AssignmentSolution greedy = SolveGreedy(problem);
    ExpectConsistent(problem, greedy);
    EXPECT_GE(greedy.total_cost, SolveAssignment(problem).total_cost - 1e-9);
  }
}

TEST(SolveGreedy, IsWorseWhenTheFirstRowTakesWhatTheSecondNeeds) {
  // Row 0 takes column 0 (cost 1) and leaves row 1 only column 1 (cost 10);
  // the optimum gives row 0 column 1 (cost 2) and row 1 column 0 (cost 1).
  AssignmentProblem problem;
  problem.rows = 2;
  problem.columns = 2;
  problem.capacity = {1, 1};
  problem.edges = {{0, 0, 1}, {0, 1, 2}, {1, 0, 1}, {1, 1, 10}};
  problem.unassigned_cost = 100;
  EXPECT_DOUBLE_EQ(SolveGreedy(problem).total_cost, 11.0);
  EXPECT_DOUBLE_EQ(SolveAssignment(problem).total_cost, 3.0);
}

}  // namespace
}  // namespace kepu::matching
