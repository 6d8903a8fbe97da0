// kepuctl's commands run in-process against fake Kepu services on a real
// gRPC server (127.0.0.1:0): what each command sends (tokens, tenants,
// request ids, versions, drafts), what it prints, its exit codes, and that
// `demo load` fills a tenant and is safe to run twice.
#include <grpcpp/grpcpp.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "clients/kepuctl/demo.h"
#include "clients/kepuctl/kepuctl.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "kepu/v1/claims.grpc.pb.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "kepu/v1/dispatch.grpc.pb.h"
#include "kepu/v1/fulfilment.grpc.pb.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "kepu/v1/matching.grpc.pb.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/core/time_util.h"

namespace kepu::ctl {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string Metadata(const grpc::ServerContext& context,
                     const std::string& key) {
  auto it = context.client_metadata().find(key);
  if (it == context.client_metadata().end()) return "";
  return std::string(it->second.data(), it->second.size());
}

// Request ids as kepud treats them: the same id and content replays the
// first answer, the same id with other content is refused.
class Replays {
 public:
  template <typename Request, typename Response>
  std::optional<grpc::Status> Find(const Request& request, Response* response) {
    Request content = request;
    content.clear_request_id();
    auto it = seen_.find(request.request_id());
    if (it == seen_.end()) return std::nullopt;
    if (it->second.first != content.SerializeAsString()) {
      return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                          "request_id: used before for another request");
    }
    response->ParseFromString(it->second.second);
    return grpc::Status::OK;
  }
  template <typename Request, typename Response>
  void Remember(const Request& request, const Response& response) {
    Request content = request;
    content.clear_request_id();
    seen_[request.request_id()] = {content.SerializeAsString(),
                                   response.SerializeAsString()};
  }

 private:
  std::map<std::string, std::pair<std::string, std::string>> seen_;
};

class FakeIdentity final : public v1::IdentityService::Service {
 public:
  static constexpr const char* kAdminPhone = "13800000099";
  static constexpr const char* kAdminPassword = "admin2026";

  grpc::Status Login(grpc::ServerContext* context,
                     const v1::LoginRequest* request,
                     v1::Session* response) override {
    absl::MutexLock lock(&mu_);
    last_tenant = Metadata(*context, "x-kepu-tenant");
    last_authorization = Metadata(*context, "authorization");
    const bool admin = request->phone() == kAdminPhone &&
                       request->password() == kAdminPassword;
    const bool resident = request->phone() == "13900000009" &&
                          request->password() == "resident2026";
    if (!admin && !resident) {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                          "wrong phone number or password");
    }
    response->set_token(absl::StrCat("tok-", request->phone()));
    *response->mutable_expires_at() =
        ToProto(absl::FromUnixSeconds(1796000000));
    response->mutable_user()->set_id(absl::StrCat("u-", request->phone()));
    response->mutable_user()->set_display_name(admin ? "管理员" : "居民");
    response->mutable_user()->set_phone("139****0009");
    v1::RoleGrant* grant = response->mutable_user()->add_grants();
    grant->set_role(admin ? v1::ROLE_ADMIN : v1::ROLE_RESIDENT);
    if (admin) grant->set_scope_id("jining");
    return grpc::Status::OK;
  }

  grpc::Status WhoAmI(grpc::ServerContext* context, const v1::WhoAmIRequest*,
                      v1::User* response) override {
    absl::MutexLock lock(&mu_);
    last_authorization = Metadata(*context, "authorization");
    if (last_authorization != "Bearer tok-13900000009") {
      return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "no session");
    }
    response->set_id("u-13900000009");
    response->set_display_name("居民");
    response->set_phone("13900000009");
    response->add_grants()->set_role(v1::ROLE_RESIDENT);
    response->set_active(true);
    response->set_version(1);
    return grpc::Status::OK;
  }

  grpc::Status Logout(grpc::ServerContext* context, const v1::LogoutRequest*,
                      v1::LogoutResponse*) override {
    absl::MutexLock lock(&mu_);
    last_authorization = Metadata(*context, "authorization");
    ++logouts;
    return grpc::Status::OK;
  }

  grpc::Status Register(grpc::ServerContext*,
                        const v1::RegisterRequest* request,
                        v1::Session* response) override {
    absl::MutexLock lock(&mu_);
    if (auto replay = replays_.Find(*request, response)) return *replay;
    if (users_.count(request->phone()) > 0) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "has an account");
    }
    v1::User& user = users_[request->phone()];
    user.set_id(absl::StrCat("u-", request->phone()));
    user.set_phone(request->phone());
    user.add_grants()->set_role(v1::ROLE_RESIDENT);
    ++writes;
    response->set_token("tok-new");
    *response->mutable_user() = user;
    replays_.Remember(*request, *response);
    return grpc::Status::OK;
  }

  grpc::Status CreateStaffAccount(grpc::ServerContext* context,
                                  const v1::CreateStaffAccountRequest* request,
                                  v1::User* response) override {
    absl::MutexLock lock(&mu_);
    if (Metadata(*context, "authorization") !=
        absl::StrCat("Bearer tok-", kAdminPhone)) {
      return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "admins only");
    }
    if (auto replay = replays_.Find(*request, response)) return *replay;
    if (users_.count(request->phone()) > 0) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS, "has an account");
    }
    v1::User& user = users_[request->phone()];
    user.set_id(absl::StrCat("u-", request->phone()));
    user.set_phone(request->phone());
    user.set_display_name(request->display_name());
    *user.mutable_grants() = request->grants();
    user.set_version(1);
    ++writes;
    *response = user;
    replays_.Remember(*request, *response);
    return grpc::Status::OK;
  }

  grpc::Status ListUsers(grpc::ServerContext*,
                         const v1::ListUsersRequest* request,
                         v1::ListUsersResponse* response) override {
    absl::MutexLock lock(&mu_);
    for (const auto& [phone, user] : users_) {
      for (const v1::RoleGrant& grant : user.grants()) {
        if (grant.role() == request->role() &&
            grant.scope_id() == request->scope_id()) {
          *response->add_users() = user;
          break;
        }
      }
    }
    return grpc::Status::OK;
  }

  // Forgets the request ids, as Redis does after 7 days.
  void ForgetRequests() {
    absl::MutexLock lock(&mu_);
    replays_ = Replays();
  }

  absl::Mutex mu_;
  std::string last_tenant;
  std::string last_authorization;
  int logouts = 0;
  int writes = 0;

 private:
  Replays replays_;
  std::map<std::string, v1::User> users_;
};

class FakeDirectory final : public v1::DirectoryService::Service {
 public:
  template <typename Request, typename Record>
  grpc::Status Put(const Request& request, const Record& record,
                   std::map<std::string, Record>& records, Record* response) {
    absl::MutexLock lock(&mu_);
    if (auto replay = replays_.Find(request, response)) return *replay;
    if (records.count(record.id()) > 0) {
      return grpc::Status(grpc::StatusCode::ALREADY_EXISTS,
                          absl::StrCat(record.id(), " exists"));
    }
    Record stored = record;
    stored.set_version(1);
    records[record.id()] = stored;
    ++writes;
    *response = stored;
    replays_.Remember(request, *response);
    return grpc::Status::OK;
  }

  grpc::Status CreateRegion(grpc::ServerContext*,
                            const v1::CreateRegionRequest* request,
                            v1::Region* response) override {
    {
      absl::MutexLock lock(&mu_);
      // Parents first, as kepud requires.
      const v1::Region& region = request->region();
      if (!region.parent_id().empty() &&
          regions.count(region.parent_id()) == 0) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            "region.parent_id: no such region");
      }
    }
    return Put(*request, request->region(), regions, response);
  }
  grpc::Status CreateDepartment(grpc::ServerContext*,
                                const v1::CreateDepartmentRequest* request,
                                v1::Department* response) override {
    return Put(*request, request->department(), departments, response);
  }
  grpc::Status CreateServiceLine(grpc::ServerContext*,
                                 const v1::CreateServiceLineRequest* request,
                                 v1::ServiceLine* response) override {
    return Put(*request, request->service_line(), lines, response);
  }
  grpc::Status CreateTeam(grpc::ServerContext*,
                          const v1::CreateTeamRequest* request,
                          v1::Team* response) override {
    return Put(*request, request->team(), teams, response);
  }
  grpc::Status CreateVolunteer(grpc::ServerContext*,
                               const v1::CreateVolunteerRequest* request,
                               v1::Volunteer* response) override {
    return Put(*request, request->volunteer(), volunteers, response);
  }

  grpc::Status GetTeam(grpc::ServerContext*, const v1::GetTeamRequest* request,
                       v1::Team* response) override {
    absl::MutexLock lock(&mu_);
    auto it = teams.find(request->id());
    if (it == teams.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such team");
    }
    *response = it->second;
    // As an admin sees it; other callers would see it masked.
    return grpc::Status::OK;
  }

  grpc::Status UpdateTeam(grpc::ServerContext*,
                          const v1::UpdateTeamRequest* request,
                          v1::Team* response) override {
    absl::MutexLock lock(&mu_);
    if (auto replay = replays_.Find(*request, response)) return *replay;
    auto it = teams.find(request->team().id());
    if (it == teams.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such team");
    }
    if (it->second.version() != request->expected_version()) {
      return grpc::Status(grpc::StatusCode::ABORTED, "the team moved on");
    }
    v1::Team team = request->team();
    team.set_version(it->second.version() + 1);
    it->second = team;
    ++writes;
    *response = team;
    replays_.Remember(*request, *response);
    return grpc::Status::OK;
  }

  grpc::Status GetRegion(grpc::ServerContext*,
                         const v1::GetRegionRequest* request,
                         v1::Region* response) override {
    absl::MutexLock lock(&mu_);
    auto it = regions.find(request->id());
    if (it == regions.end()) {
      return grpc::Status(grpc::StatusCode::NOT_FOUND, "no such region");
    }
    *response = it->second;
    return grpc::Status::OK;
  }

  grpc::Status UpdateRegion(grpc::ServerContext*,
                            const v1::UpdateRegionRequest* request,
                            v1::Region* response) override {
    absl::MutexLock lock(&mu_);
    last_region_update = *request;
    *response = request->region();
    response->set_version(request->expected_version() + 1);
    return grpc::Status::OK;
  }

  grpc::Status ListTeams(grpc::ServerContext*, const v1::ListTeamsRequest*,
                         v1::ListTeamsResponse* response) override {
    absl::MutexLock lock(&mu_);
    for (const auto& [id, team] : teams) *response->add_teams() = team;
    return grpc::Status::OK;
  }

  void ForgetRequests() {
    absl::MutexLock lock(&mu_);
    replays_ = Replays();
  }

  absl::Mutex mu_;
  int writes = 0;
  std::map<std::string, v1::Region> regions;
  std::map<std::string, v1::Department> departments;
  std::map<std::string, v1::ServiceLine> lines;
  std::map<std::string, v1::Team> teams;
  std::map<std::string, v1::Volunteer> volunteers;
  v1::UpdateRegionRequest last_region_update;

 private:
  Replays replays_;
};

constexpr const char* kOrderId = "01JD8X3Q4M7Y2K9V5T6R1W0ZPN";

class FakeOrders final : public v1::OrderService::Service {
 public:
  grpc::Status GetOrder(grpc::ServerContext*,
                        const v1::GetOrderRequest* request,
                        v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    ++gets;
    response->set_id(request->order_id());
    response->set_version(7);
    response->set_state(v1::ORDER_STATE_SUBMITTED);
    response->mutable_draft()->set_service_line_id("elderly-smart-help");
    response->mutable_draft()->set_community_id("rencheng-guhuai-zhuyuan");
    response->mutable_draft()->mutable_contact()->set_name("张三");
    return grpc::Status::OK;
  }
  grpc::Status CreateOrder(grpc::ServerContext*,
                           const v1::CreateOrderRequest* request,
                           v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    last_create = *request;
    response->set_id(kOrderId);
    response->set_version(1);
    response->set_state(v1::ORDER_STATE_SUBMITTED);
    *response->mutable_draft() = request->draft();
    response->add_possible_duplicate_ids("01JD8X3Q4M7Y2K9V5T6R1W0ZPM");
    return grpc::Status::OK;
  }
  grpc::Status CancelOrder(grpc::ServerContext*,
                           const v1::CancelOrderRequest* request,
                           v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    last_cancel = *request;
    if (request->reason() == "down") {
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "redis is down");
    }
    if (request->reason() == "late") {
      return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                          "cancel is not possible from IN_SERVICE");
    }
    response->set_id(request->order_id());
    response->set_version(request->expected_version() + 1);
    response->set_state(v1::ORDER_STATE_CANCELLED);
    return grpc::Status::OK;
  }
  grpc::Status WatchMyOrders(
      grpc::ServerContext*, const v1::WatchMyOrdersRequest* request,
      grpc::ServerWriter<v1::OrderEvent>* writer) override {
    {
      absl::MutexLock lock(&mu_);
      last_watch_after = request->after_event_id();
    }
    v1::OrderEvent event;
    event.set_order_id(kOrderId);
    event.set_event_id("1796000000000-0");
    event.set_version(2);
    event.set_action(v1::ORDER_ACTION_DISPATCH);
    event.set_from_state(v1::ORDER_STATE_SUBMITTED);
    event.set_to_state(v1::ORDER_STATE_DISPATCHED);
    event.set_department_id("kexie");
    event.mutable_actor()->set_display_name("吕平");
    event.mutable_actor()->set_role(v1::ROLE_COMMUNITY_WORKER);
    writer->Write(event);
    event.set_event_id("1796000000001-0");
    event.set_version(3);
    event.set_action(v1::ORDER_ACTION_CLAIM);
    event.set_from_state(v1::ORDER_STATE_DISPATCHED);
    event.set_to_state(v1::ORDER_STATE_CLAIMED);
    writer->Write(event);
    return grpc::Status::OK;
  }

  absl::Mutex mu_;
  int gets = 0;
  v1::CreateOrderRequest last_create;
  v1::CancelOrderRequest last_cancel;
  std::string last_watch_after;
};

class FakeDispatch final : public v1::DispatchService::Service {
 public:
  grpc::Status DispatchOrder(grpc::ServerContext*,
                             const v1::DispatchOrderRequest* request,
                             v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    last = *request;
    response->set_id(request->order_id());
    response->set_state(v1::ORDER_STATE_DISPATCHED);
    response->set_version(request->expected_version() + 1);
    return grpc::Status::OK;
  }
  absl::Mutex mu_;
  v1::DispatchOrderRequest last;
};

class FakeClaims final : public v1::ClaimService::Service {
 public:
  grpc::Status AssignTeam(grpc::ServerContext*,
                          const v1::AssignTeamRequest* request,
                          v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    last = *request;
    response->set_id(request->order_id());
    response->set_state(v1::ORDER_STATE_OFFERED);
    return grpc::Status::OK;
  }
  absl::Mutex mu_;
  v1::AssignTeamRequest last;
};

class FakeFulfilment final : public v1::FulfilmentService::Service {
 public:
  grpc::Status CompleteService(grpc::ServerContext*,
                               const v1::CompleteServiceRequest* request,
                               v1::Order* response) override {
    absl::MutexLock lock(&mu_);
    last = *request;
    response->set_id(request->order_id());
    response->set_state(v1::ORDER_STATE_COMPLETED);
    return grpc::Status::OK;
  }
  grpc::Status SignInVolunteer(grpc::ServerContext*,
                               const v1::SignInVolunteerRequest* request,
                               v1::VolunteerSignIn* response) override {
    absl::MutexLock lock(&mu_);
    last_sign_in = *request;
    response->set_volunteer_id("rencheng-health-v1");
    response->mutable_signed_in_at()->set_seconds(1'800'000'000);
    if (request->direction() == v1::SIGN_IN_DIRECTION_OUT) {
      response->mutable_signed_out_at()->set_seconds(1'800'003'600);
    }
    return grpc::Status::OK;
  }
  grpc::Status ListSignIns(grpc::ServerContext*,
                           const v1::ListSignInsRequest* request,
                           v1::ListSignInsResponse* response) override {
    v1::SignInEntry& entry = *response->add_entries();
    entry.mutable_sign_in()->set_order_id(request->order_id());
    entry.mutable_sign_in()->set_volunteer_id("rencheng-health-v1");
    entry.mutable_sign_in()->mutable_signed_in_at()->set_seconds(1'800'000'000);
    entry.set_proposed_hours(1.5);
    return grpc::Status::OK;
  }
  grpc::Status ResolveDispute(grpc::ServerContext*,
                              const v1::ResolveDisputeRequest* request,
                              v1::VolunteerHours* response) override {
    absl::MutexLock lock(&mu_);
    last_resolve = *request;
    response->set_id("o1-c1");
    response->set_hours(request->hours());
    response->set_status(v1::VolunteerHours::STATUS_PENDING);
    return grpc::Status::OK;
  }
  absl::Mutex mu_;
  v1::CompleteServiceRequest last;
  v1::SignInVolunteerRequest last_sign_in;
  v1::ResolveDisputeRequest last_resolve;
};

class FakeMatching final : public v1::MatchingService::Service {
 public:
  grpc::Status ExplainOffer(grpc::ServerContext*,
                            const v1::ExplainOfferRequest* request,
                            v1::ExplainOfferResponse* response) override {
    response->set_order_id(request->order_id());
    v1::Offer& offer = *response->mutable_offer();
    offer.set_team_id("team-a");
    v1::OfferExplanation& why = *offer.mutable_explanation();
    why.set_total_cost(7.5);
    (*why.mutable_terms())["distance"] = 2.25;
    (*why.mutable_terms())["load"] = 6.0;
    (*why.mutable_terms())["waiting"] = -0.75;
    why.set_distance_km(2.25);
    why.set_candidates(3);
    why.add_runners_up("team-b");
    why.add_runners_up("team-c");
    return grpc::Status::OK;
  }
  grpc::Status RetryDeadLetter(grpc::ServerContext*,
                               const v1::RetryDeadLetterRequest* request,
                               v1::RetryDeadLetterResponse* response) override {
    absl::MutexLock lock(&mu_);
    last_retry = *request;
    response->set_entry_id("1700000000001-0");
    return grpc::Status::OK;
  }
  absl::Mutex mu_;
  v1::RetryDeadLetterRequest last_retry;
};

class FakeWatchdog final : public v1::WatchdogService::Service {
 public:
  grpc::Status GetSlaPolicy(grpc::ServerContext*,
                            const v1::GetSlaPolicyRequest*,
                            v1::SlaPolicy* response) override {
    v1::StageDeadline* stage = response->add_stages();
    stage->set_stage(v1::STAGE_AWAITING_DISPATCH);
    stage->mutable_allowed()->set_seconds(24 * 3600);
    response->mutable_default_offer_ttl()->set_seconds(3600);
    response->set_max_offer_attempts(3);
    response->mutable_auto_close_after()->set_seconds(7 * 24 * 3600);
    response->mutable_reopen_window()->set_seconds(7 * 24 * 3600);
    return grpc::Status::OK;
  }
  grpc::Status ListEscalations(grpc::ServerContext*,
                               const v1::ListEscalationsRequest* request,
                               v1::ListEscalationsResponse* response) override {
    absl::MutexLock lock(&mu_);
    last_list = *request;
    v1::Escalation& escalation = *response->add_escalations();
    escalation.set_id("ESC-1");
    escalation.set_order_id(kEscalatedOrder);
    escalation.set_stage(v1::STAGE_AWAITING_CLAIM);
    escalation.set_level(2);
    escalation.set_community_id("rencheng-guhuai-zhuyuan");
    escalation.set_version(1);
    return grpc::Status::OK;
  }
  grpc::Status AcknowledgeEscalation(
      grpc::ServerContext*, const v1::AcknowledgeEscalationRequest* request,
      v1::Escalation* response) override {
    absl::MutexLock lock(&mu_);
    last_ack = *request;
    if (std::optional<grpc::Status> replay = replays_.Find(*request, response))
      return *replay;
    response->set_id(request->escalation_id());
    response->set_acknowledged(true);
    response->set_note(request->note());
    response->set_version(request->expected_version() + 1);
    replays_.Remember(*request, *response);
    return grpc::Status::OK;
  }
  static constexpr char kEscalatedOrder[] = "01JD8X3Q4M7Y2K9V5T6R1W0ZPN";
  absl::Mutex mu_;
  v1::ListEscalationsRequest last_list;
  v1::AcknowledgeEscalationRequest last_ack;

 private:
  Replays replays_;
};

class CommandsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kepuctl_commands_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
    config_ = absl::StrCat(dir_, "/kepuctl.json");
    setenv("KEPUCTL_CONFIG", config_.c_str(), 1);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterService(&identity_);
    builder.RegisterService(&directory_);
    builder.RegisterService(&orders_);
    builder.RegisterService(&dispatch_);
    builder.RegisterService(&claims_);
    builder.RegisterService(&fulfilment_);
    builder.RegisterService(&matching_);
    builder.RegisterService(&watchdog_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
  }
  void TearDown() override {
    server_->Shutdown();
    unsetenv("KEPUCTL_CONFIG");
    std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }

  struct Result {
    int code;
    std::string out;
    std::string err;
  };

  // Runs kepuctl against the fakes.
  Result Kepuctl(std::vector<std::string> args) {
    args.insert(args.begin(),
                {"kepuctl", absl::StrCat("--server=127.0.0.1:", port_)});
    std::ostringstream out;
    std::ostringstream err;
    const int code = kepu::ctl::Run(args, out, err);
    return {code, out.str(), err.str()};
  }

  std::string ConfigText() {
    std::ifstream in(config_);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  void SignIn() {
    Result login =
        Kepuctl({"login", "--phone=13900000009", "--password=resident2026"});
    ASSERT_EQ(login.code, 0) << login.err;
  }

  std::string dir_;
  std::string config_;
  int port_ = 0;
  FakeIdentity identity_;
  FakeDirectory directory_;
  FakeOrders orders_;
  FakeDispatch dispatch_;
  FakeClaims claims_;
  FakeFulfilment fulfilment_;
  FakeMatching matching_;
  FakeWatchdog watchdog_;
  std::unique_ptr<grpc::Server> server_;
};

TEST_F(CommandsTest, LoginKeepsTheTokenInTheConfigOnly) {
  Result login = Kepuctl({"login", "--phone=13900000009",
                          "--password=resident2026", "--tenant=jining"});
  ASSERT_EQ(login.code, 0) << login.err;
  EXPECT_THAT(login.out, HasSubstr("signed in as 居民"));
  EXPECT_THAT(login.out + login.err, Not(HasSubstr("tok-13900000009")));
  EXPECT_THAT(login.out + login.err, Not(HasSubstr("resident2026")));
  EXPECT_EQ(identity_.last_tenant, "jining");
  EXPECT_THAT(ConfigText(), HasSubstr("tok-13900000009"));
  struct stat info;
  ASSERT_EQ(stat(config_.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);

  Result whoami = Kepuctl({"whoami"});
  ASSERT_EQ(whoami.code, 0) << whoami.err;
  EXPECT_EQ(identity_.last_authorization, "Bearer tok-13900000009");
  EXPECT_THAT(whoami.out, HasSubstr("resident"));

  Result json = Kepuctl(
      {"--json", "login", "--phone=13900000009", "--password=resident2026"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"expiresAt\""));
  EXPECT_THAT(json.out, Not(HasSubstr("token")));

  Result logout = Kepuctl({"logout"});
  ASSERT_EQ(logout.code, 0) << logout.err;
  EXPECT_EQ(identity_.logouts, 1);
  EXPECT_THAT(ConfigText(), Not(HasSubstr("tok-13900000009")));
  EXPECT_EQ(Kepuctl({"whoami"}).code, 1);
}

TEST_F(CommandsTest, ProfilesKeepSeparateSessions) {
  ASSERT_EQ(Kepuctl({"--profile=worker", "login", "--phone=13900000009",
                     "--password=resident2026"})
                .code,
            0);
  EXPECT_EQ(Kepuctl({"whoami"}).code, 1);
  EXPECT_EQ(identity_.last_authorization, "");
  EXPECT_EQ(Kepuctl({"whoami", "--profile=worker"}).code, 0);
}

TEST_F(CommandsTest, AFailedCallPrintsOneLineAndExitsOne) {
  Result login =
      Kepuctl({"login", "--phone=13900000009", "--password=wrong-pass1"});
  EXPECT_EQ(login.code, 1);
  EXPECT_EQ(login.err,
            "kepuctl: UNAUTHENTICATED: wrong phone number or password\n");
  EXPECT_EQ(login.out, "");
}

TEST_F(CommandsTest, UsageErrorsExitTwoWithoutCallingTheServer) {
  Result bad = Kepuctl({"order", "cancel", kOrderId});
  EXPECT_EQ(bad.code, 2);
  EXPECT_THAT(bad.err, HasSubstr("INVALID_ARGUMENT: --reason is required"));
  EXPECT_EQ(Kepuctl({"order", "cancel"}).code, 2);
  EXPECT_EQ(Kepuctl({"order", "get", kOrderId, "--colour=red"}).code, 2);
  EXPECT_EQ(Kepuctl({"no-such-command"}).code, 2);
  EXPECT_EQ(Kepuctl({"schedule", kOrderId, "--window=tomorrow"}).code, 2);
  EXPECT_EQ(orders_.gets, 0);
}

TEST_F(CommandsTest, OrderCreateSendsTheDraft) {
  SignIn();
  Result create = Kepuctl(
      {"order", "create", "--line=elderly-smart-help",
       "--community=rencheng-guhuai-zhuyuan", "--address=竹园社区党群服务中心",
       "--audience=elderly", "--attendees=30",
       "--window=2026-12-01T09:00/11:00", "--window=2026-12-02T14:00/16:00",
       "--contact-name=张三", "--contact-phone=13812345678",
       "--description=智能手机防诈骗", "--lat=35.416", "--lng=116.588"});
  ASSERT_EQ(create.code, 0) << create.err;
  EXPECT_THAT(create.out, HasSubstr(absl::StrCat("order ", kOrderId,
                                                 "  submitted 待审核")));
  EXPECT_THAT(create.out, HasSubstr("possible duplicates"));
  const v1::CreateOrderRequest& sent = orders_.last_create;
  EXPECT_EQ(sent.request_id().size(), 26u);
  EXPECT_EQ(sent.draft().service_line_id(), "elderly-smart-help");
  EXPECT_EQ(sent.draft().audience(), v1::AUDIENCE_ELDERLY);
  EXPECT_EQ(sent.draft().expected_attendees(), 30);
  EXPECT_EQ(sent.draft().contact().phone(), "13812345678");
  EXPECT_DOUBLE_EQ(sent.draft().location().lat(), 35.416);
  ASSERT_EQ(sent.draft().preferred_windows_size(), 2);
  // 09:00 in Jining is 01:00 UTC.
  EXPECT_EQ(
      FromProto(sent.draft().preferred_windows(0).start()),
      absl::FromCivil(absl::CivilHour(2026, 12, 1, 1), absl::UTCTimeZone()));
  EXPECT_FALSE(sent.has_on_behalf_of());

  const std::string first_id = sent.request_id();
  ASSERT_EQ(Kepuctl({"order", "create", "--line=a", "--community=b",
                     "--address=c", "--audience=public", "--attendees=5",
                     "--window=2026-12-01T09:00/10:00", "--contact-name=d",
                     "--contact-phone=13812345678", "--on-behalf-name=李大爷",
                     "--request-id=retry-0001"})
                .code,
            0);
  EXPECT_EQ(orders_.last_create.request_id(), "retry-0001");
  EXPECT_NE(first_id, "retry-0001");
  EXPECT_EQ(orders_.last_create.on_behalf_of().name(), "李大爷");
}

TEST_F(CommandsTest, MovesReadTheVersionUnlessGiven) {
  SignIn();
  Result cancel = Kepuctl({"order", "cancel", kOrderId, "--reason=不需要了"});
  ASSERT_EQ(cancel.code, 0) << cancel.err;
  EXPECT_EQ(orders_.gets, 1);
  EXPECT_EQ(orders_.last_cancel.expected_version(), 7);
  EXPECT_EQ(orders_.last_cancel.order_id(), kOrderId);
  EXPECT_EQ(orders_.last_cancel.reason(), "不需要了");
  EXPECT_THAT(cancel.out, HasSubstr("cancelled 已取消  version 8"));

  ASSERT_EQ(
      Kepuctl({"order", "cancel", kOrderId, "--reason=x", "--version=3"}).code,
      0);
  EXPECT_EQ(orders_.gets, 1);
  EXPECT_EQ(orders_.last_cancel.expected_version(), 3);
}

TEST_F(CommandsTest, AnUnknownOutcomeSaysHowToRetry) {
  SignIn();
  Result down = Kepuctl({"order", "cancel", kOrderId, "--reason=down"});
  EXPECT_EQ(down.code, 1);
  EXPECT_EQ(down.err,
            absl::StrCat("kepuctl: UNAVAILABLE: redis is down (retry safely "
                         "with --request-id=",
                         orders_.last_cancel.request_id(), " --version=7)\n"));
  Result late = Kepuctl({"order", "cancel", kOrderId, "--reason=late"});
  EXPECT_EQ(late.code, 1);
  EXPECT_EQ(late.err,
            "kepuctl: FAILED_PRECONDITION: cancel is not possible from "
            "IN_SERVICE\n");
}

TEST_F(CommandsTest, DispatchAssignAndComplete) {
  SignIn();
  ASSERT_EQ(Kepuctl({"dispatch", kOrderId, "--department=kexie",
                     "--department=weijian,minzheng", "--reason=就近"})
                .code,
            0);
  EXPECT_EQ(dispatch_.last.department_id(), "kexie");
  EXPECT_EQ(dispatch_.last.reason(), "就近");
  EXPECT_EQ(dispatch_.last.expected_version(), 7);
  const google::protobuf::FieldDescriptor* others =
      dispatch_.last.GetDescriptor()->FindFieldByName("other_department_ids");
  if (others != nullptr) {
    EXPECT_EQ(dispatch_.last.GetReflection()->FieldSize(dispatch_.last, others),
              2);
  }

  ASSERT_EQ(Kepuctl({"assign", kOrderId, "--team=rencheng-health", "--ttl=2h",
                     "--version=4"})
                .code,
            0);
  EXPECT_EQ(claims_.last.team_id(), "rencheng-health");
  EXPECT_EQ(claims_.last.offer_ttl().seconds(), 7200);
  EXPECT_EQ(claims_.last.expected_version(), 4);

  ASSERT_EQ(Kepuctl({"complete", kOrderId, "--attendees=28",
                     "--summary=讲解了防诈骗", "--hours=rencheng-health-v1:2.5",
                     "--hours=rencheng-health-v2:2:纸质签到表"})
                .code,
            0);
  ASSERT_EQ(fulfilment_.last.hours_size(), 2);
  EXPECT_EQ(fulfilment_.last.hours(0).volunteer_id(), "rencheng-health-v1");
  EXPECT_DOUBLE_EQ(fulfilment_.last.hours(0).hours(), 2.5);
  EXPECT_EQ(fulfilment_.last.hours(0).reason(), "");
  EXPECT_EQ(fulfilment_.last.hours(1).reason(), "纸质签到表");
  EXPECT_EQ(fulfilment_.last.actual_attendees(), 28);
}

TEST_F(CommandsTest, VolunteersSignInAndLeadersResolveDisputes) {
  Result in =
      Kepuctl({"signin", "ORDER.29000000.abc", "--lat=35.4", "--lng=116.5"});
  ASSERT_EQ(in.code, 0) << in.err;
  EXPECT_THAT(in.out, HasSubstr("rencheng-health-v1 signed in at"));
  EXPECT_EQ(fulfilment_.last_sign_in.token(), "ORDER.29000000.abc");
  EXPECT_EQ(fulfilment_.last_sign_in.direction(), v1::SIGN_IN_DIRECTION_IN);
  EXPECT_DOUBLE_EQ(fulfilment_.last_sign_in.location().lat(), 35.4);
  Result out = Kepuctl({"signin", "ORDER.29000000.abc", "--out"});
  ASSERT_EQ(out.code, 0) << out.err;
  EXPECT_THAT(out.out, HasSubstr("signed out at"));
  EXPECT_EQ(fulfilment_.last_sign_in.direction(), v1::SIGN_IN_DIRECTION_OUT);

  Result list = Kepuctl({"signins", "01JD8X3Q4M7Y2K9V5T6R1W0ZPN"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("PROPOSED H"));
  EXPECT_THAT(list.out, HasSubstr("1.5"));

  Result resolve = Kepuctl(
      {"hours", "resolve", "o1-h1", "--hours=2", "--reason=签到表为准"});
  ASSERT_EQ(resolve.code, 0) << resolve.err;
  EXPECT_EQ(fulfilment_.last_resolve.resolution(),
            v1::HoursDispute::RESOLUTION_CORRECT);
  EXPECT_EQ(fulfilment_.last_resolve.hours(), 2);
  EXPECT_THAT(resolve.out, HasSubstr("hours o1-c1  2  pending"));
  ASSERT_EQ(
      Kepuctl({"hours", "resolve", "o1-h1", "--keep", "--reason=对"}).code, 0);
  EXPECT_EQ(fulfilment_.last_resolve.resolution(),
            v1::HoursDispute::RESOLUTION_KEEP);
  // Neither --keep nor --hours: a usage error, nothing sent.
  EXPECT_EQ(Kepuctl({"hours", "resolve", "o1-h1", "--reason=x"}).code, 2);
}

TEST_F(CommandsTest, ExplainShowsTheWeightiestTermsFirstAndTheRunnersUp) {
  Result explain = Kepuctl({"explain", "01JD8X3Q4M7Y2K9V5T6R1W0ZPN"});
  ASSERT_EQ(explain.code, 0) << explain.err;
  EXPECT_THAT(explain.out, HasSubstr("team-a"));
  EXPECT_THAT(explain.out, HasSubstr("7.50 (lower is better)"));
  EXPECT_THAT(explain.out, HasSubstr("2.2 km"));
  EXPECT_THAT(explain.out, HasSubstr("team-b, team-c"));
  // load (6.00) before distance (2.25) before waiting (-0.75).
  const size_t load = explain.out.find("load");
  const size_t waiting = explain.out.find("waiting");
  ASSERT_NE(load, std::string::npos);
  ASSERT_NE(waiting, std::string::npos);
  EXPECT_LT(load, waiting);
  EXPECT_LT(load, explain.out.rfind("distance"));

  Result retry =
      Kepuctl({"matching", "retry", "1700000000000-0", "--request-id=retry-1"});
  ASSERT_EQ(retry.code, 0) << retry.err;
  EXPECT_THAT(retry.out, HasSubstr("1700000000001-0"));
  absl::MutexLock lock(&matching_.mu_);
  EXPECT_EQ(matching_.last_retry.entry_id(), "1700000000000-0");
  EXPECT_EQ(matching_.last_retry.request_id(), "retry-1");
}

TEST_F(CommandsTest, SlaAndEscalations) {
  SignIn();
  Result sla = Kepuctl({"sla"});
  ASSERT_EQ(sla.code, 0) << sla.err;
  EXPECT_THAT(sla.out, HasSubstr("awaiting_dispatch"));
  EXPECT_THAT(sla.out, HasSubstr("24h"));
  EXPECT_THAT(sla.out, HasSubstr("max offer attempts"));
  EXPECT_THAT(sla.out, HasSubstr("168h"));
  Result json = Kepuctl({"--json", "sla"});
  ASSERT_EQ(json.code, 0) << json.err;
  EXPECT_THAT(json.out, HasSubstr("\"maxOfferAttempts\":3"));

  Result list = Kepuctl(
      {"escalations", "list", "--region=rencheng", "--all", "--page-size=5"});
  ASSERT_EQ(list.code, 0) << list.err;
  EXPECT_THAT(list.out, HasSubstr("ESC-1"));
  EXPECT_THAT(list.out, HasSubstr("2 city"));
  EXPECT_THAT(list.out, HasSubstr("awaiting_claim"));
  {
    absl::MutexLock lock(&watchdog_.mu_);
    EXPECT_EQ(watchdog_.last_list.region_id(), "rencheng");
    EXPECT_TRUE(watchdog_.last_list.include_acknowledged());
    EXPECT_EQ(watchdog_.last_list.page().page_size(), 5);
  }

  // The version is required; a missing one is a usage error (no call).
  Result no_version = Kepuctl({"escalations", "ack", "ESC-1", "--note=已督办"});
  EXPECT_EQ(no_version.code, 2);
  Result ack = Kepuctl({"escalations", "ack", "ESC-1", "--version=1",
                        "--note=已督办", "--request-id=ack-1"});
  ASSERT_EQ(ack.code, 0) << ack.err;
  EXPECT_THAT(ack.out, HasSubstr("escalation ESC-1  acknowledged  version 2"));
  absl::MutexLock lock(&watchdog_.mu_);
  EXPECT_EQ(watchdog_.last_ack.escalation_id(), "ESC-1");
  EXPECT_EQ(watchdog_.last_ack.expected_version(), 1);
  EXPECT_EQ(watchdog_.last_ack.note(), "已督办");
  EXPECT_EQ(watchdog_.last_ack.request_id(), "ack-1");
}

TEST_F(CommandsTest, DirectoryUpdateChangesOnlyTheGivenFields) {
  SignIn();
  v1::Region region;
  region.set_id("rencheng");
  region.set_name("任城区");
  region.set_level(v1::REGION_LEVEL_COUNTY);
  region.set_parent_id("jining");
  region.set_version(4);
  directory_.regions["rencheng"] = region;
  Result update =
      Kepuctl({"region", "update", "rencheng", "--name-en=Rencheng"});
  ASSERT_EQ(update.code, 0) << update.err;
  EXPECT_EQ(directory_.last_region_update.expected_version(), 4);
  EXPECT_EQ(directory_.last_region_update.region().name(), "任城区");
  EXPECT_EQ(directory_.last_region_update.region().name_en(), "Rencheng");
  EXPECT_EQ(directory_.last_region_update.region().parent_id(), "jining");
  EXPECT_THAT(update.out, HasSubstr("version    5"));
}

TEST_F(CommandsTest, WatchPrintsOneLinePerEvent) {
  SignIn();
  Result watch = Kepuctl({"watch", "mine", "--after=1795999999999-0"});
  ASSERT_EQ(watch.code, 0) << watch.err;
  EXPECT_EQ(orders_.last_watch_after, "1795999999999-0");
  std::vector<std::string> lines =
      absl::StrSplit(watch.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_THAT(lines[0], HasSubstr("1796000000000-0"));
  EXPECT_THAT(lines[0], HasSubstr("dispatch  submitted -> dispatched"));
  EXPECT_THAT(lines[0], HasSubstr("by 吕平 (community-worker)"));
  EXPECT_THAT(lines[0], HasSubstr("department=kexie"));
  EXPECT_THAT(lines[1], HasSubstr("claim  dispatched -> claimed"));

  Result json = Kepuctl({"--json", "watch", "mine"});
  ASSERT_EQ(json.code, 0) << json.err;
  lines = absl::StrSplit(json.out, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 2u);
  for (const std::string& line : lines) {
    v1::OrderEvent event;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(line, &event).ok())
        << line;
    EXPECT_EQ(event.order_id(), kOrderId);
  }
}

TEST_F(CommandsTest, DemoLoadFillsTheTenantAndIsSafeToRepeat) {
  absl::StatusOr<DemoData> data = LoadDemoData(KEPU_SEED_DIR);
  ASSERT_TRUE(data.ok()) << data.status();
  const std::vector<std::string> load = {
      "demo", "load", absl::StrCat("--admin-phone=", FakeIdentity::kAdminPhone),
      absl::StrCat("--admin-password=", FakeIdentity::kAdminPassword),
      absl::StrCat("--seed-dir=", KEPU_SEED_DIR)};
  Result first = Kepuctl(load);
  ASSERT_EQ(first.code, 0) << first.err;

  EXPECT_EQ(directory_.regions.size(), data->regions.size());
  EXPECT_EQ(directory_.departments.size(), data->departments.size());
  EXPECT_EQ(directory_.lines.size(), data->service_lines.size());
  EXPECT_EQ(directory_.volunteers.size(), data->volunteers.size());
  ASSERT_EQ(directory_.teams.size(), data->teams.size());
  // Every team got its leader and members.
  for (const auto& [id, team] : directory_.teams) {
    EXPECT_EQ(team.leader_user_id(),
              absl::StrCat("u-", data->team_leader_phones.at(id)))
        << id;
    EXPECT_GE(team.member_volunteer_ids_size(), 3) << id;
    EXPECT_EQ(team.version(), 2) << id;
  }
  // Volunteers with accounts are linked to them.
  int linked = 0;
  for (const auto& [id, volunteer] : directory_.volunteers) {
    if (!volunteer.user_id().empty()) {
      ++linked;
      EXPECT_EQ(volunteer.user_id(), absl::StrCat("u-", volunteer.phone()));
    }
  }
  EXPECT_GE(linked, 3);
  const int directory_writes = directory_.writes;
  const int identity_writes = identity_.writes;
  EXPECT_EQ(identity_writes, static_cast<int>(data->accounts.size()));

  // The progress bar went to stderr and reached the end; the accounts to
  // stdout, with their demo passwords.
  const int64_t total =
      static_cast<int64_t>(data->regions.size() + data->departments.size() +
                           data->service_lines.size() + 2 * data->teams.size() +
                           data->accounts.size() + data->volunteers.size());
  EXPECT_THAT(first.err, HasSubstr(absl::StrCat("] ", total, "/", total,
                                                " team leaders")));
  EXPECT_THAT(first.err, HasSubstr("regions\n"));
  EXPECT_THAT(first.out, HasSubstr("leader2026"));
  bool leader_row = false;
  for (absl::string_view line : absl::StrSplit(first.out, '\n')) {
    leader_row = leader_row || (absl::StartsWith(line, "team-leader ") &&
                                absl::StrContains(line, "rencheng-health"));
  }
  EXPECT_TRUE(leader_row) << first.out;
  EXPECT_THAT(first.out, Not(HasSubstr(FakeIdentity::kAdminPassword)));

  // Again: every write is a replay, nothing new is written.
  Result second = Kepuctl(load);
  ASSERT_EQ(second.code, 0) << second.err;
  EXPECT_EQ(directory_.writes, directory_writes);
  EXPECT_EQ(identity_.writes, identity_writes);
  EXPECT_THAT(second.err, HasSubstr(absl::StrCat("demo data loaded: ", total,
                                                 " records in place")));

  // And after the request ids expired: ALREADY_EXISTS everywhere, accounts
  // found by listing, still nothing written.
  directory_.ForgetRequests();
  identity_.ForgetRequests();
  Result third = Kepuctl(load);
  ASSERT_EQ(third.code, 0) << third.err;
  EXPECT_EQ(directory_.writes, directory_writes);
  EXPECT_EQ(identity_.writes, identity_writes);
}

TEST_F(CommandsTest, DemoLoadNeedsAnAdmin) {
  Result wrong = Kepuctl({"demo", "load", "--admin-phone=13800000099",
                          "--admin-password=nope12345",
                          absl::StrCat("--seed-dir=", KEPU_SEED_DIR)});
  EXPECT_EQ(wrong.code, 1);
  EXPECT_THAT(wrong.err, HasSubstr("UNAUTHENTICATED"));
  EXPECT_EQ(directory_.writes, 0);
  EXPECT_EQ(Kepuctl({"demo", "load"}).code, 2);
}

}  // namespace
}  // namespace kepu::ctl
