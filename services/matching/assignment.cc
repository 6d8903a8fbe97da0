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
// Right potentials start at 0 and only decrease, and free right nodes keep 0,
// which is what makes every free right node (and every option) an equally
// valid end of a path.
//
// Dense problems (every list holds every right node, laid out by right node)
// run scipy's loop: one pass over the unsettled right nodes per step. Sparse
// ones keep each list sorted by cost and use a binary heap; a list's scan
// stops once cost alone reaches the best end found so far (a reduced cost is
// never below base + cost, as potentials are <= 0), and a list already
// scanned from a lower base in this search (another slot of the same team) is
// skipped. A left node that takes its option is never reached again (nobody
// else has an edge to that option), so it costs nothing later on.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <numeric>
#include <optional>
#include <utility>
#include <vector>

#include "services/matching/incremental_assignment.h"
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
// taken at most once. When dense, every list holds every right node, position
// begin[l] + r holds right node r, and target is unused; else every list is
// sorted by cost.
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
  // `problem` must outlive the solver; RemovePositions writes to it.
  explicit AugmentingPathSolver(UnitProblem& problem)
      : problem_(problem),
        processed_(problem.list_of_left.size(), 0),
        right_of_left_(problem.list_of_left.size(), kNone),
        position_of_left_(problem.list_of_left.size(), 0),
        left_of_right_(problem.right_count, kNone),
        potential_(problem.right_count, 0.0),
        distance_(problem.right_count, kInfinity),
        predecessor_(problem.right_count, kNone) {
    settled_.reserve(problem.right_count);
    if (problem.dense) {
      remaining_.resize(problem.right_count);
    } else {
      predecessor_position_.resize(problem.right_count);
      removed_.resize(problem.lists.cost.size());
      settled_mark_.resize(problem.right_count);
      list_mark_.resize(problem.lists.begin.size());
      list_base_.resize(problem.lists.begin.size());
    }
  }

  // Returns, per left node, the right node it takes or kNone for its option.
  // Again after RemovePositions: only the left nodes it disturbed are
  // searched again.
  std::vector<int> Solve() {
    ReduceRows();
    for (int left = 0; left < static_cast<int>(right_of_left_.size()); ++left) {
      if (processed_[left]) continue;
      const Path path = problem_.dense ? SearchDense(left) : SearchSparse(left);
      for (int right : settled_) {
        potential_[right] += distance_[right] - path.length;
      }
      Augment(left, path);
      if (!problem_.dense) {
        for (int right : touched_) distance_[right] = kInfinity;
      }
    }
    return right_of_left_;
  }

  // Removes the edges at these positions of the lists. Every invariant the
  // searches rely on is restored by undoing just enough: a left node that
  // held a removed edge lets its right node go; a right node let go is free,
  // so its potential goes back to 0, which lowers the reduced cost of the
  // edges into it; a left node (matched, or on its option) that sees one
  // below 0 is unprocessed again and lets its own right node go; and so on.
  void RemovePositions(const std::vector<int>& positions) {
    for (int position : positions) {
      if (problem_.dense) {
        problem_.lists.cost[position] = kInfinity;
      } else {
        removed_[position] = 1;
      }
    }
    std::vector<int> let_go;
    for (int left = 0; left < static_cast<int>(right_of_left_.size()); ++left) {
      if (right_of_left_[left] != kNone && IsRemoved(position_of_left_[left])) {
        Unprocess(left, let_go);
      }
    }
    if (!let_go.empty()) IndexEdgesIntoRights();
    while (!let_go.empty()) {
      const int right = let_go.back();
      let_go.pop_back();
      potential_[right] = 0;
      for (int index = into_begin_[right]; index < into_begin_[right + 1];
           ++index) {
        const int position = into_position_[index];
        if (IsRemoved(position)) continue;
        const int list = list_of_position_[index];
        for (int at = lefts_begin_[list]; at < lefts_begin_[list + 1]; ++at) {
          const int left = lefts_of_list_[at];
          if (!processed_[left]) continue;
          const double left_potential = right_of_left_[left] == kNone
                                            ? problem_.option_cost
                                            : LeftPotential(left);
          if (problem_.offset_of_left[left] + problem_.lists.cost[position] -
                  left_potential <
              0) {
            Unprocess(left, let_go);
          }
        }
      }
    }
  }

 private:
  bool IsRemoved(int position) const {
    return problem_.dense ? problem_.lists.cost[position] == kInfinity
                          : removed_[position] != 0;
  }

  void Unprocess(int left, std::vector<int>& let_go) {
    processed_[left] = 0;
    const int right = right_of_left_[left];
    if (right == kNone) return;
    right_of_left_[left] = kNone;
    left_of_right_[right] = kNone;
    let_go.push_back(right);
  }

  // Which positions hold each right node, and which left nodes read each
  // list (built once, on the first removal).
  void IndexEdgesIntoRights() {
    if (!into_begin_.empty()) return;
    const Lists& lists = problem_.lists;
    const int list_count = static_cast<int>(lists.begin.size()) - 1;
    auto right_at = [&](int list, int position) {
      return problem_.dense ? position - lists.begin[list]
                            : lists.target[position];
    };
    into_begin_.assign(problem_.right_count + 1, 0);
    for (int list = 0; list < list_count; ++list) {
      for (int position = lists.begin[list]; position < lists.begin[list + 1];
           ++position) {
        ++into_begin_[right_at(list, position) + 1];
      }
    }
    std::partial_sum(into_begin_.begin(), into_begin_.end(),
                     into_begin_.begin());
    into_position_.resize(into_begin_.back());
    list_of_position_.resize(into_begin_.back());
    std::vector<int> cursor(into_begin_.begin(), into_begin_.end() - 1);
    for (int list = 0; list < list_count; ++list) {
      for (int position = lists.begin[list]; position < lists.begin[list + 1];
           ++position) {
        const int index = cursor[right_at(list, position)]++;
        into_position_[index] = position;
        list_of_position_[index] = list;
      }
    }
    lefts_begin_.assign(list_count + 1, 0);
    for (int list : problem_.list_of_left) ++lefts_begin_[list + 1];
    std::partial_sum(lefts_begin_.begin(), lefts_begin_.end(),
                     lefts_begin_.begin());
    lefts_of_list_.resize(problem_.list_of_left.size());
    cursor.assign(lefts_begin_.begin(), lefts_begin_.end() - 1);
    for (int left = 0; left < static_cast<int>(problem_.list_of_left.size());
         ++left) {
      lefts_of_list_[cursor[problem_.list_of_left[left]]++] = left;
    }
  }

  // Where a search ends: at a free right node, or with `option_left` taking
  // its private option.
  struct Path {
    int free_right = kNone;
    int option_left = kNone;
    double length = 0;
  };

  // The two cheapest choices of a left node by reduced cost (its potential
  // taken as 0): right nodes, or its option (right kNone).
  struct Bid {
    double best = kInfinity;
    int best_right = kNone;
    int best_position = 0;
    double second = kInfinity;
    int second_right = kNone;
    int second_position = 0;
  };

  Bid BidOf(int left) const {
    const Lists& lists = problem_.lists;
    const int list = problem_.list_of_left[left];
    const double offset = problem_.offset_of_left[left];
    Bid bid;
    auto consider = [&](int right, int position) {
      const double reduced = offset + lists.cost[position] - potential_[right];
      if (reduced < bid.best) {
        bid.second = bid.best;
        bid.second_right = bid.best_right;
        bid.second_position = bid.best_position;
        bid.best = reduced;
        bid.best_right = right;
        bid.best_position = position;
      } else if (reduced < bid.second) {
        bid.second = reduced;
        bid.second_right = right;
        bid.second_position = position;
      }
    };
    if (problem_.dense) {
      for (int right = 0; right < problem_.right_count; ++right) {
        consider(right, lists.begin[list] + right);
      }
    } else {
      for (int position = lists.begin[list]; position < lists.begin[list + 1];
           ++position) {
        if (!removed_[position]) consider(lists.target[position], position);
      }
    }
    if (problem_.option_cost < bid.second) {
      bid.second = problem_.option_cost;
      bid.second_right = kNone;
    }
    return bid;
  }

  // Jonker-Volgenant's augmenting row reduction, two passes: a free left
  // node takes its cheapest right node and lowers that node's potential by
  // its margin over the second cheapest choice, evicting the previous holder.
  // Potentials only go down, and only on right nodes that stay matched, so
  // free right nodes keep 0 and every matched left node's edges keep
  // non-negative reduced costs (its potential is its second cheapest choice,
  // at most its option): the searches that follow start from a valid state
  // with most left nodes matched. Left nodes whose best choice is their
  // option, or a tie with it, are left to the searches.
  void ReduceRows() {
    std::vector<int> free;
    for (int left = 0; left < static_cast<int>(processed_.size()); ++left) {
      if (!processed_[left]) free.push_back(left);
    }
    int free_count = static_cast<int>(free.size());
    // Each step is valid on its own, so the phase may stop anywhere: the
    // budget bounds long eviction chains.
    int64_t budget = 8 * int64_t{free_count} + 64;
    for (int pass = 0; pass < 2; ++pass) {
      const int to_visit = free_count;
      free_count = 0;
      for (int index = 0; index < to_visit;) {
        if (--budget < 0) return;
        const int left = free[index++];
        const Bid bid = BidOf(left);
        if (bid.best_right == kNone || bid.best >= problem_.option_cost) {
          free[free_count++] = left;
          continue;
        }
        int right = bid.best_right;
        int position = bid.best_position;
        int evicted = left_of_right_[right];
        // Lowered by a margin the double can hold (an ulp would livelock).
        const double lowered = potential_[right] - (bid.second - bid.best);
        const bool lowers = lowered < potential_[right];
        if (lowers) {
          potential_[right] = lowered;
        } else if (evicted != kNone) {
          if (bid.second_right == kNone) {
            free[free_count++] = left;
            continue;
          }
          right = bid.second_right;
          position = bid.second_position;
          evicted = left_of_right_[right];
        }
        right_of_left_[left] = right;
        position_of_left_[left] = position;
        left_of_right_[right] = left;
        processed_[left] = 1;
        if (evicted == kNone) continue;
        right_of_left_[evicted] = kNone;
        processed_[evicted] = 0;
        if (lowers) {
          free[--index] = evicted;  // bid again at once
        } else {
          free[free_count++] = evicted;
        }
      }
    }
  }

  // A search reached `left` with `gap` = its distance minus its potential:
  // ending there with `left` taking its option may beat `path`. Returns the
  // base that left's list costs add to.
  double ReachLeft(int source, int left, double gap, Path& path) const {
    const double via_option = gap + problem_.option_cost;
    if (left != source && via_option < path.length) {
      path = {kNone, left, via_option};
    }
    return gap + problem_.offset_of_left[left];
  }

  // The reduced cost of left's current edge is zero: its potential follows.
  double LeftPotential(int left) const {
    const int right = right_of_left_[left];
    return problem_.offset_of_left[left] +
           problem_.lists.cost[position_of_left_[left]] - potential_[right];
  }

  // Scipy's loop: one pass over the unsettled right nodes both relaxes the
  // edges of the left node just reached and finds the next node to settle
  // (preferring a free one on ties, which ends the search).
  Path SearchDense(int source) {
    const int right_count = problem_.right_count;
    int* const remaining = remaining_.data();
    double* const distance = distance_.data();
    int* const predecessor = predecessor_.data();
    const double* const potential = potential_.data();
    const int* const left_of_right = left_of_right_.data();
    std::iota(remaining, remaining + right_count, 0);
    std::fill(distance, distance + right_count, kInfinity);
    int remaining_count = right_count;
    settled_.clear();
    Path path{kNone, source, problem_.option_cost};
    int left = source;
    double reached = 0;  // distance of the right node `left` was reached by
    double left_potential = 0;
    while (true) {
      const double* const row =
          problem_.lists.cost.data() +
          problem_.lists.begin[problem_.list_of_left[left]];
      const double base =
          ReachLeft(source, left, reached - left_potential, path);
      double lowest = kInfinity;
      int lowest_index = -1;
      for (int index = 0; index < remaining_count; ++index) {
        const int right = remaining[index];
        const double through_left = base + row[right] - potential[right];
        if (through_left < distance[right]) {
          distance[right] = through_left;
          predecessor[right] = left;
        }
        if (distance[right] < lowest ||
            (distance[right] == lowest && left_of_right[right] == kNone)) {
          lowest = distance[right];
          lowest_index = index;
        }
      }
      if (lowest_index < 0 || lowest > path.length) return path;
      const int right = remaining[lowest_index];
      const bool free = left_of_right[right] == kNone;
      if (lowest == path.length && !free) return path;
      remaining[lowest_index] = remaining[--remaining_count];
      settled_.push_back(right);
      if (free) return {right, kNone, lowest};
      reached = lowest;
      left = left_of_right[right];
      left_potential = LeftPotential(left);
    }
  }

  // Dijkstra with a binary heap (lazy deletion) over the sorted lists.
  Path SearchSparse(int source) {
    ++search_;
    heap_.clear();
    touched_.clear();
    settled_.clear();
    Path path{kNone, source, problem_.option_cost};
    // No path ends below this: the best option or free right node seen.
    double bound = path.length;
    int left = source;
    double reached = 0;
    double left_potential = 0;
    while (true) {
      const int list = problem_.list_of_left[left];
      const double base =
          ReachLeft(source, left, reached - left_potential, path);
      bound = std::min(bound, path.length);
      if (list_mark_[list] != search_ || base < list_base_[list]) {
        list_mark_[list] = search_;
        list_base_[list] = base;
        RelaxSorted(left, list, base, bound);
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
      if (right == kNone) return path;
      const double lowest = distance_[right];
      const bool free = left_of_right_[right] == kNone;
      if (lowest > path.length || (lowest == path.length && !free)) {
        return path;
      }
      settled_mark_[right] = search_;
      settled_.push_back(right);
      if (free) return {right, kNone, lowest};
      reached = lowest;
      left = left_of_right_[right];
      left_potential = LeftPotential(left);
    }
  }

  // Relaxes left's list from `base`, cheapest first, until no entry can come
  // below `bound` (which it lowers when it reaches a free right node).
  void RelaxSorted(int left, int list, double base, double& bound) {
    const Lists& lists = problem_.lists;
    for (int position = lists.begin[list]; position < lists.begin[list + 1];
         ++position) {
      const double cost = base + lists.cost[position];
      if (cost >= bound) return;
      const int right = lists.target[position];
      if (settled_mark_[right] == search_ || removed_[position]) continue;
      const double through_left = cost - potential_[right];
      if (through_left >= distance_[right] || through_left >= bound) continue;
      if (distance_[right] == kInfinity) touched_.push_back(right);
      distance_[right] = through_left;
      predecessor_[right] = left;
      predecessor_position_[right] = position;
      heap_.emplace_back(through_left, right);
      std::push_heap(heap_.begin(), heap_.end(), std::greater<>());
      if (left_of_right_[right] == kNone) {
        bound = std::min(bound, through_left);
      }
    }
  }

  void Augment(int source, const Path& path) {
    processed_[source] = 1;
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
      position_of_left_[left] =
          problem_.dense
              ? problem_.lists.begin[problem_.list_of_left[left]] + right
              : predecessor_position_[right];
      left_of_right_[right] = left;
      if (left == source) return;
      right = previous;
    }
  }

  UnitProblem& problem_;
  // A left node is processed when it holds a right node or its option by a
  // search (or ReduceRows); Solve runs for the others.
  std::vector<unsigned char> processed_;
  std::vector<int> right_of_left_;
  std::vector<int> position_of_left_;  // of the edge to right_of_left_
  std::vector<int> left_of_right_;
  std::vector<double> potential_;
  std::vector<double> distance_;
  std::vector<int> predecessor_;
  std::vector<int> settled_;
  // Dense search: the unsettled right nodes.
  std::vector<int> remaining_;
  // Sparse search.
  std::vector<int> predecessor_position_;
  unsigned search_ = 0;
  std::vector<unsigned> settled_mark_;  // == search_: settled in this search
  std::vector<unsigned> list_mark_;     // == search_: scanned in this search
  std::vector<double> list_base_;       // the lowest base it was scanned from
  std::vector<int> touched_;
  std::vector<std::pair<double, int>> heap_;
  std::vector<unsigned char> removed_;  // sparse: edges removed, by position
  // Built on the first removal: the positions holding each right node (with
  // their list), and the left nodes reading each list.
  std::vector<int> into_begin_;
  std::vector<int> into_position_;
  std::vector<int> list_of_position_;
  std::vector<int> lefts_begin_;
  std::vector<int> lefts_of_list_;
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

// The cheapest cost of every (row, column) when every pair has a usable edge,
// row-major or column-major; else nothing.
std::optional<std::vector<double>> FullMatrix(const AssignmentProblem& problem,
                                              bool column_major) {
  const int64_t cells = int64_t{problem.rows} * problem.columns;
  if (cells == 0 || cells >= std::numeric_limits<int>::max() ||
      static_cast<int64_t>(problem.edges.size()) < cells) {
    return std::nullopt;
  }
  std::vector<double> matrix(cells, kInfinity);
  int64_t filled = 0;
  for (const Edge& edge : problem.edges) {
    if (!IsUsable(problem, edge)) continue;
    double& cell =
        matrix[column_major
                   ? int64_t{edge.column} * problem.rows + edge.row
                   : int64_t{edge.row} * problem.columns + edge.column];
    if (cell == kInfinity) ++filled;
    cell = std::min(cell, edge.cost);
  }
  if (filled != cells) return std::nullopt;
  return matrix;
}

// The usable edges grouped by row (in input order within a row).
Lists EdgesByRow(const AssignmentProblem& problem) {
  Lists by_row;
  by_row.begin.assign(problem.rows + 1, 0);
  for (const Edge& edge : problem.edges) {
    if (IsUsable(problem, edge)) ++by_row.begin[edge.row + 1];
  }
  std::partial_sum(by_row.begin.begin(), by_row.begin.end(),
                   by_row.begin.begin());
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
  std::partial_sum(by_column.begin.begin(), by_column.begin.end(),
                   by_column.begin.begin());
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

void SortEveryListByCost(Lists& lists) {
  std::vector<std::pair<double, int>> entries;
  for (size_t list = 0; list + 1 < lists.begin.size(); ++list) {
    entries.clear();
    for (int position = lists.begin[list]; position < lists.begin[list + 1];
         ++position) {
      entries.emplace_back(lists.cost[position], lists.target[position]);
    }
    std::sort(entries.begin(), entries.end());
    int position = lists.begin[list];
    for (const auto& [cost, target] : entries) {
      lists.cost[position] = cost;
      lists.target[position++] = target;
    }
  }
}

// How many rows each column can take: its capacity, or its edge count when
// lower.
std::vector<int> SlotsOfColumn(const AssignmentProblem& problem,
                               const std::vector<int>& edges_of_column) {
  std::vector<int> slots(problem.columns);
  for (int column = 0; column < problem.columns; ++column) {
    slots[column] = std::max(
        0, std::min(edges_of_column[column], problem.capacity[column]));
  }
  return slots;
}

// The left nodes of the transposed orientation: every column's first slot,
// then every second slot, ... (cheap slots first keeps early searches short).
// Returns the column of each.
std::vector<int> AddSlotsAsLeft(const AssignmentProblem& problem,
                                const std::vector<int>& slots_of_column,
                                UnitProblem& unit) {
  const int slot_count =
      std::accumulate(slots_of_column.begin(), slots_of_column.end(), 0);
  std::vector<int> column_of_slot;
  for (int slot = 0; static_cast<int>(column_of_slot.size()) < slot_count;
       ++slot) {
    for (int column = 0; column < problem.columns; ++column) {
      if (slot >= slots_of_column[column]) continue;
      column_of_slot.push_back(column);
      unit.list_of_left.push_back(column);
      unit.offset_of_left.push_back(SlotCost(problem, column, slot));
    }
  }
  return column_of_slot;
}

// The right nodes of the direct orientation: the column of each slot, and
// the first slot of each column.
std::vector<int> SlotsAsRight(const std::vector<int>& slots_of_column,
                              std::vector<int>& first_slot) {
  std::vector<int> column_of_slot;
  first_slot.assign(slots_of_column.size() + 1, 0);
  for (size_t column = 0; column < slots_of_column.size(); ++column) {
    first_slot[column + 1] = first_slot[column] + slots_of_column[column];
    column_of_slot.insert(column_of_slot.end(), slots_of_column[column],
                          static_cast<int>(column));
  }
  return column_of_slot;
}

// The total of column_of_row, given the cheapest edge cost of a pair.
template <typename PairCost>
double TotalCost(const AssignmentProblem& problem,
                 const std::vector<int>& column_of_row, PairCost pair_cost) {
  double total = 0;
  std::vector<int> taken(problem.columns, 0);
  for (int row = 0; row < problem.rows; ++row) {
    const int column = column_of_row[row];
    if (column < 0) {
      total += problem.unassigned_cost;
      continue;
    }
    total +=
        pair_cost(row, column) + SlotCost(problem, column, taken[column]++);
  }
  return total;
}

// The cheapest edge of (row, column) in lists grouped by row.
double CheapestEdge(const Lists& by_row, int row, int column) {
  double cheapest = kInfinity;
  for (int position = by_row.begin[row]; position < by_row.begin[row + 1];
       ++position) {
    if (by_row.target[position] == column) {
      cheapest = std::min(cheapest, by_row.cost[position]);
    }
  }
  return cheapest;
}

}  // namespace

// The unit problem built from an AssignmentProblem, its solver, and how to
// map back.
struct IncrementalAssignment::State {
  const AssignmentProblem& problem;
  UnitProblem unit;
  bool transposed = false;
  std::vector<int> slots_of_column;
  std::vector<int> column_of_slot;
  std::vector<int> first_slot;  // direct: the first right node of a column
  // Full: pair costs by row (or by column when transposed), when the unit's
  // lists hold something else (slot costs added); else the unit's own.
  std::vector<double> matrix;
  Lists by_row;  // sparse: the edges, one per pair, for the totals
  std::unique_ptr<AugmentingPathSolver> solver;

  explicit State(const AssignmentProblem& assignment_problem)
      : problem(assignment_problem) {
    unit.option_cost = problem.unassigned_cost;
    if (!BuildFull()) BuildSparse();
    solver = std::make_unique<AugmentingPathSolver>(unit);
  }

  const std::vector<double>& Matrix() const {
    return matrix.empty() ? unit.lists.cost : matrix;
  }

  double PairCost(int row, int column) const {
    if (!unit.dense) return CheapestEdge(by_row, row, column);
    return transposed ? Matrix()[int64_t{column} * problem.rows + row]
                      : Matrix()[int64_t{row} * problem.columns + column];
  }

  // A full matrix: no lists to build, only the layout to choose.
  bool BuildFull() {
    slots_of_column =
        SlotsOfColumn(problem, std::vector<int>(problem.columns, problem.rows));
    const int slot_count =
        std::accumulate(slots_of_column.begin(), slots_of_column.end(), 0);
    transposed = slot_count < problem.rows;
    std::optional<std::vector<double>> full = FullMatrix(problem, transposed);
    if (!full.has_value()) return false;
    unit.dense = true;
    if (transposed) {
      unit.right_count = problem.rows;
      column_of_slot = AddSlotsAsLeft(problem, slots_of_column, unit);
      for (int column = 0; column <= problem.columns; ++column) {
        unit.lists.begin.push_back(column * problem.rows);
      }
      unit.lists.cost = *std::move(full);
      return true;
    }
    column_of_slot = SlotsAsRight(slots_of_column, first_slot);
    unit.right_count = slot_count;
    for (int row = 0; row <= problem.rows; ++row) {
      unit.lists.begin.push_back(row * slot_count);
    }
    bool first_slots_free = slot_count == problem.columns;
    for (int column = 0; first_slots_free && column < problem.columns;
         ++column) {
      first_slots_free = SlotCost(problem, column, 0) == 0;
    }
    if (first_slots_free) {
      unit.lists.cost = *std::move(full);  // the matrix as it is
    } else {
      matrix = *std::move(full);
      unit.lists.cost.resize(int64_t{problem.rows} * slot_count);
      for (int row = 0; row < problem.rows; ++row) {
        for (int slot = 0; slot < slot_count; ++slot) {
          const int column = column_of_slot[slot];
          unit.lists.cost[int64_t{row} * slot_count + slot] =
              matrix[int64_t{row} * problem.columns + column] +
              SlotCost(problem, column, slot - first_slot[column]);
        }
      }
    }
    unit.list_of_left.resize(problem.rows);
    std::iota(unit.list_of_left.begin(), unit.list_of_left.end(), 0);
    unit.offset_of_left.assign(problem.rows, 0.0);
    return true;
  }

  void BuildSparse() {
    by_row = EdgesByRow(problem);
    KeepCheapestDuplicate(problem.columns, by_row);
    std::vector<int> edges_of_column(problem.columns, 0);
    for (int column : by_row.target) ++edges_of_column[column];
    slots_of_column = SlotsOfColumn(problem, edges_of_column);
    const int slot_count =
        std::accumulate(slots_of_column.begin(), slots_of_column.end(), 0);
    transposed = slot_count < problem.rows;
    if (transposed) {
      unit.right_count = problem.rows;
      unit.lists = Transpose(problem.columns, by_row);
      column_of_slot = AddSlotsAsLeft(problem, slots_of_column, unit);
    } else {
      column_of_slot = SlotsAsRight(slots_of_column, first_slot);
      unit.right_count = slot_count;
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
    SortEveryListByCost(unit.lists);
  }

  // The positions of the unit's lists that stand for (row, column).
  void AddPositionsOf(int row, int column, std::vector<int>& positions) const {
    if (row < 0 || row >= problem.rows || column < 0 ||
        column >= problem.columns || slots_of_column[column] == 0) {
      return;
    }
    const Lists& lists = unit.lists;
    if (transposed) {
      if (unit.dense) {
        positions.push_back(lists.begin[column] + row);
        return;
      }
      for (int position = lists.begin[column];
           position < lists.begin[column + 1]; ++position) {
        if (lists.target[position] == row) positions.push_back(position);
      }
      return;
    }
    for (int slot = first_slot[column]; slot < first_slot[column + 1]; ++slot) {
      if (unit.dense) {
        positions.push_back(lists.begin[row] + slot);
        continue;
      }
      for (int position = lists.begin[row]; position < lists.begin[row + 1];
           ++position) {
        if (lists.target[position] == slot) positions.push_back(position);
      }
    }
  }

  AssignmentSolution Solve() {
    const std::vector<int> right_of_left = solver->Solve();
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
    solution.total_cost =
        TotalCost(problem, solution.column_of_row,
                  [&](int row, int column) { return PairCost(row, column); });
    return solution;
  }
};

IncrementalAssignment::IncrementalAssignment(const AssignmentProblem& problem)
    : state_(std::make_unique<State>(problem)) {}

IncrementalAssignment::~IncrementalAssignment() = default;

AssignmentSolution IncrementalAssignment::Solve() { return state_->Solve(); }

void IncrementalAssignment::RemovePairs(
    const std::vector<std::pair<int, int>>& pairs) {
  std::vector<int> positions;
  for (const auto& [row, column] : pairs) {
    state_->AddPositionsOf(row, column, positions);
  }
  state_->solver->RemovePositions(positions);
}

AssignmentSolution SolveAssignment(const AssignmentProblem& problem) {
  return IncrementalAssignment(problem).Solve();
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
  solution.total_cost = TotalCost(
      problem, solution.column_of_row,
      [&](int row, int column) { return CheapestEdge(by_row, row, column); });
  return solution;
}

}  // namespace kepu::matching
