// The watchdog in real time: kepud started with a one-second dispatch deadline
// escalates an order nobody dispatched; the resident watching the order sees
// the ESCALATE events arrive (county, then city), the county's admin lists the
// escalations and acknowledges one.
#include <chrono>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/world.h"

namespace kepu::testing {
namespace {

TEST(EscalationTest, AMissedDeadlineIsEscalatedWatchedListedAndAcknowledged) {
  auto started = World::Start(
      1, {"--sla_awaiting_dispatch=1s", "--watchdog_interval=200ms"});
  ASSERT_TRUE(started.ok()) << started.status();
  std::unique_ptr<World> world = std::move(*started);

  // The policy kepud was started with.
  v1::SlaPolicy policy;
  grpc::Status status = world->watchdog()->GetSlaPolicy(
      world->As("resident").get(), v1::GetSlaPolicyRequest(), &policy);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_GT(policy.stages_size(), 0);
  EXPECT_EQ(policy.stages(0).stage(), v1::STAGE_AWAITING_DISPATCH);
  EXPECT_EQ(policy.stages(0).allowed().seconds(), 1);

  v1::CreateOrderRequest create;
  create.set_request_id(world->NextRequestId());
  *create.mutable_draft() = World::Draft();
  v1::Order order;
  status =
      world->orders()->CreateOrder(world->As("resident").get(), create, &order);
  ASSERT_TRUE(status.ok()) << Describe(status);

  // The resident watches the order from its first event: the watchdog's
  // moves arrive as they happen (the read blocks until then; the context's
  // deadline bounds the wait).
  auto context = world->As("resident");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  v1::WatchOrderRequest watch;
  watch.set_order_id(order.id());
  watch.set_after_event_id("0-0");
  auto reader = world->orders()->WatchOrder(context.get(), watch);
  std::vector<v1::OrderEvent> escalations;
  v1::OrderEvent event;
  while (escalations.size() < 2 && reader->Read(&event)) {
    ASSERT_EQ(event.order_id(), order.id());
    if (event.action() == v1::ORDER_ACTION_ESCALATE)
      escalations.push_back(event);
  }
  context->TryCancel();
  (void)reader->Finish();
  if (escalations.size() < 2) world->PrintServerLogs();
  ASSERT_EQ(escalations.size(), 2u);
  EXPECT_EQ(escalations[0].escalation_level(), 1);
  EXPECT_EQ(escalations[1].escalation_level(), 2);
  EXPECT_EQ(escalations[0].actor().role(), v1::ROLE_SYSTEM);
  EXPECT_THAT(escalations[0].reason(), ::testing::HasSubstr("county"));
  EXPECT_THAT(escalations[1].reason(), ::testing::HasSubstr("city"));

  // At the top of the ladder the order still shows its missed deadline.
  v1::GetOrderRequest get;
  get.set_order_id(order.id());
  status = world->orders()->GetOrder(world->As("resident").get(), get, &order);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(order.escalation_level(), 2);
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_DISPATCH);

  // The county's admin lists both, newest first, and acknowledges the first.
  v1::ListEscalationsRequest list;
  v1::ListEscalationsResponse listed;
  status = world->watchdog()->ListEscalations(world->As("county-admin").get(),
                                              list, &listed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(listed.escalations_size(), 2);
  EXPECT_EQ(listed.escalations(0).level(), 2);
  const v1::Escalation first = listed.escalations(1);
  EXPECT_EQ(first.order_id(), order.id());
  EXPECT_EQ(first.level(), 1);
  EXPECT_EQ(first.county_id(), "rencheng");

  v1::AcknowledgeEscalationRequest ack;
  ack.set_request_id(world->NextRequestId());
  ack.set_escalation_id(first.id());
  ack.set_expected_version(first.version());
  ack.set_note("已电话督促社区派单");
  v1::Escalation acknowledged;
  status = world->watchdog()->AcknowledgeEscalation(
      world->As("county-admin").get(), ack, &acknowledged);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_TRUE(acknowledged.acknowledged());
  EXPECT_EQ(acknowledged.version(), first.version() + 1);
  EXPECT_EQ(acknowledged.acknowledged_by().user_id(),
            world->account("county-admin").user_id);
  // The same request again answers the same; a second acknowledgement at the
  // old version is ABORTED.
  v1::Escalation again;
  status = world->watchdog()->AcknowledgeEscalation(
      world->As("county-admin").get(), ack, &again);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(again.SerializeAsString(), acknowledged.SerializeAsString());
  ack.set_request_id(world->NextRequestId());
  EXPECT_EQ(world->watchdog()
                ->AcknowledgeEscalation(world->As("admin").get(), ack, &again)
                .error_code(),
            grpc::StatusCode::ABORTED);

  // Unacknowledged ones only, by default; the community's worker sees them.
  status = world->watchdog()->ListEscalations(world->As("worker").get(), list,
                                              &listed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(listed.escalations_size(), 1);
  EXPECT_EQ(listed.escalations(0).level(), 2);
}

}  // namespace
}  // namespace kepu::testing
