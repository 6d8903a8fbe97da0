// The directory's rules: which admin may write which record (city and county
// scope), and who sees phone numbers. The expectations are written from the
// rules in directory.h, case by case. They run on the in-memory
// FakeDirectoryStore, held to the Redis store's behaviour by
// directory_store_contract.cc; redis_directory_test runs the records on Redis.
#include "services/directory/directory.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/directory/directory_fixture.h"

namespace kepu::directory_testing {
namespace {

using ::testing::HasSubstr;

constexpr char kLeaderPhone[] = "13812345678";
constexpr char kLeaderPhoneMasked[] = "138****5678";
constexpr char kVolunteerPhone[] = "13987654321";
constexpr char kVolunteerPhoneMasked[] = "139****4321";

class DirectoryTest : public DirectoryFixture {
 protected:
  DirectoryTest() : DirectoryFixture(Backend::kFake) {}

  void SetUp() override {
    DirectoryFixture::SetUp();
    Seed();
  }

  // The status of a write, and whether it left the store as it was.
  struct Outcome {
    absl::Status status;
    bool wrote = false;
  };
  template <typename F>
  Outcome Try(F write) {
    const std::string before = Digest();
    Outcome outcome;
    outcome.status = write();
    outcome.wrote = Digest() != before;
    return outcome;
  }

  void ExpectDenied(const Outcome& outcome) {
    EXPECT_TRUE(absl::IsPermissionDenied(outcome.status)) << outcome.status;
    EXPECT_FALSE(outcome.wrote);
  }
  void ExpectAllowed(const Outcome& outcome) {
    EXPECT_TRUE(outcome.status.ok()) << outcome.status;
    EXPECT_TRUE(outcome.wrote);
  }

  v1::Team GetTeamAs(const v1::Principal& who, const std::string& id) {
    v1::GetTeamRequest request;
    request.set_id(id);
    return Must(directory_->GetTeam(who, request));
  }
  v1::Volunteer GetVolunteerAs(const v1::Principal& who,
                               const std::string& id) {
    v1::GetVolunteerRequest request;
    request.set_id(id);
    return Must(directory_->GetVolunteer(who, request));
  }
};

TEST_F(DirectoryTest, ACountyAdminWritesRegionsInsideItsCounty) {
  ExpectAllowed(Try([&] {
    return CreateRegion(
               weishan_admin_,
               MakeRegion("weishan-fuqiao", v1::REGION_LEVEL_TOWN, "weishan"))
        .status();
  }));
  ExpectAllowed(Try([&] {
    return CreateRegion(weishan_admin_, MakeRegion("weishan-fuqiao-nancun",
                                                   v1::REGION_LEVEL_COMMUNITY,
                                                   "weishan-fuqiao"))
        .status();
  }));
  v1::Region town = Must(store_->GetRegion("weishan-xiazhen"));
  town.set_name("夏镇街道");
  ExpectAllowed(
      Try([&] { return UpdateRegion(weishan_admin_, town, 1).status(); }));
  // The county itself lies inside the county.
  v1::Region county = Must(store_->GetRegion("weishan"));
  county.set_name("微山县");
  ExpectAllowed(
      Try([&] { return UpdateRegion(weishan_admin_, county, 1).status(); }));
  ExpectAllowed(Try([&] {
    return directory_
        ->DeactivateRegion(weishan_admin_,
                           Deactivation("weishan-fuqiao-nancun", 1, ""))
        .status();
  }));
}

TEST_F(DirectoryTest, ACountyAdminMayNotWriteRegionsOutsideItsCounty) {
  ExpectDenied(Try([&] {
    return CreateRegion(
               weishan_admin_,
               MakeRegion("rencheng-jinan", v1::REGION_LEVEL_TOWN, "rencheng"))
        .status();
  }));
  ExpectDenied(Try([&] {
    return CreateRegion(
               weishan_admin_,
               MakeRegion("jiaxiang", v1::REGION_LEVEL_COUNTY, "jining"))
        .status();
  }));
  v1::Region city = Must(store_->GetRegion("jining"));
  city.set_name("济宁市");
  ExpectDenied(
      Try([&] { return UpdateRegion(weishan_admin_, city, 1).status(); }));
  ExpectDenied(Try([&] {
    return directory_
        ->DeactivateRegion(weishan_admin_,
                           Deactivation("rencheng-guhuai-zhuyuan", 1, ""))
        .status();
  }));
  // Moving a community out of the county: inside as stored, not as written.
  v1::Region community = Must(store_->GetRegion("weishan-xiazhen-dongcun"));
  community.set_parent_id("rencheng-guhuai");
  Outcome moved =
      Try([&] { return UpdateRegion(weishan_admin_, community, 1).status(); });
  ExpectDenied(moved);
  EXPECT_THAT(std::string(moved.status.message()), HasSubstr("weishan"));
  // And into it.
  v1::Region zhuyuan = Must(store_->GetRegion("rencheng-guhuai-zhuyuan"));
  zhuyuan.set_parent_id("weishan-xiazhen");
  ExpectDenied(
      Try([&] { return UpdateRegion(weishan_admin_, zhuyuan, 1).status(); }));
}

TEST_F(DirectoryTest, ACountyAdminWritesTeamsServingOnlyItsCounty) {
  ExpectAllowed(Try([&] {
    return CreateTeam(weishan_admin_,
                      MakeTeam("xiazhen-doctors", {"elderly-health"},
                               {"weishan-xiazhen", "weishan-xiazhen-dongcun"}))
        .status();
  }));
  ExpectDenied(Try([&] {
    return CreateTeam(weishan_admin_,
                      MakeTeam("two-counties", {"elderly-health"},
                               {"weishan-xiazhen", "rencheng-guhuai"}))
        .status();
  }));
  ExpectDenied(Try([&] {
    return CreateTeam(weishan_admin_,
                      MakeTeam("citywide", {"elderly-health"}, {"jining"}))
        .status();
  }));
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.set_capacity(7);
  ExpectAllowed(
      Try([&] { return UpdateTeam(weishan_admin_, team, 1).status(); }));
  team.add_service_area_region_ids("gaoxin");
  ExpectDenied(
      Try([&] { return UpdateTeam(weishan_admin_, team, 2).status(); }));
  // A team of another county, even if the update would bring it inside.
  v1::Team other = Must(store_->GetTeam("rencheng-youth"));
  other.clear_service_area_region_ids();
  other.add_service_area_region_ids("weishan");
  ExpectDenied(
      Try([&] { return UpdateTeam(weishan_admin_, other, 1).status(); }));
  ExpectDenied(Try([&] {
    return directory_
        ->DeactivateTeam(weishan_admin_, Deactivation("rencheng-youth", 1, ""))
        .status();
  }));
  ExpectAllowed(Try([&] {
    return directory_
        ->DeactivateTeam(weishan_admin_, Deactivation("weishan-health", 2, ""))
        .status();
  }));
}

TEST_F(DirectoryTest, ACountyAdminWritesVolunteersOfItsTeamsOnly) {
  ExpectAllowed(Try([&] {
    return CreateVolunteer(
               weishan_admin_,
               MakeVolunteer("v-sun", {"weishan-health"}, {"elderly-health"}))
        .status();
  }));
  ExpectDenied(Try([&] {
    return CreateVolunteer(
               weishan_admin_,
               MakeVolunteer("v-li", {"weishan-health", "rencheng-youth"}, {}))
        .status();
  }));
  Outcome teamless = Try([&] {
    return CreateVolunteer(weishan_admin_, MakeVolunteer("v-wu", {}, {}))
        .status();
  });
  ExpectDenied(teamless);
  EXPECT_THAT(std::string(teamless.status.message()), HasSubstr("no team"));
  v1::Volunteer volunteer = Must(store_->GetVolunteer("v-zhao"));
  volunteer.add_team_ids("rencheng-youth");
  ExpectDenied(Try(
      [&] { return UpdateVolunteer(weishan_admin_, volunteer, 1).status(); }));
  ExpectAllowed(Try([&] {
    return directory_
        ->DeactivateVolunteer(weishan_admin_, Deactivation("v-zhao", 1, ""))
        .status();
  }));
  // The city admin writes any volunteer.
  ExpectAllowed(Try([&] {
    return CreateVolunteer(city_admin_, MakeVolunteer("v-wu", {}, {})).status();
  }));
}

TEST_F(DirectoryTest, TheCatalogAndDepartmentsAreForCityAdmins) {
  ExpectDenied(Try([&] {
    return CreateLine(weishan_admin_, MakeLine("x-line", "elderly", {}))
        .status();
  }));
  v1::ServiceLine line = Must(store_->GetServiceLine("elderly-health"));
  ExpectDenied(
      Try([&] { return UpdateLine(weishan_admin_, line, 1).status(); }));
  ExpectDenied(Try([&] {
    return directory_
        ->DeactivateServiceLine(weishan_admin_,
                                Deactivation("elderly-health", 1, ""))
        .status();
  }));
  ExpectDenied(Try([&] {
    return CreateDepartment(weishan_admin_, MakeDepartment("x-dept")).status();
  }));
  ExpectDenied(Try([&] {
    return directory_
        ->DeactivateDepartment(weishan_admin_, Deactivation("kexie", 1, ""))
        .status();
  }));
  ExpectAllowed(Try([&] {
    return CreateLine(city_admin_, MakeLine("x-line", "elderly", {})).status();
  }));
  ExpectAllowed(Try([&] {
    return CreateDepartment(city_admin_, MakeDepartment("x-dept")).status();
  }));
}

TEST_F(DirectoryTest, NonAdminsMayNotWriteAtAll) {
  const v1::Principal leader =
      Person("leader-1", v1::ROLE_TEAM_LEADER, "weishan-health");
  for (const v1::Principal& who : {resident_, leader}) {
    ExpectDenied(Try([&] {
      return CreateDepartment(who, MakeDepartment("x-dept")).status();
    }));
    ExpectDenied(Try([&] {
      return CreateRegion(
                 who, MakeRegion("weishan-x", v1::REGION_LEVEL_TOWN, "weishan"))
          .status();
    }));
    v1::Team team = Must(store_->GetTeam("weishan-health"));
    ExpectDenied(Try([&] { return UpdateTeam(who, team, 1).status(); }));
    ExpectDenied(Try([&] {
      return directory_->DeactivateVolunteer(who, Deactivation("v-zhao", 1, ""))
          .status();
    }));
  }
}

TEST_F(DirectoryTest, ATeamsPhoneIsMaskedButForAdminsAndTheTeam) {
  EXPECT_EQ(GetTeamAs(resident_, "weishan-health").contact().phone(),
            kLeaderPhoneMasked);
  EXPECT_EQ(
      GetTeamAs(Person("leader-2", v1::ROLE_TEAM_LEADER, "rencheng-youth"),
                "weishan-health")
          .contact()
          .phone(),
      kLeaderPhoneMasked);
  EXPECT_EQ(GetTeamAs(Person("clerk", v1::ROLE_DEPARTMENT_STAFF, "weijian"),
                      "weishan-health")
                .contact()
                .phone(),
            kLeaderPhoneMasked);
  EXPECT_EQ(GetTeamAs(city_admin_, "weishan-health").contact().phone(),
            kLeaderPhone);
  EXPECT_EQ(GetTeamAs(weishan_admin_, "weishan-health").contact().phone(),
            kLeaderPhone);
  EXPECT_EQ(
      GetTeamAs(Person("leader-1", v1::ROLE_TEAM_LEADER, "weishan-health"),
                "weishan-health")
          .contact()
          .phone(),
      kLeaderPhone);
  EXPECT_EQ(GetTeamAs(Person("member-1", v1::ROLE_VOLUNTEER, "weishan-health"),
                      "weishan-health")
                .contact()
                .phone(),
            kLeaderPhone);
  // Lists mask the same way.
  v1::ListTeamsRequest request;
  const v1::ListTeamsResponse for_resident =
      Must(directory_->ListTeams(resident_, request));
  EXPECT_EQ(for_resident.teams_size(), 2);
  for (const v1::Team& team : for_resident.teams()) {
    EXPECT_EQ(team.contact().phone(), kLeaderPhoneMasked) << team.id();
  }
  const v1::ListTeamsResponse for_admin =
      Must(directory_->ListTeams(city_admin_, request));
  EXPECT_EQ(for_admin.teams_size(), 2);
  for (const v1::Team& team : for_admin.teams()) {
    EXPECT_EQ(team.contact().phone(), kLeaderPhone) << team.id();
  }
}

TEST_F(DirectoryTest, AVolunteersPhoneIsMaskedButForAdminsSelfAndLeader) {
  EXPECT_EQ(GetVolunteerAs(resident_, "v-zhao").phone(), kVolunteerPhoneMasked);
  // A fellow volunteer of the same team does not see it.
  EXPECT_EQ(
      GetVolunteerAs(Person("member-2", v1::ROLE_VOLUNTEER, "weishan-health"),
                     "v-zhao")
          .phone(),
      kVolunteerPhoneMasked);
  EXPECT_EQ(
      GetVolunteerAs(Person("leader-2", v1::ROLE_TEAM_LEADER, "rencheng-youth"),
                     "v-zhao")
          .phone(),
      kVolunteerPhoneMasked);
  EXPECT_EQ(
      GetVolunteerAs(
          Person("user-v-zhao", v1::ROLE_VOLUNTEER, "weishan-health"), "v-zhao")
          .phone(),
      kVolunteerPhone);
  EXPECT_EQ(
      GetVolunteerAs(Person("leader-1", v1::ROLE_TEAM_LEADER, "weishan-health"),
                     "v-zhao")
          .phone(),
      kVolunteerPhone);
  EXPECT_EQ(GetVolunteerAs(weishan_admin_, "v-zhao").phone(), kVolunteerPhone);
  v1::ListVolunteersRequest request;
  request.set_team_id("weishan-health");
  v1::ListVolunteersResponse listed =
      Must(directory_->ListVolunteers(resident_, request));
  ASSERT_EQ(listed.volunteers_size(), 1);
  EXPECT_EQ(listed.volunteers(0).phone(), kVolunteerPhoneMasked);
  // Nothing masked is ever stored.
  EXPECT_EQ(Must(store_->GetVolunteer("v-zhao")).phone(), kVolunteerPhone);
}

TEST_F(DirectoryTest, AStoreThatIsDownAnswersUnavailableAndWritesNothing) {
  v1::GetTeamRequest get;
  get.set_id("weishan-health");
  fake_store_->SetUnavailable(true);
  absl::Status status = directory_->GetTeam(city_admin_, get).status();
  EXPECT_TRUE(absl::IsUnavailable(status)) << status;
  const Outcome created = Try([&] {
    return CreateDepartment(city_admin_, MakeDepartment("minzheng")).status();
  });
  EXPECT_TRUE(absl::IsUnavailable(created.status)) << created.status;
  EXPECT_FALSE(created.wrote);
  const Outcome scoped = Try([&] {
    return CreateRegion(
               weishan_admin_,
               MakeRegion("weishan-fuqiao", v1::REGION_LEVEL_TOWN, "weishan"))
        .status();
  });
  EXPECT_TRUE(absl::IsUnavailable(scoped.status)) << scoped.status;
  EXPECT_FALSE(scoped.wrote);

  // Back up, the same calls go through.
  fake_store_->SetUnavailable(false);
  EXPECT_TRUE(directory_->GetTeam(city_admin_, get).ok());
  ExpectAllowed(Try([&] {
    return CreateDepartment(city_admin_, MakeDepartment("minzheng")).status();
  }));
}

}  // namespace
}  // namespace kepu::directory_testing
