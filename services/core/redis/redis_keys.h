// The Redis key layout of one tenant. Every key carries the tenant in a hash
// tag
// ("kepu:{jining}:..."), so all keys of a tenant live in one Redis Cluster slot
// and every Lua script runs unchanged on one Redis, on Sentinel and on a
// Cluster.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/order.pb.h"

namespace kepu {

// Whether `tenant` can name a tenant: 1 to 32 characters of [a-z0-9-].
absl::Status CheckTenant(absl::string_view tenant);

class RedisKeys {
 public:
  // `tenant` must pass CheckTenant.
  explicit RedisKeys(absl::string_view tenant);

  const std::string& prefix() const { return prefix_; }

  // Hash {v: version, s: state number, r: serialized Order}.
  std::string Order(absl::string_view order_id) const;
  // List of the order's events, oldest first, each "<event id> <serialized
  // OrderEvent>" with the id the event has in the tenant's event stream.
  std::string History(absl::string_view order_id) const;
  // Stream of every order event of the tenant: {o: order id, e: serialized
  // OrderEvent}.
  std::string Events() const;
  // String: the fingerprint and first result of a request (expires).
  std::string Request(absl::string_view actor_id,
                      absl::string_view request_id) const;
  // Stream of orders waiting for the matching engine: {o: order id, v:
  // version}.
  std::string MatchingQueue() const;

  // Sorted sets of the order ids of a community, department or team, each
  // scored by IndexScore(state, time the order entered the state): one entry
  // per order, so a move is one ZADD, and one state is one score range.
  std::string CommunityIndex(absl::string_view community_id) const;
  std::string DepartmentIndex(absl::string_view department_id) const;
  std::string TeamIndex(absl::string_view team_id) const;
  // Hash of a team's history counters (TeamTally): field -> count.
  std::string TeamHistory(absl::string_view team_id) const;
  // Sorted set of the open orders (not final, not completed) of one service
  // line in one community, scored by creation time (ms): where possible
  // duplicates are looked up.
  std::string OpenOrders(absl::string_view community_id,
                         absl::string_view service_line_id) const;

  // Stream of what moves and reminders tell whom: {o: order id, n: serialized
  // NoticeBatch}, written by the move's own write; read by the delivery
  // workers' consumer group and deleted once delivered.
  std::string Outbox() const;

  // Sorted set of order ids scored by their next deadline (ms), for the
  // watchdog.
  std::string Deadlines() const;

  // String: a serialized VolunteerHours; sorted sets of hours ids by recording
  // time (ms).
  std::string Hours(absl::string_view hours_id) const;
  std::string HoursByVolunteer(absl::string_view volunteer_id) const;
  std::string HoursByTeam(absl::string_view team_id) const;
  std::string HoursByOrder(absl::string_view order_id) const;
  // String: a serialized VolunteerSignIn of (order, volunteer); sorted set of
  // an order's signed-in volunteer ids by sign-in time (ms).
  std::string SignIn(absl::string_view order_id,
                     absl::string_view volunteer_id) const;
  std::string SignInsByOrder(absl::string_view order_id) const;
  // String: a serialized FollowUp; a community's follow-up ids by creation time
  // (ms).
  std::string FollowUp(absl::string_view follow_up_id) const;
  std::string FollowUpsByCommunity(absl::string_view community_id) const;

  // String: a serialized Escalation; sorted sets of escalation ids by the time
  // of the escalation (ms): the tenant's (the city's), a county's, a
  // community's.
  std::string Escalation(absl::string_view escalation_id) const;
  std::string Escalations() const;
  std::string EscalationsByCounty(absl::string_view county_id) const;
  std::string EscalationsByCommunity(absl::string_view community_id) const;

  // Sorted set of a resident's order ids in any state, scored by creation time
  // (ms).
  std::string ResidentIndex(absl::string_view user_id) const;

  // String: the serialized Principal of a session, under a keyed hash of its
  // token (expires).
  std::string Session(absl::string_view token_hash) const;

 private:
  std::string prefix_;
};

// Scores of the community, department and team indexes: state × 10^13 + the
// milliseconds since the epoch at which the order entered the state (exact in a
// double until the year 2286). The orders in one state are the score range
// [IndexScore(state, 0), IndexScore(state + 1, 0)), oldest first.
constexpr int64_t kStateScoreSpan = 10'000'000'000'000;
inline int64_t IndexScore(v1::OrderState state, int64_t millis) {
  return static_cast<int64_t>(state) * kStateScoreSpan + millis;
}

}  // namespace kepu
