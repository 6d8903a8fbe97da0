// Which grants and accounts an admin reaches, and which grant scopes exist:
// the rules written out case by case against a small directory.
#include "services/core/admin_scope.h"

#include "absl/strings/match.h"
#include "gtest/gtest.h"
#include "services/core/testing/fake_directory.h"
#include "services/identity/grant_scope.h"
#include "tests/identity/identity_fixtures.h"

namespace kepu {
namespace {

using testing::Grant;

v1::Principal Admin(const std::string& scope) {
  v1::Principal principal;
  principal.set_user_id("admin");
  principal.set_tenant(testing::kTenant);
  *principal.add_grants() = Grant(v1::ROLE_ADMIN, scope);
  return principal;
}

class AdminScopeTest : public ::testing::Test {
 protected:
  void SetUp() override { testing::FillDirectory(directory_); }

  bool Covers(const v1::Principal& admin, const v1::RoleGrant& grant) {
    AdminScope scope(admin, directory_);
    absl::StatusOr<bool> covered = scope.Covers(grant);
    EXPECT_TRUE(covered.ok()) << covered.status();
    return covered.value_or(false);
  }

  FakeDirectory directory_;
};

TEST_F(AdminScopeTest, CityAdminReachesEverything) {
  const v1::Principal city = Admin(testing::kTenant);
  AdminScope scope(city, directory_);
  EXPECT_TRUE(scope.is_admin());
  EXPECT_TRUE(scope.is_city_admin());
  for (const v1::RoleGrant& grant :
       {Grant(v1::ROLE_RESIDENT), Grant(v1::ROLE_DEPARTMENT_STAFF, "kexie"),
        Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong),
        Grant(v1::ROLE_TEAM_LEADER, testing::kCrossTeam),
        Grant(v1::ROLE_ADMIN, testing::kTenant),
        Grant(v1::ROLE_ADMIN, testing::kYanzhou),
        Grant(v1::ROLE_COMMUNITY_WORKER, "no-such-community")}) {
    EXPECT_TRUE(Covers(city, grant)) << grant.ShortDebugString();
  }
  v1::User resident;
  resident.add_grants()->set_role(v1::ROLE_RESIDENT);
  EXPECT_EQ(*scope.ReachOf(resident), Reach::kWhole);
  EXPECT_EQ(*scope.ReachOf(v1::User()), Reach::kWhole);
}

TEST_F(AdminScopeTest, CountyAdminReachesGrantsInsideTheCountyOnly) {
  const v1::Principal county = Admin(testing::kRencheng);
  struct Case {
    v1::RoleGrant grant;
    bool covered;
  };
  const Case cases[] = {
      // Communities and towns inside the county; not outside.
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan), true},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kGuhuai), true},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong), false},
      {Grant(v1::ROLE_COMMUNITY_WORKER, "no-such-community"), false},
      // Teams that serve only regions inside it.
      {Grant(v1::ROLE_TEAM_LEADER, testing::kRenchengTeam), true},
      {Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam), true},
      {Grant(v1::ROLE_TEAM_LEADER, testing::kCrossTeam), false},
      {Grant(v1::ROLE_VOLUNTEER, testing::kYanzhouTeam), false},
      {Grant(v1::ROLE_TEAM_LEADER, "no-such-team"), false},
      // Admin of that county only.
      {Grant(v1::ROLE_ADMIN, testing::kRencheng), true},
      {Grant(v1::ROLE_ADMIN, testing::kYanzhou), false},
      {Grant(v1::ROLE_ADMIN, testing::kTenant), false},
      // Departments and residents: the city's.
      {Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie), false},
      {Grant(v1::ROLE_RESIDENT), false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(Covers(county, c.grant), c.covered) << c.grant.ShortDebugString();
  }
  AdminScope scope(county, directory_);
  EXPECT_TRUE(scope.is_admin());
  EXPECT_FALSE(scope.is_city_admin());
}

TEST_F(AdminScopeTest, ReachOfAnAccountCountsItsGrants) {
  AdminScope scope(Admin(testing::kRencheng), directory_);
  v1::User inside;
  *inside.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  *inside.add_grants() = Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam);
  EXPECT_EQ(*scope.ReachOf(inside), Reach::kWhole);

  v1::User partly = inside;
  *partly.add_grants() = Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie);
  EXPECT_EQ(*scope.ReachOf(partly), Reach::kPartly);

  v1::User outside;
  *outside.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong);
  EXPECT_EQ(*scope.ReachOf(outside), Reach::kNone);

  v1::User resident;
  *resident.add_grants() = Grant(v1::ROLE_RESIDENT);
  EXPECT_EQ(*scope.ReachOf(resident), Reach::kNone);
  EXPECT_EQ(*scope.ReachOf(v1::User()), Reach::kNone);
}

TEST_F(AdminScopeTest, OnlyAdminGrantsMakeAnAdmin) {
  v1::Principal worker;
  worker.set_tenant(testing::kTenant);
  *worker.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  AdminScope scope(worker, directory_);
  EXPECT_FALSE(scope.is_admin());
  EXPECT_FALSE(
      *scope.Covers(Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)));
  v1::User user;
  *user.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  EXPECT_EQ(*scope.ReachOf(user), Reach::kNone);
}

TEST_F(AdminScopeTest, ADirectoryThatIsDownIsUnavailable) {
  AdminScope scope(Admin(testing::kRencheng), directory_);
  directory_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(
      scope.Covers(Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan))
          .status()));
  EXPECT_TRUE(absl::IsUnavailable(
      CheckGrantScope(Grant(v1::ROLE_TEAM_LEADER, testing::kRenchengTeam),
                      testing::kTenant, directory_, "grant")));
}

TEST_F(AdminScopeTest, GrantScopesMustExistAndFitTheRole) {
  struct Case {
    v1::RoleGrant grant;
    const char* error;  // nullptr: accepted
  };
  const Case cases[] = {
      {Grant(v1::ROLE_RESIDENT), nullptr},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan), nullptr},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kGuhuai), nullptr},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kRencheng),
       "grants[2].scope_id: must be a community or town"},
      {Grant(v1::ROLE_COMMUNITY_WORKER, "nowhere"),
       "grants[2].scope_id: must be a community or town"},
      {Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie), nullptr},
      {Grant(v1::ROLE_DEPARTMENT_STAFF, "no-such-department"),
       "grants[2].scope_id: must be a department"},
      {Grant(v1::ROLE_TEAM_LEADER, testing::kCrossTeam), nullptr},
      {Grant(v1::ROLE_VOLUNTEER, "no-such-team"),
       "grants[2].scope_id: must be a team"},
      {Grant(v1::ROLE_ADMIN, testing::kTenant), nullptr},
      {Grant(v1::ROLE_ADMIN, testing::kYanzhou), nullptr},
      {Grant(v1::ROLE_ADMIN, testing::kGaoxin), nullptr},
      {Grant(v1::ROLE_ADMIN, testing::kZhuyuan),
       "grants[2].scope_id: must be the city (jining) or a county"},
      {Grant(v1::ROLE_SYSTEM, "x"), "grants[2].role: cannot be granted"},
  };
  for (const Case& c : cases) {
    const absl::Status status =
        CheckGrantScope(c.grant, testing::kTenant, directory_, "grants[2]");
    if (c.error == nullptr) {
      EXPECT_TRUE(status.ok()) << c.grant.ShortDebugString() << ": " << status;
    } else {
      EXPECT_TRUE(absl::IsInvalidArgument(status))
          << c.grant.ShortDebugString() << ": " << status;
      EXPECT_TRUE(absl::StartsWith(status.message(), c.error))
          << c.grant.ShortDebugString() << ": " << status;
    }
  }
}

}  // namespace
}  // namespace kepu
