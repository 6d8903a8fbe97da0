#include "services/core/ids.h"

#include <algorithm>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gtest/gtest.h"

namespace kepu {
namespace {

const absl::Time kStart = absl::FromUnixMillis(1'800'000'000'123);

TEST(IdGeneratorTest, IdsHaveTheDocumentedForm) {
  FakeClock clock(kStart);
  IdGenerator ids(clock, 42);
  const std::string id = ids.Next();
  EXPECT_EQ(id.size(), 26u);
  EXPECT_TRUE(IdGenerator::IsValid(id));
  EXPECT_EQ(IdGenerator::TimeOf(id), kStart);
}

TEST(IdGeneratorTest, IdsSortByTimeAcrossMilliseconds) {
  FakeClock clock(kStart);
  IdGenerator ids(clock, 1);
  std::vector<std::string> made;
  for (int i = 0; i < 100; ++i) {
    made.push_back(ids.Next());
    clock.Advance(absl::Milliseconds(1 + i % 3));
  }
  EXPECT_TRUE(std::is_sorted(made.begin(), made.end()));
  EXPECT_EQ(IdGenerator::TimeOf(made.back()),
            clock.Now() - absl::Milliseconds(1 + 99 % 3));
}

TEST(IdGeneratorTest, IdsWithinOneMillisecondStillIncrease) {
  FakeClock clock(kStart);
  IdGenerator ids(clock, 7);
  std::string previous = ids.Next();
  for (int i = 0; i < 10'000; ++i) {
    std::string next = ids.Next();
    ASSERT_LT(previous, next);
    previous = next;
  }
}

TEST(IdGeneratorTest, ClockSteppingBackDoesNotBreakOrder) {
  FakeClock clock(kStart);
  IdGenerator ids(clock, 7);
  const std::string first = ids.Next();
  clock.Advance(absl::Seconds(-5));
  EXPECT_LT(first, ids.Next());
}

TEST(IdGeneratorTest, GeneratorsWithOsSeedsDoNotCollideUnderThreads) {
  // Eight generators (as eight processes would have) on eight threads, all in
  // the same millisecond.
  FakeClock clock(kStart);
  std::vector<std::vector<std::string>> made(8);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&clock, &made, t] {
      IdGenerator ids(clock);
      for (int i = 0; i < 5000; ++i) made[t].push_back(ids.Next());
    });
  }
  for (auto& thread : threads) thread.join();
  std::set<std::string> all;
  for (const auto& ids : made) all.insert(ids.begin(), ids.end());
  EXPECT_EQ(all.size(), 8u * 5000u);
}

TEST(IdGeneratorTest, IsValidRejectsOtherText) {
  EXPECT_FALSE(IdGenerator::IsValid(""));
  EXPECT_FALSE(
      IdGenerator::IsValid("01JD8X3Q4M7Y2K9V5T6R1W0ZP"));  // 25 characters
  EXPECT_FALSE(
      IdGenerator::IsValid("01JD8X3Q4M7Y2K9V5T6R1W0ZPU"));  // U is not base32
  EXPECT_FALSE(IdGenerator::IsValid(
      "81JD8X3Q4M7Y2K9V5T6R1W0ZPN"));  // overflows 128 bits
  EXPECT_TRUE(IdGenerator::IsValid("01JD8X3Q4M7Y2K9V5T6R1W0ZPN"));
  EXPECT_FALSE(IdGenerator::IsValid(
      "01jd8x3q4m7y2k9v5t6r1w0zpn"));  // ids are stored upper case
  EXPECT_EQ(IdGenerator::TimeOf("nonsense"), absl::InfinitePast());
}

}  // namespace
}  // namespace kepu
