// The matching engine end to end, on real Redis and real processes: kepud's
// own worker offering released orders with their reasons, a declined offer
// moving on to the next team, a worker killed mid-batch whose batch another
// worker finishes (kepu-matcher processes), and a poison entry set aside on
// the dead-letter stream.
#include <signal.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/redis/redis_keys.h"
#include "services/core/time_util.h"
#include "services/matching_worker/matching_queue.h"
#include "tests/e2e/world.h"
#include "tests/support/subprocess.h"

namespace kepu::testing {
namespace {

using ::testing::AnyOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::SizeIs;

// team-a (capacity 2, leader "leader") and team-b (capacity 1, "leader2")
// are the teams that deliver elderly-smart-help in rencheng-guhuai.
const std::map<std::string, std::string>& LeaderOf() {
  static const auto* const kLeaders = new std::map<std::string, std::string>{
      {"team-a", "leader"}, {"team-b", "leader2"}};
  return *kLeaders;
}

class MatchingTest : public ::testing::Test {
 protected:
  void TearDown() override {
    if (!HasFailure()) return;
    if (world_ != nullptr) world_->PrintServerLogs();
    for (const auto& matcher : matchers_) {
      std::fprintf(stderr, "--- kepu-matcher output:\n%s\n",
                   matcher->Output().c_str());
    }
  }

  void StartWorld(std::vector<std::string> flags) {
    auto world = World::Start(1, std::move(flags));
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
  }

  // World::Draft() with its window `day` days later than the draft's: orders
  // on different days never compete for a team's time.
  static v1::OrderDraft DraftOnDay(int day) {
    v1::OrderDraft draft = World::Draft();
    v1::TimeWindow& window = *draft.mutable_preferred_windows(0);
    *window.mutable_start() =
        ToProto(FromProto(window.start()) + absl::Hours(24 * day));
    *window.mutable_end() =
        ToProto(FromProto(window.end()) + absl::Hours(24 * day));
    return draft;
  }

  v1::Order Released(int day) {
    absl::StatusOr<v1::Order> order =
        world_->ClaimedOrder(DraftOnDay(day), /*release=*/true);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : v1::Order();
  }

  std::vector<v1::OrderEvent> History(const std::string& order_id) {
    v1::GetOrderHistoryRequest request;
    request.set_order_id(order_id);
    request.mutable_page()->set_page_size(100);
    v1::GetOrderHistoryResponse response;
    grpc::Status status = world_->orders()->GetOrderHistory(
        world_->As("clerk").get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return {response.events().begin(), response.events().end()};
  }

  v1::Order Read(const std::string& order_id) {
    v1::GetOrderRequest request;
    request.set_order_id(order_id);
    v1::Order order;
    grpc::Status status =
        world_->orders()->GetOrder(world_->As("clerk").get(), request, &order);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return order;
  }

  int OffersIn(const std::vector<v1::OrderEvent>& history) {
    int offers = 0;
    for (const v1::OrderEvent& event : history) {
      offers += event.action() == v1::ORDER_ACTION_OFFER;
    }
    return offers;
  }

  // The order's first OFFER after version `after_version`: from its history
  // if it happened already, else the next one on its live events.
  v1::OrderEvent NextOffer(const std::string& order_id,
                           int64_t after_version = 0) {
    const std::vector<v1::OrderEvent> history = History(order_id);
    for (const v1::OrderEvent& event : history) {
      if (event.action() == v1::ORDER_ACTION_OFFER &&
          event.version() > after_version) {
        return event;
      }
    }
    v1::WatchOrderRequest request;
    request.set_order_id(order_id);
    request.set_after_event_id(history.back().event_id());
    auto context = world_->As("clerk");
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(30));
    auto stub = world_->orders();
    auto reader = stub->WatchOrder(context.get(), request);
    v1::OrderEvent event;
    while (reader->Read(&event)) {
      if (event.action() == v1::ORDER_ACTION_OFFER) {
        context->TryCancel();
        reader->Finish();
        return event;
      }
    }
    ADD_FAILURE() << "no offer for " << order_id << ": "
                  << reader->Finish().error_message();
    return v1::OrderEvent();
  }

  Subprocess& StartMatcher(std::vector<std::string> flags) {
    std::vector<std::string> argv = {
        KEPU_MATCHER_PATH,
        absl::StrCat("--redis=127.0.0.1:", world_->redis().port()),
        "--matching_batch_window=0s"};
    argv.insert(argv.end(), flags.begin(), flags.end());
    auto matcher = Subprocess::Start(argv);
    EXPECT_TRUE(matcher.ok()) << matcher.status();
    matchers_.push_back(std::move(*matcher));
    EXPECT_TRUE(
        matchers_.back()->WaitForText("matcher.ready", absl::Seconds(10)).ok());
    return *matchers_.back();
  }

  std::unique_ptr<World> world_;
  std::vector<std::unique_ptr<Subprocess>> matchers_;
};

TEST_F(MatchingTest, AReleasedOrderIsOfferedToTheBestTeamWithItsReasons) {
  StartWorld({"--matching=true", "--matching_batch_window=0s"});
  const v1::Order released = Released(0);
  ASSERT_TRUE(released.awaiting_match());

  const v1::OrderEvent event = NextOffer(released.id());
  const v1::Order order = Read(released.id());
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);
  EXPECT_FALSE(order.awaiting_match());
  EXPECT_EQ(order.offer_attempts(), 1);
  EXPECT_EQ(event.actor().role(), v1::ROLE_SYSTEM);
  const v1::Offer& offer = order.offer();
  EXPECT_THAT(offer.team_id(), AnyOf("team-a", "team-b"));
  EXPECT_FALSE(offer.direct_assignment());
  // The team is given the window the resident asked for, and a day to accept.
  EXPECT_EQ(offer.window().start().seconds(),
            order.draft().preferred_windows(0).start().seconds());
  EXPECT_EQ(offer.expires_at().seconds() - offer.offered_at().seconds(),
            24 * 3600);
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_ACCEPTANCE);

  // Why: both teams were candidates; the other is the runner-up; the terms
  // add up to the cost.
  const v1::OfferExplanation& why = offer.explanation();
  EXPECT_EQ(why.candidates(), 2);
  const std::string other = offer.team_id() == "team-a" ? "team-b" : "team-a";
  EXPECT_THAT(why.runners_up(), ElementsAre(other));
  double sum = 0;
  for (const auto& [term, value] : why.terms()) sum += value;
  EXPECT_NEAR(sum, why.total_cost(), 1e-6);
  for (const char* term :
       {"distance", "load", "rating", "reliability", "waiting"}) {
    EXPECT_TRUE(why.terms().contains(term)) << term;
  }
  EXPECT_GT(why.distance_km(), 0);

  // The department and the offered team's leader may ask why; others not.
  v1::ExplainOfferRequest explain;
  explain.set_order_id(order.id());
  v1::ExplainOfferResponse explained;
  ASSERT_TRUE(world_->matching()
                  ->ExplainOffer(world_->As("clerk").get(), explain, &explained)
                  .ok());
  EXPECT_EQ(explained.offer().team_id(), offer.team_id());
  EXPECT_EQ(explained.offer().explanation().total_cost(), why.total_cost());
  ASSERT_TRUE(
      world_->matching()
          ->ExplainOffer(world_->As(LeaderOf().at(offer.team_id())).get(),
                         explain, &explained)
          .ok());
  EXPECT_EQ(
      world_->matching()
          ->ExplainOffer(world_->As("leader-other").get(), explain, &explained)
          .error_code(),
      grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(
      world_->matching()
          ->ExplainOffer(world_->As("resident").get(), explain, &explained)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);

  v1::MatchingStatus status;
  ASSERT_TRUE(world_->matching()
                  ->GetMatchingStatus(world_->As("admin").get(),
                                      v1::GetMatchingStatusRequest(), &status)
                  .ok());
  EXPECT_EQ(status.queued(), 0);
  EXPECT_EQ(status.pending(), 0);
  EXPECT_EQ(status.consumers(), 1);  // kepud's own worker
  EXPECT_EQ(status.last_batch_offers(), 1);
}

TEST_F(MatchingTest, ADeclinedOfferMovesOnToTheNextTeam) {
  StartWorld({"--matching=true", "--matching_batch_window=0s"});
  const v1::Order released = Released(0);
  const std::string first = NextOffer(released.id()).team_id();
  v1::Order order = Read(released.id());

  v1::DeclineOfferRequest decline;
  decline.set_request_id(world_->NextRequestId());
  decline.set_order_id(order.id());
  decline.set_expected_version(order.version());
  decline.set_reason("队员本周都在外地");
  v1::Order declined;
  ASSERT_TRUE(world_->fulfilment()
                  ->DeclineOffer(world_->As(LeaderOf().at(first)).get(),
                                 decline, &declined)
                  .ok());
  EXPECT_EQ(declined.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_TRUE(declined.awaiting_match());

  const v1::OrderEvent second = NextOffer(order.id(), declined.version());
  EXPECT_NE(second.team_id(), first);
  order = Read(order.id());
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);
  EXPECT_EQ(order.offer_attempts(), 2);
  EXPECT_THAT(order.excluded_team_ids(), ElementsAre(first));
  // The only other candidate was declined: nobody is left behind it.
  EXPECT_EQ(order.offer().explanation().candidates(), 1);
}

TEST_F(MatchingTest, AnOfferNobodyAnswersLapsesAndGoesToTheNextTeam) {
  // Real time, short deadlines: offers stand for one second.
  StartWorld({"--matching=true", "--matching_batch_window=0s",
              "--sla_offer_ttl=1s", "--watchdog_interval=100ms"});
  const v1::Order released = Released(0);
  const v1::OrderEvent first_offer = NextOffer(released.id());
  const std::string first = first_offer.team_id();
  const v1::OrderEvent second = NextOffer(released.id(), first_offer.version());
  EXPECT_NE(second.team_id(), first);

  std::vector<v1::OrderAction> actions;
  for (const v1::OrderEvent& event : History(released.id())) {
    actions.push_back(event.action());
  }
  EXPECT_THAT(
      actions,
      ElementsAre(v1::ORDER_ACTION_CREATE, v1::ORDER_ACTION_DISPATCH,
                  v1::ORDER_ACTION_CLAIM, v1::ORDER_ACTION_RELEASE_TO_MATCHING,
                  v1::ORDER_ACTION_OFFER, v1::ORDER_ACTION_EXPIRE_OFFER,
                  v1::ORDER_ACTION_OFFER));
  const v1::Order order = Read(released.id());
  EXPECT_THAT(order.excluded_team_ids(), ElementsAre(first));
  EXPECT_EQ(order.offer_attempts(), 2);
}

TEST_F(MatchingTest, AWorkerKilledMidBatchIsFinishedByAnotherAndNothingTwice) {
  StartWorld({});  // no worker in kepud: only the matchers below
  std::vector<std::string> ids;
  for (int day = 0; day < 6; ++day) ids.push_back(Released(day).id());

  // The first matcher takes all six in one batch, writes two offers and is
  // killed before it settles anything.
  Subprocess& doomed = StartMatcher({"--pause_after_offers=2"});
  ASSERT_TRUE(doomed.WaitForText("matcher.paused", absl::Seconds(30)).ok())
      << doomed.Output();
  const pid_t doomed_pid = doomed.pid();
  doomed.Signal(SIGKILL);
  ASSERT_TRUE(doomed.Wait(absl::Seconds(10)).ok());
  int offered = 0;
  for (const std::string& id : ids) {
    offered += Read(id).state() == v1::ORDER_STATE_OFFERED;
  }
  EXPECT_EQ(offered, 2);

  // The second takes the dead one's entries over and finishes the batch.
  Subprocess& heir = StartMatcher({"--matching_claim_idle=0s"});
  ASSERT_TRUE(heir.WaitForLine(
                      [](absl::string_view line) {
                        return absl::StrContains(line, "matching.batch") &&
                               absl::StrContains(line, "\"taken_over\":\"6\"");
                      },
                      absl::Seconds(30))
                  .ok())
      << heir.Output();

  // Team capacities are 2 + 1: three orders are offered, each exactly once
  // and to one team; the other three wait (parked) for a team to free up.
  std::map<std::string, int> offers_per_team;
  std::vector<std::string> waiting;
  for (const std::string& id : ids) {
    const v1::Order order = Read(id);
    const int offers = OffersIn(History(id));
    if (order.state() == v1::ORDER_STATE_OFFERED) {
      EXPECT_EQ(offers, 1) << id;
      EXPECT_THAT(order.offered_team_ids(), SizeIs(1)) << id;
      ++offers_per_team[order.team_id()];
    } else {
      EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED) << id;
      EXPECT_TRUE(order.awaiting_match()) << id;
      EXPECT_EQ(offers, 0) << id;
      waiting.push_back(id);
    }
  }
  EXPECT_EQ(offers_per_team["team-a"], 2);
  EXPECT_EQ(offers_per_team["team-b"], 1);
  // None is lost: every waiting order is parked for a later try.
  const RedisKeys keys("jining");
  for (const std::string& id : waiting) {
    auto score = world_->client().Command(
        {"ZSCORE", absl::StrCat(keys.MatchingQueue(), ":parked"), id});
    ASSERT_TRUE(score.ok());
    EXPECT_FALSE(score->IsNil()) << id << " is neither offered nor parked";
  }
  auto pending =
      world_->client().Command({"XPENDING", keys.MatchingQueue(), "matchers"});
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ((*pending)[0].Integer(), 0) << "entries left unsettled";

  // The dead worker holds nothing any more: it can be forgotten (the live
  // one rejoins the group on its next read if forgotten too).
  MatchingQueue queue(world_->client(), "jining");
  absl::StatusOr<int> forgotten =
      queue.ForgetIdleConsumers(absl::ZeroDuration());
  ASSERT_TRUE(forgotten.ok()) << forgotten.status();
  EXPECT_GE(*forgotten, 1);
  auto consumers = world_->client().Command(
      {"XINFO", "CONSUMERS", keys.MatchingQueue(), "matchers"});
  ASSERT_TRUE(consumers.ok());
  for (size_t i = 0; i < consumers->Size(); ++i) {
    EXPECT_THAT(std::string((*consumers)[i][1].Str()),
                ::testing::Not(HasSubstr(absl::StrCat("-", doomed_pid, "-"))));
  }
}

TEST_F(MatchingTest, TwoWorkersAtOnceOfferNoOrderTwiceAndNoTeamPastCapacity) {
  StartWorld({});
  std::vector<std::string> ids;
  for (int day = 0; day < 6; ++day) ids.push_back(Released(day).id());
  // Live events of kexie's orders from now on.
  v1::WatchPoolRequest watch;
  watch.set_department_id("kexie");
  watch.set_after_event_id(History(ids.back()).back().event_id());
  auto context = world_->As("clerk");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  auto stub = world_->claims();
  auto events = stub->WatchPool(context.get(), watch);

  StartMatcher({"--matching_batch_size=2"});
  StartMatcher({"--matching_batch_size=2"});
  // Team capacities are 2 + 1: three offers, whoever makes them.
  int offers = 0;
  v1::OrderEvent event;
  while (offers < 3 && events->Read(&event)) {
    offers += event.action() == v1::ORDER_ACTION_OFFER;
  }
  context->TryCancel();
  events->Finish();
  ASSERT_EQ(offers, 3);

  std::map<std::string, int> offers_per_team;
  for (const std::string& id : ids) {
    const v1::Order order = Read(id);
    EXPECT_LE(OffersIn(History(id)), 1) << id;
    if (order.state() == v1::ORDER_STATE_OFFERED) {
      ++offers_per_team[order.team_id()];
    }
  }
  EXPECT_EQ(offers_per_team["team-a"], 2);
  EXPECT_EQ(offers_per_team["team-b"], 1);
}

TEST_F(MatchingTest, APoisonEntryIsSetAsideAndCanBeRetried) {
  StartWorld({"--matching=true", "--matching_batch_window=0s",
              "--matching_claim_idle=0s", "--matching_max_deliveries=2"});
  const RedisKeys keys("jining");
  auto added = world_->client().Command(
      {"XADD", keys.MatchingQueue(), "*", "junk", "1"});
  ASSERT_TRUE(added.ok());
  const std::string entry(added->Str());
  ASSERT_TRUE(world_->kepud()
                  .process()
                  .WaitForText("matching.dead_letter", absl::Seconds(30))
                  .ok());

  v1::ListDeadLettersRequest list;
  v1::ListDeadLettersResponse letters;
  ASSERT_TRUE(world_->matching()
                  ->ListDeadLetters(world_->As("admin").get(), list, &letters)
                  .ok());
  ASSERT_THAT(letters.dead_letters(), SizeIs(1));
  const v1::DeadLetter& letter = letters.dead_letters(0);
  EXPECT_EQ(letter.order_id(), "");
  EXPECT_EQ(letter.deliveries(), 2);
  EXPECT_THAT(letter.last_error(), HasSubstr("names no order"));

  // Retrying puts it back on the stream once, however often it is asked.
  v1::RetryDeadLetterRequest retry;
  retry.set_request_id(world_->NextRequestId());
  retry.set_entry_id(letter.entry_id());
  v1::RetryDeadLetterResponse first, again;
  ASSERT_TRUE(world_->matching()
                  ->RetryDeadLetter(world_->As("admin").get(), retry, &first)
                  .ok());
  ASSERT_TRUE(world_->matching()
                  ->RetryDeadLetter(world_->As("admin").get(), retry, &again)
                  .ok());
  EXPECT_EQ(first.entry_id(), again.entry_id());
  EXPECT_NE(first.entry_id(), entry);
  retry.set_request_id(world_->NextRequestId());
  EXPECT_EQ(world_->matching()
                ->RetryDeadLetter(world_->As("admin").get(), retry, &again)
                .error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace kepu::testing
