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
  EXPECT_EQ(order.version(), 10);

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
                  v1::ORDER_ACTION_ACCEPT, v1::ORDER_ACTION_CHECK_IN,
                  v1::ORDER_ACTION_COMPLETE, v1::ORDER_ACTION_RATE));
  EXPECT_EQ(history->back().version(), 10);
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
  order = *workflow_.Act(leader_,
                         Make(v1::ORDER_ACTION_CHECK_IN, order, "checkin-1"));
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
    OrderWorkflow& workflow, const v1::Principal& clerk,
    const v1::Principal& leader, v1::Order order,
    const std::function<Command(v1::OrderAction, const v1::Order&,
                                const std::string&)>& make) {
  Command assign =
      make(v1::ORDER_ACTION_ASSIGN_TEAM, order, order.id() + "-assign");
  assign.team_id = "team-a";
  order = *workflow.Act(clerk, assign);
  order = *workflow.Act(
      leader, make(v1::ORDER_ACTION_ACCEPT, order, order.id() + "-accept"));
  order = *workflow.Act(
      leader, make(v1::ORDER_ACTION_CHECK_IN, order, order.id() + "-in"));
  Command complete =
      make(v1::ORDER_ACTION_COMPLETE, order, order.id() + "-complete");
  complete.completion.set_actual_attendees(20);
  complete.completion.set_summary("done");
  v1::VolunteerHours* hours = complete.completion.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(2);
  hours = complete.completion.add_hours();
  hours->set_volunteer_id("vol-a2");
  hours->set_hours(1.5);
  return *workflow.Act(leader, complete);
}

TEST_F(OrderWorkflowTest,
       HoursAreConfirmedByTheRatingOrByTimeAndCanBeDeclined) {
  auto make = [this](v1::OrderAction action, const v1::Order& order,
                     const std::string& id) { return Make(action, order, id); };
  v1::Order order = Complete(workflow_, department_, leader_, Claimed(), make);
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
  unrated = Complete(workflow_, department_, leader_, unrated, make);
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
  Complete(workflow_, department_, leader_, Claimed(), make);
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
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-1"));
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
  v1::Order order = Complete(workflow_, department_, leader_, Claimed(), make);
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
  order =
      *workflow_.Act(leader_, Make(v1::ORDER_ACTION_CHECK_IN, order, "in-1"));
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
