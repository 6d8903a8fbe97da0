// The order domain against the in-memory store: who may do what to which order,
// idempotency, versions, and what each move records.
#include "services/core/order_workflow.h"

#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kepu/v1/dispatch.pb.h"
#include "services/core/fingerprint.h"
#include "services/core/testing/fake_directory.h"
#include "services/core/testing/fake_order_store.h"
#include "services/core/time_util.h"
#include "tests/support/jining_directory.h"
#include "tests/support/people.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

using testing::Person;

v1::CreateOrderRequest NewOrderRequest(absl::Time now,
                                       const std::string& request_id) {
  v1::CreateOrderRequest request;
  request.set_request_id(request_id);
  v1::OrderDraft& draft = *request.mutable_draft();
  draft.set_service_line_id("elderly-smart-help");
  draft.set_service_name("防范电信诈骗");
  draft.set_community_id("rencheng-guhuai-zhuyuan");
  draft.set_address("任城区古槐街道竹竿巷社区党群服务中心");
  draft.set_audience(v1::AUDIENCE_ELDERLY);
  draft.set_expected_attendees(30);
  v1::TimeWindow& window = *draft.add_preferred_windows();
  *window.mutable_start() = ToProto(now + absl::Hours(48));
  *window.mutable_end() = ToProto(now + absl::Hours(50));
  draft.mutable_contact()->set_name("王阿姨");
  draft.mutable_contact()->set_phone("+86 13812345678");
  return request;
}

// Confirms the service time of `order` (ACCEPTED) as its first preferred
// window, moves `clock` to the window's start and checks in as `leader`.
v1::Order ScheduleAndCheckIn(OrderWorkflow& workflow, FakeClock& clock,
                             const v1::Principal& leader, v1::Order order,
                             const std::string& id) {
  Command schedule;
  schedule.action = v1::ORDER_ACTION_SCHEDULE;
  schedule.order_id = order.id();
  schedule.request_id = id + "-schedule";
  schedule.fingerprint = schedule.request_id;
  schedule.expected_version = order.version();
  schedule.schedule = order.draft().preferred_windows(0);
  absl::StatusOr<v1::Order> scheduled = workflow.Act(leader, schedule);
  EXPECT_TRUE(scheduled.ok()) << scheduled.status();
  clock.Set(FromProto(order.draft().preferred_windows(0).start()));
  Command check_in = schedule;
  check_in.action = v1::ORDER_ACTION_CHECK_IN;
  check_in.request_id = id + "-in";
  check_in.fingerprint = check_in.request_id;
  check_in.expected_version = scheduled->version();
  check_in.schedule.reset();
  absl::StatusOr<v1::Order> checked_in = workflow.Act(leader, check_in);
  EXPECT_TRUE(checked_in.ok()) << checked_in.status();
  return *checked_in;
}

class OrderWorkflowTest : public ::testing::Test {
 protected:
  OrderWorkflowTest()
      : clock_(kStart),
        ids_(clock_, 1),
        workflow_(store_, directory_, clock_, ids_) {
    testing::Load(testing::SmallJining(), directory_);
  }

  Command Make(v1::OrderAction action, const v1::Order& order,
               const std::string& request_id) {
    Command command;
    command.action = action;
    command.order_id = order.id();
    command.request_id = request_id;
    command.fingerprint = request_id + "-content";
    command.expected_version = order.version();
    return command;
  }

  // Takes a fresh order to CLAIMED by department "kexie".
  v1::Order Claimed() {
    v1::Order order =
        *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
    Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch-1");
    dispatch.department_id = "kexie";
    order = *workflow_.Act(worker_, dispatch);
    return *workflow_.Act(department_,
                          Make(v1::ORDER_ACTION_CLAIM, order, "claim-1"));
  }

  // Confirms the service time of `order` (ACCEPTED by team-a) as its first
  // preferred window, moves the clock to the window's start and checks in.
  v1::Order ScheduleAndCheckIn(v1::Order order, const std::string& id) {
    return kepu::ScheduleAndCheckIn(workflow_, clock_, leader_, order, id);
  }

  FakeClock clock_;
  IdGenerator ids_;
  FakeOrderStore store_;
  FakeDirectory directory_;
  OrderWorkflow workflow_;
  v1::Principal resident_ = Person("resident-1", v1::ROLE_RESIDENT);
  v1::Principal worker_ =
      Person("worker-1", v1::ROLE_COMMUNITY_WORKER, "rencheng-guhuai-zhuyuan");
  v1::Principal department_ =
      Person("clerk-1", v1::ROLE_DEPARTMENT_STAFF, "kexie");
  v1::Principal leader_ = Person("leader-1", v1::ROLE_TEAM_LEADER, "team-a");
  v1::Principal system_ = Person("matching", v1::ROLE_SYSTEM);
};

TEST_F(OrderWorkflowTest, ResidentPlacesAnOrderAndReadsItBack) {
  absl::StatusOr<v1::Order> created =
      workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(created->state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(created->version(), 1);
  EXPECT_EQ(created->resident_id(), "resident-1");
  EXPECT_EQ(created->draft().contact().phone(), "13812345678");  // normalized
  EXPECT_EQ(FromProto(created->created_at()), kStart);
  EXPECT_EQ(created->created_by().role(), v1::ROLE_RESIDENT);

  absl::StatusOr<v1::Order> read = workflow_.Get(resident_, created->id());
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), created->SerializeAsString());

  auto history = workflow_.History(resident_, created->id(), "", 10);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 1u);
  EXPECT_EQ((*history)[0].action(), v1::ORDER_ACTION_CREATE);
  EXPECT_EQ((*history)[0].to_state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ((*history)[0].actor().user_id(), "resident-1");
}

TEST_F(OrderWorkflowTest, OnlyResidentsOrderForThemselves) {
  auto created =
      workflow_.Create(department_, NewOrderRequest(clock_.Now(), "create-1"));
  EXPECT_EQ(created.status().code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(store_.writes(), 0);
}

TEST_F(OrderWorkflowTest, WorkerOrdersOnBehalfOfAResidentOfTheCommunity) {
  v1::CreateOrderRequest request = NewOrderRequest(clock_.Now(), "assist-1");
  request.mutable_on_behalf_of()->set_name("李大爷");
  request.set_assist_note("came to the community office");
  auto created = workflow_.Create(worker_, request);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->resident_id().empty());
  EXPECT_EQ(created->assisted().worker_user_id(), "worker-1");
  EXPECT_EQ(created->assisted().resident().name(), "李大爷");
  EXPECT_EQ(created->created_by().role(), v1::ROLE_COMMUNITY_WORKER);

  v1::Principal other_worker =
      Person("worker-2", v1::ROLE_COMMUNITY_WORKER, "elsewhere");
  request.set_request_id("assist-2");
  EXPECT_EQ(workflow_.Create(other_worker, request).status().code(),
            absl::StatusCode::kPermissionDenied);
}

TEST_F(OrderWorkflowTest, AnOrderTravelsThroughEveryRole) {
  v1::Order order =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));

  Command ask = Make(v1::ORDER_ACTION_REQUEST_INFO, order, "ask-1");
  ask.reason = "多少位老人参加？";
  order = *workflow_.Act(worker_, ask);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_NEEDS_INFO);
  EXPECT_EQ(order.last_reason(), "多少位老人参加？");

  Command answer = Make(v1::ORDER_ACTION_RESUBMIT, order, "answer-1");
  answer.reason = "大约30位";
  order = *workflow_.Act(resident_, answer);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_SUBMITTED);

  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch-1");
  dispatch.department_id = "kexie";
  order = *workflow_.Act(worker_, dispatch);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_DISPATCHED);
  EXPECT_EQ(order.department_id(), "kexie");

  order = *workflow_.Act(department_,
                         Make(v1::ORDER_ACTION_CLAIM, order, "claim-1"));
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);

  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(24);
  order = *workflow_.Act(department_, assign);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);
  EXPECT_EQ(order.team_id(), "team-a");
  EXPECT_TRUE(order.offer().direct_assignment());
  EXPECT_EQ(order.offer_attempts(), 1);

  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  EXPECT_EQ(order.state(), v1::ORDER_STATE_ACCEPTED);

  Command schedule = Make(v1::ORDER_ACTION_SCHEDULE, order, "schedule-1");
  schedule.schedule = order.draft().preferred_windows(0);
  order = *workflow_.Act(leader_, schedule);
  clock_.Advance(absl::Hours(48));
  Command check_in = Make(v1::ORDER_ACTION_CHECK_IN, order, "checkin-1");
  v1::GeoPoint site;
  site.set_lat(35.41);
  site.set_lng(116.58);
  check_in.check_in_location = site;
  order = *workflow_.Act(leader_, check_in);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_IN_SERVICE);
  EXPECT_EQ(FromProto(order.check_in().at()), clock_.Now());
  EXPECT_DOUBLE_EQ(order.check_in().location().lat(), 35.41);

  clock_.Advance(absl::Hours(2));
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, "complete-1");
  complete.completion.set_actual_attendees(28);
  complete.completion.set_summary("讲解了常见电信诈骗手法");
  v1::VolunteerHours* hours = complete.completion.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(2.5);
  hours->set_reason("signed the paper list");
  order = *workflow_.Act(leader_, complete);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_COMPLETED);
  EXPECT_EQ(order.completion().actual_attendees(), 28);
  ASSERT_EQ(order.completion().hours_size(), 1);
  EXPECT_EQ(order.completion().hours(0).status(),
            v1::VolunteerHours::STATUS_PENDING);
  EXPECT_EQ(order.completion().hours(0).team_id(), "team-a");
  EXPECT_FALSE(order.completion().hours(0).id().empty());

  Command rate = Make(v1::ORDER_ACTION_RATE, order, "rate-1");
  rate.rating.set_overall(5);
  rate.rating.set_punctuality(5);
  rate.rating.set_content(4);
  rate.rating.set_attitude(5);
  order = *workflow_.Act(resident_, rate);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_RATED);
  EXPECT_EQ(order.version(), 11);

  auto history = workflow_.History(resident_, order.id(), "", 100);
  ASSERT_TRUE(history.ok());
  std::vector<v1::OrderAction> actions;
  for (const v1::OrderEvent& event : *history)
    actions.push_back(event.action());
  EXPECT_THAT(
      actions,
      ElementsAre(v1::ORDER_ACTION_CREATE, v1::ORDER_ACTION_REQUEST_INFO,
                  v1::ORDER_ACTION_RESUBMIT, v1::ORDER_ACTION_DISPATCH,
                  v1::ORDER_ACTION_CLAIM, v1::ORDER_ACTION_ASSIGN_TEAM,
                  v1::ORDER_ACTION_ACCEPT, v1::ORDER_ACTION_SCHEDULE,
                  v1::ORDER_ACTION_CHECK_IN, v1::ORDER_ACTION_COMPLETE,
                  v1::ORDER_ACTION_RATE));
  EXPECT_EQ(history->back().version(), 11);
  EXPECT_EQ(history->back().rating().overall(), 5);

  // The team's history counted each of its moves once.
  absl::StatusOr<v1::TeamStats> team = store_.TeamHistory("team-a");
  ASSERT_TRUE(team.ok()) << team.status();
  EXPECT_EQ(team->offers_received(), 1);
  EXPECT_EQ(team->offers_accepted(), 1);
  EXPECT_EQ(team->completed_orders(), 1);
  EXPECT_EQ(team->ratings(), 1);
  EXPECT_DOUBLE_EQ(team->mean_rating(), 5.0);
}

TEST_F(OrderWorkflowTest, RetriedRequestReturnsTheFirstResultAndWritesNothing) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(24);
  absl::StatusOr<v1::Order> first = workflow_.Act(department_, assign);
  ASSERT_TRUE(first.ok()) << first.status();
  const int writes = store_.writes();

  // The same call again, though the order has moved on (its version is now
  // higher).
  absl::StatusOr<v1::Order> again = workflow_.Act(department_, assign);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->SerializeAsString(), first->SerializeAsString());
  EXPECT_EQ(store_.writes(), writes);

  // The same request id for something else.
  Command other = assign;
  other.team_id = "team-b";
  other.fingerprint = "different-content";
  EXPECT_EQ(workflow_.Act(department_, other).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store_.writes(), writes);
}

TEST_F(OrderWorkflowTest, CreateIsIdempotentToo) {
  v1::CreateOrderRequest request = NewOrderRequest(clock_.Now(), "create-1");
  auto first = workflow_.Create(resident_, request);
  auto again = workflow_.Create(resident_, request);
  ASSERT_TRUE(first.ok() && again.ok());
  EXPECT_EQ(first->id(), again->id());
  EXPECT_EQ(store_.writes(), 1);
  request.mutable_draft()->set_expected_attendees(99);
  EXPECT_EQ(workflow_.Create(resident_, request).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(OrderWorkflowTest, StaleVersionIsAborted) {
  v1::Order order = Claimed();
  Command release =
      Make(v1::ORDER_ACTION_RELEASE_TO_MATCHING, order, "release-1");
  release.expected_version = order.version() - 1;
  auto result = workflow_.Act(department_, release);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kAborted);
  EXPECT_THAT(std::string(result.status().message()),
              HasSubstr("read it again"));
}

TEST_F(OrderWorkflowTest, WrongStateIsFailedPrecondition) {
  v1::Order order = Claimed();
  auto result = workflow_.Act(department_,
                              Make(v1::ORDER_ACTION_CLAIM, order, "claim-2"));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(OrderWorkflowTest, ScopeHidesOtherOrdersAndRolesAreChecked) {
  v1::Order order = Claimed();
  // Another department's clerk: the order does not exist for them.
  v1::Principal other_clerk =
      Person("clerk-2", v1::ROLE_DEPARTMENT_STAFF, "jiaoyu");
  EXPECT_EQ(workflow_.Get(other_clerk, order.id()).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(
      workflow_
          .Act(other_clerk, Make(v1::ORDER_ACTION_RETURN, order, "return-1"))
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  // The resident sees it but may not claim or return it.
  Command give_back = Make(v1::ORDER_ACTION_RETURN, order, "return-2");
  give_back.reason = "not mine";
  EXPECT_EQ(workflow_.Act(resident_, give_back).status().code(),
            absl::StatusCode::kPermissionDenied);
  // An unknown order.
  Command unknown = give_back;
  unknown.order_id = ids_.Next();
  EXPECT_EQ(workflow_.Act(department_, unknown).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OrderWorkflowTest,
       DeclinedMatchingOfferGoesBackToMatchingWithoutTheTeam) {
  v1::Order order = Claimed();
  order = *workflow_.Act(department_, Make(v1::ORDER_ACTION_RELEASE_TO_MATCHING,
                                           order, "release-1"));
  EXPECT_TRUE(order.awaiting_match());
  Command offer = Make(v1::ORDER_ACTION_OFFER, order, "offer-1");
  offer.team_id = "team-a";
  offer.offer_expires_at = clock_.Now() + absl::Hours(2);
  offer.explanation.set_total_cost(1.5);
  order = *workflow_.Act(system_, offer);
  EXPECT_FALSE(order.awaiting_match());
  EXPECT_DOUBLE_EQ(order.offer().explanation().total_cost(), 1.5);

  Command decline = Make(v1::ORDER_ACTION_DECLINE, order, "decline-1");
  decline.reason = "队员不足";
  order = *workflow_.Act(leader_, decline);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_TRUE(order.team_id().empty());
  EXPECT_FALSE(order.has_offer());
  EXPECT_THAT(order.excluded_team_ids(), ElementsAre("team-a"));
  EXPECT_TRUE(order.awaiting_match());
  EXPECT_THAT(store_.matching_queue(), ElementsAre(order.id(), order.id()));

  // The excluded team is never offered the order again.
  Command again = Make(v1::ORDER_ACTION_OFFER, order, "offer-2");
  again.team_id = "team-a";
  again.offer_expires_at = clock_.Now() + absl::Hours(2);
  EXPECT_EQ(workflow_.Act(system_, again).status().code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(OrderWorkflowTest, DeclinedDirectAssignmentGoesBackToTheDepartment) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(2);
  order = *workflow_.Act(department_, assign);
  Command decline = Make(v1::ORDER_ACTION_DECLINE, order, "decline-1");
  decline.reason = "不在服务区域";
  order = *workflow_.Act(leader_, decline);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_FALSE(order.awaiting_match());
  EXPECT_TRUE(store_.matching_queue().empty());
  // The team still reads the order it was offered, but may not act on it.
  ASSERT_TRUE(workflow_.Get(leader_, order.id()).ok());
  absl::Status late =
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"))
          .status();
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(late.message()),
              ::testing::HasSubstr("no longer yours"));
}

TEST_F(OrderWorkflowTest, ReopenOnlyWithinTheWindow) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(2);
  order = *workflow_.Act(department_, assign);
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  order = ScheduleAndCheckIn(order, "checkin-1");
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, "complete-1");
  complete.completion.set_summary("done");
  order = *workflow_.Act(leader_, complete);

  clock_.Advance(absl::Hours(24 * 7) + absl::Seconds(1));
  Command reopen = Make(v1::ORDER_ACTION_REOPEN, order, "reopen-1");
  reopen.reason = "没有来";
  EXPECT_EQ(workflow_.Act(resident_, reopen).status().code(),
            absl::StatusCode::kFailedPrecondition);

  clock_.Advance(absl::Seconds(-2));
  reopen.request_id = "reopen-2";
  absl::StatusOr<v1::Order> reopened = workflow_.Act(resident_, reopen);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(reopened->state(), v1::ORDER_STATE_ACCEPTED);
  EXPECT_EQ(reopened->team_id(), "team-a");
  // The team comes again: a new time (the resident's windows have passed),
  // confirmed before checking in.
  EXPECT_FALSE(reopened->has_schedule());
  EXPECT_EQ(workflow_
                .Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, *reopened,
                                   "checkin-again"))
                .status()
                .message(),
            "confirm the service time first (ScheduleService)");
  Command again = Make(v1::ORDER_ACTION_SCHEDULE, *reopened, "schedule-again");
  v1::TimeWindow window;
  *window.mutable_start() = ToProto(clock_.Now() + absl::Minutes(30));
  *window.mutable_end() = ToProto(clock_.Now() + absl::Minutes(90));
  again.schedule = window;
  absl::StatusOr<v1::Order> rescheduled = workflow_.Act(leader_, again);
  ASSERT_TRUE(rescheduled.ok()) << rescheduled.status();
  EXPECT_TRUE(workflow_
                  .Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, *rescheduled,
                                     "checkin-again-2"))
                  .ok());
  EXPECT_EQ(reopened->reopen_count(), 1);
  EXPECT_FALSE(reopened->has_completion());
}

TEST_F(OrderWorkflowTest, MovesNeedWhatTheTableSays) {
  v1::Order order = Claimed();
  Command give_back =
      Make(v1::ORDER_ACTION_RETURN, order, "return-1");  // no reason
  auto result = workflow_.Act(department_, give_back);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(result.status().message()), HasSubstr("reason"));
}

TEST_F(OrderWorkflowTest, EscalationLevelResetsWhenTheStageChanges) {
  v1::Order order = Claimed();
  Command escalate = Make(v1::ORDER_ACTION_ESCALATE, order, "escalate-1");
  escalate.escalation_level = 1;
  order = *workflow_.Act(system_, escalate);
  EXPECT_EQ(order.escalation_level(), 1);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);
  escalate = Make(v1::ORDER_ACTION_ESCALATE, order, "escalate-2");
  escalate.escalation_level = 1;
  EXPECT_EQ(workflow_.Act(system_, escalate).status().code(),
            absl::StatusCode::kFailedPrecondition);
  order = *workflow_.Act(department_, Make(v1::ORDER_ACTION_RELEASE_TO_MATCHING,
                                           order, "release-1"));
  EXPECT_EQ(order.escalation_level(), 1);  // same state: the stage goes on
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(2);
  order = *workflow_.Act(department_, assign);
  EXPECT_EQ(order.escalation_level(), 0);
}

TEST_F(OrderWorkflowTest, StoreDownIsUnavailable) {
  v1::Order order = Claimed();
  store_.SetUnavailable(true);
  EXPECT_EQ(workflow_.Get(department_, order.id()).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-2"))
          .status()
          .code(),
      absl::StatusCode::kUnavailable);
  store_.SetUnavailable(false);
  EXPECT_TRUE(workflow_.Get(department_, order.id()).ok());
}

TEST_F(OrderWorkflowTest, CreateChecksTheCatalogAndTheCommunity) {
  v1::CreateOrderRequest request = NewOrderRequest(clock_.Now(), "create-1");
  request.mutable_draft()->set_service_line_id("officials-theory");
  absl::Status status = workflow_.Create(resident_, request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              ::testing::StartsWith("draft.service_line_id:"));

  request = NewOrderRequest(clock_.Now(), "create-2");
  request.mutable_draft()->set_community_id("rencheng-guhuai");  // a town
  status = workflow_.Create(resident_, request).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              ::testing::StartsWith("draft.community_id:"));
  request.mutable_draft()->set_community_id("nowhere");
  EXPECT_EQ(workflow_.Create(resident_, request).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.writes(), 0);

  absl::StatusOr<v1::Order> order =
      workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-3"));
  ASSERT_TRUE(order.ok()) << order.status();
  EXPECT_EQ(order->county_id(), "rencheng");
  EXPECT_EQ(order->program_id(), "elderly");
}

TEST_F(OrderWorkflowTest,
       OpenOrdersOfTheSameLineAndCommunityAreFlaggedAsPossibleDuplicates) {
  v1::Order first =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
  EXPECT_THAT(first.possible_duplicate_ids(), ElementsAre());
  clock_.Advance(absl::Hours(24));
  v1::Order second =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-2"));
  EXPECT_THAT(second.possible_duplicate_ids(), ElementsAre(first.id()));

  v1::CreateOrderRequest other_line = NewOrderRequest(clock_.Now(), "create-3");
  other_line.mutable_draft()->set_service_line_id("elderly-health");
  EXPECT_THAT(workflow_.Create(resident_, other_line)->possible_duplicate_ids(),
              ElementsAre());

  clock_.Advance(absl::Hours(24 * 15));
  v1::Order later =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-4"));
  EXPECT_THAT(later.possible_duplicate_ids(),
              ElementsAre());  // the others are too old
}

TEST_F(OrderWorkflowTest, DispatchOutsideTheCatalogsDepartmentsNeedsAReason) {
  v1::Order order =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch-1");
  dispatch.department_id = "jiaoyu";  // not responsible for elderly-smart-help
  absl::Status status = workflow_.Act(worker_, dispatch).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), ::testing::StartsWith("reason:"));

  dispatch.department_id = "nosuch";
  dispatch.request_id = "dispatch-2";
  EXPECT_EQ(workflow_.Act(worker_, dispatch).status().code(),
            absl::StatusCode::kFailedPrecondition);

  dispatch.department_id = "jiaoyu";
  dispatch.reason = "学校场地，由教育局协调";
  dispatch.request_id = "dispatch-3";
  ASSERT_TRUE(workflow_.Act(worker_, dispatch).ok());
  auto history = workflow_.History(worker_, order.id(), "", 10);
  ASSERT_TRUE(history.ok());
  EXPECT_TRUE(history->back().outside_suggested());
}

TEST_F(OrderWorkflowTest, OfSeveralDepartmentsTheFirstToClaimTakesTheOrder) {
  v1::Order order =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch-1");
  dispatch.department_id = "kexie";
  dispatch.other_department_ids = {"minzheng"};
  order = *workflow_.Act(worker_, dispatch);
  EXPECT_THAT(order.dispatched_department_ids(),
              ElementsAre("kexie", "minzheng"));

  v1::Principal minzheng =
      Person("clerk-2", v1::ROLE_DEPARTMENT_STAFF, "minzheng");
  ASSERT_TRUE(workflow_.Get(minzheng, order.id()).ok());
  ASSERT_TRUE(workflow_.Get(department_, order.id()).ok());
  order =
      *workflow_.Act(minzheng, Make(v1::ORDER_ACTION_CLAIM, order, "claim-1"));
  EXPECT_EQ(order.department_id(), "minzheng");
  EXPECT_THAT(order.dispatched_department_ids(), ElementsAre());
  // The other department still reads it, as taken by minzheng, and a late
  // claim is told who took it.
  absl::StatusOr<v1::Order> seen = workflow_.Get(department_, order.id());
  ASSERT_TRUE(seen.ok()) << seen.status();
  EXPECT_EQ(seen->department_id(), "minzheng");
  Command late = Make(v1::ORDER_ACTION_CLAIM, order, "claim-2");
  late.expected_version = order.version() - 1;
  absl::Status refused = workflow_.Act(department_, late).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::HasSubstr("taken by department"));
  EXPECT_THAT(std::string(refused.message()),
              ::testing::HasSubstr("(minzheng)"));
  // Nor can it act on it otherwise.
  Command give_back = Make(v1::ORDER_ACTION_RETURN, order, "return-1");
  give_back.reason = "不归我们";
  EXPECT_EQ(workflow_.Act(department_, give_back).status().code(),
            absl::StatusCode::kFailedPrecondition);
  // A department it never reached does not see it.
  EXPECT_EQ(workflow_
                .Get(Person("clerk-3", v1::ROLE_DEPARTMENT_STAFF, "jiaoyu"),
                     order.id())
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OrderWorkflowTest, AnOfferToSeveralTeamsGoesToTheFirstToAccept) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.other_team_ids = {"team-b",
                           "team-c"};  // team-c does not cover the line
  absl::Status status = workflow_.Act(department_, assign).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              ::testing::StartsWith("other_team_ids[1]:"));

  assign.other_team_ids = {"team-b"};
  assign.request_id = "assign-2";
  order = *workflow_.Act(department_, assign);
  EXPECT_THAT(order.offered_team_ids(), ElementsAre("team-a", "team-b"));
  EXPECT_GT(FromProto(order.offer().expires_at()),
            clock_.Now());  // the default offer TTL

  // team-a declines: team-b still holds the offer.
  Command decline = Make(v1::ORDER_ACTION_DECLINE, order, "decline-1");
  decline.reason = "本周已满";
  order = *workflow_.Act(leader_, decline);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);
  EXPECT_THAT(order.offered_team_ids(), ElementsAre("team-b"));
  EXPECT_THAT(order.excluded_team_ids(), ElementsAre("team-a"));
  // team-a still reads it, but may not take it back.
  ASSERT_TRUE(workflow_.Get(leader_, order.id()).ok());
  absl::Status late =
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-0"))
          .status();
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(late.message()),
              ::testing::HasSubstr("no longer waiting for you"));

  v1::Principal team_b = Person("leader-b", v1::ROLE_TEAM_LEADER, "team-b");
  order =
      *workflow_.Act(team_b, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  EXPECT_EQ(order.state(), v1::ORDER_STATE_ACCEPTED);
  EXPECT_EQ(order.team_id(), "team-b");
  EXPECT_THAT(order.offered_team_ids(), ElementsAre());
  // Both were offered it; team-a declined, team-b accepted.
  EXPECT_EQ(store_.TeamHistory("team-a")->offers_received(), 1);
  EXPECT_EQ(store_.TeamHistory("team-a")->offers_accepted(), 0);
  EXPECT_EQ(store_.TeamHistory("team-b")->offers_received(), 1);
  EXPECT_EQ(store_.TeamHistory("team-b")->offers_accepted(), 1);
}

TEST_F(OrderWorkflowTest, TeamsOutsideTheAreaOrAtCapacityAreRefused) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-d";  // serves yanzhou
  absl::Status status = workflow_.Act(department_, assign).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("does not serve"));

  // team-b takes one order at a time: two offers made while it is free, the
  // second acceptance is refused.
  v1::Principal team_b = Person("leader-b", v1::ROLE_TEAM_LEADER, "team-b");
  std::vector<v1::Order> offered;
  for (int i = 0; i < 2; ++i) {
    v1::Order another = *workflow_.Create(
        resident_, NewOrderRequest(clock_.Now(), absl::StrCat("c-", i)));
    Command dispatch =
        Make(v1::ORDER_ACTION_DISPATCH, another, absl::StrCat("d-", i));
    dispatch.department_id = "kexie";
    another = *workflow_.Act(worker_, dispatch);
    another = *workflow_.Act(department_, Make(v1::ORDER_ACTION_CLAIM, another,
                                               absl::StrCat("cl-", i)));
    Command to_b =
        Make(v1::ORDER_ACTION_ASSIGN_TEAM, another, absl::StrCat("a-", i));
    to_b.team_id = "team-b";
    offered.push_back(*workflow_.Act(department_, to_b));
  }
  ASSERT_TRUE(
      workflow_.Act(team_b, Make(v1::ORDER_ACTION_ACCEPT, offered[0], "acc-0"))
          .ok());
  status =
      workflow_.Act(team_b, Make(v1::ORDER_ACTION_ACCEPT, offered[1], "acc-1"))
          .status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()), HasSubstr("capacity"));
  // And it is no longer offered new orders.
  Command to_b = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-2");
  to_b.team_id = "team-b";
  EXPECT_THAT(std::string(workflow_.Act(department_, to_b).status().message()),
              HasSubstr("at capacity"));
}

// Takes `order` (CLAIMED) to COMPLETED by team-a with hours for vol-a1 and
// vol-a2.
v1::Order Complete(
    OrderWorkflow& workflow, FakeClock& clock, const v1::Principal& clerk,
    const v1::Principal& leader, v1::Order order,
    const std::function<Command(v1::OrderAction, const v1::Order&,
                                const std::string&)>& make) {
  Command assign =
      make(v1::ORDER_ACTION_ASSIGN_TEAM, order, order.id() + "-assign");
  assign.team_id = "team-a";
  order = *workflow.Act(clerk, assign);
  order = *workflow.Act(
      leader, make(v1::ORDER_ACTION_ACCEPT, order, order.id() + "-accept"));
  order = ScheduleAndCheckIn(workflow, clock, leader, order, order.id());
  Command complete =
      make(v1::ORDER_ACTION_COMPLETE, order, order.id() + "-complete");
  complete.completion.set_actual_attendees(20);
  complete.completion.set_summary("done");
  v1::VolunteerHours* hours = complete.completion.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(2);
  hours->set_reason("signed the paper list");
  hours = complete.completion.add_hours();
  hours->set_volunteer_id("vol-a2");
  hours->set_hours(1.5);
  hours->set_reason("signed the paper list");
  return *workflow.Act(leader, complete);
}

TEST_F(OrderWorkflowTest,
       HoursAreConfirmedByTheRatingOrByTimeAndCanBeDeclined) {
  auto make = [this](v1::OrderAction action, const v1::Order& order,
                     const std::string& id) { return Make(action, order, id); };
  v1::Order order =
      Complete(workflow_, clock_, department_, leader_, Claimed(), make);
  v1::ListHoursRequest by_order;
  by_order.set_order_id(order.id());
  absl::StatusOr<v1::ListHoursResponse> hours =
      workflow_.ListHours(leader_, by_order);
  ASSERT_TRUE(hours.ok()) << hours.status();
  ASSERT_EQ(hours->hours_size(), 2);
  for (const v1::VolunteerHours& h : hours->hours()) {
    EXPECT_EQ(h.status(), v1::VolunteerHours::STATUS_PENDING);
  }
  std::string a2;
  for (const v1::VolunteerHours& h : hours->hours()) {
    if (h.volunteer_id() == "vol-a2") a2 = h.id();
  }

  v1::DeclineHoursRequest decline;
  decline.set_request_id("decline-hours-1");
  decline.set_hours_id(a2);
  decline.set_reason("未到场");
  absl::StatusOr<v1::VolunteerHours> declined =
      workflow_.DeclineHours(leader_, decline);
  ASSERT_TRUE(declined.ok()) << declined.status();
  EXPECT_EQ(declined->status(), v1::VolunteerHours::STATUS_DECLINED);
  EXPECT_EQ(workflow_.DeclineHours(leader_, decline)->SerializeAsString(),
            declined->SerializeAsString());  // a retry
  decline.set_request_id("decline-hours-2");
  EXPECT_EQ(workflow_.DeclineHours(leader_, decline).status().code(),
            absl::StatusCode::kFailedPrecondition);
  v1::Principal other_leader =
      Person("leader-b", v1::ROLE_TEAM_LEADER, "team-b");
  decline.set_request_id("decline-hours-3");
  EXPECT_EQ(workflow_.DeclineHours(other_leader, decline).status().code(),
            absl::StatusCode::kNotFound);

  // The rating approves the pending hours in the same write as the move.
  Command rate = Make(v1::ORDER_ACTION_RATE, order, "rate-1");
  rate.rating.set_overall(5);
  const int writes = store_.writes();
  ASSERT_TRUE(workflow_.Act(resident_, rate).ok());
  EXPECT_EQ(store_.writes(), writes + 1);
  hours = workflow_.ListHours(leader_, by_order);
  ASSERT_TRUE(hours.ok());
  for (const v1::VolunteerHours& h : hours->hours()) {
    EXPECT_EQ(h.status(), h.volunteer_id() == "vol-a2"
                              ? v1::VolunteerHours::STATUS_DECLINED
                              : v1::VolunteerHours::STATUS_APPROVED);
  }

  // Unrated: approved 72 hours after completion.
  v1::Order unrated =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "c-2"));
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, unrated, "d-2");
  dispatch.department_id = "kexie";
  unrated = *workflow_.Act(worker_, dispatch);
  unrated = *workflow_.Act(department_,
                           Make(v1::ORDER_ACTION_CLAIM, unrated, "cl-2"));
  unrated = Complete(workflow_, clock_, department_, leader_, unrated, make);
  by_order.set_order_id(unrated.id());
  clock_.Advance(absl::Hours(71));
  EXPECT_EQ(workflow_.ListHours(leader_, by_order)->hours(0).status(),
            v1::VolunteerHours::STATUS_PENDING);
  clock_.Advance(absl::Hours(2));
  EXPECT_EQ(workflow_.ListHours(leader_, by_order)->hours(0).status(),
            v1::VolunteerHours::STATUS_APPROVED);

  // A volunteer sees their own hours and tasks.
  v1::Principal volunteer = Person("user-vol-a1", v1::ROLE_VOLUNTEER, "team-a");
  absl::StatusOr<v1::VolunteerSummary> summary =
      workflow_.VolunteerSummary(volunteer);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_EQ(summary->volunteer().id(), "vol-a1");
  EXPECT_DOUBLE_EQ(summary->approved_hours(), 4);  // 2 confirmed + 2 by time
  EXPECT_EQ(summary->completed_services(), 2);
}

TEST_F(OrderWorkflowTest, AdminsReadTheHoursOfTheTeamsTheyAdministerOnly) {
  auto make = [this](v1::OrderAction action, const v1::Order& order,
                     const std::string& id) { return Make(action, order, id); };
  Complete(workflow_, clock_, department_, leader_, Claimed(), make);
  auto read = [this](const v1::Principal& who, const std::string& volunteer,
                     const std::string& team) {
    v1::ListHoursRequest request;
    request.set_volunteer_id(volunteer);
    request.set_team_id(team);
    return workflow_.ListHours(who, request).status().code();
  };
  const v1::Principal city = Person("admin-1", v1::ROLE_ADMIN, "jining");
  const v1::Principal rencheng = Person("admin-2", v1::ROLE_ADMIN, "rencheng");
  const v1::Principal yanzhou = Person("admin-3", v1::ROLE_ADMIN, "yanzhou");
  // team-a serves rencheng, team-d yanzhou, team-e the whole city.
  for (const char* team : {"team-a", "team-d", "team-e"}) {
    EXPECT_EQ(read(city, "", team), absl::StatusCode::kOk) << team;
  }
  EXPECT_EQ(read(rencheng, "", "team-a"), absl::StatusCode::kOk);
  EXPECT_EQ(read(rencheng, "", "team-d"), absl::StatusCode::kNotFound);
  EXPECT_EQ(read(rencheng, "", "team-e"), absl::StatusCode::kNotFound);
  EXPECT_EQ(read(yanzhou, "", "team-a"), absl::StatusCode::kNotFound);
  EXPECT_EQ(read(yanzhou, "", "team-d"), absl::StatusCode::kOk);
  EXPECT_EQ(read(city, "vol-d1", ""), absl::StatusCode::kOk);
  EXPECT_EQ(read(rencheng, "vol-a1", ""), absl::StatusCode::kOk);
  EXPECT_EQ(read(rencheng, "vol-d1", ""), absl::StatusCode::kNotFound);
  EXPECT_EQ(read(yanzhou, "vol-a1", ""), absl::StatusCode::kNotFound);
}

TEST_F(OrderWorkflowTest, CompletionHoursMustBeForMembersOfTheTeam) {
  v1::Order order = Claimed();
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  order = *workflow_.Act(department_, assign);
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  order = ScheduleAndCheckIn(order, "in-1");
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, "complete-1");
  complete.completion.set_summary("done");
  complete.completion.add_hours()->set_volunteer_id("vol-d1");
  absl::Status status = workflow_.Act(leader_, complete).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(status.message()),
              ::testing::StartsWith("hours[0].volunteer_id:"));
}

TEST_F(OrderWorkflowTest,
       ALowRatingOrAReopeningAsksTheCommunityForAFollowUpVisit) {
  auto make = [this](v1::OrderAction action, const v1::Order& order,
                     const std::string& id) { return Make(action, order, id); };
  v1::Order order =
      Complete(workflow_, clock_, department_, leader_, Claimed(), make);
  Command rate = Make(v1::ORDER_ACTION_RATE, order, "rate-1");
  rate.rating.set_overall(2);
  rate.rating.set_comment("讲得太快");
  ASSERT_TRUE(workflow_.Act(resident_, rate).ok());

  v1::ListFollowUpsRequest list;
  absl::StatusOr<v1::ListFollowUpsResponse> follow_ups =
      workflow_.ListFollowUps(worker_, list);
  ASSERT_TRUE(follow_ups.ok()) << follow_ups.status();
  ASSERT_EQ(follow_ups->follow_ups_size(), 1);
  const v1::FollowUp& follow_up = follow_ups->follow_ups(0);
  EXPECT_EQ(follow_up.order_id(), order.id());
  EXPECT_EQ(follow_up.cause(), "rated 2/5");

  v1::RecordFollowUpRequest record;
  record.set_request_id("visit-1");
  record.set_follow_up_id(follow_up.id());
  record.set_expected_version(1);
  record.set_note("已上门回访，下次放慢节奏");
  absl::StatusOr<v1::FollowUp> done = workflow_.RecordFollowUp(worker_, record);
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_TRUE(done->done());
  EXPECT_EQ(done->version(), 2);
  EXPECT_EQ(workflow_.RecordFollowUp(worker_, record)->SerializeAsString(),
            done->SerializeAsString());  // a retry
  record.set_request_id("visit-2");
  EXPECT_EQ(workflow_.RecordFollowUp(worker_, record).status().code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(workflow_.ListFollowUps(worker_, list)->follow_ups_size(),
            0);  // done ones hidden
  list.set_include_done(true);
  EXPECT_EQ(workflow_.ListFollowUps(worker_, list)->follow_ups_size(), 1);

  v1::Principal elsewhere =
      Person("worker-9", v1::ROLE_COMMUNITY_WORKER, "rencheng-guhuai-tiexi");
  EXPECT_EQ(workflow_.RecordFollowUp(elsewhere, record).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(OrderWorkflowTest, PhoneNumbersAreMaskedForThoseWithoutANeedToKnow) {
  v1::Order order = Claimed();
  EXPECT_EQ(workflow_.Get(resident_, order.id())->draft().contact().phone(),
            "13812345678");
  EXPECT_EQ(workflow_.Get(worker_, order.id())->draft().contact().phone(),
            "13812345678");
  EXPECT_EQ(workflow_.Get(department_, order.id())->draft().contact().phone(),
            "138****5678");
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  order = *workflow_.Act(department_, assign);
  EXPECT_EQ(order.draft().contact().phone(),
            "138****5678");  // the clerk's answer
  EXPECT_EQ(workflow_.Get(leader_, order.id())->draft().contact().phone(),
            "138****5678");
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  EXPECT_EQ(order.draft().contact().phone(),
            "13812345678");  // the team accepted it
  v1::Principal admin = Person("admin-1", v1::ROLE_ADMIN, "jining");
  EXPECT_EQ(workflow_.Get(admin, order.id())->draft().contact().phone(),
            "138****5678");
}

TEST_F(OrderWorkflowTest, ListsAreScopedToTheCallersCommunityDepartmentOrTeam) {
  v1::Order order = Claimed();
  v1::Order second =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-2"));
  auto queue = workflow_.ListScope(
      worker_, OrderIndex::kCommunity, "", "community_id", {},
      {v1::ORDER_STATE_SUBMITTED, v1::ORDER_STATE_NEEDS_INFO}, {});
  ASSERT_TRUE(queue.ok()) << queue.status();
  ASSERT_EQ(queue->orders_size(), 1);
  EXPECT_EQ(queue->orders(0).id(), second.id());
  auto pool =
      workflow_.ListScope(department_, OrderIndex::kDepartment, "",
                          "department_id", {v1::ORDER_STATE_CLAIMED}, {}, {});
  ASSERT_TRUE(pool.ok());
  ASSERT_EQ(pool->orders_size(), 1);
  EXPECT_EQ(pool->orders(0).id(), order.id());
  EXPECT_EQ(pool->orders(0).draft().contact().phone(), "138****5678");

  EXPECT_EQ(
      workflow_
          .ListScope(worker_, OrderIndex::kCommunity, "rencheng-guhuai-tiexi",
                     "community_id", {}, {v1::ORDER_STATE_SUBMITTED}, {})
          .status()
          .code(),
      absl::StatusCode::kNotFound);
  v1::Principal two_communities = worker_;
  v1::RoleGrant* grant = two_communities.add_grants();
  grant->set_role(v1::ROLE_COMMUNITY_WORKER);
  grant->set_scope_id("rencheng-guhuai-tiexi");
  absl::Status ambiguous =
      workflow_
          .ListScope(two_communities, OrderIndex::kCommunity, "",
                     "community_id", {}, {v1::ORDER_STATE_SUBMITTED}, {})
          .status();
  EXPECT_EQ(ambiguous.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(ambiguous.message()),
              ::testing::StartsWith("community_id:"));

  auto mine = workflow_.ListMine(resident_, {}, {});
  ASSERT_TRUE(mine.ok());
  ASSERT_EQ(mine->orders_size(), 2);
  EXPECT_EQ(mine->orders(0).id(), second.id());  // newest first
}

TEST_F(OrderWorkflowTest, EveryWaitingStageHasADeadline) {
  v1::Order order =
      *workflow_.Create(resident_, NewOrderRequest(clock_.Now(), "create-1"));
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_DISPATCH);
  EXPECT_EQ(FromProto(order.next_deadline().due_at()),
            kStart + absl::Hours(24));
  clock_.Advance(absl::Hours(1));
  Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, "dispatch-1");
  dispatch.department_id = "kexie";
  order = *workflow_.Act(worker_, dispatch);
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_CLAIM);
  EXPECT_EQ(FromProto(order.next_deadline().due_at()),
            clock_.Now() + absl::Hours(24));
  order = *workflow_.Act(department_,
                         Make(v1::ORDER_ACTION_CLAIM, order, "claim-1"));
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_MATCH);
  Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, "assign-1");
  assign.team_id = "team-a";
  assign.offer_expires_at = clock_.Now() + absl::Hours(3);
  order = *workflow_.Act(department_, assign);
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_ACCEPTANCE);
  EXPECT_EQ(FromProto(order.next_deadline().due_at()),
            clock_.Now() + absl::Hours(3));
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_ACCEPT, order, "accept-1"));
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_SERVICE);
  EXPECT_EQ(order.next_deadline().due_at().seconds(),
            order.draft().preferred_windows(0).end().seconds());
  order = ScheduleAndCheckIn(order, "in-1");
  EXPECT_FALSE(order.has_next_deadline());
  Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, "complete-1");
  complete.completion.set_summary("done");
  order = *workflow_.Act(leader_, complete);
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_RATING);
  EXPECT_EQ(FromProto(order.next_deadline().due_at()),
            clock_.Now() + absl::Hours(24 * 7));
}

TEST_F(OrderWorkflowTest, SuggestionsAndEligibleTeamsComeFromTheCatalog) {
  v1::Order order = Claimed();
  auto suggestions = workflow_.SuggestDepartments(department_, order.id());
  ASSERT_TRUE(suggestions.ok()) << suggestions.status();
  ASSERT_EQ(suggestions->size(), 4u);
  EXPECT_EQ((*suggestions)[0].department().id(), "minzheng");
  EXPECT_TRUE((*suggestions)[0].suggested());
  EXPECT_EQ((*suggestions)[1].department().id(), "kexie");
  EXPECT_TRUE((*suggestions)[1].suggested());
  EXPECT_FALSE((*suggestions)[2].suggested());

  auto teams = workflow_.EligibleTeams(department_, order.id());
  ASSERT_TRUE(teams.ok()) << teams.status();
  std::vector<std::string> ids;
  for (const v1::EligibleTeam& team : *teams) ids.push_back(team.team().id());
  // team-c and team-e do not cover the line, team-d does not serve the area;
  // nearest first.
  EXPECT_THAT(ids, ElementsAre("team-b", "team-a"));
  EXPECT_EQ((*teams)[0].free_capacity(), 1);
  EXPECT_GE((*teams)[0].distance_km(), 0);
  EXPECT_EQ((*teams)[0].team().contact().phone(), "139****0001");
}

// A service record that is true (issue 12): the agreed time, check-in around
// it, volunteers' own sign-in, bounded hours and the hours ledger.
class ServiceRecordTest : public OrderWorkflowTest {
 protected:
  // A fresh order ACCEPTED by team-a, its window 48 to 50 hours from now, at
  // `site` when given.
  v1::Order Accepted(const std::string& id,
                     std::optional<v1::GeoPoint> site = std::nullopt) {
    v1::CreateOrderRequest request = NewOrderRequest(clock_.Now(), id + "-c");
    if (site.has_value()) *request.mutable_draft()->mutable_location() = *site;
    v1::Order order = *workflow_.Create(resident_, request);
    Command dispatch = Make(v1::ORDER_ACTION_DISPATCH, order, id + "-d");
    dispatch.department_id = "kexie";
    order = *workflow_.Act(worker_, dispatch);
    order = *workflow_.Act(department_,
                           Make(v1::ORDER_ACTION_CLAIM, order, id + "-cl"));
    Command assign = Make(v1::ORDER_ACTION_ASSIGN_TEAM, order, id + "-as");
    assign.team_id = "team-a";
    order = *workflow_.Act(department_, assign);
    return *workflow_.Act(leader_,
                          Make(v1::ORDER_ACTION_ACCEPT, order, id + "-ac"));
  }

  v1::Order Scheduled(const v1::Order& order, const std::string& id) {
    Command schedule = Make(v1::ORDER_ACTION_SCHEDULE, order, id);
    schedule.schedule = order.draft().preferred_windows(0);
    return *workflow_.Act(leader_, schedule);
  }

  absl::StatusOr<v1::VolunteerSignIn> SignIn(const v1::Principal& who,
                                             const std::string& token,
                                             v1::SignInDirection direction,
                                             const std::string& request_id) {
    v1::SignInVolunteerRequest request;
    request.set_request_id(request_id);
    request.set_token(token);
    request.set_direction(direction);
    return workflow_.SignInVolunteer(who, request);
  }

  std::string Code(const v1::Order& order) {
    v1::GetSignInCodeRequest request;
    request.set_order_id(order.id());
    absl::StatusOr<v1::SignInCode> code =
        workflow_.GetSignInCode(leader_, request);
    EXPECT_TRUE(code.ok()) << code.status();
    return code.ok() ? code->token() : "";
  }

  absl::StatusOr<v1::Order> CompleteWith(const v1::Order& order,
                                         const std::string& id, double hours,
                                         const std::string& reason = "") {
    Command complete = Make(v1::ORDER_ACTION_COMPLETE, order, id);
    complete.completion.set_summary("done");
    v1::VolunteerHours* entry = complete.completion.add_hours();
    entry->set_volunteer_id("vol-a1");
    entry->set_hours(hours);
    entry->set_reason(reason);
    return workflow_.Act(leader_, complete);
  }

  v1::Principal volunteer_ =
      Person("user-vol-a1", v1::ROLE_VOLUNTEER, "team-a");
};

TEST_F(ServiceRecordTest, AScheduleOutsideTheResidentsWindowsIsRefused) {
  v1::Order order = Accepted("o1");
  Command schedule = Make(v1::ORDER_ACTION_SCHEDULE, order, "schedule-1");
  v1::TimeWindow window = order.draft().preferred_windows(0);
  *window.mutable_start() = ToProto(FromProto(window.start()) + absl::Hours(1));
  *window.mutable_end() = ToProto(FromProto(window.end()) + absl::Hours(1));
  schedule.schedule = window;
  absl::Status refused = workflow_.Act(leader_, schedule).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("schedule: must lie inside one of the "
                                    "times the resident asked for: "));
  // Inside the window (the second hour of it) is fine.
  *window.mutable_start() = ToProto(
      FromProto(order.draft().preferred_windows(0).start()) + absl::Hours(1));
  *window.mutable_end() = order.draft().preferred_windows(0).end();
  schedule.schedule = window;
  schedule.request_id = "schedule-2";
  EXPECT_TRUE(workflow_.Act(leader_, schedule).ok());
}

TEST_F(ServiceRecordTest, CheckInWithoutAConfirmedTimeIsRefused) {
  v1::Order order = Accepted("o1");
  clock_.Set(FromProto(order.draft().preferred_windows(0).start()));
  absl::Status refused =
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-1"))
          .status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(refused.message(),
            "confirm the service time first (ScheduleService)");
}

TEST_F(ServiceRecordTest, CheckInAWeekEarlyOrAfterTheServiceIsRefused) {
  v1::Order order = Scheduled(Accepted("o1"), "schedule-1");
  const absl::Time start = FromProto(order.schedule().start());
  clock_.Set(start - absl::Hours(24 * 7));
  absl::Status early =
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-1"))
          .status();
  EXPECT_EQ(early.code(), absl::StatusCode::kFailedPrecondition);
  // Times in China Standard Time.
  const absl::TimeZone cst = absl::FixedTimeZone(8 * 3600);
  const std::string opens =
      absl::FormatTime("%Y-%m-%d %H:%M", start - absl::Minutes(60), cst);
  const std::string closes = absl::FormatTime(
      "%Y-%m-%d %H:%M", FromProto(order.schedule().end()), cst);
  EXPECT_EQ(early.message(),
            absl::StrCat("check-in opens at ", opens,
                         " (60 minutes before the service) and closes at ",
                         closes, ": too early"));
  EXPECT_EQ(store_.Get(order.id())->state(), v1::ORDER_STATE_ACCEPTED);

  clock_.Set(FromProto(order.schedule().end()) + absl::Minutes(1));
  absl::Status late =
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-2"))
          .status();
  EXPECT_EQ(late.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(late.message()), HasSubstr("too late"));

  clock_.Set(start - absl::Minutes(60));  // the window opens
  EXPECT_TRUE(
      workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-3"))
          .ok());
}

TEST_F(ServiceRecordTest, CompletionBeforeCheckInIsRefused) {
  v1::Order order = Scheduled(Accepted("o1"), "schedule-1");
  clock_.Set(FromProto(order.schedule().start()));
  absl::Status refused =
      CompleteWith(order, "complete-1", 2, "paper list").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store_.Get(order.id())->state(), v1::ORDER_STATE_ACCEPTED);
}

TEST_F(ServiceRecordTest, AnOffSiteCheckInIsRecordedWithItsDistance) {
  v1::GeoPoint site;
  site.set_lat(35.4100);
  site.set_lng(116.5800);
  v1::Order order = Scheduled(Accepted("o1", site), "schedule-1");
  clock_.Set(FromProto(order.schedule().start()));
  Command check_in = Make(v1::ORDER_ACTION_CHECK_IN, order, "in-1");
  v1::GeoPoint away = site;
  away.set_lat(35.4190);  // about 1 km north
  check_in.check_in_location = away;
  absl::StatusOr<v1::Order> checked_in = workflow_.Act(leader_, check_in);
  ASSERT_TRUE(checked_in.ok()) << checked_in.status();  // recorded, not refused
  EXPECT_TRUE(checked_in->check_in().off_site());
  EXPECT_NEAR(checked_in->check_in().distance_m(), 1001, 5);

  v1::Order near = Scheduled(Accepted("o2", site), "schedule-2");
  clock_.Set(FromProto(near.schedule().start()));
  check_in = Make(v1::ORDER_ACTION_CHECK_IN, near, "in-2");
  away.set_lat(35.4120);  // about 220 m
  check_in.check_in_location = away;
  checked_in = workflow_.Act(leader_, check_in);
  ASSERT_TRUE(checked_in.ok()) << checked_in.status();
  EXPECT_FALSE(checked_in->check_in().off_site());
  EXPECT_NEAR(checked_in->check_in().distance_m(), 222, 5);
}

TEST_F(ServiceRecordTest, HoursBeyondTheScheduleAreRefusedNamingTheField) {
  v1::Order order = ScheduleAndCheckIn(Accepted("o1"), "o1");  // 2 hours
  clock_.Advance(absl::Hours(2));
  absl::Status refused =
      CompleteWith(order, "complete-1", 3, "paper list").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("hours[0].hours: at most 2.5 hours"));
  // Without a sign-in, only with a reason.
  refused = CompleteWith(order, "complete-2", 2).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("hours[0].reason: is required for a "
                                    "volunteer who did not sign in"));
  EXPECT_TRUE(CompleteWith(order, "complete-3", 2.5, "paper list").ok());
}

TEST_F(ServiceRecordTest, VolunteersSignInWithTheCurrentCodeOnly) {
  v1::Order order = Scheduled(Accepted("o1"), "schedule-1");
  v1::GetSignInCodeRequest get;
  get.set_order_id(order.id());
  // Not yet: the window opens an hour before the service.
  EXPECT_EQ(workflow_.GetSignInCode(leader_, get).status().code(),
            absl::StatusCode::kFailedPrecondition);
  clock_.Set(FromProto(order.schedule().start()) - absl::Minutes(30));
  absl::StatusOr<v1::SignInCode> code = workflow_.GetSignInCode(leader_, get);
  ASSERT_TRUE(code.ok()) << code.status();
  EXPECT_EQ(code->path(), "/#/sign-in?t=" + code->token());
  EXPECT_EQ(FromProto(code->expires_at()) - FromProto(code->rotates_at()),
            absl::Minutes(1));
  // Only the order's team leader gets it.
  EXPECT_EQ(workflow_.GetSignInCode(volunteer_, get).status().code(),
            absl::StatusCode::kNotFound);

  // A code of the previous minute is still good, one of two minutes ago not.
  clock_.Advance(absl::Minutes(1));
  const std::string old_code = Code(order);
  clock_.Advance(absl::Minutes(2));
  absl::Status expired =
      SignIn(volunteer_, old_code, v1::SIGN_IN_DIRECTION_IN, "in-0").status();
  EXPECT_EQ(expired.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(expired.message()), ::testing::StartsWith("token:"));

  // A forged code (another order's id, or a changed minute) is not ours.
  std::string forged = Code(order);
  forged[forged.size() - 1] = forged.back() == '0' ? '1' : '0';
  EXPECT_EQ(SignIn(volunteer_, forged, v1::SIGN_IN_DIRECTION_IN, "in-1")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // Another tenant's code is not ours either.
  v1::Principal elsewhere = volunteer_;
  elsewhere.set_tenant("qufu");
  EXPECT_EQ(SignIn(elsewhere, Code(order), v1::SIGN_IN_DIRECTION_IN, "in-2")
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);

  // Out before in is refused; a volunteer of another team is refused.
  const std::string current = Code(order);
  absl::Status out_first =
      SignIn(volunteer_, current, v1::SIGN_IN_DIRECTION_OUT, "out-0").status();
  EXPECT_EQ(out_first.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(out_first.message()), HasSubstr("sign in first"));
  const v1::Principal stranger =
      Person("user-vol-b1", v1::ROLE_VOLUNTEER, "team-b");
  EXPECT_EQ(SignIn(stranger, current, v1::SIGN_IN_DIRECTION_IN, "in-3")
                .status()
                .code(),
            absl::StatusCode::kPermissionDenied);
  EXPECT_TRUE(store_.ListSignIns(order.id())->empty());

  // The current code signs in, once; a retry answers the first result.
  const int writes = store_.writes();
  absl::StatusOr<v1::VolunteerSignIn> in =
      SignIn(volunteer_, current, v1::SIGN_IN_DIRECTION_IN, "in-4");
  ASSERT_TRUE(in.ok()) << in.status();
  EXPECT_EQ(in->volunteer_id(), "vol-a1");
  EXPECT_EQ(FromProto(in->signed_in_at()), clock_.Now());
  clock_.Advance(absl::Seconds(20));
  absl::StatusOr<v1::VolunteerSignIn> replay =
      SignIn(volunteer_, current, v1::SIGN_IN_DIRECTION_IN, "in-4");
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->SerializeAsString(), in->SerializeAsString());
  EXPECT_EQ(store_.writes(), writes + 1);
  EXPECT_EQ(SignIn(volunteer_, current, v1::SIGN_IN_DIRECTION_IN, "in-5")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
}

TEST_F(ServiceRecordTest, SignInsProposeAndBoundTheHours) {
  v1::Order order = Scheduled(Accepted("o1"), "schedule-1");
  const absl::Time start = FromProto(order.schedule().start());
  clock_.Set(start - absl::Minutes(10));
  ASSERT_TRUE(
      SignIn(volunteer_, Code(order), v1::SIGN_IN_DIRECTION_IN, "in-1").ok());
  clock_.Set(start);
  order = *workflow_.Act(leader_,
                         Make(v1::ORDER_ACTION_CHECK_IN, order, "check-in"));
  clock_.Set(start + absl::Minutes(70));
  ASSERT_TRUE(
      SignIn(volunteer_, Code(order), v1::SIGN_IN_DIRECTION_OUT, "out-1").ok());
  EXPECT_EQ(SignIn(volunteer_, Code(order), v1::SIGN_IN_DIRECTION_OUT, "out-2")
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);  // signed out already

  // 80 minutes on site propose 1 hour (rounded down to half hours).
  clock_.Set(start + absl::Hours(2));
  v1::ListSignInsRequest list;
  list.set_order_id(order.id());
  absl::StatusOr<v1::ListSignInsResponse> sign_ins =
      workflow_.ListSignIns(leader_, list);
  ASSERT_TRUE(sign_ins.ok()) << sign_ins.status();
  ASSERT_EQ(sign_ins->entries_size(), 1);
  EXPECT_EQ(sign_ins->entries(0).sign_in().volunteer_id(), "vol-a1");
  EXPECT_DOUBLE_EQ(sign_ins->entries(0).proposed_hours(), 1);

  // At most 80 min + 30 min tolerance: 1.5 hours; 2 is refused.
  absl::Status refused = CompleteWith(order, "complete-1", 2, "more").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("hours[0].hours: at most 1.5 hours: "
                                    "vol-a1 was on site 1 h 20 min"));
  // Within half an hour of the proposal no reason is needed.
  absl::StatusOr<v1::Order> completed = CompleteWith(order, "complete-2", 1.5);
  ASSERT_TRUE(completed.ok()) << completed.status();
  EXPECT_EQ(completed->completion().hours(0).recorded_by().user_id(),
            "leader-1");
}

TEST_F(ServiceRecordTest, HoursDifferingFromTheSignedTimeNeedAReason) {
  v1::Order order = ScheduleAndCheckIn(Accepted("o1"), "o1");
  ASSERT_TRUE(
      SignIn(volunteer_, Code(order), v1::SIGN_IN_DIRECTION_IN, "in-1").ok());
  clock_.Advance(absl::Hours(2));  // still signed in: on site until now
  absl::Status refused = CompleteWith(order, "complete-1", 1).status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("hours[0].reason: is required when the "
                                    "hours differ from the signed time (2 "
                                    "hours)"));
  EXPECT_TRUE(CompleteWith(order, "complete-2", 1, "left early").ok());
}

// The order completed by team-a with 2 hours for vol-a1 and 1.5 for vol-a2
// (without sign-ins, so with reasons), and the ids of those entries.
struct CompletedOrder {
  v1::Order order;
  std::string a1;
  std::string a2;
};

class HoursLedgerTest : public ServiceRecordTest {
 protected:
  CompletedOrder Completed() {
    auto make = [this](v1::OrderAction action, const v1::Order& order,
                       const std::string& id) {
      return Make(action, order, id);
    };
    CompletedOrder done;
    done.order =
        Complete(workflow_, clock_, department_, leader_, Claimed(), make);
    for (const v1::VolunteerHours& h : done.order.completion().hours()) {
      (h.volunteer_id() == "vol-a1" ? done.a1 : done.a2) = h.id();
    }
    return done;
  }

  absl::StatusOr<v1::VolunteerHours> Correct(const std::string& hours_id,
                                             double hours,
                                             const std::string& request_id) {
    v1::CorrectHoursRequest request;
    request.set_request_id(request_id);
    request.set_hours_id(hours_id);
    request.set_hours(hours);
    request.set_reason("arrived late");
    return workflow_.CorrectHours(leader_, request);
  }

  absl::StatusOr<v1::VolunteerHours> Dispute(const v1::Principal& who,
                                             const std::string& hours_id,
                                             const std::string& request_id) {
    v1::DisputeHoursRequest request;
    request.set_request_id(request_id);
    request.set_hours_id(hours_id);
    request.set_reason("I stayed to the end");
    return workflow_.DisputeHours(who, request);
  }

  std::vector<v1::VolunteerHours> Ledger(const std::string& order_id) {
    v1::ListHoursRequest request;
    request.set_order_id(order_id);
    absl::StatusOr<v1::ListHoursResponse> hours =
        workflow_.ListHours(leader_, request);
    EXPECT_TRUE(hours.ok()) << hours.status();
    return {hours->hours().begin(), hours->hours().end()};
  }
};

TEST_F(HoursLedgerTest, ACorrectionAppendsAndSupersedesTheOriginal) {
  CompletedOrder done = Completed();
  const v1::VolunteerHours original = *store_.GetHours(done.a1);
  clock_.Advance(absl::Minutes(5));
  absl::StatusOr<v1::VolunteerHours> correction = Correct(done.a1, 1, "fix-1");
  ASSERT_TRUE(correction.ok()) << correction.status();
  EXPECT_EQ(correction->corrects_hours_id(), done.a1);
  EXPECT_EQ(correction->hours(), 1);
  EXPECT_EQ(correction->reason(), "arrived late");
  EXPECT_EQ(correction->recorded_by().user_id(), "leader-1");
  EXPECT_EQ(correction->status(), v1::VolunteerHours::STATUS_PENDING);
  // A retry answers the first result and writes nothing.
  const int writes = store_.writes();
  EXPECT_EQ(Correct(done.a1, 1, "fix-1")->SerializeAsString(),
            correction->SerializeAsString());
  EXPECT_EQ(store_.writes(), writes);

  // The original is marked superseded and otherwise unchanged.
  v1::VolunteerHours superseded = *store_.GetHours(done.a1);
  EXPECT_EQ(superseded.superseded_by_id(), correction->id());
  superseded.clear_superseded_by_id();
  EXPECT_EQ(superseded.SerializeAsString(), original.SerializeAsString());
  // The whole history is listed; a superseded entry cannot be corrected again.
  EXPECT_EQ(Ledger(done.order.id()).size(), 3u);
  EXPECT_EQ(Correct(done.a1, 1.5, "fix-2").status().code(),
            absl::StatusCode::kFailedPrecondition);
  // Bounded as at completion: the 2-hour service allows 2.5 at most.
  absl::Status refused = Correct(correction->id(), 3, "fix-3").status();
  EXPECT_EQ(refused.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(refused.message()),
              ::testing::StartsWith("hours: at most 2.5 hours"));
  // Only a leader of the entry's team corrects.
  v1::CorrectHoursRequest other;
  other.set_request_id("fix-4");
  other.set_hours_id(correction->id());
  other.set_hours(1);
  other.set_reason("x");
  EXPECT_EQ(workflow_
                .CorrectHours(
                    Person("leader-b", v1::ROLE_TEAM_LEADER, "team-b"), other)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
}

TEST_F(HoursLedgerTest, ADisputeIsResolvedByKeepingOrCorrecting) {
  CompletedOrder done = Completed();
  // Only the volunteer whose entry it is disputes it.
  EXPECT_EQ(Dispute(volunteer_, done.a2, "dispute-0").status().code(),
            absl::StatusCode::kNotFound);
  absl::StatusOr<v1::VolunteerHours> disputed =
      Dispute(volunteer_, done.a1, "dispute-1");
  ASSERT_TRUE(disputed.ok()) << disputed.status();
  EXPECT_EQ(disputed->status(), v1::VolunteerHours::STATUS_DISPUTED);
  EXPECT_EQ(disputed->dispute().status_before(),
            v1::VolunteerHours::STATUS_PENDING);
  EXPECT_EQ(disputed->dispute().disputed_by().user_id(), "user-vol-a1");
  // Disputed hours are not corrected directly, nor disputed twice.
  EXPECT_EQ(Correct(done.a1, 1, "fix-1").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(Dispute(volunteer_, done.a1, "dispute-2").status().code(),
            absl::StatusCode::kFailedPrecondition);

  v1::ResolveDisputeRequest keep;
  keep.set_request_id("resolve-1");
  keep.set_hours_id(done.a1);
  keep.set_resolution(v1::HoursDispute::RESOLUTION_KEEP);
  keep.set_reason("the sign-in list says 2 hours");
  absl::StatusOr<v1::VolunteerHours> kept =
      workflow_.ResolveDispute(leader_, keep);
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_EQ(kept->status(), v1::VolunteerHours::STATUS_PENDING);
  EXPECT_EQ(kept->dispute().resolution(), v1::HoursDispute::RESOLUTION_KEEP);
  keep.set_request_id("resolve-2");
  EXPECT_EQ(workflow_.ResolveDispute(leader_, keep).status().code(),
            absl::StatusCode::kFailedPrecondition);  // not disputed now

  // Disputed again, and resolved by a correction.
  ASSERT_TRUE(Dispute(volunteer_, done.a1, "dispute-3").ok());
  v1::ResolveDisputeRequest correct;
  correct.set_request_id("resolve-3");
  correct.set_hours_id(done.a1);
  correct.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
  correct.set_hours(2.5);
  correct.set_reason("stayed for questions");
  absl::StatusOr<v1::VolunteerHours> corrected =
      workflow_.ResolveDispute(leader_, correct);
  ASSERT_TRUE(corrected.ok()) << corrected.status();
  EXPECT_EQ(corrected->corrects_hours_id(), done.a1);
  EXPECT_EQ(corrected->hours(), 2.5);
  const v1::VolunteerHours original = *store_.GetHours(done.a1);
  EXPECT_EQ(original.superseded_by_id(), corrected->id());
  EXPECT_EQ(original.dispute().resolution(),
            v1::HoursDispute::RESOLUTION_CORRECT);
  EXPECT_EQ(original.hours(), 2);
}

TEST_F(HoursLedgerTest, TheRatingApprovesOnlyCurrentEntriesAndTotalsCountThem) {
  CompletedOrder done = Completed();
  // vol-a1: 2 h corrected to 1 h; vol-a2 (1.5 h) disputed.
  absl::StatusOr<v1::VolunteerHours> correction = Correct(done.a1, 1, "fix-1");
  ASSERT_TRUE(correction.ok()) << correction.status();
  const v1::Principal a2 = Person("user-vol-a2", v1::ROLE_VOLUNTEER, "team-a");
  ASSERT_TRUE(Dispute(a2, done.a2, "dispute-1").ok());

  v1::Order order = *store_.Get(done.order.id());
  Command rate = Make(v1::ORDER_ACTION_RATE, order, "rate-1");
  rate.rating.set_overall(5);
  ASSERT_TRUE(workflow_.Act(resident_, rate).ok());
  EXPECT_EQ(store_.GetHours(correction->id())->status(),
            v1::VolunteerHours::STATUS_APPROVED);
  EXPECT_EQ(store_.GetHours(done.a1)->status(),
            v1::VolunteerHours::STATUS_PENDING);  // superseded: left as it was
  EXPECT_EQ(store_.GetHours(done.a2)->status(),
            v1::VolunteerHours::STATUS_DISPUTED);

  absl::StatusOr<v1::VolunteerSummary> summary =
      workflow_.VolunteerSummary(volunteer_);
  ASSERT_TRUE(summary.ok()) << summary.status();
  EXPECT_DOUBLE_EQ(summary->approved_hours(), 1);
  EXPECT_DOUBLE_EQ(summary->pending_hours(), 0);
  // Even after the auto-approval period, neither counts.
  clock_.Advance(absl::Hours(100));
  EXPECT_DOUBLE_EQ(workflow_.VolunteerSummary(volunteer_)->approved_hours(), 1);
  EXPECT_DOUBLE_EQ(workflow_.VolunteerSummary(a2)->approved_hours(), 0);
}

TEST(FingerprintTest, EqualForEqualContentDifferentOtherwise) {
  v1::CreateOrderRequest a = NewOrderRequest(kStart, "create-1");
  v1::CreateOrderRequest b = a;
  EXPECT_EQ(Fingerprint(a), Fingerprint(b));
  EXPECT_EQ(Fingerprint(a).size(), 32u);
  b.mutable_draft()->set_expected_attendees(31);
  EXPECT_NE(Fingerprint(a), Fingerprint(b));
  // Two message types with the same bytes differ.
  v1::RejectOrderRequest reject;
  reject.set_request_id("r-1234567");
  v1::RequestInfoRequest ask;
  ask.set_request_id("r-1234567");
  EXPECT_EQ(reject.SerializeAsString(), ask.SerializeAsString());
  EXPECT_NE(Fingerprint(reject), Fingerprint(ask));
}

}  // namespace
}  // namespace kepu
