// The order store against a real redis-server (started per test on a free
// port): every move of the lifecycle, exclusive claims under 32 threads,
// idempotent retries, stale versions, indexes, and a Redis killed with SIGKILL
// mid-run.
#include "services/core/redis/redis_order_store.h"

#include <atomic>
#include <latch>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/authorization.h"
#include "services/core/order_workflow.h"
#include "services/core/time_util.h"
#include "tests/support/jining_directory.h"
#include "tests/support/people.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using ::testing::UnorderedElementsAre;

constexpr char kCommunity[] = "rencheng-guhuai-zhuyuan";

using testing::Person;

v1::CreateOrderRequest NewOrderRequest(
    absl::Time now, const std::string& request_id,
    const std::string& community = kCommunity) {
  v1::CreateOrderRequest request;
  request.set_request_id(request_id);
  v1::OrderDraft& draft = *request.mutable_draft();
  draft.set_service_line_id("elderly-health");
  draft.set_community_id(community);
  draft.set_address("任城区古槐街道竹竿巷社区党群服务中心");
  draft.set_audience(v1::AUDIENCE_ELDERLY);
  draft.set_expected_attendees(40);
  v1::TimeWindow& window = *draft.add_preferred_windows();
  *window.mutable_start() = ToProto(now + absl::Hours(72));
  *window.mutable_end() = ToProto(now + absl::Hours(74));
  draft.mutable_contact()->set_name("张主任");
  draft.mutable_contact()->set_phone("13912345678");
  return request;
}

class RedisOrderStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(server_->ClientOptions(8));
    store_ = std::make_unique<RedisOrderStore>(*redis_, "jining");
    directory_ = std::make_unique<RedisDirectory>(*redis_, "jining");
    ASSERT_TRUE(testing::Load(testing::SmallJining(), *directory_).ok());
    workflow_ =
        std::make_unique<OrderWorkflow>(*store_, *directory_, clock_, ids_);
  }

  Command Make(v1::OrderAction action, const v1::Order& order,
               const std::string& request_id) {
    Command command;
    command.action = action;
    command.order_id = order.id();
    command.request_id = request_id;
    command.fingerprint = std::string(32, 'a' + (next_fingerprint_++ % 26));
    command.expected_version = order.version();
    return command;
  }

  // Acts and checks the result against what Redis now holds.
  v1::Order Do(const v1::Principal& who, const Command& command) {
    absl::StatusOr<v1::Order> result = workflow_->Act(who, command);
    EXPECT_TRUE(result.ok())
        << ActionName(command.action) << ": " << result.status();
    if (!result.ok()) return v1::Order();
    absl::StatusOr<v1::Order> stored = store_->Get(result->id());
    EXPECT_TRUE(stored.ok());
    // The caller got what Redis holds, as the caller may see it.
    EXPECT_EQ(AsSeenBy(who, *stored).SerializeAsString(),
              result->SerializeAsString());
    applied_.insert(command.action);
    return *stored;
  }

  // Checks `order` in as `leader`: confirms its first preferred window as the
  // service time when it has none, and moves the clock to the window's start
  // when before it (check-in happens only around the service).
  v1::Order CheckIn(const v1::Principal& leader, v1::Order order,
                    const std::string& request_id) {
    if (!order.has_schedule()) {
      Command schedule =
          Make(v1::ORDER_ACTION_SCHEDULE, order, request_id + "-schedule");
      schedule.schedule = order.draft().preferred_windows(0);
      order = Do(leader, schedule);
    }
    const absl::Time start = FromProto(order.schedule().start());
    if (clock_.Now() < start) clock_.Set(start);
    return Do(leader, Make(v1::ORDER_ACTION_CHECK_IN, order, request_id));
  }

  v1::Order Create(const v1::Principal& who, const std::string& request_id) {
    absl::StatusOr<v1::Order> result =
        workflow_->Create(who, NewOrderRequest(clock_.Now(), request_id));
    EXPECT_TRUE(result.ok()) << result.status();
    applied_.insert(v1::ORDER_ACTION_CREATE);
    return result.ok() ? *result : v1::Order();
  }

  std::string Digest() {
    absl::StatusOr<RedisReply> reply = redis_->Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    return reply.ok() ? std::string(reply->Str()) : "";
  }

  int64_t Length(const std::string& stream) {
    absl::StatusOr<RedisReply> reply = redis_->Command({"XLEN", stream});
    return reply.ok() ? reply->Integer() : -1;
  }

  // Every member of a sorted set, by score.
  std::vector<std::string> Members(const std::string& key) {
    return Range(key, "-inf", "+inf");
  }

  // The orders an index lists in `state`, oldest first.
  std::vector<std::string> Members(const std::string& key,
                                   v1::OrderState state) {
    return Range(key, absl::StrCat(IndexScore(state, 0)),
                 absl::StrCat("(", IndexScore(state, kStateScoreSpan)));
  }

  std::vector<std::string> Range(const std::string& key, const std::string& low,
                                 const std::string& high) {
    std::vector<std::string> members;
    absl::StatusOr<RedisReply> reply =
        redis_->Command({"ZRANGE", key, low, high, "BYSCORE"});
    if (!reply.ok()) return members;
    for (size_t i = 0; i < reply->Size(); ++i) {
      members.emplace_back((*reply)[i].Str());
    }
    return members;
  }

  Command Offer(const v1::Order& order, const std::string& request_id,
                const std::string& team,
                v1::OrderAction action = v1::ORDER_ACTION_ASSIGN_TEAM) {
    Command command = Make(action, order, request_id);
    command.team_id = team;
    command.offer_expires_at = clock_.Now() + absl::Hours(12);
    return command;
  }

  Command WithReason(Command command, const std::string& reason) {
    command.reason = reason;
    return command;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  IdGenerator ids_{clock_, 99};
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisOrderStore> store_;
  std::unique_ptr<RedisDirectory> directory_;
  std::unique_ptr<OrderWorkflow> workflow_;
  std::set<v1::OrderAction> applied_;
  int next_fingerprint_ = 0;

  v1::Principal resident_ = Person("resident-1", v1::ROLE_RESIDENT);
  v1::Principal worker_ =
      Person("worker-1", v1::ROLE_COMMUNITY_WORKER, kCommunity);
  v1::Principal clerk_ =
      Person("clerk-1", v1::ROLE_DEPARTMENT_STAFF, "weijian");
  v1::Principal team_a_ = Person("leader-a", v1::ROLE_TEAM_LEADER, "team-a");
  v1::Principal team_b_ = Person("leader-b", v1::ROLE_TEAM_LEADER, "team-b");
  v1::Principal team_c_ = Person("leader-c", v1::ROLE_TEAM_LEADER, "team-c");
  v1::Principal system_ = Person("kepu-system", v1::ROLE_SYSTEM);
};

TEST_F(RedisOrderStoreTest,
       EveryMoveOfTheLifecycleIsStoredWithIndexesAndHistory) {
  const RedisKeys& keys = store_->keys();
  v1::Order a = Create(resident_, "a-create");
  EXPECT_THAT(
      Members(keys.CommunityIndex(kCommunity), v1::ORDER_STATE_SUBMITTED),
      ElementsAre(a.id()));
  EXPECT_THAT(
      Members(keys.CommunityIndex(kCommunity), v1::ORDER_STATE_SUBMITTED),
      ElementsAre(a.id()));
  EXPECT_THAT(Members(keys.ResidentIndex("resident-1")), ElementsAre(a.id()));

  Command edit = Make(v1::ORDER_ACTION_EDIT, a, "a-edit");
  edit.draft = a.draft();
  edit.draft.set_expected_attendees(60);
  a = Do(resident_, edit);
  EXPECT_EQ(a.draft().expected_attendees(), 60);
  a = Do(worker_, WithReason(Make(v1::ORDER_ACTION_REQUEST_INFO, a, "a-ask"),
                             "几点开始？"));
  EXPECT_THAT(
      Members(keys.CommunityIndex(kCommunity), v1::ORDER_STATE_SUBMITTED),
      ElementsAre());
  EXPECT_THAT(
      Members(keys.CommunityIndex(kCommunity), v1::ORDER_STATE_NEEDS_INFO),
      ElementsAre(a.id()));
  edit = Make(v1::ORDER_ACTION_EDIT, a, "a-edit-2");
  edit.draft = a.draft();
  edit.draft.set_description("下午三点");
  a = Do(resident_, edit);
  a = Do(resident_, WithReason(Make(v1::ORDER_ACTION_RESUBMIT, a, "a-answer"),
                               "下午三点"));
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, a, "a-dispatch");
  dispatch.department_id = "weijian";
  a = Do(worker_, dispatch);
  EXPECT_THAT(
      Members(keys.DepartmentIndex("weijian"), v1::ORDER_STATE_DISPATCHED),
      ElementsAre(a.id()));
  a = Do(clerk_, WithReason(Make(v1::ORDER_ACTION_RETURN, a, "a-return"),
                            "请改派教育局"));
  EXPECT_THAT(
      Members(keys.DepartmentIndex("weijian"), v1::ORDER_STATE_DISPATCHED),
      ElementsAre());
  EXPECT_TRUE(a.department_id().empty());
  dispatch = Make(v1::ORDER_ACTION_DISPATCH, a, "a-dispatch-2");
  dispatch.department_id = "weijian";
  a = Do(worker_, dispatch);
  a = Do(clerk_, Make(v1::ORDER_ACTION_CLAIM, a, "a-claim"));
  a = Do(clerk_, Make(v1::ORDER_ACTION_RELEASE_TO_MATCHING, a, "a-release"));
  EXPECT_EQ(Length(keys.MatchingQueue()), 1);
  a = Do(system_, Offer(a, "a-offer", "team-a", v1::ORDER_ACTION_OFFER));
  EXPECT_THAT(Members(keys.TeamIndex("team-a"), v1::ORDER_STATE_OFFERED),
              ElementsAre(a.id()));
  a = Do(system_, Make(v1::ORDER_ACTION_EXPIRE_OFFER, a, "a-expire"));
  EXPECT_THAT(Members(keys.TeamIndex("team-a"), v1::ORDER_STATE_OFFERED),
              ElementsAre());
  EXPECT_EQ(Length(keys.MatchingQueue()),
            2);  // back to the engine, team-a excluded
  a = Do(system_, Offer(a, "a-offer-2", "team-b", v1::ORDER_ACTION_OFFER));
  a = Do(team_b_, WithReason(Make(v1::ORDER_ACTION_DECLINE, a, "a-decline"),
                             "人手不够"));
  EXPECT_EQ(Length(keys.MatchingQueue()), 3);
  EXPECT_THAT(a.excluded_team_ids(), ElementsAre("team-a", "team-b"));
  a = Do(clerk_, Offer(a, "a-assign", "team-c"));
  a = Do(team_c_, Make(v1::ORDER_ACTION_ACCEPT, a, "a-accept"));
  EXPECT_THAT(Members(keys.TeamIndex("team-c"), v1::ORDER_STATE_ACCEPTED),
              ElementsAre(a.id()));
  Command schedule = Make(v1::ORDER_ACTION_SCHEDULE, a, "a-schedule");
  schedule.schedule = a.draft().preferred_windows(0);
  a = Do(team_c_, schedule);
  a = Do(team_c_, WithReason(Make(v1::ORDER_ACTION_WITHDRAW, a, "a-withdraw"),
                             "车坏了"));
  EXPECT_THAT(Members(keys.TeamIndex("team-c"), v1::ORDER_STATE_ACCEPTED),
              ElementsAre());
  EXPECT_EQ(Length(keys.MatchingQueue()),
            3);  // a direct assignment goes back to the clerk
  v1::Principal team_e = Person("leader-e", v1::ROLE_TEAM_LEADER, "team-e");
  a = Do(clerk_, Offer(a, "a-assign-2", "team-e"));
  a = Do(team_e, Make(v1::ORDER_ACTION_ACCEPT, a, "a-accept-2"));
  a = CheckIn(team_e, a, "a-checkin");
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, a, "a-complete");
  complete.completion.set_actual_attendees(55);
  complete.completion.set_summary("健康讲座");
  a = Do(team_e, complete);
  a = Do(resident_,
         WithReason(Make(v1::ORDER_ACTION_REOPEN, a, "a-reopen"), "没讲完"));
  a = CheckIn(team_e, a, "a-checkin-2");
  complete = Make(v1::ORDER_ACTION_COMPLETE, a, "a-complete-2");
  complete.completion.set_actual_attendees(58);
  complete.completion.set_summary("补讲完成");
  a = Do(team_e, complete);
  Command rate = Make(v1::ORDER_ACTION_RATE, a, "a-rate");
  rate.rating.set_overall(5);
  rate.rating.set_punctuality(5);
  rate.rating.set_content(5);
  rate.rating.set_attitude(5);
  a = Do(resident_, rate);
  EXPECT_EQ(a.state(), v1::ORDER_STATE_RATED);
  EXPECT_THAT(Members(keys.CommunityIndex(kCommunity), v1::ORDER_STATE_RATED),
              ElementsAre(a.id()));
  EXPECT_THAT(Members(keys.TeamIndex("team-e"), v1::ORDER_STATE_RATED),
              ElementsAre(a.id()));
  // Each team's history counted its part, in the same scripts: team-a let
  // an offer lapse, team-b declined one, team-c accepted and withdrew, team-e
  // accepted, completed twice (the reopening) and was rated 5.
  auto team_history = [&](const std::string& team) {
    absl::StatusOr<v1::TeamStats> stats = store_->TeamHistory(team);
    EXPECT_TRUE(stats.ok()) << stats.status();
    return stats.ok() ? *stats : v1::TeamStats();
  };
  EXPECT_EQ(team_history("team-a").offers_received(), 1);
  EXPECT_EQ(team_history("team-a").offers_accepted(), 0);
  EXPECT_EQ(team_history("team-b").offers_received(), 1);
  EXPECT_EQ(team_history("team-c").offers_accepted(), 1);
  EXPECT_EQ(team_history("team-e").offers_received(), 1);
  EXPECT_EQ(team_history("team-e").offers_accepted(), 1);
  EXPECT_EQ(team_history("team-e").completed_orders(), 2);
  EXPECT_EQ(team_history("team-e").ratings(), 1);
  EXPECT_DOUBLE_EQ(team_history("team-e").mean_rating(), 5.0);
  EXPECT_EQ(team_history("team-d").offers_received(), 0);
  auto lapsed = redis_->Command({"HGET", keys.TeamHistory("team-a"), "lapsed"});
  ASSERT_TRUE(lapsed.ok());
  EXPECT_EQ(lapsed->Str(), "1");

  v1::Order b = Create(resident_, "b-create");
  b = Do(worker_, WithReason(Make(v1::ORDER_ACTION_REJECT, b, "b-reject"),
                             "不在服务范围"));
  v1::Order c = Create(resident_, "c-create");
  Command duplicate = Make(v1::ORDER_ACTION_MARK_DUPLICATE, c, "c-duplicate");
  duplicate.duplicate_of = a.id();
  c = Do(worker_, duplicate);
  EXPECT_EQ(c.duplicate_of(), a.id());
  v1::Order d = Create(resident_, "d-create");
  dispatch = Make(v1::ORDER_ACTION_DISPATCH, d, "d-dispatch");
  dispatch.department_id = "weijian";
  d = Do(worker_, dispatch);
  d = Do(clerk_, Make(v1::ORDER_ACTION_CLAIM, d, "d-claim"));
  Command escalate = Make(v1::ORDER_ACTION_ESCALATE, d, "d-escalate");
  escalate.escalation_level = 1;
  d = Do(system_, escalate);
  d = Do(resident_,
         WithReason(Make(v1::ORDER_ACTION_CANCEL, d, "d-cancel"), "活动取消"));
  EXPECT_THAT(Members(keys.DepartmentIndex("weijian"), v1::ORDER_STATE_CLAIMED),
              ElementsAre());
  v1::Order e = Create(resident_, "e-create");
  dispatch = Make(v1::ORDER_ACTION_DISPATCH, e, "e-dispatch");
  dispatch.department_id = "weijian";
  e = Do(worker_, dispatch);
  e = Do(clerk_, Make(v1::ORDER_ACTION_CLAIM, e, "e-claim"));
  e = Do(clerk_, Offer(e, "e-assign", "team-a"));
  e = Do(team_a_, Make(v1::ORDER_ACTION_ACCEPT, e, "e-accept"));
  e = CheckIn(team_a_, e, "e-checkin");
  complete = Make(v1::ORDER_ACTION_COMPLETE, e, "e-complete");
  complete.completion.set_summary("完成");
  e = Do(team_a_, complete);
  e = Do(system_, Make(v1::ORDER_ACTION_CLOSE, e, "e-close"));
  EXPECT_EQ(e.state(), v1::ORDER_STATE_CLOSED);

  // Each index holds an order once, whatever it went through.
  EXPECT_EQ(Members(keys.CommunityIndex(kCommunity)).size(), 5u);
  EXPECT_EQ(Members(keys.DepartmentIndex("weijian")).size(), 3u);  // a, d, e

  // Every action of the table was applied through Redis.
  std::set<v1::OrderAction> all;
  for (const TransitionRule& rule : TransitionTable()) all.insert(rule.action);
  EXPECT_EQ(applied_, all);

  // Each order's history holds one event per version, in order, with the ids of
  // the tenant stream; the stream holds every event of every order.
  int64_t events = 0;
  for (const v1::Order* order : {&a, &b, &c, &d, &e}) {
    absl::StatusOr<std::vector<v1::OrderEvent>> history =
        store_->History(order->id(), "", 100);
    ASSERT_TRUE(history.ok()) << history.status();
    ASSERT_EQ(static_cast<int64_t>(history->size()), order->version());
    for (size_t i = 0; i < history->size(); ++i) {
      EXPECT_EQ((*history)[i].version(), static_cast<int64_t>(i + 1));
      EXPECT_FALSE((*history)[i].event_id().empty());
    }
    EXPECT_EQ(history->back().to_state(), order->state());
    events += order->version();
  }
  EXPECT_EQ(Length(keys.Events()), events);

  // History pages resume after an event id.
  auto first = store_->History(a.id(), "", 3);
  ASSERT_TRUE(first.ok());
  auto rest = store_->History(a.id(), first->back().event_id(), 100);
  ASSERT_TRUE(rest.ok());
  EXPECT_EQ(static_cast<int64_t>(first->size() + rest->size()), a.version());
  EXPECT_EQ(rest->front().version(), 4);

  // Every key carries the tenant's hash tag.
  absl::StatusOr<RedisReply> all_keys = redis_->Command({"KEYS", "*"});
  ASSERT_TRUE(all_keys.ok());
  EXPECT_GT(all_keys->Size(), 10u);
  for (size_t i = 0; i < all_keys->Size(); ++i) {
    EXPECT_TRUE(absl::StartsWith((*all_keys)[i].Str(), "kepu:{jining}:"))
        << (*all_keys)[i].Str();
  }
}

TEST_F(RedisOrderStoreTest, ThirtyTwoSimultaneousClaimsHaveExactlyOneWinner) {
  v1::Order order = Create(resident_, "create");
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch");
  dispatch.department_id = "weijian";
  order = Do(worker_, dispatch);

  constexpr int kThreads = 32;
  std::latch start(kThreads);
  std::vector<absl::Status> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      // Each thread is a different clerk of the department, as on 32 phones.
      const v1::Principal clerk = Person(absl::StrCat("clerk-", t),
                                         v1::ROLE_DEPARTMENT_STAFF, "weijian");
      Command claim;
      claim.action = v1::ORDER_ACTION_CLAIM;
      claim.order_id = order.id();
      claim.request_id = absl::StrCat("claim-", t);
      claim.fingerprint = std::string(32, 'c');
      claim.expected_version = order.version();
      start.arrive_and_wait();
      results[t] = workflow_->Act(clerk, claim).status();
    });
  }
  for (auto& thread : threads) thread.join();

  int winners = 0;
  for (const absl::Status& status : results) {
    if (status.ok()) {
      ++winners;
    } else {
      EXPECT_TRUE(status.code() == absl::StatusCode::kAborted ||
                  status.code() == absl::StatusCode::kFailedPrecondition)
          << status;
    }
  }
  EXPECT_EQ(winners, 1);
  absl::StatusOr<std::vector<v1::OrderEvent>> history =
      store_->History(order.id(), "", 100);
  ASSERT_TRUE(history.ok());
  int claims = 0;
  for (const v1::OrderEvent& event : *history)
    claims += event.action() == v1::ORDER_ACTION_CLAIM;
  EXPECT_EQ(claims, 1);
  absl::StatusOr<v1::Order> stored = store_->Get(order.id());
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_EQ(stored->version(), order.version() + 1);
}

TEST_F(RedisOrderStoreTest, PossibleDuplicatesAreFoundAtomicallyWithTheCreate) {
  // Eight residents order the same line for the same community at once. The
  // creates run one after another inside Redis, so each order lists exactly
  // the orders created before it: between them, 0, 1, ..., 7 duplicates.
  constexpr int kResidents = 8;
  std::latch start(kResidents);
  std::vector<absl::StatusOr<v1::Order>> created(kResidents);
  std::vector<std::thread> threads;
  for (int t = 0; t < kResidents; ++t) {
    threads.emplace_back([&, t] {
      const v1::Principal resident =
          Person(absl::StrCat("resident-", t), v1::ROLE_RESIDENT);
      start.arrive_and_wait();
      created[t] = workflow_->Create(
          resident, NewOrderRequest(clock_.Now(), absl::StrCat("dup-", t)));
    });
  }
  for (auto& thread : threads) thread.join();

  std::map<size_t, v1::Order> by_count;  // stored orders by duplicates listed
  for (const absl::StatusOr<v1::Order>& order : created) {
    ASSERT_TRUE(order.ok()) << order.status();
    absl::StatusOr<v1::Order> stored = store_->Get(order->id());
    ASSERT_TRUE(stored.ok()) << stored.status();
    by_count[stored->possible_duplicate_ids_size()] = *stored;
  }
  ASSERT_EQ(by_count.size(), static_cast<size_t>(kResidents))
      << "two orders saw the same earlier orders";
  std::vector<std::string> earlier;
  for (const auto& [count, order] : by_count) {
    EXPECT_THAT(order.possible_duplicate_ids(),
                ::testing::UnorderedElementsAreArray(earlier));
    earlier.push_back(order.id());
  }

  // A retried create answers the first result, duplicates included.
  const v1::Order& last = by_count.rbegin()->second;
  const int who = std::stoi(last.resident_id().substr(9));
  absl::StatusOr<v1::Order> retried = workflow_->Create(
      Person(absl::StrCat("resident-", who), v1::ROLE_RESIDENT),
      NewOrderRequest(clock_.Now(), absl::StrCat("dup-", who)));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->id(), last.id());
  EXPECT_EQ(retried->possible_duplicate_ids_size(), kResidents - 1);
}

TEST_F(RedisOrderStoreTest,
       RetriedRequestReturnsTheFirstResultAndWritesNothing) {
  v1::Order order = Create(resident_, "create");
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch");
  dispatch.department_id = "weijian";
  const v1::Order first = Do(worker_, dispatch);
  v1::Order later = Do(clerk_, Make(v1::ORDER_ACTION_CLAIM, first, "claim"));
  const std::string digest = Digest();

  // The worker's retry: same request id, same content, though the order moved
  // on.
  absl::StatusOr<v1::Order> again = workflow_->Act(worker_, dispatch);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Digest(), digest);

  // The retry racing past the workflow's read lands on the script's own check.
  Transition transition;
  transition.request = {"worker-1", "dispatch", dispatch.fingerprint};
  transition.before = order;
  transition.after = first;
  absl::StatusOr<Applied> replayed = store_->Apply(transition);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_TRUE(replayed->replayed);
  EXPECT_EQ(replayed->order.SerializeAsString(), first.SerializeAsString());
  EXPECT_EQ(Digest(), digest);

  // Same request id, other content: refused, nothing written.
  Command other = dispatch;
  other.department_id = "jiaoyu";
  other.fingerprint = std::string(32, 'z');
  absl::StatusOr<v1::Order> reused = workflow_->Act(worker_, other);
  EXPECT_EQ(reused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(absl::StartsWith(reused.status().message(), "request_id:"));
  transition.request.fingerprint = other.fingerprint;
  EXPECT_EQ(store_->Apply(transition).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Digest(), digest);
  (void)later;
}

TEST_F(RedisOrderStoreTest, StaleVersionIsAbortedAndWritesNothing) {
  v1::Order order = Create(resident_, "create");
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch");
  dispatch.department_id = "weijian";
  v1::Order dispatched = Do(worker_, dispatch);
  const std::string digest = Digest();

  // Planned against version 1, applied when the order is at version 2.
  Command reject =
      WithReason(Make(v1::ORDER_ACTION_REJECT, order, "reject"), "重复");
  absl::StatusOr<Move> move = PlanMove(
      order, reject, ActorOf(worker_, v1::ROLE_COMMUNITY_WORKER), clock_.Now());
  ASSERT_TRUE(move.ok()) << move.status();
  Transition transition;
  transition.request = {"worker-1", "reject", reject.fingerprint};
  transition.before = order;
  transition.after = move->after;
  transition.event = move->event;
  absl::StatusOr<Applied> applied = store_->Apply(transition);
  EXPECT_EQ(applied.status().code(), absl::StatusCode::kAborted);
  EXPECT_EQ(Digest(), digest);

  // Through the workflow, with the version the caller last saw.
  EXPECT_EQ(workflow_->Act(worker_, reject).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(Digest(), digest);
  EXPECT_EQ(store_->Get(order.id())->version(), dispatched.version());
}

TEST_F(RedisOrderStoreTest, CreatingAnExistingIdIsRefused) {
  v1::Order order = Create(resident_, "create");
  Transition transition;
  transition.request = {"resident-1", "create-again", std::string(32, 'b')};
  transition.after = order;
  EXPECT_EQ(store_->Apply(transition).status().code(),
            absl::StatusCode::kAlreadyExists);
}

TEST_F(RedisOrderStoreTest, UnknownOrderIsNotFound) {
  EXPECT_EQ(store_->Get(ids_.Next()).status().code(),
            absl::StatusCode::kNotFound);
  Command claim;
  claim.action = v1::ORDER_ACTION_CLAIM;
  claim.order_id = ids_.Next();
  claim.request_id = "claim-x";
  claim.fingerprint = std::string(32, 'd');
  claim.expected_version = 1;
  EXPECT_EQ(workflow_->Act(clerk_, claim).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(RedisOrderStoreTest, ScriptsAreLoadedAgainWhenRedisForgetsThem) {
  v1::Order order = Create(resident_, "create");
  ASSERT_TRUE(redis_->Command({"SCRIPT", "FLUSH"}).ok());
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch");
  dispatch.department_id = "weijian";
  EXPECT_EQ(Do(worker_, dispatch).state(), v1::ORDER_STATE_DISPATCHED);
}

TEST_F(RedisOrderStoreTest, IndexesPageInOrderWithoutGapsOrRepeats) {
  // 25 orders in the community, a few per millisecond so scores tie.
  std::vector<std::string> created;
  for (int i = 0; i < 25; ++i) {
    created.push_back(Create(resident_, absl::StrCat("create-", i)).id());
    if (i % 3 == 2) clock_.Advance(absl::Milliseconds(1));
  }
  // Five of them move on to DISPATCHED, later.
  clock_.Advance(absl::Milliseconds(1));
  for (int i = 0; i < 5; ++i) {
    v1::Order order = *store_->Get(created[i * 5]);
    Command dispatch =
        Make(v1::ORDER_ACTION_DISPATCH, order, absl::StrCat("dispatch-", i));
    dispatch.department_id = "weijian";
    Do(worker_, dispatch);
  }

  OrderQuery query;
  query.index = OrderIndex::kCommunity;
  query.scope_id = kCommunity;
  query.states = {v1::ORDER_STATE_SUBMITTED, v1::ORDER_STATE_DISPATCHED};
  query.limit = 7;
  std::vector<std::string> seen;
  int pages = 0;
  do {
    absl::StatusOr<OrderPage> page = store_->List(query);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 25);
    for (const v1::Order& order : page->orders) seen.push_back(order.id());
    query.cursor = page->next_cursor;
    ++pages;
  } while (!query.cursor.empty() && pages < 10);
  EXPECT_EQ(pages, 4);
  ASSERT_EQ(seen.size(), 25u);
  // Oldest state entry first: the 20 still submitted in creation order, then
  // the dispatched.
  std::vector<std::string> expected;
  for (int i = 0; i < 25; ++i) {
    if (i % 5 != 0) expected.push_back(created[i]);
  }
  for (int i = 0; i < 5; ++i) expected.push_back(created[i * 5]);
  EXPECT_EQ(seen, expected);

  // The department's pool, and the resident's orders newest first with a state
  // filter.
  OrderQuery pool;
  pool.index = OrderIndex::kDepartment;
  pool.scope_id = "weijian";
  pool.states = {v1::ORDER_STATE_DISPATCHED};
  absl::StatusOr<OrderPage> dispatched = store_->List(pool);
  ASSERT_TRUE(dispatched.ok());
  EXPECT_EQ(dispatched->orders.size(), 5u);
  OrderQuery mine;
  mine.index = OrderIndex::kResident;
  mine.scope_id = "resident-1";
  mine.states = {v1::ORDER_STATE_DISPATCHED};
  mine.newest_first = true;
  mine.limit = 3;
  absl::StatusOr<OrderPage> page = store_->List(mine);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->orders.size(), 3u);
  EXPECT_EQ(page->orders[0].id(), created[20]);
  EXPECT_EQ(page->orders[2].id(), created[10]);
  mine.cursor = page->next_cursor;
  page = store_->List(mine);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->orders.size(), 2u);
  EXPECT_EQ(page->orders[1].id(), created[0]);
  EXPECT_TRUE(page->next_cursor.empty());
}

TEST_F(RedisOrderStoreTest,
       RedisKilledMidRunLosesNothingAcknowledgedAndCallsRecover) {
  struct Acknowledged {
    std::string order_id;
    int64_t version;
  };
  std::mutex mu;
  std::vector<Acknowledged> acknowledged;
  std::atomic<int> unavailable{0};
  std::atomic<bool> stop{false};
  std::atomic<int> other_errors{0};
  absl::Duration slowest_failure;

  // A writer creates orders and dispatches and claims them, as long as it is
  // let.
  std::thread writer([&] {
    // How long a call that failed took, counted from before it started.
    auto failed_after = [&](absl::Time started) {
      std::lock_guard<std::mutex> lock(mu);
      slowest_failure = std::max(slowest_failure, absl::Now() - started);
    };
    for (int i = 0; !stop.load(); ++i) {
      absl::Time started = absl::Now();
      absl::StatusOr<v1::Order> order = workflow_->Create(
          resident_, NewOrderRequest(clock_.Now(), absl::StrCat("c-", i)));
      if (!order.ok()) {
        failed_after(started);
        if (order.status().code() == absl::StatusCode::kUnavailable) {
          ++unavailable;
        } else {
          ++other_errors;
        }
        continue;
      }
      {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.push_back({order->id(), order->version()});
      }
      Command dispatch;
      dispatch.action = v1::ORDER_ACTION_DISPATCH;
      dispatch.order_id = order->id();
      dispatch.request_id = absl::StrCat("d-", i);
      dispatch.fingerprint = std::string(32, 'e');
      dispatch.expected_version = order->version();
      dispatch.department_id = "weijian";
      started = absl::Now();
      absl::StatusOr<v1::Order> dispatched = workflow_->Act(worker_, dispatch);
      if (dispatched.ok()) {
        std::lock_guard<std::mutex> lock(mu);
        acknowledged.push_back({dispatched->id(), dispatched->version()});
        continue;
      }
      failed_after(started);
      if (dispatched.status().code() == absl::StatusCode::kUnavailable) {
        ++unavailable;
      } else {
        ++other_errors;
      }
    }
  });

  // However the test ends, the writer stops first.
  absl::Cleanup stop_writer = [&] {
    stop = true;
    writer.join();
  };
  auto acknowledged_count = [&] {
    std::lock_guard<std::mutex> lock(mu);
    return acknowledged.size();
  };
  // Whether `reached()` holds within `limit` (generous: the machine may be
  // busy); polled, as the writer signals nothing.
  auto within = [](absl::Duration limit, auto reached) {
    const absl::Time deadline = absl::Now() + limit;
    while (!reached()) {
      if (absl::Now() > deadline) return false;
      absl::SleepFor(absl::Milliseconds(1));
    }
    return true;
  };
  // Let it write, then pull the plug.
  ASSERT_TRUE(
      within(absl::Seconds(30), [&] { return acknowledged_count() >= 200; }))
      << acknowledged_count() << " moves acknowledged before the crash";
  ASSERT_TRUE(server_->Kill().ok());
  ASSERT_TRUE(
      within(absl::Seconds(30), [&] { return unavailable.load() >= 20; }))
      << unavailable.load() << " calls answered UNAVAILABLE with Redis down";
  const size_t during_outage = acknowledged_count();
  ASSERT_TRUE(server_->Restart().ok());
  // The same client recovers by itself: the writer makes progress again.
  ASSERT_TRUE(
      within(absl::Seconds(30),
             [&] { return acknowledged_count() >= during_outage + 50; }))
      << acknowledged_count() - during_outage
      << " moves acknowledged after Redis came back";
  std::move(stop_writer).Invoke();

  EXPECT_EQ(other_errors.load(), 0);
  EXPECT_LT(slowest_failure, absl::Seconds(3));  // fail fast, no hang
  // Every acknowledged move is there after the crash (AOF with appendfsync
  // always).
  std::lock_guard<std::mutex> lock(mu);
  for (const Acknowledged& ack : acknowledged) {
    absl::StatusOr<v1::Order> stored = store_->Get(ack.order_id);
    ASSERT_TRUE(stored.ok()) << ack.order_id << ": " << stored.status();
    EXPECT_GE(stored->version(), ack.version);
    absl::StatusOr<std::vector<v1::OrderEvent>> history =
        store_->History(ack.order_id, "", 100);
    ASSERT_TRUE(history.ok());
    EXPECT_GE(static_cast<int64_t>(history->size()), ack.version);
  }
}

}  // namespace
}  // namespace kepu
