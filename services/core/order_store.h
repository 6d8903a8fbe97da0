// The order store: what Redis does for the order domain, as an interface
// (implementations: RedisOrderStore, and FakeOrderStore for domain tests).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/order.pb.h"
#include "kepu/v1/watchdog.pb.h"
#include "services/core/transition_table.h"

namespace kepu {

// Identifies a mutating request for idempotency. Request ids are scoped to the
// account that sends them, so two accounts cannot collide or see each other's
// results.
struct RequestKey {
  std::string actor_id;
  std::string request_id;
  // 32 hex characters (Fingerprint() of the request).
  std::string fingerprint;
};

// One count a move adds to a team's history: offers received, accepted,
// declined, let lapse, withdrawn from, completed, ratings and their sum.
struct TeamTally {
  using Counter = Tally::Counter;
  std::string team_id;
  Counter counter = Counter::kOffers;
  int64_t by = 1;
};

// The counter's name in storage ("offers", "accepted", ...).
absl::string_view CounterName(TeamTally::Counter counter);

// One move of one order, planned by the domain.
struct Transition {
  RequestKey request;
  // The order as the domain read it; nullopt when the move creates the order.
  // The store applies the move only if the stored order still has
  // before->version() (and before->state()).
  std::optional<v1::Order> before;
  // The whole order after the move (version = before's + 1, or 1 when created).
  v1::Order after;
  // The history entry; its event_id is assigned by the store.
  v1::OrderEvent event;
  // Put the order on the matching engine's queue.
  bool enqueue_matching = false;
  // For a move that creates the order: the open orders (not final, not
  // completed) of the same service line in the same community created at this
  // time or later (at most 100, oldest first) are added to the stored and
  // returned order's possible_duplicate_ids — looked up atomically with the
  // write, so of two orders placed at once the later one flags the earlier.
  std::optional<absl::Time> duplicates_since;
  // When set, the move is refused (kFailedPrecondition) if the team already
  // holds this many orders ACCEPTED or IN_SERVICE: checked atomically with the
  // move, so concurrent acceptances cannot overfill a team.
  struct CapacityGuard {
    std::string team_id;
    int limit = 0;
    // Count the orders offered to the team too (OFFERED as its first team):
    // the matching engine's workers never offer a team more than it can hold.
    bool count_offered = false;
  };
  std::optional<CapacityGuard> capacity;
  // Records the move creates with it: volunteer hours (at completion) and a
  // follow-up visit for the community (after a low rating or a reopening).
  std::vector<v1::VolunteerHours> hours;
  // Volunteer hours the move changes (a rating approves the pending hours):
  // each is written only if the stored record is still exactly `before`, so
  // hours a leader declined meanwhile stay declined.
  struct HoursChange {
    v1::VolunteerHours before;
    v1::VolunteerHours after;
  };
  std::vector<HoursChange> hours_changes;
  std::optional<v1::FollowUp> follow_up;
  // The record of an escalation (a missed deadline), listed by the order's
  // community, its county and the whole tenant.
  std::optional<v1::Escalation> escalation;
  // What the move adds to the teams' history (TeamHistory), counted with it.
  std::vector<TeamTally> tallies;
  // Whom the move tells (NoticesOf, notification_table.h): appended to the
  // tenant's outbox as one entry, in the same atomic write; nothing when the
  // move is refused or replayed.
  std::vector<v1::Notice> notices;
};

// One entry of the tenant's outbox: what one move or reminder tells whom.
struct OutboxEntry {
  // The entry's id in the outbox ("<ms>-<seq>"), increasing.
  std::string id;
  std::string order_id;
  v1::NoticeBatch batch;
};

struct Applied {
  // The order after the move; on a replay, the order as the first call left it.
  v1::Order order;
  // The event's id in the tenant's event stream; empty on a replay.
  std::string event_id;
  // The request had been applied before: nothing was written now.
  bool replayed = false;
};

// What a caller reads before deciding a move.
struct LoadedOrder {
  // The first result, when the request was applied before (same fingerprint).
  std::optional<v1::Order> replay;
  // The order as stored now; nullopt when there is no such order.
  std::optional<v1::Order> current;
};

// Where to look for orders.
enum class OrderIndex {
  kResident,    // a resident's orders (scope_id = user id), any state
  kCommunity,   // a community's orders in given states
  kDepartment,  // a department's orders in given states
  kTeam,        // a team's orders in given states
};

struct OrderQuery {
  OrderIndex index = OrderIndex::kCommunity;
  std::string scope_id;
  // Required for every index but kResident, where it filters (empty: every
  // state).
  std::vector<v1::OrderState> states;
  // Order of the results: by the time the order entered its state (kResident:
  // by creation), oldest first unless newest_first.
  bool newest_first = false;
  // 1 to 100.
  int limit = 20;
  // From OrderPage::next_cursor; empty for the first page.
  std::string cursor;
};

struct OrderPage {
  std::vector<v1::Order> orders;
  // Empty when there are no more.
  std::string next_cursor;
  // Orders matching in all (for kResident with a state filter: the resident's
  // orders in all).
  int64_t total = 0;
};

// // Which volunteer hours to list: exactly one of the three is set.
struct HoursQuery {
  std::string volunteer_id;
  std::string team_id;
  std::string order_id;
  // Newest first. 1 to 100.
  int limit = 20;
  std::string cursor;
};

struct HoursPage {
  std::vector<v1::VolunteerHours> hours;
  std::string next_cursor;
};

struct FollowUpPage {
  std::vector<v1::FollowUp> follow_ups;
  std::string next_cursor;
};

// Which escalations to list, newest first.
struct EscalationQuery {
  enum class Scope {
    kCity,       // every escalation of the tenant
    kCounty,     // a county's (scope_id)
    kCommunity,  // a community's (scope_id)
  };
  Scope scope = Scope::kCity;
  std::string scope_id;
  // Acknowledged ones too.
  bool include_acknowledged = false;
  // 1 to 100.
  int limit = 20;
  std::string cursor;
};

struct EscalationPage {
  std::vector<v1::Escalation> escalations;
  std::string next_cursor;
};

// An order whose deadline passed, as ClaimDue hands it out.
struct DueOrder {
  std::string order_id;
  // The time the deadlines index held for it (before the lease).
  absl::Time due = absl::InfinitePast();
};

// Thread-safe. Every method answers kUnavailable when the store cannot be
// reached (and recovers by itself when it can again), kInvalidArgument for a
// malformed argument.
class OrderStore {
 public:
  virtual ~OrderStore() = default;

  // The order. kNotFound: no such order.
  virtual absl::StatusOr<v1::Order> Get(absl::string_view order_id) = 0;

  // Reads the order and whether `request` was applied before, together.
  //   kInvalidArgument: request.request_id was used before with other content.
  virtual absl::StatusOr<LoadedOrder> LoadForUpdate(
      absl::string_view order_id, const RequestKey& request) = 0;

  // Applies `transition` atomically: checks the request key, the version and
  // the state, writes the order, moves it between indexes, appends the event to
  // the order's history and to the tenant's event stream, queues follow-up work
  // — all or nothing. A request key applied before with the same fingerprint
  // returns the first result and writes nothing (Applied::replayed).
  //   kInvalidArgument:    the request id was used before with other content;
  //   kAlreadyExists:      create, but an order with that id exists;
  //   kNotFound:           no such order;
  //   kAborted:            the order's version moved on (read again and retry);
  //   kFailedPrecondition: the order is not in before->state();
  //   kUnavailable:        the store could not be reached; the move may or may
  //   not have been
  //                        applied — retry with the same request key to find
  //                        out.
  virtual absl::StatusOr<Applied> Apply(const Transition& transition) = 0;

  // The order's history after `after_event_id` (exclusive; empty: from the
  // start), oldest first, at most `limit` entries. An order without history
  // gives an empty list.
  virtual absl::StatusOr<std::vector<v1::OrderEvent>> History(
      absl::string_view order_id, absl::string_view after_event_id,
      int limit) = 0;

  // One page of an index.
  virtual absl::StatusOr<OrderPage> List(const OrderQuery& query) = 0;

  // The first result (serialized) of a record update under `request`, if it was
  // applied before; nullopt if not. kInvalidArgument: the request id was used
  // with other content.
  virtual absl::StatusOr<std::optional<std::string>> FindResult(
      const RequestKey& request) = 0;

  // Volunteer hours (written by the completing move). kNotFound: no such
  // record.
  virtual absl::StatusOr<v1::VolunteerHours> GetHours(
      absl::string_view hours_id) = 0;
  virtual absl::StatusOr<HoursPage> ListHours(const HoursQuery& query) = 0;
  // Replaces a record if it is still exactly `before` (kAborted otherwise),
  // idempotently under `request` (a replay returns the first result).
  virtual absl::StatusOr<v1::VolunteerHours> UpdateHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after) = 0;

  // Appends `entry` to the hours ledger (a correction) and replaces the entry
  // it corrects, if that is still exactly `before`, by `after` (marked
  // superseded): one atomic write, idempotent under `request` (a replay
  // returns the first result). Returns `entry` as stored.
  //   kAborted:  the corrected entry changed meanwhile (nothing written);
  //   kNotFound: there is no entry `before.id()`.
  virtual absl::StatusOr<v1::VolunteerHours> AppendHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after, const v1::VolunteerHours& entry) = 0;

  // Volunteers' own sign-ins at an order, one record per (order, volunteer),
  // in the order they signed in. An order without any gives an empty list.
  virtual absl::StatusOr<std::vector<v1::VolunteerSignIn>> ListSignIns(
      absl::string_view order_id) = 0;
  // Writes `after` as the (order, volunteer) sign-in if the stored one is still
  // `before` (nullopt: there is none yet), idempotently under `request` (a
  // replay returns the first result).
  //   kAborted: the stored record is not `before` (nothing written).
  virtual absl::StatusOr<v1::VolunteerSignIn> PutSignIn(
      const RequestKey& request,
      const std::optional<v1::VolunteerSignIn>& before,
      const v1::VolunteerSignIn& after) = 0;

  // Follow-up visits of a community, newest first (done ones only with
  // `include_done`).
  virtual absl::StatusOr<v1::FollowUp> GetFollowUp(
      absl::string_view follow_up_id) = 0;
  virtual absl::StatusOr<FollowUpPage> ListFollowUps(
      absl::string_view community_id, bool include_done, int limit,
      absl::string_view cursor) = 0;
  // As UpdateHours; `after.version()` must be `before.version() + 1`.
  virtual absl::StatusOr<v1::FollowUp> UpdateFollowUp(
      const RequestKey& request, const v1::FollowUp& before,
      const v1::FollowUp& after) = 0;

  // Escalations (written by the escalating move). kNotFound: no such record.
  virtual absl::StatusOr<v1::Escalation> GetEscalation(
      absl::string_view escalation_id) = 0;
  virtual absl::StatusOr<EscalationPage> ListEscalations(
      const EscalationQuery& query) = 0;
  // As UpdateHours; `after.version()` must be `before.version() + 1`.
  virtual absl::StatusOr<v1::Escalation> UpdateEscalation(
      const RequestKey& request, const v1::Escalation& before,
      const v1::Escalation& after) = 0;

  // The deadlines index: every order the watchdog must look at, by the time it
  // must (WatchdogDueAt), kept by Apply in the same atomic write as the move.
  //
  // Claims up to `limit` orders due at `now` (earliest first) for `lease`:
  // atomically, each claimed order's time becomes now + lease, so no other
  // claimant gets it meanwhile and a claimant that dies lets it come back when
  // the lease ends. A move of the order sets its proper time again.
  virtual absl::StatusOr<std::vector<DueOrder>> ClaimDue(
      absl::Time now, int limit, absl::Duration lease) = 0;
  // The earliest time in the deadlines index; nullopt when it is empty.
  virtual absl::StatusOr<std::optional<absl::Time>> EarliestDue() = 0;
  // Puts the order back in the deadlines index at `due` (nullopt: out of it),
  // if the stored order is still at `version`; does nothing if it moved on (its
  // move set its time). An order that does not exist leaves the index. Returns
  // whether it wrote.
  virtual absl::StatusOr<bool> ResetDeadline(absl::string_view order_id,
                                             int64_t version,
                                             std::optional<absl::Time> due) = 0;

  // The outbox entries after `after_id` (exclusive; empty: from the start),
  // oldest first, at most `limit` (1 to 1000). Delivery takes entries through
  // its own consumer group (notification_store.h); this is a plain read.
  virtual absl::StatusOr<std::vector<OutboxEntry>> Outbox(
      absl::string_view after_id, int limit) = 0;

  // The team's history as its moves counted it (Transition::tallies):
  // offers_received, offers_accepted, completed_orders, ratings and
  // mean_rating (0 without ratings). All zero for a team without history.
  virtual absl::StatusOr<v1::TeamStats> TeamHistory(
      absl::string_view team_id) = 0;
};

}  // namespace kepu
