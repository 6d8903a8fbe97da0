// SolveAssignment that goes on after pairs are removed (MatchBatch's repair of
// double bookings), without starting over. Internal to kepu_matching.
#pragma once

#include <memory>
#include <utility>
#include <vector>

#include "services/matching/matching.h"

namespace kepu::matching {

class IncrementalAssignment {
 public:
  // `problem` must outlive this object and stay unchanged.
  explicit IncrementalAssignment(const AssignmentProblem& problem);
  ~IncrementalAssignment();
  IncrementalAssignment(const IncrementalAssignment&) = delete;
  IncrementalAssignment& operator=(const IncrementalAssignment&) = delete;

  // The optimum of the problem without the pairs removed so far (the same
  // answer SolveAssignment gives on the problem without their edges).
  AssignmentSolution Solve();

  // Removes every edge of these (row, column) pairs. Only the rows and
  // columns the removal disturbs are searched again by the next Solve.
  void RemovePairs(const std::vector<std::pair<int, int>>& pairs);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace kepu::matching
