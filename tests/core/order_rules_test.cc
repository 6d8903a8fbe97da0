// The deadline ladder of the pure rules: NextDeadline by escalation level,
// WatchdogDueAt, DeadlineMove, and matching giving up after K offers.
#include "services/core/order_rules.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using ::testing::HasSubstr;

const absl::Time kEntered = absl::FromUnixSeconds(1'800'000'000);

v1::Order InState(v1::OrderState state, int32_t level = 0) {
  v1::Order order;
  order.set_id("01JD8X3Q4M7Y2K9V5T6R1W0ZPN");
  order.set_version(4);
  order.set_state(state);
  order.set_escalation_level(level);
  *order.mutable_state_entered_at() = ToProto(kEntered);
  order.mutable_draft()->set_community_id("rencheng-guhuai-zhuyuan");
  order.set_department_id("kexie");
  return order;
}

v1::Actor System() {
  v1::Actor actor;
  actor.set_user_id("watchdog");
  actor.set_role(v1::ROLE_SYSTEM);
  return actor;
}

absl::Time Due(const std::optional<v1::Deadline>& deadline) {
  return FromProto(deadline->due_at());
}

TEST(DeadlineLadderTest, TheNextDeadlineClimbsOneStageAllowancePerLevel) {
  LifecyclePolicy policy;
  policy.awaiting_claim = absl::Hours(5);
  const v1::Order level0 = InState(v1::ORDER_STATE_DISPATCHED, 0);
  ASSERT_TRUE(NextDeadline(level0, policy).has_value());
  EXPECT_EQ(NextDeadline(level0, policy)->stage(), v1::STAGE_AWAITING_CLAIM);
  EXPECT_EQ(Due(NextDeadline(level0, policy)), kEntered + absl::Hours(5));
  const v1::Order level1 = InState(v1::ORDER_STATE_DISPATCHED, 1);
  EXPECT_EQ(Due(NextDeadline(level1, policy)), kEntered + absl::Hours(10));
  // The stage's own deadline does not move with the level.
  EXPECT_EQ(Due(StageDeadline(level1, policy)), kEntered + absl::Hours(5));
  const v1::Order level2 = InState(v1::ORDER_STATE_DISPATCHED, 2);
  EXPECT_FALSE(NextDeadline(level2, policy).has_value());
  EXPECT_EQ(Due(StageDeadline(level2, policy)), kEntered + absl::Hours(5));
}

TEST(DeadlineLadderTest, EveryWaitingStageEscalatesTwiceThenStops) {
  LifecyclePolicy policy;
  for (v1::OrderState state :
       {v1::ORDER_STATE_SUBMITTED, v1::ORDER_STATE_NEEDS_INFO,
        v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_CLAIMED,
        v1::ORDER_STATE_ACCEPTED}) {
    SCOPED_TRACE(v1::OrderState_Name(state));
    v1::Order order = InState(state);
    v1::TimeWindow& window = *order.mutable_draft()->add_preferred_windows();
    *window.mutable_start() = ToProto(kEntered + absl::Hours(1));
    *window.mutable_end() = ToProto(kEntered + absl::Hours(2));
    const absl::Time first = Due(StageDeadline(order, policy));
    EXPECT_FALSE(DeadlineMove(order, first - absl::Seconds(1), policy));
    for (int level = 1; level <= 2; ++level) {
      const absl::Time due = Due(NextDeadline(order, policy));
      std::optional<Command> command = DeadlineMove(order, due, policy);
      ASSERT_TRUE(command.has_value());
      EXPECT_EQ(command->action, v1::ORDER_ACTION_ESCALATE);
      EXPECT_EQ(command->escalation_level, level);
      EXPECT_THAT(command->reason,
                  HasSubstr(level == 1 ? "to the county" : "to the city"));
      absl::StatusOr<Move> move =
          PlanMove(order, *command, System(), due, policy);
      ASSERT_TRUE(move.ok()) << move.status();
      EXPECT_EQ(move->after.state(), state);
      EXPECT_EQ(move->after.escalation_level(), level);
      EXPECT_EQ(move->event.action(), v1::ORDER_ACTION_ESCALATE);
      EXPECT_EQ(move->event.escalation_level(), level);
      order = move->after;
    }
    // At the city nothing is due any more, the index forgets the order, and
    // the order still shows the missed stage deadline.
    EXPECT_FALSE(DeadlineMove(order, first + absl::Hours(24 * 365), policy));
    EXPECT_FALSE(WatchdogDueAt(order).has_value());
    ASSERT_TRUE(order.has_next_deadline());
    EXPECT_EQ(FromProto(order.next_deadline().due_at()), first);
  }
}

TEST(DeadlineLadderTest, WatchdogDueAtFollowsTheNextDeadline) {
  LifecyclePolicy policy;
  v1::Order order = InState(v1::ORDER_STATE_SUBMITTED);
  EXPECT_FALSE(WatchdogDueAt(order).has_value());  // no deadline stored
  *order.mutable_next_deadline() = *NextDeadline(order, policy);
  EXPECT_EQ(WatchdogDueAt(order), kEntered + policy.awaiting_dispatch);
  order.set_escalation_level(1);
  *order.mutable_next_deadline() = *NextDeadline(order, policy);
  EXPECT_EQ(WatchdogDueAt(order), kEntered + 2 * policy.awaiting_dispatch);
}

TEST(DeadlineLadderTest, ALapsedOfferExpiresAndAnUnratedOrderCloses) {
  LifecyclePolicy policy;
  v1::Order offered = InState(v1::ORDER_STATE_OFFERED);
  offered.set_team_id("team-a");
  offered.add_offered_team_ids("team-a");
  *offered.mutable_offer()->mutable_expires_at() =
      ToProto(kEntered + absl::Hours(2));
  EXPECT_FALSE(DeadlineMove(offered, kEntered + absl::Minutes(119), policy));
  std::optional<Command> expire =
      DeadlineMove(offered, kEntered + absl::Hours(2), policy);
  ASSERT_TRUE(expire.has_value());
  EXPECT_EQ(expire->action, v1::ORDER_ACTION_EXPIRE_OFFER);

  v1::Order completed = InState(v1::ORDER_STATE_COMPLETED);
  *completed.mutable_completion()->mutable_at() = ToProto(kEntered);
  EXPECT_FALSE(
      DeadlineMove(completed, kEntered + absl::Hours(24 * 7 - 1), policy));
  std::optional<Command> close =
      DeadlineMove(completed, kEntered + absl::Hours(24 * 7), policy);
  ASSERT_TRUE(close.has_value());
  EXPECT_EQ(close->action, v1::ORDER_ACTION_CLOSE);
  EXPECT_EQ(PlanMove(completed, *close, System(),
                     kEntered + absl::Hours(24 * 7), policy)
                ->after.state(),
            v1::ORDER_STATE_CLOSED);
}

// An order offered by matching `attempts` times, now OFFERED to team-a.
v1::Order OfferedByMatching(int attempts) {
  v1::Order order = InState(v1::ORDER_STATE_OFFERED);
  order.set_team_id("team-a");
  order.add_offered_team_ids("team-a");
  order.set_offer_attempts(attempts);
  order.mutable_offer()->set_team_id("team-a");
  order.mutable_offer()->set_direct_assignment(false);
  *order.mutable_offer()->mutable_expires_at() =
      ToProto(kEntered + absl::Hours(2));
  return order;
}

TEST(OfferAttemptsTest, BelowKALapsedOfferGoesBackToMatching) {
  LifecyclePolicy policy;  // K = 3
  const v1::Order order = OfferedByMatching(2);
  Command expire = *DeadlineMove(order, kEntered + absl::Hours(2), policy);
  absl::StatusOr<Move> move =
      PlanMove(order, expire, System(), kEntered + absl::Hours(2), policy);
  ASSERT_TRUE(move.ok()) << move.status();
  EXPECT_EQ(move->after.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_TRUE(move->enqueue_matching);
  EXPECT_TRUE(move->after.awaiting_match());
  EXPECT_THAT(move->after.excluded_team_ids(), ::testing::Contains("team-a"));
}

TEST(OfferAttemptsTest, AfterKOffersTheOrderGoesToItsDepartment) {
  LifecyclePolicy policy;
  policy.max_offer_attempts = 3;
  // Lapsed.
  const v1::Order order = OfferedByMatching(3);
  Command expire = *DeadlineMove(order, kEntered + absl::Hours(2), policy);
  absl::StatusOr<Move> move =
      PlanMove(order, expire, System(), kEntered + absl::Hours(2), policy);
  ASSERT_TRUE(move.ok()) << move.status();
  EXPECT_EQ(move->after.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_FALSE(move->enqueue_matching);
  EXPECT_FALSE(move->after.awaiting_match());
  EXPECT_THAT(move->after.last_reason(),
              HasSubstr("no team accepted after 3 offers"));
  EXPECT_THAT(move->event.reason(), HasSubstr("assign a team directly"));
  EXPECT_EQ(move->event.department_id(), "kexie");

  // Declined by the last team.
  v1::Actor leader;
  leader.set_user_id("leader-1");
  leader.set_role(v1::ROLE_TEAM_LEADER);
  leader.set_scope_id("team-a");
  Command decline;
  decline.action = v1::ORDER_ACTION_DECLINE;
  decline.reason = "人手不足";
  move = PlanMove(order, decline, leader, kEntered, policy);
  ASSERT_TRUE(move.ok()) << move.status();
  EXPECT_EQ(move->after.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_FALSE(move->enqueue_matching);
  EXPECT_FALSE(move->after.awaiting_match());
  EXPECT_THAT(move->after.last_reason(), HasSubstr("after 3 offers"));
  EXPECT_THAT(move->event.reason(), HasSubstr("人手不足"));

  // A direct assignment is the department's anyway: no count applies.
  v1::Order direct = order;
  direct.mutable_offer()->set_direct_assignment(true);
  move = PlanMove(direct, decline, leader, kEntered, policy);
  ASSERT_TRUE(move.ok());
  EXPECT_EQ(move->after.last_reason(), "人手不足");
}

}  // namespace
}  // namespace kepu
