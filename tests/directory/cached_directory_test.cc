// CachedDirectory over the in-memory directory and a fake clock: what it
// remembers, for how long, and what it never remembers.
#include "services/directory/cached_directory.h"

#include "gtest/gtest.h"
#include "services/core/testing/fake_directory.h"

namespace kepu {
namespace {

v1::ServiceLine Line(const std::string& name) {
  v1::ServiceLine line;
  line.set_id("elderly-health");
  line.set_name(name);
  line.set_active(true);
  return line;
}

v1::Region Community(const std::string& name) {
  v1::Region region;
  region.set_id("zhuyuan");
  region.set_level(v1::REGION_LEVEL_COMMUNITY);
  region.set_name(name);
  region.set_active(true);
  return region;
}

class CachedDirectoryTest : public ::testing::Test {
 protected:
  FakeDirectory source_;
  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  CachedDirectory cache_{source_, clock_, absl::Seconds(5)};
};

TEST_F(CachedDirectoryTest, AChangeShowsOnceTheTtlHasPassed) {
  source_.Put(Line("老年健康"));
  ASSERT_EQ(cache_.GetServiceLine("elderly-health")->name(), "老年健康");

  source_.Put(Line("老年健康讲座"));  // changed through another replica
  clock_.Advance(absl::Seconds(4));
  EXPECT_EQ(cache_.GetServiceLine("elderly-health")->name(), "老年健康");
  clock_.Advance(absl::Seconds(1));
  EXPECT_EQ(cache_.GetServiceLine("elderly-health")->name(), "老年健康讲座");
}

TEST_F(CachedDirectoryTest, ClearForgetsEverythingAtOnce) {
  source_.Put(Line("老年健康"));
  source_.Put(Community("竹竿巷"));
  ASSERT_TRUE(cache_.GetServiceLine("elderly-health").ok());
  ASSERT_TRUE(cache_.GetRegion("zhuyuan").ok());

  source_.Put(Line("老年健康讲座"));
  source_.Put(Community("竹竿巷社区"));
  cache_.Clear();
  EXPECT_EQ(cache_.GetServiceLine("elderly-health")->name(), "老年健康讲座");
  EXPECT_EQ(cache_.GetRegion("zhuyuan")->name(), "竹竿巷社区");
}

TEST_F(CachedDirectoryTest, ErrorsAreNotRemembered) {
  EXPECT_TRUE(
      absl::IsNotFound(cache_.GetServiceLine("elderly-health").status()));
  source_.Put(Line("老年健康"));  // created a moment later
  EXPECT_TRUE(cache_.GetServiceLine("elderly-health").ok());

  source_.Put(Community("竹竿巷"));
  source_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(cache_.GetRegion("zhuyuan").status()));
  source_.SetUnavailable(false);
  EXPECT_TRUE(cache_.GetRegion("zhuyuan").ok());
}

TEST_F(CachedDirectoryTest, AnswersFromMemoryWhileTheStoreIsDown) {
  source_.Put(Line("老年健康"));
  ASSERT_TRUE(cache_.GetServiceLine("elderly-health").ok());
  source_.SetUnavailable(true);
  EXPECT_TRUE(cache_.GetServiceLine("elderly-health").ok());
  clock_.Advance(absl::Seconds(5));
  EXPECT_TRUE(
      absl::IsUnavailable(cache_.GetServiceLine("elderly-health").status()));
}

TEST_F(CachedDirectoryTest, TeamsAreAlwaysReadAfresh) {
  v1::Team team;
  team.set_id("team-a");
  team.set_capacity(2);
  team.set_active(true);
  source_.Put(team);
  ASSERT_EQ(cache_.GetTeam("team-a")->capacity(), 2);
  team.set_capacity(3);
  source_.Put(team);
  EXPECT_EQ(cache_.GetTeam("team-a")->capacity(), 3);
}

TEST(CachedDirectoryZeroTtlTest, ReadsTheSourceEveryTime) {
  FakeDirectory source;
  FakeClock clock(absl::FromUnixSeconds(1'800'000'000));
  CachedDirectory cache(source, clock, absl::ZeroDuration());
  source.Put(Line("老年健康"));
  ASSERT_EQ(cache.GetServiceLine("elderly-health")->name(), "老年健康");
  source.Put(Line("老年健康讲座"));
  EXPECT_EQ(cache.GetServiceLine("elderly-health")->name(), "老年健康讲座");
}

}  // namespace
}  // namespace kepu
