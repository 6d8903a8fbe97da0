// DirectoryService end to end: a real gRPC server on 127.0.0.1:0 in the test
// process with DirectoryServiceImpl registered, sessions and the directory on a
// real redis-server, called through a stub with bearer tokens.
#include "services/directory/directory_service.h"

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "services/core/clock.h"
#include "services/core/redis/redis_sessions.h"
#include "services/rpc/call_tracker.h"
#include "services/rpc/work_pool.h"
#include "tests/directory/directory_fixture.h"
#include "tests/support/redis_server.h"

namespace kepu::directory_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::StartsWith;

class DirectoryServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    redis_server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(redis_server_->ClientOptions());
    sessions_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(NewTokenKeyHex()), Clock::Real());
    pool_ = std::make_unique<WorkPool>(4, 64);
    env_ = std::make_unique<ServiceEnv>(ServiceEnv{
        *pool_, *pool_, *sessions_, Clock::Real(), calls_, tenants_});
    domains_ = std::make_unique<DirectoryDomains>(
        tenants_, [this](const std::string& tenant) {
          return std::make_unique<DirectoryDomain>(*redis_, tenant,
                                                   Clock::Real());
        });
    service_ = std::make_unique<DirectoryServiceImpl>(*env_, *domains_);

    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    stub_ = v1::DirectoryService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));

    admin_ = Token(Person("admin-city", v1::ROLE_ADMIN, "jining"));
    weishan_admin_ = Token(Person("admin-weishan", v1::ROLE_ADMIN, "weishan"));
    resident_ = Token(Person("resident-1", v1::ROLE_RESIDENT));
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
    EXPECT_TRUE(calls_.WaitIdle(absl::Now() + absl::Seconds(10)));
  }

  std::string Token(const v1::Principal& principal) {
    absl::StatusOr<std::string> token =
        sessions_->Create(principal, absl::Hours(1));
    EXPECT_TRUE(token.ok()) << token.status();
    return token.ok() ? *token : "";
  }

  std::unique_ptr<grpc::ClientContext> As(const std::string& token) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::seconds(10));
    if (!token.empty()) {
      context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
    }
    return context;
  }

  std::string Digest() {
    absl::StatusOr<RedisReply> reply = redis_->Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    return reply.ok() ? std::string(reply->Str()) : "";
  }

  // Creates, as the city admin, what the tests need: a department, a service
  // line, the city, weishan, a town and a community, and a team serving
  // weishan.
  void Seed() {
    v1::CreateDepartmentRequest department;
    department.set_request_id("seed-department");
    *department.mutable_department() = MakeDepartment("weijian");
    v1::Department created_department;
    ASSERT_TRUE(Ok(stub_->CreateDepartment(As(admin_).get(), department,
                                           &created_department)));
    v1::CreateServiceLineRequest line;
    line.set_request_id("seed-line");
    *line.mutable_service_line() =
        MakeLine("elderly-health", "elderly", {"weijian"});
    v1::ServiceLine created_line;
    ASSERT_TRUE(
        Ok(stub_->CreateServiceLine(As(admin_).get(), line, &created_line)));
    int n = 0;
    for (const v1::Region& region :
         {MakeRegion("jining", v1::REGION_LEVEL_CITY, ""),
          MakeRegion("weishan", v1::REGION_LEVEL_COUNTY, "jining"),
          MakeRegion("weishan-xiazhen", v1::REGION_LEVEL_TOWN, "weishan"),
          MakeRegion("weishan-xiazhen-dongcun", v1::REGION_LEVEL_COMMUNITY,
                     "weishan-xiazhen")}) {
      v1::CreateRegionRequest request;
      request.set_request_id(absl::StrCat("seed-region-", n++));
      *request.mutable_region() = region;
      v1::Region created;
      ASSERT_TRUE(Ok(stub_->CreateRegion(As(admin_).get(), request, &created)));
    }
    v1::CreateTeamRequest team;
    team.set_request_id("seed-team");
    *team.mutable_team() =
        MakeTeam("weishan-health", {"elderly-health"}, {"weishan"}, "weijian");
    v1::Team created_team;
    ASSERT_TRUE(Ok(stub_->CreateTeam(As(admin_).get(), team, &created_team)));
  }

  static ::testing::AssertionResult Ok(const grpc::Status& status) {
    if (status.ok()) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure()
           << status.error_code() << " " << status.error_message();
  }

  CallTracker calls_;
  const Tenants tenants_ = *Tenants::Make({"jining"}, "jining");
  std::unique_ptr<testing::RedisServer> redis_server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessions> sessions_;
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<ServiceEnv> env_;
  std::unique_ptr<DirectoryDomains> domains_;
  std::unique_ptr<DirectoryServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::DirectoryService::Stub> stub_;
  std::string admin_;
  std::string weishan_admin_;
  std::string resident_;
};

TEST_F(DirectoryServiceTest, AdminsWriteAndEveryoneReadsWithPhonesMasked) {
  Seed();
  v1::GetTeamRequest get;
  get.set_id("weishan-health");
  v1::Team team;
  ASSERT_TRUE(Ok(stub_->GetTeam(As(resident_).get(), get, &team)));
  EXPECT_EQ(team.version(), 1);
  EXPECT_EQ(team.contact().phone(), "138****5678");
  ASSERT_TRUE(Ok(stub_->GetTeam(As(admin_).get(), get, &team)));
  EXPECT_EQ(team.contact().phone(), "13812345678");

  // A resident's community is served by the team serving its county.
  v1::ListTeamsRequest list;
  list.set_service_line_id("elderly-health");
  list.set_region_id("weishan-xiazhen-dongcun");
  v1::ListTeamsResponse teams;
  ASSERT_TRUE(Ok(stub_->ListTeams(As(resident_).get(), list, &teams)));
  ASSERT_EQ(teams.teams_size(), 1);
  EXPECT_EQ(teams.teams(0).id(), "weishan-health");

  v1::GetRegionRequest region;
  region.set_id("weishan-xiazhen-dongcun");
  v1::Region community;
  ASSERT_TRUE(Ok(stub_->GetRegion(As(resident_).get(), region, &community)));
  EXPECT_EQ(community.county_id(), "weishan");

  v1::ListProgramsResponse programs;
  ASSERT_TRUE(Ok(stub_->ListPrograms(As(resident_).get(),
                                     v1::ListProgramsRequest(), &programs)));
  EXPECT_EQ(programs.programs_size(), 9);

  // Update with the version read; a retry answers the same; stale is ABORTED.
  v1::UpdateTeamRequest update;
  update.set_request_id("grow-team");
  *update.mutable_team() = team;
  update.mutable_team()->set_capacity(12);
  update.set_expected_version(1);
  v1::Team updated;
  ASSERT_TRUE(Ok(stub_->UpdateTeam(As(admin_).get(), update, &updated)));
  EXPECT_EQ(updated.version(), 2);
  EXPECT_EQ(updated.capacity(), 12);
  const std::string digest = Digest();
  v1::Team retried;
  ASSERT_TRUE(Ok(stub_->UpdateTeam(As(admin_).get(), update, &retried)));
  EXPECT_EQ(retried.SerializeAsString(), updated.SerializeAsString());
  EXPECT_EQ(Digest(), digest);
  update.set_request_id("grow-team-again");
  grpc::Status stale = stub_->UpdateTeam(As(admin_).get(), update, &retried);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);

  v1::DeactivateRequest deactivate;
  deactivate.set_request_id("retire-team");
  deactivate.set_id("weishan-health");
  deactivate.set_expected_version(2);
  deactivate.set_reason("队伍解散");
  v1::Team retired;
  ASSERT_TRUE(
      Ok(stub_->DeactivateTeam(As(admin_).get(), deactivate, &retired)));
  EXPECT_FALSE(retired.active());
  ASSERT_TRUE(Ok(stub_->ListTeams(As(resident_).get(), list, &teams)));
  EXPECT_EQ(teams.teams_size(), 0);
}

TEST_F(DirectoryServiceTest, WritesByNonAdminsAreDeniedAndWriteNothing) {
  Seed();
  const std::string digest = Digest();
  v1::CreateDepartmentRequest request;
  request.set_request_id("resident-dept");
  *request.mutable_department() = MakeDepartment("jiaoyu");
  v1::Department department;
  grpc::Status status =
      stub_->CreateDepartment(As(resident_).get(), request, &department);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();

  // A county admin may not write the departments, nor outside its county.
  status =
      stub_->CreateDepartment(As(weishan_admin_).get(), request, &department);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();
  v1::CreateRegionRequest region;
  region.set_request_id("weishan-admin-region");
  *region.mutable_region() =
      MakeRegion("rencheng", v1::REGION_LEVEL_COUNTY, "jining");
  v1::Region created;
  status = stub_->CreateRegion(As(weishan_admin_).get(), region, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED)
      << status.error_message();

  status = stub_->CreateDepartment(As("").get(), request, &department);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Digest(), digest);

  // Within its county it may.
  *region.mutable_region() =
      MakeRegion("weishan-fuqiao", v1::REGION_LEVEL_TOWN, "weishan");
  ASSERT_TRUE(
      Ok(stub_->CreateRegion(As(weishan_admin_).get(), region, &created)));
  EXPECT_EQ(created.county_id(), "weishan");
}

TEST_F(DirectoryServiceTest, BadInputAndMissingReferencesWriteNothing) {
  Seed();
  const std::string digest = Digest();
  v1::CreateTeamRequest request;
  request.set_request_id("bad-team");
  *request.mutable_team() =
      MakeTeam("weishan-x", {"elderly-health"}, {"weishan"});
  request.mutable_team()->set_capacity(0);
  v1::Team team;
  grpc::Status status = stub_->CreateTeam(As(admin_).get(), request, &team);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("team.capacity"));

  request.mutable_team()->set_capacity(3);
  request.mutable_team()->add_service_area_region_ids("qufu");
  status = stub_->CreateTeam(As(admin_).get(), request, &team);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(status.error_message(),
              StartsWith("team.service_area_region_ids[1]"));

  v1::CreateDepartmentRequest department;
  department.set_request_id("seed-department");  // reused for other content
  *department.mutable_department() = MakeDepartment("jiaoyu");
  v1::Department created;
  status = stub_->CreateDepartment(As(admin_).get(), department, &created);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), StartsWith("request_id"));
  EXPECT_EQ(Digest(), digest);
}

TEST_F(DirectoryServiceTest, ListsArePagedWithOpaqueTokens) {
  Seed();
  for (int i = 0; i < 5; ++i) {
    v1::CreateRegionRequest request;
    request.set_request_id(absl::StrCat("community-", i));
    *request.mutable_region() =
        MakeRegion(absl::StrCat("weishan-xiazhen-c", i),
                   v1::REGION_LEVEL_COMMUNITY, "weishan-xiazhen");
    v1::Region created;
    ASSERT_TRUE(Ok(stub_->CreateRegion(As(admin_).get(), request, &created)));
  }
  v1::ListRegionsRequest request;
  request.set_parent_id("weishan-xiazhen");
  request.mutable_page()->set_page_size(4);
  std::vector<std::string> ids;
  int pages = 0;
  do {
    v1::ListRegionsResponse response;
    ASSERT_TRUE(
        Ok(stub_->ListRegions(As(resident_).get(), request, &response)));
    for (const v1::Region& region : response.regions()) {
      ids.push_back(region.id());
    }
    request.mutable_page()->set_page_token(response.next_page_token());
    ASSERT_LT(++pages, 10);
  } while (!request.page().page_token().empty());
  EXPECT_EQ(pages, 2);
  EXPECT_THAT(ids,
              ElementsAre("weishan-xiazhen-c0", "weishan-xiazhen-c1",
                          "weishan-xiazhen-c2", "weishan-xiazhen-c3",
                          "weishan-xiazhen-c4", "weishan-xiazhen-dongcun"));
}

}  // namespace
}  // namespace kepu::directory_testing
