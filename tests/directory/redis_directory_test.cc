// The directory on a real redis-server (started per test on a free port),
// written through the Directory domain as a city admin: versions, idempotent
// retries, references, derived fields, indexes (RegionChain, TeamsServing,
// filtered lists), paging and the audit trail.
#include "services/directory/redis_directory.h"

#include <algorithm>
#include <latch>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/fingerprint.h"
#include "services/core/time_util.h"
#include "services/directory/programs.h"
#include "tests/directory/directory_fixture.h"
#include "tests/directory/stream_entries.h"

namespace kepu::directory_testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::vector<std::string> RegionIds(const std::vector<v1::Region>& regions) {
  std::vector<std::string> ids;
  for (const v1::Region& region : regions) ids.push_back(region.id());
  return ids;
}

std::vector<std::string> TeamIds(const std::vector<v1::Team>& teams) {
  std::vector<std::string> ids;
  for (const v1::Team& team : teams) ids.push_back(team.id());
  return ids;
}

template <typename Response>
std::vector<std::string> TeamIdsOf(const Response& response) {
  std::vector<std::string> ids;
  for (const v1::Team& team : response.teams()) ids.push_back(team.id());
  return ids;
}

class RedisDirectoryTest : public DirectoryFixture {
 protected:
  // Every entry of the audit stream, as field -> value maps, oldest first.
  std::vector<std::map<std::string, std::string>> AuditEntries() {
    return testing::StreamEntries(*redis_, keys().Audit());
  }

  std::vector<std::string> Members(const std::string& key) {
    std::vector<std::string> members;
    absl::StatusOr<RedisReply> reply =
        redis_->Command({"ZRANGE", key, "-", "+", "BYLEX"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    if (!reply.ok()) return members;
    for (size_t i = 0; i < reply->Size(); ++i) {
      members.emplace_back((*reply)[i].Str());
    }
    return members;
  }

  // Every region id of ListRegions(request), page by page.
  std::vector<std::string> AllPages(v1::ListRegionsRequest request,
                                    int* pages) {
    std::vector<std::string> ids;
    *pages = 0;
    do {
      ExpectValid(request);
      absl::StatusOr<v1::ListRegionsResponse> page =
          directory_->ListRegions(resident_, request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok() || ++*pages > 100) break;
      EXPECT_LE(page->regions_size(), request.page().page_size());
      for (const v1::Region& region : page->regions()) {
        ids.push_back(region.id());
      }
      request.mutable_page()->set_page_token(page->next_page_token());
    } while (!request.page().page_token().empty());
    return ids;
  }
};

TEST_F(RedisDirectoryTest,
       EveryKindIsCreatedUpdatedAndDeactivatedWithVersions) {
  Seed();
  // Departments.
  v1::Department department = Must(store_->GetDepartment("kexie"));
  EXPECT_EQ(department.version(), 1);
  EXPECT_TRUE(department.active());
  department.set_name("济宁市科学技术协会");
  department = Must(UpdateDepartment(city_admin_, department, 1));
  EXPECT_EQ(department.version(), 2);
  EXPECT_EQ(Must(store_->GetDepartment("kexie")).name(), "济宁市科学技术协会");
  department = Must(directory_->DeactivateDepartment(
      city_admin_, Deactivation("kexie", 2, "")));
  EXPECT_EQ(department.version(), 3);
  EXPECT_FALSE(department.active());
  EXPECT_FALSE(Must(store_->GetDepartment("kexie")).active());

  // Service lines.
  v1::ServiceLine line = Must(store_->GetServiceLine("youth-science"));
  EXPECT_EQ(line.version(), 1);
  line.set_orderable(false);
  line = Must(UpdateLine(city_admin_, line, 1));
  EXPECT_EQ(line.version(), 2);
  EXPECT_FALSE(Must(store_->GetServiceLine("youth-science")).orderable());
  line = Must(directory_->DeactivateServiceLine(
      city_admin_, Deactivation("youth-science", 2, "")));
  EXPECT_EQ(line.version(), 3);
  EXPECT_FALSE(line.active());

  // Regions.
  v1::Region region = Must(store_->GetRegion("weishan-xiazhen"));
  EXPECT_EQ(region.version(), 1);
  region.set_name("夏镇街道");
  region = Must(UpdateRegion(city_admin_, region, 1));
  EXPECT_EQ(region.version(), 2);
  region = Must(directory_->DeactivateRegion(
      city_admin_, Deactivation("weishan-xiazhen", 2, "")));
  EXPECT_EQ(region.version(), 3);
  EXPECT_FALSE(Must(store_->GetRegion("weishan-xiazhen")).active());

  // Teams.
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  EXPECT_EQ(team.version(), 1);
  team.set_capacity(8);
  team = Must(UpdateTeam(city_admin_, team, 1));
  EXPECT_EQ(team.version(), 2);
  EXPECT_EQ(Must(store_->GetTeam("weishan-health")).capacity(), 8);
  team = Must(directory_->DeactivateTeam(
      city_admin_, Deactivation("weishan-health", 2, "")));
  EXPECT_EQ(team.version(), 3);
  EXPECT_FALSE(team.active());

  // Volunteers (their team is inactive now, but they already belonged to it).
  v1::Volunteer volunteer = Must(store_->GetVolunteer("v-zhao"));
  EXPECT_EQ(volunteer.version(), 1);
  volunteer.set_name("赵二");
  volunteer = Must(UpdateVolunteer(city_admin_, volunteer, 1));
  EXPECT_EQ(volunteer.version(), 2);
  volunteer = Must(directory_->DeactivateVolunteer(
      city_admin_, Deactivation("v-zhao", 2, "")));
  EXPECT_EQ(volunteer.version(), 3);
  EXPECT_FALSE(Must(store_->GetVolunteer("v-zhao")).active());
}

TEST_F(RedisDirectoryTest, TakenIdsStaleVersionsAndMissingRecordsAreRefused) {
  Seed();
  const std::string before = Digest();
  EXPECT_TRUE(absl::IsAlreadyExists(
      CreateDepartment(city_admin_, MakeDepartment("kexie")).status()));
  EXPECT_TRUE(absl::IsAlreadyExists(
      CreateTeam(city_admin_,
                 MakeTeam("weishan-health", {"elderly-health"}, {"weishan"}))
          .status()));

  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.set_capacity(9);
  ASSERT_TRUE(UpdateTeam(city_admin_, team, 1).ok());
  absl::Status stale = UpdateTeam(city_admin_, team, 1).status();
  EXPECT_TRUE(absl::IsAborted(stale)) << stale;
  EXPECT_THAT(std::string(stale.message()), HasSubstr("version 2"));
  EXPECT_TRUE(absl::IsAborted(
      directory_
          ->DeactivateTeam(city_admin_, Deactivation("weishan-health", 1, ""))
          .status()));
  const std::string after_update = Digest();
  EXPECT_NE(before, after_update);

  EXPECT_TRUE(absl::IsNotFound(
      UpdateDepartment(city_admin_, MakeDepartment("nobody"), 1).status()));
  EXPECT_TRUE(absl::IsNotFound(
      directory_->DeactivateRegion(city_admin_, Deactivation("nowhere", 1, ""))
          .status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetTeam("nobody").status()));
  EXPECT_TRUE(absl::IsNotFound(store_->GetServiceLine("nothing").status()));

  ASSERT_TRUE(
      directory_
          ->DeactivateTeam(city_admin_, Deactivation("weishan-health", 2, ""))
          .ok());
  const std::string deactivated = Digest();
  absl::Status again =
      directory_
          ->DeactivateTeam(city_admin_, Deactivation("weishan-health", 3, ""))
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  EXPECT_EQ(Digest(), deactivated);
}

TEST_F(RedisDirectoryTest, RetriesReturnTheFirstResultAndWriteNothing) {
  Seed();
  const v1::Team team =
      MakeTeam("weishan-farm", {"elderly-health"}, {"weishan-xiazhen"});
  const v1::Team created = Must(CreateTeam(city_admin_, team, "create-farm"));
  const std::string digest = Digest();
  const v1::Team retried = Must(CreateTeam(city_admin_, team, "create-farm"));
  EXPECT_EQ(retried.SerializeAsString(), created.SerializeAsString());
  EXPECT_EQ(Digest(), digest);

  // The record moved on; a retry of the first update still answers its result.
  v1::Team bigger = created;
  bigger.set_capacity(10);
  const v1::Team updated =
      Must(UpdateTeam(city_admin_, bigger, 1, "grow-team"));
  v1::Team renamed = updated;
  renamed.set_name("微山农技服务队");
  ASSERT_TRUE(UpdateTeam(city_admin_, renamed, 2, "rename-team").ok());
  const std::string moved_on = Digest();
  const v1::Team replayed =
      Must(UpdateTeam(city_admin_, bigger, 1, "grow-team"));
  EXPECT_EQ(replayed.SerializeAsString(), updated.SerializeAsString());
  EXPECT_EQ(replayed.version(), 2);
  EXPECT_EQ(Digest(), moved_on);

  // Deactivations too.
  v1::DeactivateRequest deactivate =
      Deactivation("weishan-farm", 3, "retire-farm");
  const v1::Team retired =
      Must(directory_->DeactivateTeam(city_admin_, deactivate));
  const std::string retired_digest = Digest();
  EXPECT_EQ(Must(directory_->DeactivateTeam(city_admin_, deactivate))
                .SerializeAsString(),
            retired.SerializeAsString());
  EXPECT_EQ(Digest(), retired_digest);

  // Request ids are scoped to the caller: another admin's "grow-team" is its
  // own.
  const v1::Principal other = Person("admin-2", v1::ROLE_ADMIN, "jining");
  v1::Department department = MakeDepartment("jiaoyu");
  EXPECT_TRUE(CreateDepartment(other, department, "grow-team").ok());
}

TEST_F(RedisDirectoryTest, ARequestIdReusedForOtherContentIsRefused) {
  Seed();
  ASSERT_TRUE(
      CreateDepartment(city_admin_, MakeDepartment("jiaoyu"), "department-1")
          .ok());
  const std::string digest = Digest();
  absl::Status reused =
      CreateDepartment(city_admin_, MakeDepartment("minzheng"), "department-1")
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(reused)) << reused;
  EXPECT_THAT(std::string(reused.message()), StartsWith("request_id"));
  // Another kind of request with the same id.
  v1::Team team = MakeTeam("x-team", {"elderly-health"}, {"weishan"});
  reused = CreateTeam(city_admin_, team, "department-1").status();
  EXPECT_TRUE(absl::IsInvalidArgument(reused)) << reused;
  EXPECT_EQ(Digest(), digest);
  EXPECT_TRUE(absl::IsNotFound(store_->GetDepartment("minzheng").status()));
}

TEST_F(RedisDirectoryTest, MissingReferencesAreRefusedNamingTheField) {
  Seed();
  const std::string digest = Digest();
  struct Case {
    absl::Status status;
    std::string path;
  };
  std::vector<Case> cases;
  cases.push_back(
      {CreateLine(city_admin_, MakeLine("x", "astronomy", {})).status(),
       "service_line.program_id: "});
  cases.push_back(
      {CreateLine(city_admin_, MakeLine("x", "youth", {"kexie", "nobody"}))
           .status(),
       "service_line.responsible_department_ids[1]: "});
  cases.push_back(
      {CreateRegion(city_admin_,
                    MakeRegion("x", v1::REGION_LEVEL_TOWN, "nowhere"))
           .status(),
       "region.parent_id: "});
  cases.push_back(
      {CreateTeam(city_admin_,
                  MakeTeam("x", {"elderly-health", "astronomy"}, {"weishan"}))
           .status(),
       "team.service_line_ids[1]: "});
  cases.push_back({CreateTeam(city_admin_, MakeTeam("x", {"elderly-health"},
                                                    {"weishan", "nowhere"}))
                       .status(),
                   "team.service_area_region_ids[1]: "});
  cases.push_back({CreateTeam(city_admin_, MakeTeam("x", {"elderly-health"},
                                                    {"weishan"}, "nobody"))
                       .status(),
                   "team.department_id: "});
  cases.push_back(
      {CreateVolunteer(city_admin_, MakeVolunteer("x", {"no-team"}, {}))
           .status(),
       "volunteer.team_ids[0]: "});
  cases.push_back(
      {CreateVolunteer(city_admin_,
                       MakeVolunteer("x", {"weishan-health"}, {"astronomy"}))
           .status(),
       "volunteer.skill_service_line_ids[0]: "});
  for (const Case& c : cases) {
    EXPECT_TRUE(absl::IsFailedPrecondition(c.status)) << c.status;
    EXPECT_THAT(std::string(c.status.message()), StartsWith(c.path));
  }
  // An update that adds a missing reference.
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.add_service_line_ids("astronomy");
  absl::Status status = UpdateTeam(city_admin_, team, 1).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()),
              StartsWith("team.service_line_ids[1]: "));
  EXPECT_EQ(Digest(), digest);
}

TEST_F(RedisDirectoryTest, OnlyReferencesHeldBeforeMayBeInactive) {
  Seed();
  ASSERT_TRUE(directory_
                  ->DeactivateServiceLine(city_admin_,
                                          Deactivation("elderly-health", 1, ""))
                  .ok());
  const std::string digest = Digest();
  // A new team may not take up the inactive line...
  absl::Status status =
      CreateTeam(city_admin_,
                 MakeTeam("new-team", {"elderly-health"}, {"weishan"}))
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("inactive"));
  EXPECT_EQ(Digest(), digest);
  // ...but a team that has it keeps it through an update.
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.set_capacity(5);
  EXPECT_TRUE(UpdateTeam(city_admin_, team, 1).ok());
}

TEST_F(RedisDirectoryTest, RegionLevelsMustFitTheirParents) {
  Seed();
  const std::string digest = Digest();
  for (const v1::Region& region :
       {MakeRegion("x", v1::REGION_LEVEL_COMMUNITY, "weishan"),
        MakeRegion("x", v1::REGION_LEVEL_TOWN, "jining"),
        MakeRegion("x", v1::REGION_LEVEL_TOWN, "weishan-xiazhen"),
        MakeRegion("x", v1::REGION_LEVEL_COUNTY, "weishan"),
        MakeRegion("x", v1::REGION_LEVEL_ZONE, "rencheng-guhuai")}) {
    absl::Status status = CreateRegion(city_admin_, region).status();
    EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
    EXPECT_THAT(std::string(status.message()),
                StartsWith("region.parent_id: "));
  }
  // The city's id is the tenant's.
  absl::Status city =
      CreateRegion(city_admin_, MakeRegion("qufu", v1::REGION_LEVEL_CITY, ""))
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(city)) << city;
  EXPECT_THAT(std::string(city.message()), StartsWith("region.id: "));
  EXPECT_EQ(Digest(), digest);
  // A zone holds towns.
  EXPECT_TRUE(
      CreateRegion(city_admin_, MakeRegion("gaoxin-huangtun",
                                           v1::REGION_LEVEL_TOWN, "gaoxin"))
          .ok());
}

TEST_F(RedisDirectoryTest, CountyIdIsDerivedWhateverTheCallerSent) {
  Seed();
  v1::Region town =
      MakeRegion("weishan-fuqiao", v1::REGION_LEVEL_TOWN, "weishan");
  town.set_county_id("rencheng");
  EXPECT_EQ(Must(CreateRegion(city_admin_, town)).county_id(), "weishan");
  v1::Region community = MakeRegion(
      "weishan-fuqiao-nancun", v1::REGION_LEVEL_COMMUNITY, "weishan-fuqiao");
  community.set_county_id("gaoxin");
  EXPECT_EQ(Must(CreateRegion(city_admin_, community)).county_id(), "weishan");
  EXPECT_EQ(Must(store_->GetRegion("weishan-fuqiao-nancun")).county_id(),
            "weishan");
  EXPECT_EQ(Must(store_->GetRegion("weishan")).county_id(), "weishan");
  EXPECT_EQ(Must(store_->GetRegion("gaoxin")).county_id(), "gaoxin");
  EXPECT_EQ(Must(store_->GetRegion("jining")).county_id(), "");
  EXPECT_EQ(Must(store_->GetRegion("rencheng-guhuai-zhuyuan")).county_id(),
            "rencheng");
  // An update cannot change it either.
  v1::Region stored = Must(store_->GetRegion("weishan-fuqiao-nancun"));
  stored.set_county_id("rencheng");
  EXPECT_EQ(Must(UpdateRegion(city_admin_, stored, 1)).county_id(), "weishan");
}

TEST_F(RedisDirectoryTest, RegionChainRunsUpToTheCity) {
  Seed();
  EXPECT_THAT(RegionIds(Must(store_->RegionChain("rencheng-guhuai-zhuyuan"))),
              ElementsAre("rencheng-guhuai-zhuyuan", "rencheng-guhuai",
                          "rencheng", "jining"));
  EXPECT_THAT(RegionIds(Must(store_->RegionChain("gaoxin"))),
              ElementsAre("gaoxin", "jining"));
  EXPECT_THAT(RegionIds(Must(store_->RegionChain("jining"))),
              ElementsAre("jining"));
  EXPECT_TRUE(absl::IsNotFound(store_->RegionChain("nowhere").status()));
  // The chain holds the regions as stored now.
  v1::Region town = Must(store_->GetRegion("rencheng-guhuai"));
  town.set_name("古槐街道");
  ASSERT_TRUE(UpdateRegion(city_admin_, town, 1).ok());
  EXPECT_EQ(Must(store_->RegionChain("rencheng-guhuai-zhuyuan"))[1].name(),
            "古槐街道");
}

TEST_F(RedisDirectoryTest, ARegionWithRegionsBelowItKeepsItsPlace) {
  Seed();
  const std::string digest = Digest();
  v1::Region town = Must(store_->GetRegion("weishan-xiazhen"));
  town.set_parent_id("rencheng");
  absl::Status status = UpdateRegion(city_admin_, town, 1).status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith("region.parent_id: "));
  EXPECT_EQ(Digest(), digest);

  // A community (nothing below it) may move; its county and chain follow.
  v1::Region community = Must(store_->GetRegion("weishan-xiazhen-dongcun"));
  community.set_parent_id("rencheng-guhuai");
  community = Must(UpdateRegion(city_admin_, community, 1));
  EXPECT_EQ(community.county_id(), "rencheng");
  EXPECT_THAT(RegionIds(Must(store_->RegionChain("weishan-xiazhen-dongcun"))),
              ElementsAre("weishan-xiazhen-dongcun", "rencheng-guhuai",
                          "rencheng", "jining"));
  EXPECT_THAT(Members(keys().RegionsByParent("weishan-xiazhen")), IsEmpty());
  EXPECT_THAT(
      Members(keys().RegionsByParent("rencheng-guhuai")),
      ElementsAre("rencheng-guhuai-zhuyuan", "weishan-xiazhen-dongcun"));
  // Now the town has nothing below it and may move.
  town = Must(store_->GetRegion("weishan-xiazhen"));
  town.set_parent_id("rencheng");
  EXPECT_EQ(Must(UpdateRegion(city_admin_, town, 1)).county_id(), "rencheng");
}

TEST_F(RedisDirectoryTest, TeamsServingFollowsTheRegionChain) {
  Seed();
  // weishan-health serves the county; add a town-level and a community-level
  // team in weishan, one in another county, and an inactive one.
  Must(CreateTeam(city_admin_, MakeTeam("xiazhen-doctors", {"elderly-health"},
                                        {"weishan-xiazhen"})));
  Must(CreateTeam(city_admin_, MakeTeam("dongcun-nurses",
                                        {"elderly-health", "youth-science"},
                                        {"weishan-xiazhen-dongcun"})));
  Must(CreateTeam(city_admin_, MakeTeam("rencheng-health", {"elderly-health"},
                                        {"rencheng"})));
  Must(CreateTeam(city_admin_,
                  MakeTeam("retired-team", {"elderly-health"}, {"weishan"})));
  ASSERT_TRUE(
      directory_
          ->DeactivateTeam(city_admin_, Deactivation("retired-team", 1, ""))
          .ok());

  std::vector<std::string> chain;
  for (const v1::Region& region :
       Must(store_->RegionChain("weishan-xiazhen-dongcun"))) {
    chain.push_back(region.id());
  }
  EXPECT_THAT(
      TeamIds(Must(store_->TeamsServing("elderly-health", chain))),
      ElementsAre("dongcun-nurses", "weishan-health", "xiazhen-doctors"));
  EXPECT_THAT(TeamIds(Must(store_->TeamsServing("youth-science", chain))),
              ElementsAre("dongcun-nurses"));
  EXPECT_THAT(
      TeamIds(Must(store_->TeamsServing(
          "elderly-health", {"rencheng-guhuai-zhuyuan", "rencheng-guhuai",
                             "rencheng", "jining"}))),
      ElementsAre("rencheng-health"));
  EXPECT_THAT(TeamIds(Must(store_->TeamsServing("elderly-health", {}))),
              IsEmpty());
  EXPECT_THAT(TeamIds(Must(store_->TeamsServing("nothing", chain))), IsEmpty());

  // An update moves the team in the indexes.
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.clear_service_line_ids();
  team.add_service_line_ids("youth-science");
  ASSERT_TRUE(UpdateTeam(city_admin_, team, 1).ok());
  EXPECT_THAT(TeamIds(Must(store_->TeamsServing("elderly-health", chain))),
              ElementsAre("dongcun-nurses", "xiazhen-doctors"));
  EXPECT_THAT(TeamIds(Must(store_->TeamsServing("youth-science", chain))),
              ElementsAre("dongcun-nurses", "weishan-health"));
  EXPECT_THAT(Members(keys().TeamsByLine("elderly-health")),
              ElementsAre("dongcun-nurses", "rencheng-health", "retired-team",
                          "xiazhen-doctors"));
}

TEST_F(RedisDirectoryTest, ListTeamsFiltersByLineRegionAndDepartment) {
  Seed();
  Must(CreateTeam(city_admin_,
                  MakeTeam("dongcun-nurses", {"elderly-health"},
                           {"weishan-xiazhen-dongcun"}, "weijian")));
  Must(CreateTeam(city_admin_, MakeTeam("dongcun-kids", {"youth-science"},
                                        {"weishan-xiazhen-dongcun"}, "kexie")));
  auto list = [this](const std::string& line, const std::string& region,
                     const std::string& department) {
    v1::ListTeamsRequest request;
    request.set_service_line_id(line);
    request.set_region_id(region);
    request.set_department_id(department);
    ExpectValid(request);
    return TeamIdsOf(Must(directory_->ListTeams(resident_, request)));
  };
  EXPECT_THAT(list("", "", ""),
              ElementsAre("dongcun-kids", "dongcun-nurses", "rencheng-youth",
                          "weishan-health"));
  EXPECT_THAT(list("elderly-health", "", ""),
              ElementsAre("dongcun-nurses", "weishan-health"));
  EXPECT_THAT(list("", "weishan-xiazhen-dongcun", ""),
              ElementsAre("dongcun-kids", "dongcun-nurses", "weishan-health"));
  EXPECT_THAT(list("", "weishan", ""), ElementsAre("weishan-health"));
  EXPECT_THAT(list("", "", "kexie"),
              ElementsAre("dongcun-kids", "rencheng-youth"));
  EXPECT_THAT(list("elderly-health", "weishan-xiazhen-dongcun", "weijian"),
              ElementsAre("dongcun-nurses", "weishan-health"));
  EXPECT_THAT(list("youth-science", "weishan-xiazhen-dongcun", "weijian"),
              IsEmpty());
  EXPECT_THAT(list("", "nowhere", ""), IsEmpty());
}

TEST_F(RedisDirectoryTest, PagesHaveNoGapsOrRepeats) {
  Seed();
  std::set<std::string> expected;
  for (int i = 0; i < 47; ++i) {
    const std::string id = absl::StrCat("weishan-xiazhen-c", 100 + i * 7 % 47);
    Must(CreateRegion(city_admin_, MakeRegion(id, v1::REGION_LEVEL_COMMUNITY,
                                              "weishan-xiazhen")));
  }
  // Deactivate every third one; they vanish from the default lists.
  int n = 0;
  std::set<std::string> active;
  for (const std::string& id :
       Members(keys().RegionsByParent("weishan-xiazhen"))) {
    if (n++ % 3 == 1) {
      ASSERT_TRUE(
          directory_->DeactivateRegion(city_admin_, Deactivation(id, 1, ""))
              .ok());
    } else {
      active.insert(id);
    }
    expected.insert(id);
  }
  ASSERT_EQ(expected.size(), 48u);  // with weishan-xiazhen-dongcun

  v1::ListRegionsRequest request;
  request.set_parent_id("weishan-xiazhen");
  request.mutable_page()->set_page_size(7);
  int pages = 0;
  std::vector<std::string> listed = AllPages(request, &pages);
  EXPECT_TRUE(std::is_sorted(listed.begin(), listed.end()));
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), active);
  EXPECT_EQ(listed.size(), active.size());
  EXPECT_EQ(pages, (static_cast<int>(active.size()) + 6) / 7);

  request.set_include_inactive(true);
  listed = AllPages(request, &pages);
  EXPECT_EQ(listed, std::vector<std::string>(expected.begin(), expected.end()));
  EXPECT_EQ(pages, 7);

  // The default page size is 20; a page of exactly the rest has no token.
  request.clear_page();
  absl::StatusOr<v1::ListRegionsResponse> first =
      directory_->ListRegions(resident_, request);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->regions_size(), 20);
  request.mutable_page()->set_page_size(48);
  EXPECT_TRUE(Must(directory_->ListRegions(resident_, request))
                  .next_page_token()
                  .empty());

  // Levels.
  v1::ListRegionsRequest counties;
  counties.set_level(v1::REGION_LEVEL_COUNTY);
  counties.mutable_page()->set_page_size(1);
  EXPECT_THAT(AllPages(counties, &pages), ElementsAre("rencheng", "weishan"));

  request.mutable_page()->set_page_token("not a token!");
  absl::Status bad = directory_->ListRegions(resident_, request).status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad)) << bad;
  EXPECT_THAT(std::string(bad.message()), StartsWith("page.page_token"));
}

TEST_F(RedisDirectoryTest, IncludeInactiveShowsDeactivatedRecords) {
  Seed();
  ASSERT_TRUE(
      directory_
          ->DeactivateDepartment(city_admin_, Deactivation("weijian", 1, ""))
          .ok());
  ASSERT_TRUE(directory_
                  ->DeactivateServiceLine(city_admin_,
                                          Deactivation("youth-science", 1, ""))
                  .ok());
  ASSERT_TRUE(
      directory_
          ->DeactivateTeam(city_admin_, Deactivation("rencheng-youth", 1, ""))
          .ok());
  ASSERT_TRUE(
      directory_
          ->DeactivateVolunteer(city_admin_, Deactivation("v-zhao", 1, ""))
          .ok());

  v1::ListDepartmentsRequest departments;
  EXPECT_EQ(Must(directory_->ListDepartments(resident_, departments))
                .departments_size(),
            1);
  departments.set_include_inactive(true);
  EXPECT_EQ(Must(directory_->ListDepartments(resident_, departments))
                .departments_size(),
            2);
  // The view lists every department.
  EXPECT_EQ(Must(store_->ListDepartments()).size(), 2u);

  v1::ListServiceLinesRequest lines;
  EXPECT_EQ(
      Must(directory_->ListServiceLines(resident_, lines)).service_lines_size(),
      1);
  lines.set_include_inactive(true);
  EXPECT_EQ(
      Must(directory_->ListServiceLines(resident_, lines)).service_lines_size(),
      2);

  v1::ListTeamsRequest teams;
  EXPECT_THAT(TeamIdsOf(Must(directory_->ListTeams(resident_, teams))),
              ElementsAre("weishan-health"));
  teams.set_include_inactive(true);
  EXPECT_THAT(TeamIdsOf(Must(directory_->ListTeams(resident_, teams))),
              ElementsAre("rencheng-youth", "weishan-health"));

  v1::ListVolunteersRequest volunteers;
  volunteers.set_team_id("weishan-health");
  EXPECT_EQ(
      Must(directory_->ListVolunteers(resident_, volunteers)).volunteers_size(),
      0);
  volunteers.set_include_inactive(true);
  EXPECT_EQ(
      Must(directory_->ListVolunteers(resident_, volunteers)).volunteers_size(),
      1);
  volunteers.set_team_id("rencheng-youth");
  EXPECT_EQ(
      Must(directory_->ListVolunteers(resident_, volunteers)).volunteers_size(),
      0);
}

TEST_F(RedisDirectoryTest, AnUpdateWithActiveTrueBringsARecordBack) {
  Seed();
  v1::Department department = Must(directory_->DeactivateDepartment(
      city_admin_, Deactivation("weijian", 1, "")));
  ASSERT_FALSE(department.active());
  // Sending the record as read keeps it inactive...
  department = Must(UpdateDepartment(city_admin_, department, 2));
  EXPECT_FALSE(department.active());
  // ...active = true reactivates it; active = false never deactivates.
  department.set_active(true);
  department = Must(UpdateDepartment(city_admin_, department, 3));
  EXPECT_TRUE(department.active());
  department.set_active(false);
  EXPECT_TRUE(Must(UpdateDepartment(city_admin_, department, 4)).active());
}

TEST_F(RedisDirectoryTest, PlatformFieldsAreKeptAndPhonesNormalized) {
  Seed();
  v1::Team team = MakeTeam("stats-team", {"elderly-health"}, {"weishan"});
  team.mutable_stats()->set_completed_orders(99);
  team.mutable_contact()->set_phone("+8613912345678");
  v1::Team created = Must(CreateTeam(city_admin_, team));
  EXPECT_FALSE(created.has_stats());
  EXPECT_EQ(created.contact().phone(), "13912345678");
  created.mutable_stats()->set_active_orders(5);
  EXPECT_FALSE(Must(UpdateTeam(city_admin_, created, 1)).has_stats());

  v1::Volunteer volunteer =
      MakeVolunteer("v-qian", {"weishan-health"}, {"elderly-health"});
  volunteer.set_approved_hours(120);
  *volunteer.mutable_joined_at() = ToProto(absl::FromUnixSeconds(1));
  v1::Volunteer stored = Must(CreateVolunteer(city_admin_, volunteer));
  EXPECT_EQ(stored.approved_hours(), 0);
  EXPECT_EQ(FromProto(stored.joined_at()), clock_.Now());
  clock_.Advance(absl::Hours(1));
  stored.set_approved_hours(7);
  stored.clear_joined_at();
  stored = Must(UpdateVolunteer(city_admin_, stored, 1));
  EXPECT_EQ(stored.approved_hours(), 0);
  EXPECT_EQ(FromProto(stored.joined_at()), clock_.Now() - absl::Hours(1));
}

TEST_F(RedisDirectoryTest, EveryWriteAppendsAnAuditEntry) {
  Seed();
  const size_t seeded = AuditEntries().size();
  EXPECT_EQ(seeded, 15u);
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.set_capacity(6);
  ASSERT_TRUE(UpdateTeam(city_admin_, team, 1, "grow-weishan").ok());
  ASSERT_TRUE(directory_
                  ->DeactivateTeam(city_admin_, Deactivation("weishan-health",
                                                             2, "retire-team"))
                  .ok());
  // Refused writes and retries leave no entry.
  EXPECT_FALSE(UpdateTeam(city_admin_, team, 1).ok());
  ASSERT_TRUE(UpdateTeam(city_admin_, team, 1, "grow-weishan").ok());

  std::vector<std::map<std::string, std::string>> entries = AuditEntries();
  ASSERT_EQ(entries.size(), seeded + 2);
  std::map<std::string, std::string> update = entries[seeded];
  EXPECT_EQ(update["action"], "kepu.v1.DirectoryService/UpdateTeam");
  EXPECT_EQ(update["target"], "team/weishan-health");
  EXPECT_EQ(update["actor"], "admin-city");
  EXPECT_EQ(update["role"], absl::StrCat(static_cast<int>(v1::ROLE_ADMIN)));
  EXPECT_EQ(update["request_id"], "grow-weishan");
  EXPECT_EQ(update["outcome"], "OK");
  EXPECT_EQ(update["at"], absl::StrCat(absl::ToUnixMillis(clock_.Now())));
  EXPECT_EQ(update.count("reason"), 0u);
  std::map<std::string, std::string> retire = entries[seeded + 1];
  EXPECT_EQ(retire["action"], "kepu.v1.DirectoryService/DeactivateTeam");
  EXPECT_EQ(retire["reason"], "不再提供");
  EXPECT_EQ(retire["request_id"], "retire-team");
  EXPECT_EQ(entries[0]["action"], "kepu.v1.DirectoryService/CreateDepartment");
  EXPECT_EQ(entries[0]["target"], "department/kexie");
  EXPECT_EQ(entries[2]["target"], "service_line/elderly-health");
}

TEST_F(RedisDirectoryTest, ConcurrentCallsOfOneRequestWriteOnce) {
  Seed();
  const size_t audited = AuditEntries().size();
  constexpr int kThreads = 8;
  const v1::Department department = MakeDepartment("jiaoyu");
  std::vector<absl::StatusOr<v1::Department>> results(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      v1::CreateDepartmentRequest request;
      request.set_request_id("create-jiaoyu");
      *request.mutable_department() = department;
      start.arrive_and_wait();
      results[i] = directory_->CreateDepartment(city_admin_, request);
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (const absl::StatusOr<v1::Department>& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_EQ(result->SerializeAsString(), results[0]->SerializeAsString());
  }
  EXPECT_EQ(AuditEntries().size(), audited + 1);
}

TEST_F(RedisDirectoryTest, OfConcurrentUpdatesOfOneVersionOneWins) {
  Seed();
  constexpr int kThreads = 8;
  const v1::Team team = Must(store_->GetTeam("weishan-health"));
  std::vector<absl::Status> results(kThreads);
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      v1::UpdateTeamRequest request;
      request.set_request_id(absl::StrCat("resize-", i, "-of-many"));
      *request.mutable_team() = team;
      request.mutable_team()->set_capacity(10 + i);
      request.set_expected_version(1);
      start.arrive_and_wait();
      results[i] = directory_->UpdateTeam(city_admin_, request).status();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int won = 0;
  for (const absl::Status& result : results) {
    if (result.ok()) {
      ++won;
    } else {
      EXPECT_TRUE(absl::IsAborted(result)) << result;
    }
  }
  EXPECT_EQ(won, 1);
  EXPECT_EQ(Must(store_->GetTeam("weishan-health")).version(), 2);
}

// The script repeats the checks that can change between the read and the
// write: a guard that changes Redis meanwhile shows each is atomic.
TEST_F(RedisDirectoryTest, TheScriptRepeatsEveryCheckThatCanRace) {
  Seed();
  int n = 0;
  auto write_of = [&](const google::protobuf::Message& request) {
    DirectoryWrite write;
    write.request = {"admin-city", absl::StrCat("direct-", ++n),
                     Fingerprint(request)};
    write.actor.set_user_id("admin-city");
    write.actor.set_role(v1::ROLE_ADMIN);
    write.action = "test";
    write.at = clock_.Now();
    return write;
  };

  // The parent region changes after it was read.
  v1::Region town =
      MakeRegion("weishan-fuqiao", v1::REGION_LEVEL_TOWN, "weishan");
  std::string digest;
  absl::Status status =
      store_
          ->Create<v1::Region>(
              write_of(town), town,
              [&](const v1::Region*, const v1::Region&) {
                v1::Region county = Must(store_->GetRegion("weishan"));
                county.set_name("微山县");
                EXPECT_TRUE(UpdateRegion(city_admin_, county, 1).ok());
                digest = Digest();
                return absl::OkStatus();
              })
          .status();
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_THAT(std::string(status.message()), HasSubstr("region weishan"));
  EXPECT_EQ(Digest(), digest);

  // The record itself changes after it was read.
  v1::Team team = Must(store_->GetTeam("weishan-health"));
  team.set_capacity(4);
  status = store_
               ->Update<v1::Team>(
                   write_of(team), team, 1,
                   [&](const v1::Team*, const v1::Team&) {
                     v1::Team other = team;
                     other.set_capacity(5);
                     EXPECT_TRUE(UpdateTeam(city_admin_, other, 1).ok());
                     digest = Digest();
                     return absl::OkStatus();
                   })
               .status();
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_EQ(Digest(), digest);

  // A region gets a child while it is being moved.
  v1::Region lone =
      MakeRegion("weishan-lone", v1::REGION_LEVEL_TOWN, "weishan");
  Must(CreateRegion(city_admin_, lone));
  lone = Must(store_->GetRegion("weishan-lone"));
  lone.set_parent_id("rencheng");
  status =
      store_
          ->Update<v1::Region>(
              write_of(lone), lone, 1,
              [&](const v1::Region*, const v1::Region&) {
                EXPECT_TRUE(CreateRegion(city_admin_,
                                         MakeRegion("weishan-lone-cun",
                                                    v1::REGION_LEVEL_COMMUNITY,
                                                    "weishan-lone"))
                                .ok());
                digest = Digest();
                return absl::OkStatus();
              })
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_EQ(Digest(), digest);
  EXPECT_EQ(Must(store_->GetRegion("weishan-lone")).county_id(), "weishan");

  // The guard's refusal is answered as is, and nothing is written.
  digest = Digest();
  status = store_
               ->Create<v1::Department>(
                   write_of(MakeDepartment("x-dept")), MakeDepartment("x-dept"),
                   [](const v1::Department*, const v1::Department&) {
                     return absl::PermissionDeniedError("no");
                   })
               .status();
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  EXPECT_EQ(Digest(), digest);
}

TEST_F(RedisDirectoryTest, ProgramsAreTheNineOfThePlan) {
  v1::ListProgramsResponse programs =
      Must(directory_->ListPrograms(resident_, v1::ListProgramsRequest()));
  std::vector<std::string> ids;
  for (const v1::Program& program : programs.programs()) {
    ids.push_back(program.id());
    EXPECT_TRUE(program.active());
    EXPECT_FALSE(program.name().empty());
  }
  EXPECT_THAT(
      ids, ElementsAre("youth", "farmers", "workers", "elderly", "officials",
                       "resources", "digital", "infrastructure", "grassroots"));
  EXPECT_EQ(programs.programs(3).name(), "老年人科学素质提升行动");
  EXPECT_EQ(programs.programs(2).audience(), v1::AUDIENCE_INDUSTRIAL_WORKERS);
  EXPECT_EQ(programs.programs(8).audience(), v1::AUDIENCE_GENERAL_PUBLIC);
}

TEST_F(RedisDirectoryTest, ServiceLinesFilterByProgramAudienceAndOrderable) {
  Seed();
  v1::ServiceLine policy = MakeLine("grassroots-policy", "grassroots", {});
  policy.set_orderable(false);
  Must(CreateLine(city_admin_, policy));
  auto list = [this](v1::ListServiceLinesRequest request) {
    ExpectValid(request);
    std::vector<std::string> ids;
    const v1::ListServiceLinesResponse response =
        Must(directory_->ListServiceLines(resident_, request));
    for (const v1::ServiceLine& line : response.service_lines()) {
      ids.push_back(line.id());
    }
    return ids;
  };
  v1::ListServiceLinesRequest request;
  EXPECT_THAT(list(request), ElementsAre("elderly-health", "grassroots-policy",
                                         "youth-science"));
  request.set_orderable_only(true);
  EXPECT_THAT(list(request), ElementsAre("elderly-health", "youth-science"));
  request.set_audience(v1::AUDIENCE_YOUTH);
  EXPECT_THAT(list(request), ElementsAre("youth-science"));
  request.Clear();
  request.set_audience(v1::AUDIENCE_GENERAL_PUBLIC);
  EXPECT_THAT(list(request), ElementsAre("grassroots-policy"));
  request.Clear();
  request.set_program_id("elderly");
  EXPECT_THAT(list(request), ElementsAre("elderly-health"));
}

TEST_F(RedisDirectoryTest, RedisDownIsUnavailable) {
  Seed();
  ASSERT_TRUE(server_->Kill().ok());
  EXPECT_TRUE(absl::IsUnavailable(store_->GetTeam("weishan-health").status()));
  EXPECT_TRUE(
      absl::IsUnavailable(store_->RegionChain("weishan-xiazhen").status()));
  EXPECT_TRUE(absl::IsUnavailable(
      CreateDepartment(city_admin_, MakeDepartment("jiaoyu")).status()));
}

}  // namespace
}  // namespace kepu::directory_testing
