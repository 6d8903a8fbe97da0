// What the directory tests share: record builders, a fixture with the
// directory of tenant "jining" on a real redis-server (started per test on a
// free port) or on the in-memory FakeDirectoryStore, and a small Jining to
// start from.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/clock.h"
#include "services/core/validation.h"
#include "services/directory/directory.h"
#include "services/directory/directory_records.h"
#include "services/directory/redis_directory_store.h"
#include "services/directory/testing/fake_directory_store.h"
#include "tests/support/people.h"
#include "tests/support/redis_server.h"

namespace kepu::directory_testing {

using ::kepu::testing::Person;

inline v1::Region MakeRegion(const std::string& id, v1::RegionLevel level,
                             const std::string& parent_id) {
  v1::Region region;
  region.set_id(id);
  region.set_level(level);
  region.set_parent_id(parent_id);
  region.set_name(absl::StrCat("地区 ", id));
  return region;
}

inline v1::Department MakeDepartment(const std::string& id) {
  v1::Department department;
  department.set_id(id);
  department.set_name(absl::StrCat("部门 ", id));
  return department;
}

inline v1::ServiceLine MakeLine(const std::string& id,
                                const std::string& program_id,
                                const std::vector<std::string>& departments) {
  v1::ServiceLine line;
  line.set_id(id);
  line.set_program_id(program_id);
  line.set_name(absl::StrCat("服务 ", id));
  line.set_orderable(true);
  line.add_example_services("健康大讲堂");
  for (const std::string& department : departments) {
    line.add_responsible_department_ids(department);
  }
  return line;
}

inline v1::Team MakeTeam(const std::string& id,
                         const std::vector<std::string>& lines,
                         const std::vector<std::string>& areas,
                         const std::string& department_id = "") {
  v1::Team team;
  team.set_id(id);
  team.set_name(absl::StrCat("服务队 ", id));
  team.set_department_id(department_id);
  for (const std::string& line : lines) team.add_service_line_ids(line);
  for (const std::string& area : areas) team.add_service_area_region_ids(area);
  team.set_capacity(3);
  team.set_leader_user_id(absl::StrCat("leader-", id));
  team.mutable_contact()->set_name("李队长");
  team.mutable_contact()->set_phone("13812345678");
  return team;
}

inline v1::Volunteer MakeVolunteer(const std::string& id,
                                   const std::vector<std::string>& teams,
                                   const std::vector<std::string>& skills) {
  v1::Volunteer volunteer;
  volunteer.set_id(id);
  volunteer.set_user_id(absl::StrCat("user-", id));
  volunteer.set_name("赵志愿");
  volunteer.set_phone("13987654321");
  for (const std::string& team : teams) volunteer.add_team_ids(team);
  for (const std::string& skill : skills) {
    volunteer.add_skill_service_line_ids(skill);
  }
  return volunteer;
}

class DirectoryFixture : public ::testing::Test {
 protected:
  // What the directory keeps its records in.
  enum class Backend { kRedis, kFake };

  explicit DirectoryFixture(Backend backend = Backend::kRedis)
      : backend_(backend) {}

  void SetUp() override {
    DirectoryStore* store = nullptr;
    if (backend_ == Backend::kRedis) {
      auto server = testing::RedisServer::Start();
      ASSERT_TRUE(server.ok()) << server.status();
      server_ = std::move(*server);
      redis_ = std::make_unique<RedisClient>(server_->ClientOptions());
      redis_store_ = std::make_unique<RedisDirectoryStore>(*redis_, "jining");
      store = redis_store_.get();
    } else {
      fake_store_ = std::make_unique<FakeDirectoryStore>();
      store = fake_store_.get();
    }
    directory_ = std::make_unique<Directory>(*store, "jining", clock_);
    store_ = &directory_->records();
  }

  // The Redis key layout (Backend::kRedis).
  const DirectoryKeys& keys() const { return redis_store_->keys(); }

  // A small Jining: the city; counties rencheng and weishan and the zone
  // gaoxin; a town in each county with one community; two departments; two
  // service lines; a team in each county; a volunteer of the weishan team.
  void Seed() {
    Must(CreateDepartment(city_admin_, MakeDepartment("kexie")));
    Must(CreateDepartment(city_admin_, MakeDepartment("weijian")));
    Must(CreateLine(city_admin_, MakeLine("elderly-health", "elderly",
                                          {"weijian", "kexie"})));
    Must(
        CreateLine(city_admin_, MakeLine("youth-science", "youth", {"kexie"})));
    Must(CreateRegion(city_admin_,
                      MakeRegion("jining", v1::REGION_LEVEL_CITY, "")));
    Must(CreateRegion(
        city_admin_,
        MakeRegion("rencheng", v1::REGION_LEVEL_COUNTY, "jining")));
    Must(CreateRegion(
        city_admin_, MakeRegion("weishan", v1::REGION_LEVEL_COUNTY, "jining")));
    Must(CreateRegion(city_admin_,
                      MakeRegion("gaoxin", v1::REGION_LEVEL_ZONE, "jining")));
    Must(CreateRegion(
        city_admin_,
        MakeRegion("rencheng-guhuai", v1::REGION_LEVEL_TOWN, "rencheng")));
    Must(CreateRegion(city_admin_, MakeRegion("rencheng-guhuai-zhuyuan",
                                              v1::REGION_LEVEL_COMMUNITY,
                                              "rencheng-guhuai")));
    Must(CreateRegion(
        city_admin_,
        MakeRegion("weishan-xiazhen", v1::REGION_LEVEL_TOWN, "weishan")));
    Must(CreateRegion(city_admin_, MakeRegion("weishan-xiazhen-dongcun",
                                              v1::REGION_LEVEL_COMMUNITY,
                                              "weishan-xiazhen")));
    Must(CreateTeam(city_admin_, MakeTeam("weishan-health", {"elderly-health"},
                                          {"weishan"}, "weijian")));
    Must(CreateTeam(city_admin_, MakeTeam("rencheng-youth", {"youth-science"},
                                          {"rencheng-guhuai"}, "kexie")));
    Must(CreateVolunteer(
        city_admin_,
        MakeVolunteer("v-zhao", {"weishan-health"}, {"elderly-health"})));
  }

  template <typename T>
  T Must(absl::StatusOr<T> result) {
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *std::move(result) : T();
  }

  // Every request is validated as ServeUnary would, so tests send only what
  // the service would let through.
  template <typename Request>
  void ExpectValid(const Request& request) {
    absl::Status valid = Validate(request, ValidationContext{clock_.Now()});
    EXPECT_TRUE(valid.ok()) << valid;
  }

  std::string NextRequestId() {
    return absl::StrCat("request-", ++request_number_);
  }

  v1::DeactivateRequest Deactivation(const std::string& id, int64_t version,
                                     const std::string& request_id) {
    v1::DeactivateRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    request.set_id(id);
    request.set_expected_version(version);
    request.set_reason("不再提供");
    ExpectValid(request);
    return request;
  }

  // Writes through the domain, one per kind and verb.
  absl::StatusOr<v1::ServiceLine> CreateLine(const v1::Principal& who,
                                             const v1::ServiceLine& line,
                                             std::string request_id = "") {
    v1::CreateServiceLineRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_service_line() = line;
    ExpectValid(request);
    return directory_->CreateServiceLine(who, request);
  }
  absl::StatusOr<v1::ServiceLine> UpdateLine(const v1::Principal& who,
                                             const v1::ServiceLine& line,
                                             int64_t version,
                                             std::string request_id = "") {
    v1::UpdateServiceLineRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_service_line() = line;
    request.set_expected_version(version);
    ExpectValid(request);
    return directory_->UpdateServiceLine(who, request);
  }
  absl::StatusOr<v1::Region> CreateRegion(const v1::Principal& who,
                                          const v1::Region& region,
                                          std::string request_id = "") {
    v1::CreateRegionRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_region() = region;
    ExpectValid(request);
    return directory_->CreateRegion(who, request);
  }
  absl::StatusOr<v1::Region> UpdateRegion(const v1::Principal& who,
                                          const v1::Region& region,
                                          int64_t version,
                                          std::string request_id = "") {
    v1::UpdateRegionRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_region() = region;
    request.set_expected_version(version);
    ExpectValid(request);
    return directory_->UpdateRegion(who, request);
  }
  absl::StatusOr<v1::Department> CreateDepartment(
      const v1::Principal& who, const v1::Department& department,
      std::string request_id = "") {
    v1::CreateDepartmentRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_department() = department;
    ExpectValid(request);
    return directory_->CreateDepartment(who, request);
  }
  absl::StatusOr<v1::Department> UpdateDepartment(
      const v1::Principal& who, const v1::Department& department,
      int64_t version, std::string request_id = "") {
    v1::UpdateDepartmentRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_department() = department;
    request.set_expected_version(version);
    ExpectValid(request);
    return directory_->UpdateDepartment(who, request);
  }
  absl::StatusOr<v1::Team> CreateTeam(const v1::Principal& who,
                                      const v1::Team& team,
                                      std::string request_id = "") {
    v1::CreateTeamRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_team() = team;
    ExpectValid(request);
    return directory_->CreateTeam(who, request);
  }
  absl::StatusOr<v1::Team> UpdateTeam(const v1::Principal& who,
                                      const v1::Team& team, int64_t version,
                                      std::string request_id = "") {
    v1::UpdateTeamRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_team() = team;
    request.set_expected_version(version);
    ExpectValid(request);
    return directory_->UpdateTeam(who, request);
  }
  absl::StatusOr<v1::Volunteer> CreateVolunteer(const v1::Principal& who,
                                                const v1::Volunteer& volunteer,
                                                std::string request_id = "") {
    v1::CreateVolunteerRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_volunteer() = volunteer;
    ExpectValid(request);
    return directory_->CreateVolunteer(who, request);
  }
  absl::StatusOr<v1::Volunteer> UpdateVolunteer(const v1::Principal& who,
                                                const v1::Volunteer& volunteer,
                                                int64_t version,
                                                std::string request_id = "") {
    v1::UpdateVolunteerRequest request;
    request.set_request_id(request_id.empty() ? NextRequestId() : request_id);
    *request.mutable_volunteer() = volunteer;
    request.set_expected_version(version);
    ExpectValid(request);
    return directory_->UpdateVolunteer(who, request);
  }

  // Equal before and after when nothing was written: DEBUG DIGEST on Redis,
  // the fake's whole state on the fake.
  std::string Digest() {
    if (fake_store_ != nullptr) return fake_store_->Digest();
    absl::StatusOr<RedisReply> reply = redis_->Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    return reply.ok() ? std::string(reply->Str()) : "";
  }

  const Backend backend_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  // Backend::kRedis.
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisDirectoryStore> redis_store_;
  // Backend::kFake.
  std::unique_ptr<FakeDirectoryStore> fake_store_;
  std::unique_ptr<Directory> directory_;
  // The records and their rules, as directory_ reads and writes them.
  DirectoryRecords* store_ = nullptr;
  int request_number_ = 0;

  const v1::Principal city_admin_ =
      Person("admin-city", v1::ROLE_ADMIN, "jining");
  const v1::Principal weishan_admin_ =
      Person("admin-weishan", v1::ROLE_ADMIN, "weishan");
  const v1::Principal resident_ = Person("resident-1", v1::ROLE_RESIDENT);
};

}  // namespace kepu::directory_testing
