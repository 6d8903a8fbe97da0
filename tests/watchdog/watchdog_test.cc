// The watchdog on a fake clock, over the in-memory store and over a real
// redis-server (the same tests on both): lapsed offers, K offers, the
// escalation ladder with its records, auto-close, and each missed deadline
// handled exactly once however many rounds or watchdogs run.
#include "services/watchdog/watchdog.h"

#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/testing/fake_directory.h"
#include "services/core/testing/fake_order_store.h"
#include "services/core/time_util.h"
#include "services/directory/redis_directory.h"
#include "services/watchdog/escalations.h"
#include "tests/support/jining_directory.h"
#include "tests/support/people.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using testing::Person;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);
constexpr char kCommunity[] = "rencheng-guhuai-zhuyuan";

enum class Backend { kFake, kRedis };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  return info.param == Backend::kFake ? "Fake" : "Redis";
}

class WatchdogTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    policy_.awaiting_dispatch = absl::Hours(2);
    policy_.awaiting_claim = absl::Hours(3);
    policy_.awaiting_rating = absl::Hours(24 * 7);
    policy_.max_offer_attempts = 2;
    if (GetParam() == Backend::kRedis) {
      auto server = testing::RedisServer::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      server_ = std::move(*server);
      redis_ = std::make_unique<RedisClient>(server_->ClientOptions(8));
      auto store = std::make_unique<RedisOrderStore>(*redis_, "jining");
      redis_store_ = store.get();
      store_ = std::move(store);
      auto directory = std::make_unique<RedisDirectory>(*redis_, "jining");
      ASSERT_TRUE(testing::Load(testing::SmallJining(), *directory).ok());
      directory_ = std::move(directory);
    } else {
      auto store = std::make_unique<FakeOrderStore>();
      fake_store_ = store.get();
      store_ = std::move(store);
      auto directory = std::make_unique<FakeDirectory>();
      testing::Load(testing::SmallJining(), *directory);
      directory_ = std::move(directory);
    }
    workflow_ = std::make_unique<OrderWorkflow>(*store_, *directory_, clock_,
                                                ids_, policy_);
    watchdog_ =
        std::make_unique<Watchdog>(*store_, *workflow_, clock_, "jining");
  }

  Command Make(v1::OrderAction action, const v1::Order& order,
               const std::string& request_id) {
    Command command;
    command.action = action;
    command.order_id = order.id();
    command.request_id = request_id;
    command.fingerprint = std::string(32, 'a' + (next_++ % 26));
    command.expected_version = order.version();
    return command;
  }

  v1::Order Act(const v1::Principal& who, const Command& command) {
    absl::StatusOr<v1::Order> order = workflow_->Act(who, command);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : v1::Order();
  }

  v1::Order Submitted() {
    v1::CreateOrderRequest request;
    request.set_request_id(absl::StrCat("create-", next_++));
    *request.mutable_draft() = testing::SmallJiningDraft(clock_.Now());
    absl::StatusOr<v1::Order> order = workflow_->Create(resident_, request);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : v1::Order();
  }

  v1::Order Claimed() {
    v1::Order order = Submitted();
    Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, Id("dispatch"));
    dispatch.department_id = "kexie";
    order = Act(worker_, dispatch);
    return Act(department_, Make(v1::ORDER_ACTION_CLAIM, order, Id("claim")));
  }

  // The matching engine offers the order to `team` for `ttl`.
  v1::Order Offered(const v1::Order& claimed, const std::string& team,
                    absl::Duration ttl) {
    Command offer = Make(v1::ORDER_ACTION_OFFER, claimed, Id("offer"));
    offer.team_id = team;
    offer.offer_expires_at = clock_.Now() + ttl;
    return Act(matching_, offer);
  }

  std::string Id(absl::string_view what) {
    return absl::StrCat(what, "-", next_++);
  }

  v1::Order Stored(const std::string& id) {
    absl::StatusOr<v1::Order> order = store_->Get(id);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : v1::Order();
  }

  // The order's events of `action`.
  std::vector<v1::OrderEvent> Events(const std::string& id,
                                     v1::OrderAction action) {
    absl::StatusOr<std::vector<v1::OrderEvent>> history =
        store_->History(id, "", 1000);
    EXPECT_TRUE(history.ok()) << history.status();
    std::vector<v1::OrderEvent> events;
    for (const v1::OrderEvent& event : *history) {
      if (event.action() == action) events.push_back(event);
    }
    return events;
  }

  // How many entries the matching queue holds.
  int64_t Queued() {
    if (fake_store_ != nullptr)
      return static_cast<int64_t>(fake_store_->matching_queue().size());
    absl::StatusOr<RedisReply> reply =
        redis_->Command({"XLEN", redis_store_->keys().MatchingQueue()});
    EXPECT_TRUE(reply.ok());
    return reply.ok() ? reply->Integer() : -1;
  }

  WatchdogRound Round() {
    absl::StatusOr<WatchdogRound> round = watchdog_->RunOnce();
    EXPECT_TRUE(round.ok()) << round.status();
    return round.ok() ? *round : WatchdogRound{-1, -1, -1, -1};
  }

  std::vector<v1::Escalation> AllEscalations() {
    EscalationQuery query;
    query.include_acknowledged = true;
    query.limit = 100;
    absl::StatusOr<EscalationPage> page = store_->ListEscalations(query);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.ok() ? page->escalations : std::vector<v1::Escalation>{};
  }

  LifecyclePolicy policy_;
  FakeClock clock_{kStart};
  IdGenerator ids_{clock_, 7};
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<OrderStore> store_;
  FakeOrderStore* fake_store_ = nullptr;
  RedisOrderStore* redis_store_ = nullptr;
  std::unique_ptr<DirectoryView> directory_;
  std::unique_ptr<OrderWorkflow> workflow_;
  std::unique_ptr<Watchdog> watchdog_;
  int next_ = 0;
  v1::Principal resident_ = Person("resident-1", v1::ROLE_RESIDENT);
  v1::Principal worker_ =
      Person("worker-1", v1::ROLE_COMMUNITY_WORKER, kCommunity);
  v1::Principal department_ =
      Person("clerk-1", v1::ROLE_DEPARTMENT_STAFF, "kexie");
  v1::Principal leader_ = Person("leader-1", v1::ROLE_TEAM_LEADER, "team-a");
  v1::Principal matching_ = Person("matching", v1::ROLE_SYSTEM);
  v1::Principal county_admin_ = Person("admin-rc", v1::ROLE_ADMIN, "rencheng");
};

TEST_P(WatchdogTest, NothingHappensBeforeADeadline) {
  const v1::Order order = Submitted();
  clock_.Advance(absl::Hours(2) - absl::Seconds(1));
  const WatchdogRound round = Round();
  EXPECT_EQ(round.claimed, 0);
  EXPECT_EQ(Stored(order.id()).version(), order.version());
  absl::StatusOr<std::optional<absl::Time>> earliest = store_->EarliestDue();
  ASSERT_TRUE(earliest.ok());
  EXPECT_EQ(*earliest, kStart + absl::Hours(2));
}

TEST_P(WatchdogTest, ALapsedOfferGoesBackToMatchingWithoutTheTeam) {
  const v1::Order claimed = Claimed();
  const v1::Order offered = Offered(claimed, "team-a", absl::Hours(1));
  const int64_t queued = Queued();
  clock_.Advance(absl::Hours(1));
  const WatchdogRound round = Round();
  EXPECT_EQ(round.moved, 1);
  const v1::Order after = Stored(offered.id());
  EXPECT_EQ(after.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_THAT(after.excluded_team_ids(), Contains("team-a"));
  EXPECT_TRUE(after.awaiting_match());
  EXPECT_EQ(Queued(), queued + 1);
  const auto expired = Events(offered.id(), v1::ORDER_ACTION_EXPIRE_OFFER);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].actor().role(), v1::ROLE_SYSTEM);
  EXPECT_EQ(expired[0].actor().user_id(), "watchdog");
  EXPECT_THAT(expired[0].reason(), HasSubstr("lapsed"));
  EXPECT_EQ(expired[0].team_id(), "team-a");  // the team hears of it
  // The order waits for a team again, due per the stage.
  EXPECT_EQ(after.next_deadline().stage(), v1::STAGE_AWAITING_MATCH);
}

TEST_P(WatchdogTest, AfterKOffersTheOrderGoesToItsDepartmentNotToMatching) {
  v1::Order order = Claimed();  // K = 2 in this fixture
  order = Offered(order, "team-a", absl::Hours(1));
  Command decline = Make(v1::ORDER_ACTION_DECLINE, order, Id("decline"));
  decline.reason = "人手不足";
  order = Act(leader_, decline);
  ASSERT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_TRUE(order.awaiting_match());
  const int64_t queued = Queued();
  order = Offered(order, "team-b", absl::Hours(1));
  EXPECT_EQ(order.offer_attempts(), 2);
  clock_.Advance(absl::Hours(1));
  EXPECT_EQ(Round().moved, 1);
  const v1::Order after = Stored(order.id());
  EXPECT_EQ(after.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_FALSE(after.awaiting_match());
  EXPECT_THAT(after.last_reason(), HasSubstr("no team accepted after 2"));
  EXPECT_EQ(Queued(), queued);  // not put back on the matching queue
  const auto expired = Events(order.id(), v1::ORDER_ACTION_EXPIRE_OFFER);
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0].department_id(), "kexie");
  EXPECT_THAT(expired[0].reason(), HasSubstr("assign a team directly"));
}

TEST_P(WatchdogTest, AMissedDeadlineClimbsToTheCountyThenTheCityThenStops) {
  const v1::Order order = Submitted();
  // Level 1: the county, when the stage's two hours have passed.
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Round().moved, 1);
  v1::Order after = Stored(order.id());
  EXPECT_EQ(after.state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(after.escalation_level(), 1);
  EXPECT_EQ(FromProto(after.next_deadline().due_at()), kStart + absl::Hours(4));
  std::vector<v1::Escalation> escalations = AllEscalations();
  ASSERT_EQ(escalations.size(), 1u);
  EXPECT_EQ(escalations[0].order_id(), order.id());
  EXPECT_EQ(escalations[0].level(), 1);
  EXPECT_EQ(escalations[0].stage(), v1::STAGE_AWAITING_DISPATCH);
  EXPECT_EQ(FromProto(escalations[0].due_at()), kStart + absl::Hours(2));
  EXPECT_EQ(FromProto(escalations[0].escalated_at()), kStart + absl::Hours(2));
  EXPECT_EQ(escalations[0].community_id(), kCommunity);
  EXPECT_EQ(escalations[0].county_id(), "rencheng");
  EXPECT_EQ(escalations[0].version(), 1);

  // Nothing more until the next step.
  clock_.Advance(absl::Hours(2) - absl::Seconds(1));
  EXPECT_EQ(Round().moved, 0);
  // Level 2: the city, one stage allowance later.
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Round().moved, 1);
  after = Stored(order.id());
  EXPECT_EQ(after.escalation_level(), 2);
  // The order still shows the stage's missed deadline, but the index forgot
  // it: nothing happens any more.
  EXPECT_EQ(FromProto(after.next_deadline().due_at()), kStart + absl::Hours(2));
  clock_.Advance(absl::Hours(24 * 30));
  EXPECT_EQ(Round().claimed, 0);
  absl::StatusOr<std::optional<absl::Time>> earliest = store_->EarliestDue();
  ASSERT_TRUE(earliest.ok());
  EXPECT_FALSE(earliest->has_value());

  const auto events = Events(order.id(), v1::ORDER_ACTION_ESCALATE);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].escalation_level(), 1);
  EXPECT_EQ(events[1].escalation_level(), 2);
  escalations = AllEscalations();
  ASSERT_EQ(escalations.size(), 2u);
  EXPECT_EQ(escalations[0].level(), 2);  // newest first
  EXPECT_EQ(FromProto(escalations[0].due_at()), kStart + absl::Hours(4));

  // The county's admin sees both and acknowledges one.
  Escalations desk(*store_, *directory_);
  v1::ListEscalationsRequest list;
  absl::StatusOr<v1::ListEscalationsResponse> listed =
      desk.List(county_admin_, list);
  ASSERT_TRUE(listed.ok()) << listed.status();
  EXPECT_EQ(listed->escalations_size(), 2);
  v1::AcknowledgeEscalationRequest ack;
  ack.set_request_id("ack-1");
  ack.set_escalation_id(escalations[1].id());
  ack.set_expected_version(1);
  ack.set_note("已联系社区");
  absl::StatusOr<v1::Escalation> acked = desk.Acknowledge(county_admin_, ack);
  ASSERT_TRUE(acked.ok()) << acked.status();
  EXPECT_TRUE(acked->acknowledged());
  EXPECT_EQ(acked->version(), 2);
  EXPECT_EQ(acked->acknowledged_by().scope_id(), "rencheng");
  // A retry answers the first result; a stale version is ABORTED.
  absl::StatusOr<v1::Escalation> again = desk.Acknowledge(county_admin_, ack);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->SerializeAsString(), acked->SerializeAsString());
  ack.set_request_id("ack-2");
  EXPECT_EQ(desk.Acknowledge(county_admin_, ack).status().code(),
            absl::StatusCode::kAborted);
  listed = desk.List(county_admin_, list);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->escalations_size(), 1);  // acknowledged ones left out
  // Another county's admin sees none and may acknowledge none.
  const v1::Principal other = Person("admin-yz", v1::ROLE_ADMIN, "yanzhou");
  listed = desk.List(other, list);
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(listed->escalations_size(), 0);
  ack.set_escalation_id(escalations[0].id());
  EXPECT_EQ(desk.Acknowledge(other, ack).status().code(),
            absl::StatusCode::kNotFound);
  list.set_region_id(kCommunity);
  EXPECT_EQ(desk.List(other, list).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_P(WatchdogTest, AChangeOfStageStartsTheLadderAgain) {
  v1::Order order = Submitted();
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(Round().moved, 1);
  order = Stored(order.id());
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, Id("dispatch"));
  dispatch.department_id = "kexie";
  order = Act(worker_, dispatch);
  EXPECT_EQ(order.escalation_level(), 0);
  EXPECT_EQ(FromProto(order.next_deadline().due_at()),
            clock_.Now() + absl::Hours(3));
  clock_.Advance(absl::Hours(3));
  EXPECT_EQ(Round().moved, 1);
  EXPECT_EQ(Stored(order.id()).escalation_level(), 1);
  EXPECT_EQ(AllEscalations().front().stage(), v1::STAGE_AWAITING_CLAIM);
}

TEST_P(WatchdogTest, ACompletedOrderLeftUnratedClosesAfterTheRatingPeriod) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, Id("assign"));
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(1);
  order = Act(department_, assign);
  order = Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, Id("accept")));
  // Check-in only around the confirmed service time.
  Command schedule = Make(v1::ORDER_ACTION_SCHEDULE, order, Id("schedule"));
  schedule.schedule = order.draft().preferred_windows(0);
  order = Act(leader_, schedule);
  clock_.Set(FromProto(order.schedule().start()));
  order = Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, Id("in")));
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, Id("complete"));
  complete.completion.set_summary("讲座完成");
  order = Act(leader_, complete);
  ASSERT_EQ(order.state(), v1::ORDER_STATE_COMPLETED);
  clock_.Advance(absl::Hours(24 * 7) - absl::Seconds(1));
  EXPECT_EQ(Round().moved, 0);
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(Round().moved, 1);
  const v1::Order closed = Stored(order.id());
  EXPECT_EQ(closed.state(), v1::ORDER_STATE_CLOSED);
  EXPECT_FALSE(closed.has_next_deadline());
  EXPECT_EQ(Events(order.id(), v1::ORDER_ACTION_CLOSE).size(), 1u);
}

TEST_P(WatchdogTest, RoundsAndWatchdogsHandleEachMissedDeadlineOnce) {
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) ids.push_back(Submitted().id());
  clock_.Advance(absl::Hours(2));
  // Four watchdogs with small batches race for the due orders.
  WatchdogOptions options;
  options.batch = 2;
  std::vector<std::unique_ptr<Watchdog>> watchdogs;
  for (int i = 0; i < 4; ++i) {
    watchdogs.push_back(std::make_unique<Watchdog>(*store_, *workflow_, clock_,
                                                   "jining", options));
  }
  std::latch start(4);
  std::vector<std::thread> threads;
  for (auto& watchdog : watchdogs) {
    threads.emplace_back([&start, w = watchdog.get()] {
      start.arrive_and_wait();
      for (int round = 0; round < 10; ++round) {
        absl::StatusOr<WatchdogRound> done = w->RunOnce();
        EXPECT_TRUE(done.ok()) << done.status();
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(Round().claimed, 0);
  for (const std::string& id : ids) {
    EXPECT_EQ(Events(id, v1::ORDER_ACTION_ESCALATE).size(), 1u) << id;
    EXPECT_EQ(Stored(id).escalation_level(), 1);
  }
  EXPECT_EQ(AllEscalations().size(), ids.size());
}

TEST_P(WatchdogTest, ARetryOfTheSameMoveWritesNothing) {
  const v1::Order order = Submitted();
  clock_.Advance(absl::Hours(2));
  std::optional<Command> command =
      WatchdogCommand(order, clock_.Now(), policy_);
  ASSERT_TRUE(command.has_value());
  EXPECT_EQ(Round().moved, 1);
  // A watchdog that read the order before the move and makes the same request
  // after it (a second watchdog, or one whose lease ended mid-move) gets the
  // first result and writes nothing.
  absl::StatusOr<v1::Order> replayed =
      workflow_->Act(watchdog_->principal(), *command);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->escalation_level(), 1);
  EXPECT_EQ(Events(order.id(), v1::ORDER_ACTION_ESCALATE).size(), 1u);
  EXPECT_EQ(AllEscalations().size(), 1u);
  EXPECT_EQ(Stored(order.id()).version(), order.version() + 1);
}

TEST_P(WatchdogTest, AnOrderThatMovedOnIsLeftAtItsNewDeadline) {
  v1::Order order = Submitted();
  // The index holds an old time (e.g. a claim whose lease ended) though the
  // order's deadline is later: the watchdog puts it back where it belongs.
  ASSERT_TRUE(store_->ResetDeadline(order.id(), order.version(), kStart).ok());
  const WatchdogRound round = Round();
  EXPECT_EQ(round.claimed, 1);
  EXPECT_EQ(round.skipped, 1);
  EXPECT_EQ(Stored(order.id()).version(), order.version());
  absl::StatusOr<std::optional<absl::Time>> earliest = store_->EarliestDue();
  ASSERT_TRUE(earliest.ok());
  EXPECT_EQ(*earliest, kStart + absl::Hours(2));
  // A put-back for a version that moved on writes nothing.
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, Id("dispatch"));
  dispatch.department_id = "kexie";
  order = Act(worker_, dispatch);
  absl::StatusOr<bool> wrote =
      store_->ResetDeadline(order.id(), order.version() - 1, kStart);
  ASSERT_TRUE(wrote.ok());
  EXPECT_FALSE(*wrote);
  earliest = store_->EarliestDue();
  EXPECT_EQ(*earliest, kStart + absl::Hours(3));
}

TEST_P(WatchdogTest, AClaimIsLeasedAndComesBackWhenTheLeaseEnds) {
  const v1::Order order = Submitted();
  clock_.Advance(absl::Hours(2));
  absl::StatusOr<std::vector<DueOrder>> claimed =
      store_->ClaimDue(clock_.Now(), 10, absl::Minutes(1));
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  ASSERT_EQ(claimed->size(), 1u);
  EXPECT_EQ((*claimed)[0].order_id, order.id());
  EXPECT_EQ((*claimed)[0].due, kStart + absl::Hours(2));
  // Held: no other claimant gets it (the claimant "died").
  EXPECT_EQ(Round().claimed, 0);
  clock_.Advance(absl::Minutes(1));
  EXPECT_EQ(Round().moved, 1);
  EXPECT_EQ(Stored(order.id()).escalation_level(), 1);
}

INSTANTIATE_TEST_SUITE_P(Stores, WatchdogTest,
                         ::testing::Values(Backend::kFake, Backend::kRedis),
                         BackendName);

TEST(WatchdogFakeStoreTest, AStoreDownLosesNothing) {
  FakeClock clock(kStart);
  IdGenerator ids(clock, 3);
  FakeOrderStore store;
  FakeDirectory directory;
  testing::Load(testing::SmallJining(), directory);
  LifecyclePolicy policy;
  policy.awaiting_dispatch = absl::Hours(1);
  OrderWorkflow workflow(store, directory, clock, ids, policy);
  Watchdog watchdog(store, workflow, clock, "jining");
  v1::CreateOrderRequest request;
  request.set_request_id("create-1");
  *request.mutable_draft() = testing::SmallJiningDraft(clock.Now());
  ASSERT_TRUE(workflow.Create(Person("r", v1::ROLE_RESIDENT), request).ok());
  clock.Advance(absl::Hours(1));
  store.SetUnavailable(true);
  EXPECT_EQ(watchdog.RunOnce().status().code(), absl::StatusCode::kUnavailable);
  store.SetUnavailable(false);
  absl::StatusOr<WatchdogRound> round = watchdog.RunOnce();
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->moved, 1);
}

}  // namespace
}  // namespace kepu
