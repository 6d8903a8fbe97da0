// Planning a move: given an order, a command and who makes it, what the order
// becomes and what its history records. Pure: no I/O, the time is given.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/order_store.h"
#include "services/core/service_record.h"
#include "services/core/transition_table.h"

namespace kepu {

// What someone wants done to an order, with what the move needs (see
// TransitionRule::needs).
struct Command {
  OrderAction action = v1::ORDER_ACTION_UNSPECIFIED;
  // Empty for create.
  std::string order_id;
  std::string request_id;
  // 32 hex characters identifying the request's content (see Fingerprint()).
  std::string fingerprint;
  // The version the caller last saw; 0 for create.
  int64_t expected_version = 0;

  v1::OrderDraft draft;  // create, edit
  // The order is placed on behalf of a resident by a community worker (create
  // only).
  std::optional<v1::AssistedOrder> assisted;
  // Reason, question, answer or note.
  std::string reason;
  // The department dispatched to, and further ones that may claim the order
  // too.
  std::string department_id;
  std::vector<std::string> other_department_ids;
  // A department is not among the catalog's responsible departments.
  bool outside_suggested = false;
  // The team offered or assigned, and further ones offered the order at the
  // same time.
  std::string team_id;
  std::vector<std::string> other_team_ids;
  absl::Time offer_expires_at = absl::InfinitePast();
  // Set by the matching engine on an offer: why this team, and the window it
  // is free in.
  v1::OfferExplanation explanation;
  std::optional<v1::TimeWindow> offer_window;
  std::optional<v1::TimeWindow> schedule;
  std::optional<v1::GeoPoint> check_in_location;
  // actual_attendees, summary and hours (volunteer_id, hours) of a completion.
  v1::Completion completion;
  v1::Rating rating;
  std::string duplicate_of;
  int32_t escalation_level = 0;

  // Read for the move by the workflow (the rule's references): the
  // volunteers' sign-ins at the order (kSignIns), and the order's hours
  // ledger (kHoursLedger; nullopt: the completion's hours stand for it).
  std::vector<v1::VolunteerSignIn> sign_ins;
  std::optional<std::vector<v1::VolunteerHours>> ledger;
};

// Rules of the lifecycle that depend on time: how long each waiting stage may
// take (the SLA), the ladder a missed deadline climbs, and (from
// ServiceRecordPolicy) the check-in window, the check-in radius and the hours'
// tolerance.
struct LifecyclePolicy : ServiceRecordPolicy {
  absl::Duration awaiting_dispatch = absl::Hours(24);
  absl::Duration awaiting_info = absl::Hours(72);
  absl::Duration awaiting_claim = absl::Hours(24);
  absl::Duration awaiting_match = absl::Hours(24);
  // An ACCEPTED order is due by the end of its service window; this is the
  // allowance of the stage's second step (the city's escalation comes this long
  // after the county's).
  absl::Duration awaiting_service = absl::Hours(24);
  // Offers without a TTL of their own lapse after this long.
  absl::Duration default_offer_ttl = absl::Hours(24);
  // After this many offers made by the matching engine without an acceptance,
  // the order goes back to its department instead of to the matching queue.
  int max_offer_attempts = 3;
  // A completed order waits this long for a rating, then closes.
  absl::Duration awaiting_rating = absl::Hours(24 * 7);
  // A completed order can be reopened for this long after completion.
  absl::Duration reopen_window = absl::Hours(24 * 7);
  // An overall rating at or below this asks the community for a follow-up
  // visit.
  int low_rating = 2;
  // Volunteer hours not confirmed or declined are approved this long after
  // completion.
  absl::Duration hours_auto_approval = absl::Hours(72);
};

// The allowance of a waiting stage (offers: the default offer TTL).
absl::Duration StageAllowance(v1::Stage stage, const LifecyclePolicy& policy);

// The rungs of the escalation ladder (Order.escalation_level).
inline constexpr int32_t kCountyLevel = 1;
inline constexpr int32_t kCityLevel = 2;

// The deadline of the order's waiting stage itself, whatever its escalation
// level, as its state's rule (FindState) says: SUBMITTED, NEEDS_INFO,
// DISPATCHED and CLAIMED are due the stage's allowance after the order entered
// the state; OFFERED when the offer expires; ACCEPTED by the end of its
// scheduled window, else of its last preferred window; COMPLETED the rating
// period after completion. nullopt in states nobody waits on.
std::optional<v1::Deadline> StageDeadline(const v1::Order& order,
                                          const LifecyclePolicy& policy);

// When the watchdog acts on the order next (the ladder):
//   level 0: the stage's deadline (StageDeadline);
//   level 1 (escalated to the county): one more stage allowance after it
//            (ACCEPTED: awaiting_service), when it goes to the city;
//   level 2 (the city): nullopt: nothing more happens by itself.
// OFFERED and COMPLETED are never escalated (their deadline expires the offer
// or closes the order). nullopt in states nobody waits on.
std::optional<v1::Deadline> NextDeadline(const v1::Order& order,
                                         const LifecyclePolicy& policy);

// The time the deadlines index (RedisKeys::Deadlines) holds for a stored
// order: its next_deadline while the watchdog has something left to do;
// nullopt (not in the index) without one or at the top of the ladder, where
// next_deadline keeps showing the missed stage deadline.
std::optional<absl::Time> WatchdogDueAt(const v1::Order& order);

// The system move the watchdog makes when the order's next deadline has passed
// at `now`: EXPIRE_OFFER for OFFERED, CLOSE for COMPLETED, else ESCALATE one
// level up (Command::escalation_level and a reason set; order_id,
// expected_version and request_id left for the caller). nullopt when nothing
// is due.
std::optional<Command> DeadlineMove(const v1::Order& order, absl::Time now,
                                    const LifecyclePolicy& policy);

// A planned move: the order after it and everything the move writes with it,
// as its rule (TransitionRule) says.
struct Move {
  // The order after the move: version one more, state per the table.
  v1::Order after;
  // The history entry (event_id empty: the store assigns it).
  v1::OrderEvent event;
  // The order must go (back) onto the matching engine's queue.
  bool enqueue_matching = false;
  // What the move adds to the teams' history (TransitionRule::tallies).
  std::vector<TeamTally> tallies;
  // Records the move creates or changes (TransitionRule::records).
  std::vector<v1::VolunteerHours> hours;
  std::vector<Transition::HoursChange> hours_changes;
  std::optional<v1::FollowUp> follow_up;
  std::optional<v1::Escalation> escalation;
  // The team whose capacity the move must fit in (TransitionRule::capacity),
  // and whether its offers count.
  std::optional<std::string> capacity_team;
  bool capacity_counts_offers = false;
};

// Plans `command` made by `actor` (acting in actor.role()) on `before` at
// `now`. `before` is ignored for create. Checks the move with DecideMove, that
// the command supplies what the rule needs, and the time and consistency rules
// below; does not check scope (who may touch which order: see authorization.h)
// nor the version (the store does).
//   kInvalidArgument:    the command lacks what the move needs (the message
//                        names the field);
//   kPermissionDenied:   actor.role() may never make the move;
//   kFailedPrecondition: not from this state, or a rule forbids it now (reopen
//                        window passed, team excluded, offer expiry not in the
//                        future).
absl::StatusOr<Move> PlanMove(const v1::Order& before, const Command& command,
                              const v1::Actor& actor, absl::Time now,
                              const LifecyclePolicy& policy = {});

}  // namespace kepu
