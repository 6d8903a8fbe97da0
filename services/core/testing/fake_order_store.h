// An in-memory OrderStore for domain tests, with a fault switch. Same contract
// as the Redis store (order_store.h); never used in integration tests.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/core/order_store.h"

namespace kepu {

class FakeOrderStore : public OrderStore {
 public:
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

  // The deadlines index as it stands: order id → time.
  std::map<std::string, absl::Time> deadlines() const;

  // While set, every call answers kUnavailable, as a store that is down.
  void SetUnavailable(bool unavailable);
  // How many calls wrote something (moves and record updates).
  int writes() const;
  // The ids of orders put on the matching queue, in order.
  std::vector<std::string> matching_queue() const;

 private:
  struct StoredRequest {
    std::string fingerprint;
    // The serialized first result.
    std::string result;
  };

  absl::Status CheckAvailable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The first result of `request`, if it was applied (kInvalidArgument: used
  // for other content).
  absl::StatusOr<std::optional<std::string>> Prior(
      const RequestKey& request) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  template <typename Message>
  absl::StatusOr<Message> CompareAndSet(std::map<std::string, Message>& records,
                                        const RequestKey& request,
                                        const Message& before,
                                        const Message& after)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  int writes_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t next_event_ ABSL_GUARDED_BY(mu_) = 1;
  std::map<std::string, v1::Order> orders_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<v1::OrderEvent>> history_
      ABSL_GUARDED_BY(mu_);
  // Moves and record updates share one namespace of request keys.
  std::map<std::string, StoredRequest> requests_ ABSL_GUARDED_BY(mu_);
  std::vector<std::string> matching_queue_ ABSL_GUARDED_BY(mu_);
  std::vector<OutboxEntry> outbox_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::VolunteerHours> hours_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::FollowUp> follow_ups_ ABSL_GUARDED_BY(mu_);
  // Sign-ins by order id, in the order they were first written.
  std::map<std::string, std::vector<v1::VolunteerSignIn>> sign_ins_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Escalation> escalations_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, absl::Time> deadlines_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::map<TeamTally::Counter, int64_t>> team_history_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
