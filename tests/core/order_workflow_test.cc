// The order domain against the in-memory store: who may do what to which order,
// idempotency, versions, and what each move records.
#include "services/core/order_workflow.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kepu/v1/dispatch.pb.h"
#include "services/core/fingerprint.h"
#include "services/core/testing/fake_order_store.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

const absl::Time kStart = absl::FromUnixSeconds(1'800'000'000);

v1::Principal Person(const std::string& id, v1::Role role,
                     const std::string& scope = "") {
  v1::Principal principal;
  principal.set_user_id(id);
  principal.set_tenant("jining");
  principal.set_display_name(id);
  v1::RoleGrant* grant = principal.add_grants();
  grant->set_role(role);
  grant->set_scope_id(scope);
  return principal;
}

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
      : clock_(kStart), ids_(clock_, 1), workflow_(store_, clock_, ids_) {}

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
  hours->set_volunteer_id("vol-1");
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
  // The team no longer reaches the order.
  EXPECT_EQ(workflow_.Get(leader_, order.id()).status().code(),
            absl::StatusCode::kNotFound);
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
