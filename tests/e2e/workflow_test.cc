// One order taken through every role over gRPC, against real kepud processes
// and Redis, with the other ways an order can end, the exclusive claim and
// acceptance between departments and teams, and live watching across two
// replicas.
#include <latch>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/time_util.h"
#include "tests/e2e/world.h"

namespace kepu::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class WorkflowTest : public ::testing::Test {
 protected:
  void SetUp() override { StartWorld(1); }

  void TearDown() override {
    // What the servers said, when something went wrong.
    if (HasFailure() && world_ != nullptr) world_->PrintServerLogs();
  }

  void StartWorld(int replicas) {
    auto world = World::Start(replicas);
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
  }

  // Places an order as the resident, its window starting in minutes.
  v1::Order Place() {
    v1::CreateOrderRequest request;
    request.set_request_id(world_->NextRequestId());
    *request.mutable_draft() = World::SoonDraft();
    v1::Order order;
    grpc::Status status = world_->orders()->CreateOrder(
        world_->As("resident").get(), request, &order);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return order;
  }

  // The order as `who` sees it now.
  v1::Order Read(const std::string& who, const std::string& id) {
    v1::GetOrderRequest request;
    request.set_order_id(id);
    v1::Order order;
    grpc::Status status =
        world_->orders()->GetOrder(world_->As(who).get(), request, &order);
    EXPECT_TRUE(status.ok()) << Describe(status);
    return order;
  }

  // Fills request_id, order_id and expected_version of a moving request.
  template <typename Request>
  Request For(const v1::Order& order) {
    Request request;
    request.set_request_id(world_->NextRequestId());
    request.set_order_id(order.id());
    request.set_expected_version(order.version());
    return request;
  }

  // Expects `status` OK and returns `order`.
  v1::Order Ok(const grpc::Status& status, const v1::Order& order) {
    EXPECT_TRUE(status.ok()) << Describe(status);
    return order;
  }

  v1::Order Dispatch(const v1::Order& order,
                     std::vector<std::string> departments) {
    auto request = For<v1::DispatchOrderRequest>(order);
    request.set_department_id(departments.front());
    for (size_t i = 1; i < departments.size(); ++i) {
      request.add_other_department_ids(departments[i]);
    }
    v1::Order out;
    return Ok(world_->dispatch()->DispatchOrder(world_->As("worker").get(),
                                                request, &out),
              out);
  }

  v1::Order Claim(const std::string& clerk, const v1::Order& order) {
    auto request = For<v1::ClaimOrderRequest>(order);
    v1::Order out;
    return Ok(
        world_->claims()->ClaimOrder(world_->As(clerk).get(), request, &out),
        out);
  }

  v1::Order Assign(const std::string& clerk, const v1::Order& order,
                   std::vector<std::string> teams) {
    auto request = For<v1::AssignTeamRequest>(order);
    request.set_team_id(teams.front());
    for (size_t i = 1; i < teams.size(); ++i)
      request.add_other_team_ids(teams[i]);
    request.mutable_offer_ttl()->set_seconds(3600);
    v1::Order out;
    return Ok(
        world_->claims()->AssignTeam(world_->As(clerk).get(), request, &out),
        out);
  }

  v1::Order Accept(const std::string& leader, const v1::Order& order) {
    auto request = For<v1::AcceptOfferRequest>(order);
    v1::Order out;
    return Ok(world_->fulfilment()->AcceptOffer(world_->As(leader).get(),
                                                request, &out),
              out);
  }

  // SUBMITTED → ACCEPTED by team-a through kexie.
  v1::Order Accepted() {
    v1::Order order = Dispatch(Place(), {"kexie"});
    order = Claim("clerk", order);
    order = Assign("clerk", order, {"team-a"});
    return Accept("leader", order);
  }

  // Confirms the order's first preferred window as its service time.
  v1::Order Scheduled(const v1::Order& order) {
    auto schedule = For<v1::ScheduleServiceRequest>(order);
    *schedule.mutable_schedule() = order.draft().preferred_windows(0);
    v1::Order out;
    return Ok(world_->fulfilment()->ScheduleService(world_->As("leader").get(),
                                                    schedule, &out),
              out);
  }

  // ACCEPTED → scheduled → IN_SERVICE (the window starts in minutes).
  v1::Order CheckedIn(const v1::Order& order) {
    const v1::Order scheduled = Scheduled(order);
    auto check_in = For<v1::CheckInRequest>(scheduled);
    v1::Order out;
    return Ok(world_->fulfilment()->CheckIn(world_->As("leader").get(),
                                            check_in, &out),
              out);
  }

  std::vector<v1::OrderAction> History(const std::string& who,
                                       const std::string& id) {
    v1::GetOrderHistoryRequest request;
    request.set_order_id(id);
    request.mutable_page()->set_page_size(100);
    v1::GetOrderHistoryResponse response;
    grpc::Status status = world_->orders()->GetOrderHistory(
        world_->As(who).get(), request, &response);
    EXPECT_TRUE(status.ok()) << Describe(status);
    std::vector<v1::OrderAction> actions;
    for (const v1::OrderEvent& event : response.events())
      actions.push_back(event.action());
    return actions;
  }

  std::unique_ptr<World> world_;
};

TEST_F(WorkflowTest, OneOrderThroughEveryRole) {
  // 点单: the resident orders.
  v1::Order order = Place();
  EXPECT_EQ(order.state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(order.county_id(), "rencheng");
  EXPECT_EQ(order.next_deadline().stage(), v1::STAGE_AWAITING_DISPATCH);

  // The worker finds it in the queue and asks a question; the resident edits
  // and answers.
  v1::ListQueueRequest queue_request;
  v1::ListOrdersResponse queue;
  ASSERT_TRUE(world_->dispatch()
                  ->ListQueue(world_->As("worker").get(), queue_request, &queue)
                  .ok());
  ASSERT_EQ(queue.orders_size(), 1);
  EXPECT_EQ(queue.orders(0).id(), order.id());
  auto ask = For<v1::RequestInfoRequest>(order);
  ask.set_question("大概多少位老人参加？");
  order = Ok(
      world_->dispatch()->RequestInfo(world_->As("worker").get(), ask, &order),
      order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_NEEDS_INFO);
  auto edit = For<v1::UpdateOrderRequest>(order);
  *edit.mutable_draft() = World::SoonDraft();
  edit.mutable_draft()->set_expected_attendees(45);
  order = Ok(
      world_->orders()->UpdateOrder(world_->As("resident").get(), edit, &order),
      order);
  auto answer = For<v1::ResubmitOrderRequest>(order);
  answer.set_answer("大约45位");
  order = Ok(world_->orders()->ResubmitOrder(world_->As("resident").get(),
                                             answer, &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_SUBMITTED);

  // 派单: the catalog suggests the departments; the worker dispatches to two of
  // them.
  v1::SuggestDepartmentsRequest suggest;
  suggest.set_order_id(order.id());
  v1::SuggestDepartmentsResponse suggestions;
  ASSERT_TRUE(world_->dispatch()
                  ->SuggestDepartments(world_->As("worker").get(), suggest,
                                       &suggestions)
                  .ok());
  ASSERT_GE(suggestions.departments_size(), 2);
  EXPECT_TRUE(suggestions.departments(0).suggested());
  order = Dispatch(order, {"kexie", "minzheng"});
  EXPECT_EQ(order.state(), v1::ORDER_STATE_DISPATCHED);

  // 领单: both departments see it in their pool; 市科协 claims it.
  for (const char* clerk : {"clerk", "clerk2"}) {
    v1::ListPoolRequest pool_request;
    v1::ListOrdersResponse pool;
    ASSERT_TRUE(world_->claims()
                    ->ListPool(world_->As(clerk).get(), pool_request, &pool)
                    .ok());
    ASSERT_EQ(pool.orders_size(), 1) << clerk;
    EXPECT_EQ(pool.orders(0).draft().contact().phone(),
              "138****5678");  // masked for clerks
  }
  order = Claim("clerk", order);
  EXPECT_EQ(order.department_id(), "kexie");

  // The clerk looks at the eligible teams and offers the order to two of them.
  v1::ListEligibleTeamsRequest teams_request;
  teams_request.set_order_id(order.id());
  v1::ListEligibleTeamsResponse teams;
  ASSERT_TRUE(
      world_->claims()
          ->ListEligibleTeams(world_->As("clerk").get(), teams_request, &teams)
          .ok());
  std::vector<std::string> team_ids;
  for (const v1::EligibleTeam& team : teams.teams())
    team_ids.push_back(team.team().id());
  EXPECT_THAT(team_ids, ElementsAre("team-b", "team-a"));
  order = Assign("clerk", order, {"team-a", "team-b"});
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);

  // 接单: team-b declines, team-a accepts, schedules, checks in and completes.
  auto decline = For<v1::DeclineOfferRequest>(order);
  decline.set_reason("本周人手不够");
  order = Ok(world_->fulfilment()->DeclineOffer(world_->As("leader2").get(),
                                                decline, &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_OFFERED);
  order = Accept("leader", order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_ACCEPTED);
  EXPECT_EQ(order.draft().contact().phone(),
            "13812345678");  // the accepting team sees it
  auto schedule = For<v1::ScheduleServiceRequest>(order);
  *schedule.mutable_schedule() = order.draft().preferred_windows(0);
  order = Ok(world_->fulfilment()->ScheduleService(world_->As("leader").get(),
                                                   schedule, &order),
             order);
  auto check_in = For<v1::CheckInRequest>(order);
  check_in.mutable_location()->set_lat(35.412);
  check_in.mutable_location()->set_lng(116.583);
  order = Ok(world_->fulfilment()->CheckIn(world_->As("leader").get(), check_in,
                                           &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_IN_SERVICE);
  auto complete = For<v1::CompleteServiceRequest>(order);
  complete.set_actual_attendees(42);
  complete.set_summary("讲解常见电信诈骗手法，现场演示识别");
  v1::HoursEntry* hours = complete.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(2.5);
  hours->set_reason("签到表");  // did not sign in on the phone
  order = Ok(world_->fulfilment()->CompleteService(world_->As("leader").get(),
                                                   complete, &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_COMPLETED);

  // 评单: a low rating; the community gets a follow-up visit and records it.
  auto rate = For<v1::RateOrderRequest>(order);
  rate.mutable_rating()->set_overall(2);
  rate.mutable_rating()->set_punctuality(4);
  rate.mutable_rating()->set_content(2);
  rate.mutable_rating()->set_attitude(3);
  rate.mutable_rating()->set_comment("讲得太快");
  order = Ok(
      world_->orders()->RateOrder(world_->As("resident").get(), rate, &order),
      order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_RATED);
  v1::ListFollowUpsRequest follow_ups_request;
  v1::ListFollowUpsResponse follow_ups;
  ASSERT_TRUE(world_->dispatch()
                  ->ListFollowUps(world_->As("worker").get(),
                                  follow_ups_request, &follow_ups)
                  .ok());
  ASSERT_EQ(follow_ups.follow_ups_size(), 1);
  v1::RecordFollowUpRequest record;
  record.set_request_id(world_->NextRequestId());
  record.set_follow_up_id(follow_ups.follow_ups(0).id());
  record.set_expected_version(follow_ups.follow_ups(0).version());
  record.set_note("已电话回访，下次放慢节奏");
  v1::FollowUp recorded;
  ASSERT_TRUE(
      world_->dispatch()
          ->RecordFollowUp(world_->As("worker").get(), record, &recorded)
          .ok());
  EXPECT_TRUE(recorded.done());

  // The volunteer's hours were confirmed by the rating.
  v1::GetMyVolunteerSummaryRequest summary_request;
  v1::VolunteerSummary summary;
  grpc::Status status = world_->fulfilment()->GetMyVolunteerSummary(
      world_->As("volunteer").get(), summary_request, &summary);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_DOUBLE_EQ(summary.approved_hours(), 2.5);

  // Everyone involved reads the same history.
  const std::vector<v1::OrderAction> expected = {
      v1::ORDER_ACTION_CREATE,      v1::ORDER_ACTION_REQUEST_INFO,
      v1::ORDER_ACTION_EDIT,        v1::ORDER_ACTION_RESUBMIT,
      v1::ORDER_ACTION_DISPATCH,    v1::ORDER_ACTION_CLAIM,
      v1::ORDER_ACTION_ASSIGN_TEAM, v1::ORDER_ACTION_DECLINE,
      v1::ORDER_ACTION_ACCEPT,      v1::ORDER_ACTION_SCHEDULE,
      v1::ORDER_ACTION_CHECK_IN,    v1::ORDER_ACTION_COMPLETE,
      v1::ORDER_ACTION_RATE};
  for (const char* who : {"resident", "worker", "clerk", "leader"}) {
    EXPECT_EQ(History(who, order.id()), expected) << who;
  }
  // The department and the team that did not take it still read it, as taken
  // by another (the phone masked); those never involved do not see it.
  const v1::Order by_clerk2 = Read("clerk2", order.id());
  EXPECT_EQ(by_clerk2.department_id(), "kexie");
  EXPECT_EQ(by_clerk2.draft().contact().phone(), "138****5678");
  const v1::Order by_leader2 = Read("leader2", order.id());
  EXPECT_EQ(by_leader2.team_id(), "team-a");
  EXPECT_EQ(by_leader2.draft().contact().phone(), "138****5678");
  for (const char* who : {"worker-other", "resident2"}) {
    v1::GetOrderRequest get;
    get.set_order_id(order.id());
    v1::Order seen;
    EXPECT_EQ(world_->orders()
                  ->GetOrder(world_->As(who).get(), get, &seen)
                  .error_code(),
              grpc::StatusCode::NOT_FOUND)
        << who;
  }
}

TEST_F(WorkflowTest, ATrueServiceRecordSignInCheckInAndBoundedHours) {
  v1::Order order = Accepted();
  // Check-in needs the confirmed time first.
  auto early = For<v1::CheckInRequest>(order);
  v1::Order unchanged;
  grpc::Status status = world_->fulfilment()->CheckIn(
      world_->As("leader").get(), early, &unchanged);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), HasSubstr("ScheduleService"));
  order = Scheduled(order);

  // The leader shows the code; the volunteer signs in with their own account.
  v1::GetSignInCodeRequest get;
  get.set_order_id(order.id());
  v1::SignInCode code;
  status = world_->fulfilment()->GetSignInCode(world_->As("leader").get(), get,
                                               &code);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(code.path(), "/#/sign-in?t=" + code.token());
  v1::SignInVolunteerRequest sign_in;
  sign_in.set_request_id(world_->NextRequestId());
  sign_in.set_token(code.token());
  sign_in.set_direction(v1::SIGN_IN_DIRECTION_IN);
  v1::VolunteerSignIn signed_in;
  status = world_->fulfilment()->SignInVolunteer(world_->As("volunteer").get(),
                                                 sign_in, &signed_in);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(signed_in.volunteer_id(), "vol-a1");
  // A retry answers the same; a forged code is refused naming the field.
  v1::VolunteerSignIn again;
  ASSERT_TRUE(
      world_->fulfilment()
          ->SignInVolunteer(world_->As("volunteer").get(), sign_in, &again)
          .ok());
  EXPECT_EQ(again.SerializeAsString(), signed_in.SerializeAsString());
  sign_in.set_request_id(world_->NextRequestId());
  sign_in.set_token(code.token().substr(0, code.token().size() - 1) + "x");
  status = world_->fulfilment()->SignInVolunteer(world_->As("volunteer").get(),
                                                 sign_in, &again);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("token:"));

  // The leader checks in; the sign-ins propose the hours.
  auto check_in = For<v1::CheckInRequest>(order);
  order = Ok(world_->fulfilment()->CheckIn(world_->As("leader").get(), check_in,
                                           &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_IN_SERVICE);
  v1::ListSignInsRequest list;
  list.set_order_id(order.id());
  v1::ListSignInsResponse sign_ins;
  status = world_->fulfilment()->ListSignIns(world_->As("leader").get(), list,
                                             &sign_ins);
  ASSERT_TRUE(status.ok()) << Describe(status);
  ASSERT_EQ(sign_ins.entries_size(), 1);
  EXPECT_EQ(sign_ins.entries(0).proposed_hours(), 0);

  // Three hours for minutes on site are refused naming the field; half an
  // hour (the tolerance) is recorded.
  auto complete = For<v1::CompleteServiceRequest>(order);
  complete.set_summary("讲解常见电信诈骗手法");
  v1::HoursEntry* hours = complete.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(3);
  hours->set_reason("stayed long");
  status = world_->fulfilment()->CompleteService(world_->As("leader").get(),
                                                 complete, &unchanged);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith("hours[0].hours: at most"));
  complete.set_request_id(world_->NextRequestId());
  hours->set_hours(0.5);
  hours->clear_reason();
  order = Ok(world_->fulfilment()->CompleteService(world_->As("leader").get(),
                                                   complete, &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_COMPLETED);

  // The volunteer disputes the entry; the leader corrects it to 1 hour (the
  // bound after completion: minutes on site plus the tolerance, so refused),
  // then keeps it.
  const std::string entry = order.completion().hours(0).id();
  v1::DisputeHoursRequest dispute;
  dispute.set_request_id(world_->NextRequestId());
  dispute.set_hours_id(entry);
  dispute.set_reason("我一直在场");
  v1::VolunteerHours disputed;
  status = world_->fulfilment()->DisputeHours(world_->As("volunteer").get(),
                                              dispute, &disputed);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(disputed.status(), v1::VolunteerHours::STATUS_DISPUTED);
  v1::ResolveDisputeRequest resolve;
  resolve.set_request_id(world_->NextRequestId());
  resolve.set_hours_id(entry);
  resolve.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
  resolve.set_hours(1);
  resolve.set_reason("到场时间");
  v1::VolunteerHours resolved;
  status = world_->fulfilment()->ResolveDispute(world_->As("leader").get(),
                                                resolve, &resolved);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(), ::testing::StartsWith("hours: at most"));
  resolve.set_request_id(world_->NextRequestId());
  resolve.set_resolution(v1::HoursDispute::RESOLUTION_KEEP);
  resolve.clear_hours();
  status = world_->fulfilment()->ResolveDispute(world_->As("leader").get(),
                                                resolve, &resolved);
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(resolved.status(), v1::VolunteerHours::STATUS_PENDING);
}

TEST_F(WorkflowTest, TheOtherWaysAnOrderGoes) {
  // Rejected by the community.
  v1::Order rejected = Place();
  auto reject = For<v1::RejectOrderRequest>(rejected);
  reject.set_reason("不在本社区服务范围");
  rejected = Ok(world_->dispatch()->RejectOrder(world_->As("worker").get(),
                                                reject, &rejected),
                rejected);
  EXPECT_EQ(rejected.state(), v1::ORDER_STATE_REJECTED);

  // Returned by the department, dispatched again, then cancelled by the
  // resident.
  v1::Order order = Claim("clerk", Dispatch(Place(), {"kexie"}));
  auto give_back = For<v1::ReturnOrderRequest>(order);
  give_back.set_reason("请改派民政局");
  order = Ok(world_->claims()->ReturnOrder(world_->As("clerk").get(), give_back,
                                           &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(Read("worker", order.id()).last_reason(), "请改派民政局");
  order = Dispatch(order, {"minzheng"});
  auto cancel = For<v1::CancelOrderRequest>(order);
  cancel.set_reason("活动取消");
  order = Ok(world_->orders()->CancelOrder(world_->As("resident").get(), cancel,
                                           &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CANCELLED);

  // Withdrawn by the team: back to the department, the team not offered it
  // again.
  order = Accepted();
  auto withdraw = For<v1::WithdrawOrderRequest>(order);
  withdraw.set_reason("车辆故障");
  order = Ok(world_->fulfilment()->WithdrawOrder(world_->As("leader").get(),
                                                 withdraw, &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_CLAIMED);
  EXPECT_THAT(order.excluded_team_ids(), ElementsAre("team-a"));
  auto again = For<v1::AssignTeamRequest>(order);
  again.set_team_id("team-a");
  v1::Order refused;
  grpc::Status status =
      world_->claims()->AssignTeam(world_->As("clerk").get(), again, &refused);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION)
      << Describe(status);

  // Reopened by the resident after completion: back to the same team.
  order = CheckedIn(Accepted());
  auto complete = For<v1::CompleteServiceRequest>(order);
  complete.set_summary("完成");
  order = Ok(world_->fulfilment()->CompleteService(world_->As("leader").get(),
                                                   complete, &order),
             order);
  auto reopen = For<v1::ReopenOrderRequest>(order);
  reopen.set_reason("讲座没有讲完");
  order = Ok(world_->orders()->ReopenOrder(world_->As("resident").get(), reopen,
                                           &order),
             order);
  EXPECT_EQ(order.state(), v1::ORDER_STATE_ACCEPTED);
  EXPECT_EQ(order.team_id(), "team-a");
  EXPECT_EQ(order.reopen_count(), 1);

  // A stale version is ABORTED; a move from the wrong state
  // FAILED_PRECONDITION.
  auto stale = For<v1::CheckInRequest>(order);
  stale.set_expected_version(order.version() - 1);
  v1::Order unchanged;
  EXPECT_EQ(world_->fulfilment()
                ->CheckIn(world_->As("leader").get(), stale, &unchanged)
                .error_code(),
            grpc::StatusCode::ABORTED);
  auto claim = For<v1::ClaimOrderRequest>(order);
  EXPECT_EQ(world_->claims()
                ->ClaimOrder(world_->As("clerk").get(), claim, &unchanged)
                .error_code(),
            grpc::StatusCode::FAILED_PRECONDITION);
}

// A department the admin adds, with a clerk signed in for it; the clerk's
// name in the world's accounts is returned.
std::string AddDepartmentWithClerk(World& world, const std::string& id,
                                   const std::string& name,
                                   const std::string& phone) {
  v1::CreateDepartmentRequest create;
  create.set_request_id(world.NextRequestId());
  create.mutable_department()->set_id(id);
  create.mutable_department()->set_name(name);
  v1::Department department;
  grpc::Status status = world.directory()->CreateDepartment(
      world.As("admin").get(), create, &department);
  EXPECT_TRUE(status.ok()) << Describe(status);
  absl::StatusOr<std::string> clerk =
      world.AddStaff("clerk-" + id, phone, v1::ROLE_DEPARTMENT_STAFF, id);
  EXPECT_TRUE(clerk.ok()) << clerk.status();
  return clerk.value_or("");
}

TEST_F(WorkflowTest, OfEightDepartmentsClaimingAtOnceOneWinsTheOthersHearWho) {
  // Eight departments, each with a clerk.
  std::vector<std::pair<std::string, std::string>> clerks = {
      {"clerk", "kexie"}, {"clerk2", "minzheng"}, {"clerk-other", "jiaoyu"}};
  const std::vector<std::pair<std::string, std::string>> added = {
      {"weijian", "市卫生健康委"},
      {"kejiju", "市科技局"},
      {"nongye", "市农业农村局"},
      {"yingji", "市应急管理局"},
      {"renshe", "市人社局"}};
  for (size_t i = 0; i < added.size(); ++i) {
    const auto& [id, name] = added[i];
    if (id == "weijian") {  // in the directory already
      absl::StatusOr<std::string> clerk = world_->AddStaff(
          "clerk-weijian", "13600000100", v1::ROLE_DEPARTMENT_STAFF, id);
      ASSERT_TRUE(clerk.ok()) << clerk.status();
      clerks.emplace_back(*clerk, id);
      continue;
    }
    clerks.emplace_back(AddDepartmentWithClerk(*world_, id, name,
                                               absl::StrCat("1360000010", i)),
                        id);
  }
  ASSERT_EQ(clerks.size(), 8u);
  std::map<std::string, std::string> names;  // department id -> name
  for (const auto& [clerk, department] : clerks) {
    v1::GetDepartmentRequest get;
    get.set_id(department);
    v1::Department record;
    ASSERT_TRUE(world_->directory()
                    ->GetDepartment(world_->As("admin").get(), get, &record)
                    .ok());
    names[department] = record.name();
  }

  for (int round = 0; round < 3; ++round) {
    SCOPED_TRACE(absl::StrCat("round ", round));
    v1::Order order = Place();
    auto dispatch = For<v1::DispatchOrderRequest>(order);
    dispatch.set_department_id(clerks[0].second);
    for (size_t i = 1; i < clerks.size(); ++i) {
      dispatch.add_other_department_ids(clerks[i].second);
    }
    dispatch.set_reason("多部门协同：谁先领谁负责");
    order = Ok(world_->dispatch()->DispatchOrder(world_->As("worker").get(),
                                                 dispatch, &order),
               order);
    ASSERT_EQ(order.state(), v1::ORDER_STATE_DISPATCHED);

    std::latch start(clerks.size());
    std::vector<grpc::Status> results(clerks.size());
    std::vector<std::thread> threads;
    for (size_t i = 0; i < clerks.size(); ++i) {
      threads.emplace_back([&, i] {
        auto stub = world_->claims();
        auto request = For<v1::ClaimOrderRequest>(order);
        auto context = world_->As(clerks[i].first);
        v1::Order out;
        start.arrive_and_wait();
        results[i] = stub->ClaimOrder(context.get(), request, &out);
      });
    }
    for (auto& thread : threads) thread.join();

    int winners = 0;
    std::string winner;
    for (size_t i = 0; i < clerks.size(); ++i) {
      if (results[i].ok()) {
        ++winners;
        winner = clerks[i].second;
      }
    }
    ASSERT_EQ(winners, 1);
    const v1::Order after = Read("resident", order.id());
    EXPECT_EQ(after.state(), v1::ORDER_STATE_CLAIMED);
    EXPECT_EQ(after.department_id(), winner);
    for (size_t i = 0; i < clerks.size(); ++i) {
      if (results[i].ok()) continue;
      SCOPED_TRACE(clerks[i].first);
      // The loser hears that the order was taken, and by whom.
      EXPECT_THAT(results[i].error_code(),
                  ::testing::AnyOf(grpc::StatusCode::FAILED_PRECONDITION,
                                   grpc::StatusCode::ABORTED))
          << Describe(results[i]);
      EXPECT_THAT(results[i].error_message(), HasSubstr(names[winner]));
      EXPECT_THAT(results[i].error_message(), HasSubstr(winner));
      // And can still read it: taken by another.
      const v1::Order seen = Read(clerks[i].first, order.id());
      EXPECT_EQ(seen.department_id(), winner);
      // But not act on it any more.
      auto give_back = For<v1::ReturnOrderRequest>(seen);
      give_back.set_reason("退回");
      v1::Order unchanged;
      const grpc::Status refused = world_->claims()->ReturnOrder(
          world_->As(clerks[i].first).get(), give_back, &unchanged);
      EXPECT_EQ(refused.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
      EXPECT_THAT(refused.error_message(), HasSubstr(names[winner]));
    }
    const std::vector<v1::OrderAction> history =
        History("resident", order.id());
    EXPECT_EQ(
        std::count(history.begin(), history.end(), v1::ORDER_ACTION_CLAIM), 1);
  }
}

TEST_F(WorkflowTest, OfTwoTeamsAcceptingAtOnceExactlyOneWins) {
  for (int round = 0; round < 5; ++round) {
    v1::Order order = Claim("clerk", Dispatch(Place(), {"kexie"}));
    order = Assign("clerk", order, {"team-a", "team-b"});
    std::latch start(2);
    grpc::Status results[2];
    std::vector<std::thread> threads;
    const char* leaders[2] = {"leader", "leader2"};
    for (int i = 0; i < 2; ++i) {
      threads.emplace_back([&, i] {
        auto stub = world_->fulfilment();
        auto request = For<v1::AcceptOfferRequest>(order);
        auto context = world_->As(leaders[i]);
        v1::Order out;
        start.arrive_and_wait();
        results[i] = stub->AcceptOffer(context.get(), request, &out);
      });
    }
    for (auto& thread : threads) thread.join();
    EXPECT_EQ(results[0].ok() + results[1].ok(), 1)
        << Describe(results[0]) << " / " << Describe(results[1]);
    const v1::Order after = Read("resident", order.id());
    EXPECT_EQ(after.state(), v1::ORDER_STATE_ACCEPTED);
    EXPECT_EQ(after.team_id(), results[0].ok() ? "team-a" : "team-b");
    // The losing team hears who took it, and still reads the order.
    const int loser = results[0].ok() ? 1 : 0;
    EXPECT_THAT(results[loser].error_code(),
                ::testing::AnyOf(grpc::StatusCode::FAILED_PRECONDITION,
                                 grpc::StatusCode::ABORTED))
        << Describe(results[loser]);
    EXPECT_THAT(results[loser].error_message(),
                HasSubstr(absl::StrCat("服务队 ", after.team_id())));
    EXPECT_EQ(Read(leaders[loser], order.id()).team_id(), after.team_id());
    // Free the winner for the next round (team-b takes one order at a time).
    auto withdraw = For<v1::WithdrawOrderRequest>(after);
    withdraw.set_reason("测试");
    v1::Order out;
    ASSERT_TRUE(
        world_->fulfilment()
            ->WithdrawOrder(
                world_->As(results[0].ok() ? "leader" : "leader2").get(),
                withdraw, &out)
            .ok());
  }
}

class TwoReplicasTest : public WorkflowTest {
 protected:
  void SetUp() override { StartWorld(2); }
};

TEST_F(TwoReplicasTest,
       AWatcherOnOneReplicaSeesMovesMadeThroughTheOtherAndResumes) {
  // The worker watches the community's queue on replica 0 …
  auto watch_stub = world_->dispatch(0);
  auto context = world_->As("worker");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(60));
  v1::WatchQueueRequest watch;
  auto reader = watch_stub->WatchQueue(context.get(), watch);
  reader->WaitForInitialMetadata();  // subscribed: every later event will come

  // … while the resident orders and edits through replica 1.
  v1::CreateOrderRequest create;
  create.set_request_id(world_->NextRequestId());
  *create.mutable_draft() = World::Draft();
  v1::Order order;
  ASSERT_TRUE(world_->orders(1)
                  ->CreateOrder(world_->As("resident").get(), create, &order)
                  .ok());
  v1::OrderEvent event;
  ASSERT_TRUE(reader->Read(&event));
  EXPECT_EQ(event.order_id(), order.id());
  EXPECT_EQ(event.action(), v1::ORDER_ACTION_CREATE);
  const std::string seen = event.event_id();

  // The watcher drops; meanwhile two more moves happen on replica 1.
  context->TryCancel();
  (void)reader->Finish();
  auto edit = For<v1::UpdateOrderRequest>(order);
  *edit.mutable_draft() = World::SoonDraft();
  ASSERT_TRUE(world_->orders(1)
                  ->UpdateOrder(world_->As("resident").get(), edit, &order)
                  .ok());
  auto ask = For<v1::RequestInfoRequest>(order);
  ask.set_question("几点开始？");
  ASSERT_TRUE(world_->dispatch(1)
                  ->RequestInfo(world_->As("worker").get(), ask, &order)
                  .ok());

  // Reconnecting to replica 0 with the last event id it saw, it misses nothing.
  auto resumed_context = world_->As("worker");
  v1::WatchQueueRequest resume;
  resume.set_after_event_id(seen);
  auto resumed = watch_stub->WatchQueue(resumed_context.get(), resume);
  std::vector<v1::OrderAction> actions;
  for (int i = 0; i < 2 && resumed->Read(&event); ++i)
    actions.push_back(event.action());
  EXPECT_THAT(actions, ElementsAre(v1::ORDER_ACTION_EDIT,
                                   v1::ORDER_ACTION_REQUEST_INFO));
  resumed_context->TryCancel();
  (void)resumed->Finish();

  // Another community's worker may not watch this one.
  auto other_context = world_->As("worker-other");
  v1::WatchQueueRequest other;
  other.set_community_id("rencheng-guhuai-zhuyuan");
  auto denied = watch_stub->WatchQueue(other_context.get(), other);
  EXPECT_FALSE(denied->Read(&event));
  EXPECT_EQ(denied->Finish().error_code(), grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace kepu::testing
