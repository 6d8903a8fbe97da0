// OrderStore on Redis: each order a hash, each move one record write
// (record_write.h: the order, its index moves, the records and counters the
// move creates, the event, the matching queue and the request key, all or
// nothing), indexes as sorted sets, the tenant's event stream a Redis stream.
//
// The implementation is split by concern: redis_order_store.cc (reads and the
// move), redis_order_lists.cc (listings), redis_side_records.cc (hours,
// follow-ups, escalations), redis_deadlines.cc (the watchdog's index, team
// history).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/core/order_store.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

struct RedisOrderStoreOptions {
  // How long a request id is remembered (a retry after that is a new request).
  absl::Duration request_ttl = absl::Hours(24 * 7);
  // The tenant event stream is trimmed to about this many entries.
  int64_t event_stream_length = 1'000'000;
};

// Thread-safe; see OrderStore for the contract.
class RedisOrderStore : public OrderStore {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the store.
  RedisOrderStore(RedisClient& redis, absl::string_view tenant,
                  RedisOrderStoreOptions options = {});

  absl::StatusOr<v1::Order> Get(absl::string_view order_id) override;
  absl::StatusOr<LoadedOrder> LoadForUpdate(absl::string_view order_id,
                                            const RequestKey& request) override;
  absl::StatusOr<Applied> Apply(const Transition& transition) override;
  absl::StatusOr<std::vector<v1::OrderEvent>> History(
      absl::string_view order_id, absl::string_view after_event_id,
      int limit) override;
  absl::StatusOr<OrderPage> List(const OrderQuery& query) override;
  absl::StatusOr<std::optional<std::string>> FindResult(
      const RequestKey& request) override;
  absl::StatusOr<v1::VolunteerHours> GetHours(
      absl::string_view hours_id) override;
  absl::StatusOr<HoursPage> ListHours(const HoursQuery& query) override;
  absl::StatusOr<v1::VolunteerHours> UpdateHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after) override;
  absl::StatusOr<v1::VolunteerHours> AppendHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after,
      const v1::VolunteerHours& entry) override;
  absl::StatusOr<std::vector<v1::VolunteerSignIn>> ListSignIns(
      absl::string_view order_id) override;
  absl::StatusOr<v1::VolunteerSignIn> PutSignIn(
      const RequestKey& request,
      const std::optional<v1::VolunteerSignIn>& before,
      const v1::VolunteerSignIn& after) override;
  absl::StatusOr<v1::FollowUp> GetFollowUp(
      absl::string_view follow_up_id) override;
  absl::StatusOr<FollowUpPage> ListFollowUps(absl::string_view community_id,
                                             bool include_done, int limit,
                                             absl::string_view cursor) override;
  absl::StatusOr<v1::FollowUp> UpdateFollowUp(
      const RequestKey& request, const v1::FollowUp& before,
      const v1::FollowUp& after) override;
  absl::StatusOr<v1::Escalation> GetEscalation(
      absl::string_view escalation_id) override;
  absl::StatusOr<EscalationPage> ListEscalations(
      const EscalationQuery& query) override;
  absl::StatusOr<v1::Escalation> UpdateEscalation(
      const RequestKey& request, const v1::Escalation& before,
      const v1::Escalation& after) override;
  absl::StatusOr<std::vector<DueOrder>> ClaimDue(absl::Time now, int limit,
                                                 absl::Duration lease) override;
  absl::StatusOr<std::optional<absl::Time>> EarliestDue() override;
  absl::StatusOr<bool> ResetDeadline(absl::string_view order_id,
                                     int64_t version,
                                     std::optional<absl::Time> due) override;
  absl::StatusOr<v1::TeamStats> TeamHistory(absl::string_view team_id) override;
  absl::StatusOr<std::vector<OutboxEntry>> Outbox(absl::string_view after_id,
                                                  int limit) override;

  const RedisKeys& keys() const { return keys_; }

  // The indexes an order is listed in, with its score there: its community's,
  // department's and team's (scored by IndexScore of its state), its
  // resident's (by creation time), and while it is open, its line's and
  // community's open orders (by creation time).
  std::vector<ScoredKey> IndexEntriesOf(const v1::Order& order) const;

  // The record write of a move (what Apply sends).
  RecordWrite MoveWrite(const Transition& transition) const;

 private:
  RedisClient& redis_;
  const RedisKeys keys_;
  const RedisOrderStoreOptions options_;
};

}  // namespace kepu
