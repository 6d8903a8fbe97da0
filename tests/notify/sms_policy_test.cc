#include "services/notify/sms_policy.h"

#include <gtest/gtest.h>

namespace kepu::notify {
namespace {

// Local (Asia/Shanghai) wall time.
absl::Time Local(int y, int mo, int d, int h, int mi, int s = 0) {
  return absl::FromCivil(absl::CivilSecond(y, mo, d, h, mi, s), KepuTimeZone());
}

TEST(KepuTimeZone, IsUtcPlusEightAllYear) {
  // No daylight saving: the same offset in January and July.
  const absl::Time winter = absl::FromUnixSeconds(1767225600);  // 2026-01-01
  const absl::Time summer = absl::FromUnixSeconds(1782864000);  // 2026-07-01
  EXPECT_EQ(KepuTimeZone().At(winter).offset, 8 * 3600);
  EXPECT_EQ(KepuTimeZone().At(summer).offset, 8 * 3600);
  // 2026-12-08 00:00 in Jining is 2026-12-07 16:00 UTC.
  EXPECT_EQ(Local(2026, 12, 8, 0, 0),
            absl::FromCivil(absl::CivilSecond(2026, 12, 7, 16, 0, 0),
                            absl::UTCTimeZone()));
}

TEST(QuietHours, DefaultIsNineInTheEveningToEightInTheMorning) {
  const QuietHours quiet;
  EXPECT_FALSE(quiet.InQuiet(Local(2026, 12, 8, 20, 59, 59)));
  EXPECT_TRUE(quiet.InQuiet(Local(2026, 12, 8, 21, 0, 0)));  // start: quiet
  EXPECT_TRUE(quiet.InQuiet(Local(2026, 12, 8, 23, 59, 59)));
  EXPECT_TRUE(quiet.InQuiet(Local(2026, 12, 9, 0, 0, 0)));  // past midnight
  EXPECT_TRUE(quiet.InQuiet(Local(2026, 12, 9, 7, 59, 59)));
  EXPECT_FALSE(quiet.InQuiet(Local(2026, 12, 9, 8, 0, 0)));  // end: allowed
  EXPECT_FALSE(quiet.InQuiet(Local(2026, 12, 9, 12, 0, 0)));
}

TEST(QuietHours, IsJudgedInLocalTimeNotUtc) {
  const QuietHours quiet;
  // 13:30 UTC is 21:30 in Jining: quiet, though mid-afternoon in UTC.
  const absl::Time t = absl::FromCivil(
      absl::CivilSecond(2026, 12, 8, 13, 30, 0), absl::UTCTimeZone());
  EXPECT_TRUE(quiet.InQuiet(t));
  // 01:00 UTC is 09:00 in Jining: allowed.
  EXPECT_FALSE(quiet.InQuiet(absl::FromCivil(
      absl::CivilSecond(2026, 12, 8, 1, 0, 0), absl::UTCTimeZone())));
}

TEST(QuietHours, NextAllowedIsTheEndOfThisQuietPeriod) {
  const QuietHours quiet;
  // Not quiet: now.
  const absl::Time noon = Local(2026, 12, 8, 12, 0);
  EXPECT_EQ(quiet.NextAllowed(noon), noon);
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 8, 8, 0)),
            Local(2026, 12, 8, 8, 0));
  // The evening part: tomorrow 08:00.
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 8, 21, 0)),
            Local(2026, 12, 9, 8, 0));
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 8, 23, 59, 59)),
            Local(2026, 12, 9, 8, 0));
  // The morning part: today 08:00.
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 9, 0, 0)),
            Local(2026, 12, 9, 8, 0));
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 9, 7, 59, 59)),
            Local(2026, 12, 9, 8, 0));
  // Across a month's and a year's end.
  EXPECT_EQ(quiet.NextAllowed(Local(2026, 12, 31, 22, 0)),
            Local(2027, 1, 1, 8, 0));
}

TEST(QuietHours, WindowWithinOneDay) {
  const QuietHours lunch({12, 0}, {13, 30}, KepuTimeZone());
  EXPECT_FALSE(lunch.InQuiet(Local(2026, 12, 8, 11, 59, 59)));
  EXPECT_TRUE(lunch.InQuiet(Local(2026, 12, 8, 12, 0)));
  EXPECT_TRUE(lunch.InQuiet(Local(2026, 12, 8, 13, 29, 59)));
  EXPECT_FALSE(lunch.InQuiet(Local(2026, 12, 8, 13, 30)));
  EXPECT_FALSE(lunch.InQuiet(Local(2026, 12, 8, 23, 0)));
  EXPECT_FALSE(lunch.InQuiet(Local(2026, 12, 8, 3, 0)));
  EXPECT_EQ(lunch.NextAllowed(Local(2026, 12, 8, 12, 45)),
            Local(2026, 12, 8, 13, 30));
}

TEST(QuietHours, StartEqualToEndMeansNone) {
  const QuietHours none({21, 0}, {21, 0}, KepuTimeZone());
  for (int hour = 0; hour < 24; ++hour) {
    const absl::Time t = Local(2026, 12, 8, hour, 0);
    EXPECT_FALSE(none.InQuiet(t)) << hour;
    EXPECT_EQ(none.NextAllowed(t), t) << hour;
  }
}

TEST(QuietHours, FixedPlusEightAgreesWithTzdata) {
  const QuietHours tzdata;
  const QuietHours fixed({21, 0}, {8, 0}, absl::FixedTimeZone(8 * 3600));
  for (int minutes = 0; minutes < 48 * 60; minutes += 7) {
    const absl::Time t = Local(2026, 12, 8, 0, 0) + absl::Minutes(minutes);
    EXPECT_EQ(tzdata.InQuiet(t), fixed.InQuiet(t)) << minutes;
    EXPECT_EQ(tzdata.NextAllowed(t), fixed.NextAllowed(t)) << minutes;
  }
}

TEST(DailyCapWindow, LocalDayAndSecondsToLocalMidnight) {
  DailyCapWindow w = DailyCapWindowAt(Local(2026, 12, 8, 23, 59, 0));
  EXPECT_EQ(w.day_key, "20261208");
  EXPECT_EQ(w.ttl_seconds, 60);
  // 07:30 local on the 9th is still the 8th in UTC: the key is local.
  w = DailyCapWindowAt(Local(2026, 12, 9, 7, 30));
  EXPECT_EQ(w.day_key, "20261209");
  EXPECT_EQ(w.ttl_seconds, 16 * 3600 + 30 * 60);
  // Midnight itself starts the new day with a full day to live.
  w = DailyCapWindowAt(Local(2027, 1, 1, 0, 0));
  EXPECT_EQ(w.day_key, "20270101");
  EXPECT_EQ(w.ttl_seconds, 24 * 3600);
  // Half a second before midnight: rounded up, never zero.
  w = DailyCapWindowAt(Local(2026, 12, 31, 23, 59, 59) +
                       absl::Milliseconds(500));
  EXPECT_EQ(w.day_key, "20261231");
  EXPECT_EQ(w.ttl_seconds, 1);
}

TEST(Decide, TheCapHoldsForEveryMessage) {
  EXPECT_EQ(Decide(0, 5, false), CapDecision::kSend);
  EXPECT_EQ(Decide(4, 5, false), CapDecision::kSend);  // the fifth goes
  EXPECT_EQ(Decide(5, 5, false), CapDecision::kSkip);  // the sixth does not
  EXPECT_EQ(Decide(4, 5, true), CapDecision::kSend);
  // Must-act messages do not exceed it either; they are flagged instead.
  EXPECT_EQ(Decide(5, 5, true), CapDecision::kSkipMustAct);
  EXPECT_EQ(Decide(50, 5, true), CapDecision::kSkipMustAct);
  // A cap of zero (or less) sends nothing.
  EXPECT_EQ(Decide(0, 0, false), CapDecision::kSkip);
  EXPECT_EQ(Decide(0, -1, true), CapDecision::kSkipMustAct);
}

}  // namespace
}  // namespace kepu::notify
