#include "tests/support/sample_moves.h"

#include <string>

#include "absl/time/time.h"

namespace kepu::testing {

Transition CompletionInService() {
  v1::Order before;
  before.set_id("order-1");
  before.set_version(4);
  before.set_state(v1::ORDER_STATE_IN_SERVICE);
  before.set_team_id("team-a");
  before.mutable_draft()->set_community_id("c1");
  before.mutable_draft()->set_service_line_id("line");
  before.set_resident_id("resident");
  Transition transition;
  transition.request = {"leader", "request-1", std::string(32, 'c')};
  transition.before = before;
  transition.after = before;
  transition.after.set_version(5);
  transition.after.set_state(v1::ORDER_STATE_COMPLETED);
  transition.event.set_order_id("order-1");
  transition.enqueue_matching = true;
  transition.duplicates_since = absl::FromUnixMillis(0);
  transition.capacity = Transition::CapacityGuard{"team-a", 3, true};
  v1::VolunteerHours hours;
  hours.set_id("order-1-5-1");
  hours.set_volunteer_id("v1");
  hours.set_team_id("team-a");
  hours.set_order_id("order-1");
  transition.hours.push_back(hours);
  v1::VolunteerHours approved = hours;
  approved.set_status(v1::VolunteerHours::STATUS_APPROVED);
  transition.hours_changes.push_back({hours, approved});
  transition.tallies.push_back({"team-a", TeamTally::Counter::kCompleted, 1});
  return transition;
}

}  // namespace kepu::testing
