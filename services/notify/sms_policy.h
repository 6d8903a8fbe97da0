// When an SMS may go out: quiet hours (no texts at night, local time) and a
// daily cap per phone number. Pure logic with no I/O and no clock of its own:
// every function takes the time it decides for, so tests fix it.
//
// Thread safety: everything here is a pure function or an immutable value;
// safe from any number of threads.
#pragma once

#include <cstdint>
#include <string>

#include "absl/time/civil_time.h"
#include "absl/time/time.h"

namespace kepu::notify {

// Kepu's local time: Asia/Shanghai from tzdata (absl::LoadTimeZone), or a
// fixed UTC+08:00 when tzdata is missing (China has kept +08:00 without
// daylight saving since 1991, so the two agree for any time Kepu sees).
absl::TimeZone KepuTimeZone();

// A time of day, local: hour 0..23, minute 0..59.
struct TimeOfDay {
  int hour = 0;
  int minute = 0;
};

// A daily quiet period [start, end) in local time. When start > end the
// period crosses midnight (21:00-08:00: quiet from 21:00 to 08:00 the next
// morning); when start < end it lies within one day (13:00-14:00); when
// start == end there is none.
class QuietHours {
 public:
  // Kepu's default: 21:00 to 08:00, Asia/Shanghai.
  QuietHours();
  QuietHours(TimeOfDay start, TimeOfDay end, absl::TimeZone zone);

  // Whether `t` falls in the quiet period: the start is inside (21:00:00 is
  // quiet), the end is not (08:00:00 is allowed again).
  bool InQuiet(absl::Time t) const;
  // The earliest time at or after `t` when a text may go: `t` itself when not
  // quiet, else the end of this quiet period (the worker holds the message
  // until then).
  absl::Time NextAllowed(absl::Time t) const;

  TimeOfDay start() const { return start_; }
  TimeOfDay end() const { return end_; }
  absl::TimeZone zone() const { return zone_; }

 private:
  TimeOfDay start_;
  TimeOfDay end_;
  absl::TimeZone zone_;
};

// The local day a per-phone SMS counter belongs to, for the worker's
//   INCR sms:count:<phone>:<day_key>   then   EXPIRE ... <ttl_seconds>
// (set the expiry when INCR answers 1). day_key is "YYYYMMDD" of `now` in
// `zone`; ttl_seconds is the whole seconds from `now` to the next local
// midnight, rounded up, at least 1, so the counter lives as long as its day
// and a new day starts a new key.
struct DailyCapWindow {
  std::string day_key;
  int64_t ttl_seconds = 0;
};
DailyCapWindow DailyCapWindowAt(absl::Time now,
                                absl::TimeZone zone = KepuTimeZone());

enum class CapDecision {
  // Under the cap: send the text.
  kSend,
  // Over the cap, a routine message: no text; the in-app inbox still has it.
  kSkip,
  // Over the cap, a message someone must act on (an order waiting on them):
  // no text either, since the cap holds for every message, but the worker
  // should record it where people look (the escalation or audit trail), as
  // the in-app inbox alone may not be seen in time.
  kSkipMustAct,
};

// Whether one more text may go to a phone that has been sent `sent_today`
// texts this local day (not counting this one), under a cap of `cap` per day
// (cap <= 0: no texts at all). The cap holds for all messages, must-act ones
// included: it protects people from being flooded, and a must-act message is
// still in the in-app inbox and in the watchdog's escalations.
// With the INCR above, `sent_today` is INCR's answer minus one.
CapDecision Decide(int sent_today, int cap, bool must_act);

}  // namespace kepu::notify
