// SolveAssignment and SolveGreedy (matching.h).
//
// The capacitated problem is first turned into a unit one: every "left" node
// takes exactly one "right" node (each right node taken at most once) through
// an edge of its list, or its private option at option_cost. Two ways to do
// it, and the search always runs from the smaller side, as
// scipy.optimize.linear_sum_assignment does by transposing:
//   direct      left = rows, right = team slots (team j's k-th slot, k below
//               its capacity); row i's edge to j becomes one edge per slot,
//               cost e_ij + slot_cost[j][k]; option = unassigned_cost.
//   transposed  left = team slots, right = rows; slot (j, k) reads team j's
//               column of edges plus slot_cost[j][k]; option =
//               unassigned_cost. Both choices of a slot (a row, or the
//               option) are shifted by the same constant against the direct
//               model, so the optimal pairs are the same.
// Slot costs are non-decreasing, so an optimum of the unit problem fills each
// team's cheapest slots first and its cost equals the capacitated model's.
//
// The unit problem is solved exactly by successive shortest augmenting paths
// with potentials (Jonker-Volgenant, in the variant of Crouse 2016 that scipy
// implements): left nodes are added one at a time; each runs Dijkstra over
// reduced costs from the new left node until the cheapest way out is known: a
// free right node, or some left node on the path taking its private option.
// Dense problems (every list holds every right node) scan an array, as scipy
// does; sparse ones use a binary heap. A left node that takes its option is
// never reached again (nobody else has an edge to that option), so it costs
// nothing later on.
#include <algorithm>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

#include "services/matching/matching.h"

namespace kepu::matching {
namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
// right_of_left / left_of_right value: no partner (a left node on its option,
// or not yet added; a right node free).
constexpr int kNone = -1;

// Adjacency lists in compressed sparse row form: list l is the positions
// [begin[l], begin[l + 1]) of target and cost.
struct Lists {
  std::vector<int> begin;
  std::vector<int> target;
  std::vector<double> cost;
};

// Every left node takes one right node through its list (each cost plus the
// node's offset) or its private option at option_cost; every right node is
// taken at most once. When dense, every list holds every right node and
// position begin[l] + r holds right node r (target is then unused).
struct UnitProblem {
  int right_count = 0;
  Lists lists;
  std::vector<int> list_of_left;
  std::vector<double> offset_of_left;
  double option_cost = 0;
  bool dense = false;
};

// Solves a UnitProblem exactly; see the file comment.
class AugmentingPathSolver {
 public:
  explicit AugmentingPathSolver(const UnitProblem& problem)
      : problem_(problem),
        left_count_(static_cast<int>(problem.list_of_left.size())),
        right_of_left_(left_count_, kNone),
        position_of_left_(left_count_, 0),
        left_of_right_(problem.right_count, kNone),
        potential_(problem.right_count, 0.0),
        distance_(problem.right_count, kInfinity),
        predecessor_(problem.right_count, kNone),
        predecessor_position_(problem.right_count, 0),
        settled_mark_(problem.right_count, 0) {
    settled_.reserve(problem.right_count);
    if (problem.dense) remaining_.resize(problem.right_count);
  }

  // Returns, per left node, the right node it takes or kNone for its option.
  std::vector<int> Solve() {
    for (int left = 0; left < left_count_; ++left) {
      const Path path = problem_.dense ? SearchDense(left) : SearchSparse(left);
      UpdatePotentials(path.length);
      Augment(left, path);
      if (!problem_.dense) {
        for (int right : touched_) distance_[right] = kInfinity;
      }
    }
    return right_of_left_;
  }

 private:
  // Where a search ends: at a free right node, or with `option_left` taking
  // its private option.
  struct Path {
    int free_right = kNone;
    int option_left = kNone;
    double length = 0;
  };

  // The reduced cost of left's current edge is zero: its potential follows.
  double LeftPotential(int left) const {
    const int right = right_of_left_[left];
    return problem_.offset_of_left[left] +
           problem_.lists.cost[position_of_left_[left]] - potential_[right];
  }

  // Scipy's loop: one pass over the unsettled right nodes both relaxes the
  // edges of the left node just reached and finds the next node to settle.
  Path SearchDense(int source) {
    const int right_count = problem_.right_count;
    for (int right = 0; right < right_count; ++right) {
      remaining_[right] = right;
      distance_[right] = kInfinity;
    }
    int remaining_count = right_count;
    settled_.clear();
    Path path{kNone, source, problem_.option_cost};
    int left = source;
    double reached = 0;  // distance of the right node `left` was reached by
    double left_potential = 0;
    while (true) {
      const int list_begin = problem_.lists.begin[problem_.list_of_left[left]];
      const double* row = problem_.lists.cost.data() + list_begin;
      const double base =
          reached - left_potential + problem_.offset_of_left[left];
      if (left != source) {
        const double via_option =
            reached - left_potential + problem_.option_cost;
        if (via_option < path.length) path = {kNone, left, via_option};
      }
      double lowest = kInfinity;
      int lowest_index = -1;
      for (int index = 0; index < remaining_count; ++index) {
        const int right = remaining_[index];
        const double through_left = base + row[right] - potential_[right];
        if (through_left < distance_[right]) {
          distance_[right] = through_left;
          predecessor_[right] = left;
          predecessor_position_[right] = list_begin + right;
        }
        if (distance_[right] < lowest ||
            (distance_[right] == lowest && left_of_right_[right] == kNone)) {
          lowest = distance_[right];
          lowest_index = index;
        }
      }
      if (lowest_index < 0 || lowest > path.length) return path;
      const int right = remaining_[lowest_index];
      const bool free = left_of_right_[right] == kNone;
      if (lowest == path.length && !free) return path;
      remaining_[lowest_index] = remaining_[--remaining_count];
      settled_.push_back(right);
      if (free) return {right, kNone, lowest};
      reached = lowest;
      left = left_of_right_[right];
      left_potential = LeftPotential(left);
    }
  }

  // Dijkstra with a binary heap (lazy deletion) over the edges of the lists.
  Path SearchSparse(int source) {
    ++search_;
    heap_.clear();
    touched_.clear();
    settled_.clear();
    Path path{kNone, source, problem_.option_cost};
    int left = source;
    double reached = 0;
    double left_potential = 0;
    while (true) {
      const int list = problem_.list_of_left[left];
      const double base =
          reached - left_potential + problem_.offset_of_left[left];
      if (left != source) {
        const double via_option =
            reached - left_potential + problem_.option_cost;
        if (via_option < path.length) path = {kNone, left, via_option};
      }
      for (int position = problem_.lists.begin[list];
           position < problem_.lists.begin[list + 1]; ++position) {
        const int right = problem_.lists.target[position];
        if (settled_mark_[right] == search_) continue;
        const double through_left =
            base + problem_.lists.cost[position] - potential_[right];
        if (through_left < distance_[right]) {
          if (distance_[right] == kInfinity) touched_.push_back(right);
          distance_[right] = through_left;
          predecessor_[right] = left;
          predecessor_position_[right] = position;
          heap_.emplace_back(through_left, right);
          std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
        }
      }
      int right = kNone;
      while (!heap_.empty()) {
        const auto [distance, candidate] = heap_.front();
        std::pop_heap(heap_.begin(), heap_.end(), std::greater<>());
        heap_.pop_back();
        if (settled_mark_[candidate] != search_ &&
            distance == distance_[candidate]) {
          right = candidate;
          break;
        }
      }
      if (right == kNone) break;
      const double lowest = distance_[right];
      const bool free = left_of_right_[right] == kNone;
      if (lowest > path.length || (lowest == path.length && !free)) break;
      settled_mark_[right] = search_;
      settled_.push_back(right);
      if (free) {
        path = {right, kNone, lowest};
        break;
      }
      reached = lowest;
      left = left_of_right_[right];
      left_potential = LeftPotential(left);
    }
    return path;
  }

  // Keeps every reduced cost non-negative (and zero on the path): the
  // settled nodes move by how much closer than the path's end they were.
  void UpdatePotentials(double path_length) {
    for (int right : settled_) {
      potential_[right] += distance_[right] - path_length;
    }
  }

  void Augment(int source, const Path& path) {
    int right = path.free_right;
    if (path.option_left != kNone) {
      right = right_of_left_[path.option_left];
      right_of_left_[path.option_left] = kNone;
      if (path.option_left == source) return;
    }
    while (true) {
      const int left = predecessor_[right];
      const int previous = right_of_left_[left];
      right_of_left_[left] = right;
      position_of_left_[left] = predecessor_position_[right];
      left_of_right_[right] = left;
      if (left == source) return;
      right = previous;
    }
  }

  const UnitProblem& problem_;
  const int left_count_;
  std::vector<int> right_of_left_;
  std::vector<int> position_of_left_;  // of the edge to right_of_left_
  std::vector<int> left_of_right_;
  std::vector<double> potential_;
  std::vector<double> distance_;
  std::vector<int> predecessor_;
  std::vector<int> predecessor_position_;
  std::vector<int> settled_;
  // Dense search: the unsettled right nodes.
  std::vector<int> remaining_;
  // Sparse search.
  std::vector<unsigned> settled_mark_;
  unsigned search_ = 0;
  std::vector<int> touched_;
  std::vector<std::pair<double, int>> heap_;
};

double SlotCost(const AssignmentProblem& problem, int column, int slot) {
  if (problem.slot_cost.empty()) return 0;
  const std::vector<double>& costs = problem.slot_cost[column];
  return slot < static_cast<int>(costs.size()) ? costs[slot] : 0;
}

bool IsUsable(const AssignmentProblem& problem, const Edge& edge) {
  return edge.row >= 0 && edge.row < problem.rows && edge.column >= 0 &&
         edge.column < problem.columns && problem.capacity[edge.column] > 0 &&
         edge.cost == edge.cost;  // not NaN
}

// The usable edges grouped by row (in input order within a row).
Lists EdgesByRow(const AssignmentProblem& problem) {
  Lists by_row;
  by_row.begin.assign(problem.rows + 1, 0);
  for (const Edge& edge : problem.edges) {
    if (IsUsable(problem, edge)) ++by_row.begin[edge.row + 1];
  }
  for (int row = 0; row < problem.rows; ++row) {
    by_row.begin[row + 1] += by_row.begin[row];
  }
  by_row.target.resize(by_row.begin[problem.rows]);
  by_row.cost.resize(by_row.begin[problem.rows]);
  std::vector<int> cursor(by_row.begin.begin(), by_row.begin.end() - 1);
  for (const Edge& edge : problem.edges) {
    if (!IsUsable(problem, edge)) continue;
    const int position = cursor[edge.row]++;
    by_row.target[position] = edge.column;
    by_row.cost[position] = edge.cost;
  }
  return by_row;
}

// Keeps one edge per (row, column), the cheapest, in place.
void KeepCheapestDuplicate(int columns, Lists& by_row) {
  std::vector<int> position_of_column(columns, -1);
  const int rows = static_cast<int>(by_row.begin.size()) - 1;
  int written = 0;
  int read = 0;
  for (int row = 0; row < rows; ++row) {
    const int row_begin = written;
    for (; read < by_row.begin[row + 1]; ++read) {
      const int column = by_row.target[read];
      const double cost = by_row.cost[read];
      const int seen = position_of_column[column];
      if (seen >= row_begin) {
        by_row.cost[seen] = std::min(by_row.cost[seen], cost);
        continue;
      }
      position_of_column[column] = written;
      by_row.target[written] = column;
      by_row.cost[written] = cost;
      ++written;
    }
    by_row.begin[row] = row_begin;
  }
  by_row.begin[rows] = written;
  by_row.target.resize(written);
  by_row.cost.resize(written);
}

// The same edges grouped by column; targets are rows.
Lists Transpose(int columns, const Lists& by_row) {
  Lists by_column;
  by_column.begin.assign(columns + 1, 0);
  for (int column : by_row.target) ++by_column.begin[column + 1];
  for (int column = 0; column < columns; ++column) {
    by_column.begin[column + 1] += by_column.begin[column];
  }
  by_column.target.resize(by_row.target.size());
  by_column.cost.resize(by_row.cost.size());
  std::vector<int> cursor(by_column.begin.begin(), by_column.begin.end() - 1);
  const int rows = static_cast<int>(by_row.begin.size()) - 1;
  for (int row = 0; row < rows; ++row) {
    for (int position = by_row.begin[row]; position < by_row.begin[row + 1];
         ++position) {
      const int target = cursor[by_row.target[position]]++;
      by_column.target[target] = row;
      by_column.cost[target] = by_row.cost[position];
    }
  }
  return by_column;
}

// When every list holds every right node, lays each list out by right node
// so the dense search can index it directly.
void MakeDenseIfFull(UnitProblem& unit) {
  const Lists& lists = unit.lists;
  const int list_count = static_cast<int>(lists.begin.size()) - 1;
  for (int list = 0; list < list_count; ++list) {
    if (lists.begin[list + 1] - lists.begin[list] != unit.right_count) return;
  }
  std::vector<double> by_right(lists.cost.size());
  for (int list = 0; list < list_count; ++list) {
    for (int position = lists.begin[list]; position < lists.begin[list + 1];
         ++position) {
      by_right[lists.begin[list] + lists.target[position]] =
          lists.cost[position];
    }
  }
  unit.lists.cost = std::move(by_right);
  unit.lists.target.clear();
  unit.dense = true;
}

// The total of column_of_row under the problem's costs.
double TotalCost(const AssignmentProblem& problem, const Lists& by_row,
                 const std::vector<int>& column_of_row) {
  double total = 0;
  std::vector<int> taken(problem.columns, 0);
  for (int row = 0; row < problem.rows; ++row) {
    const int column = column_of_row[row];
    if (column < 0) {
      total += problem.unassigned_cost;
      continue;
    }
    double cheapest = kInfinity;
    for (int position = by_row.begin[row]; position < by_row.begin[row + 1];
         ++position) {
      if (by_row.target[position] == column) {
        cheapest = std::min(cheapest, by_row.cost[position]);
      }
    }
    total += cheapest + SlotCost(problem, column, taken[column]++);
  }
  return total;
}

}  // namespace

AssignmentSolution SolveAssignment(const AssignmentProblem& problem) {
  Lists by_row = EdgesByRow(problem);
  KeepCheapestDuplicate(problem.columns, by_row);

  // A column never takes more rows than it has edges.
  std::vector<int> slots_of_column(problem.columns, 0);
  for (int column : by_row.target) ++slots_of_column[column];
  int slot_count = 0;
  for (int column = 0; column < problem.columns; ++column) {
    slots_of_column[column] = std::max(
        0, std::min(slots_of_column[column], problem.capacity[column]));
    slot_count += slots_of_column[column];
  }

  UnitProblem unit;
  unit.option_cost = problem.unassigned_cost;
  const bool transposed = slot_count <= problem.rows;
  // Direct: the column of each right node (slot). Transposed: the column of
  // each left node (slot).
  std::vector<int> column_of_slot;
  column_of_slot.reserve(slot_count);
  if (transposed) {
    unit.right_count = problem.rows;
    unit.lists = Transpose(problem.columns, by_row);
    // Every column's first slot, then every second slot, ...: cheap slots
    // first keeps the early searches short.
    for (int slot = 0; static_cast<int>(column_of_slot.size()) < slot_count;
         ++slot) {
      for (int column = 0; column < problem.columns; ++column) {
        if (slot >= slots_of_column[column]) continue;
        column_of_slot.push_back(column);
        unit.list_of_left.push_back(column);
        unit.offset_of_left.push_back(SlotCost(problem, column, slot));
      }
    }
  } else {
    unit.right_count = slot_count;
    std::vector<int> first_slot(problem.columns + 1, 0);
    for (int column = 0; column < problem.columns; ++column) {
      first_slot[column + 1] = first_slot[column] + slots_of_column[column];
      column_of_slot.insert(column_of_slot.end(), slots_of_column[column],
                            column);
    }
    unit.lists.begin.assign(1, 0);
    for (int row = 0; row < problem.rows; ++row) {
      for (int position = by_row.begin[row]; position < by_row.begin[row + 1];
           ++position) {
        const int column = by_row.target[position];
        for (int slot = 0; slot < slots_of_column[column]; ++slot) {
          unit.lists.target.push_back(first_slot[column] + slot);
          unit.lists.cost.push_back(by_row.cost[position] +
                                    SlotCost(problem, column, slot));
        }
      }
      unit.lists.begin.push_back(static_cast<int>(unit.lists.target.size()));
      unit.list_of_left.push_back(row);
    }
    unit.offset_of_left.assign(problem.rows, 0.0);
  }
  MakeDenseIfFull(unit);

  const std::vector<int> right_of_left = AugmentingPathSolver(unit).Solve();
  AssignmentSolution solution;
  solution.column_of_row.assign(problem.rows, -1);
  for (int left = 0; left < static_cast<int>(right_of_left.size()); ++left) {
    const int right = right_of_left[left];
    if (right == kNone) continue;
    if (transposed) {
      solution.column_of_row[right] = column_of_slot[left];
    } else {
      solution.column_of_row[left] = column_of_slot[right];
    }
  }
  solution.total_cost = TotalCost(problem, by_row, solution.column_of_row);
  return solution;
}

AssignmentSolution SolveGreedy(const AssignmentProblem& problem) {
  const Lists by_row = EdgesByRow(problem);
  std::vector<int> taken(problem.columns, 0);
  AssignmentSolution solution;
  solution.column_of_row.assign(problem.rows, -1);
  for (int row = 0; row < problem.rows; ++row) {
    int best_column = -1;
    double best_cost = problem.unassigned_cost;
    for (int position = by_row.begin[row]; position < by_row.begin[row + 1];
         ++position) {
      const int column = by_row.target[position];
      if (taken[column] >= problem.capacity[column]) continue;
      const double cost =
          by_row.cost[position] + SlotCost(problem, column, taken[column]);
      if (cost < best_cost) {
        best_cost = cost;
        best_column = column;
      }
    }
    if (best_column >= 0) ++taken[best_column];
    solution.column_of_row[row] = best_column;
  }
  solution.total_cost = TotalCost(problem, by_row, solution.column_of_row);
  return solution;
}

}  // namespace kepu::matching
