#include "services/notify/sms_policy.h"

#include <algorithm>

namespace kepu::notify {
namespace {

int SecondsOfDay(TimeOfDay t) { return t.hour * 3600 + t.minute * 60; }

}  // namespace

absl::TimeZone KepuTimeZone() {
  static const absl::TimeZone zone = [] {
    absl::TimeZone loaded;
    if (absl::LoadTimeZone("Asia/Shanghai", &loaded)) return loaded;
    return absl::FixedTimeZone(8 * 3600);
  }();
  return zone;
}

QuietHours::QuietHours() : QuietHours({21, 0}, {8, 0}, KepuTimeZone()) {}

QuietHours::QuietHours(TimeOfDay start, TimeOfDay end, absl::TimeZone zone)
    : start_(start), end_(end), zone_(zone) {}

bool QuietHours::InQuiet(absl::Time t) const {
  const int start = SecondsOfDay(start_);
  const int end = SecondsOfDay(end_);
  if (start == end) return false;
  const absl::CivilSecond local = absl::ToCivilSecond(t, zone_);
  const int now = local.hour() * 3600 + local.minute() * 60 + local.second();
  if (start < end) return now >= start && now < end;
  return now >= start || now < end;  // crosses midnight
}

absl::Time QuietHours::NextAllowed(absl::Time t) const {
  if (!InQuiet(t)) return t;
  // The quiet period ends at `end_` today, or tomorrow when today's end has
  // passed (the evening part of a period that crosses midnight).
  absl::CivilDay day = absl::ToCivilDay(t, zone_);
  for (int i = 0; i < 2; ++i, ++day) {
    const absl::Time end =
        absl::FromCivil(absl::CivilMinute(day.year(), day.month(), day.day(),
                                          end_.hour, end_.minute),
                        zone_);
    if (end > t) return end;
  }
  return t;  // not reached: one of the two ends is after t
}

DailyCapWindow DailyCapWindowAt(absl::Time now, absl::TimeZone zone) {
  const absl::CivilDay today = absl::ToCivilDay(now, zone);
  const absl::Time midnight = absl::FromCivil(today + 1, zone);
  DailyCapWindow window;
  window.day_key = absl::FormatCivilTime(today);  // "2026-12-08"
  window.day_key.erase(
      std::remove(window.day_key.begin(), window.day_key.end(), '-'),
      window.day_key.end());
  window.ttl_seconds = std::max<int64_t>(
      1, absl::ToInt64Seconds(absl::Ceil(midnight - now, absl::Seconds(1))));
  return window;
}

CapDecision Decide(int sent_today, int cap, bool must_act) {
  if (sent_today < cap) return CapDecision::kSend;
  return must_act ? CapDecision::kSkipMustAct : CapDecision::kSkip;
}

}  // namespace kepu::notify
