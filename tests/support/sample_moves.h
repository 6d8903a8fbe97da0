// Moves built once for the tests and benchmarks that need a realistic one.
#pragma once

#include "services/core/order_rules.h"

namespace kepu::testing {

// An order in service ("order-1", version 4, team "team-a", community "c1")
// completed by its team leader (request "request-1"): the team's capacity
// guard, one volunteer's hours recorded and approved, the team's completed
// tally, the matching queue. Every section of a record write but links,
// string records, results and ending sessions.
Transition CompletionInService();

}  // namespace kepu::testing
