#include "tests/support/freeze_drill.h"

#include <algorithm>
#include <atomic>
#include <iostream>
#include <thread>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace kepu::testing {
namespace {

struct TimedCall {
  absl::Time started;
  absl::Time ended;
  CallAnswer answer;
};

}  // namespace

void RunFreezeDrill(
    RedisServer& redis, const FreezeDrillOptions& options,
    const std::function<CallAnswer(int caller, int index)>& call) {
  std::atomic<bool> stop{false};
  absl::Mutex mu;
  std::vector<std::vector<TimedCall>> calls(options.callers);
  std::vector<std::thread> callers;
  for (int c = 0; c < options.callers; ++c) {
    callers.emplace_back([&, c] {
      for (int i = 0; !stop.load(); ++i) {
        const absl::Time started = absl::Now();
        CallAnswer answer = call(c, i);
        const absl::Time ended = absl::Now();
        absl::MutexLock lock(&mu);
        calls[c].push_back({started, ended, std::move(answer)});
      }
    });
  }
  // However the drill ends, the callers stop first (then Redis, thawed).
  absl::Cleanup stop_callers = [&] {
    stop = true;
    for (std::thread& caller : callers) caller.join();
  };
  // Whether every caller has had a call started after `after` answer OK,
  // within `within` from now.
  auto every_caller_ok_after = [&](absl::Time after, absl::Duration within) {
    auto done = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
      return std::all_of(
          calls.begin(), calls.end(), [&](const std::vector<TimedCall>& mine) {
            return std::any_of(
                mine.begin(), mine.end(), [&](const TimedCall& timed) {
                  return timed.started > after &&
                         timed.answer.code == absl::StatusCode::kOk;
                });
          });
    };
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(&done), within);
  };
  ASSERT_TRUE(every_caller_ok_after(absl::InfinitePast(), absl::Seconds(30)))
      << "not every caller answered OK before the freeze";

  ASSERT_TRUE(redis.Freeze().ok());
  const absl::Time frozen = absl::Now();
  absl::SleepFor(options.outage);  // the outage the drill is about
  const absl::Time thawing = absl::Now();
  ASSERT_TRUE(redis.Thaw().ok());
  // Calls work again by themselves, at once: each caller's next call (at
  // most one limit away) answers OK.
  const bool recovered = every_caller_ok_after(thawing, options.limit * 2);
  std::move(stop_callers).Invoke();
  EXPECT_TRUE(recovered) << "not every caller answered OK within "
                         << options.limit * 2 << " of Redis resuming";

  // A caller makes a call per limit at least; the ones in flight as the
  // freeze begins and ends do not count.
  const int at_least = static_cast<int>(options.outage / options.limit) - 1;
  absl::Duration slowest;
  for (int c = 0; c < options.callers; ++c) {
    int unavailable_while_frozen = 0;
    for (const TimedCall& timed : calls[c]) {
      const absl::Duration took = timed.ended - timed.started;
      slowest = std::max(slowest, took);
      const std::string described =
          absl::StrCat("caller ", c, ": ", timed.answer.detail, " started ",
                       absl::FormatDuration(timed.started - frozen),
                       " after the freeze answered ",
                       absl::StatusCodeToString(timed.answer.code), " after ",
                       absl::FormatDuration(took));
      EXPECT_LE(took, options.limit) << described;
      EXPECT_TRUE(timed.answer.code == absl::StatusCode::kOk ||
                  timed.answer.code == absl::StatusCode::kUnavailable)
          << described;
      if (timed.started >= frozen && timed.ended <= thawing) {
        EXPECT_EQ(timed.answer.code, absl::StatusCode::kUnavailable)
            << described;
        if (timed.answer.code == absl::StatusCode::kUnavailable) {
          ++unavailable_while_frozen;
        }
      }
      if (timed.started > thawing) {
        EXPECT_EQ(timed.answer.code, absl::StatusCode::kOk) << described;
      }
    }
    EXPECT_GE(unavailable_while_frozen, at_least) << "caller " << c;
  }
  std::cout << "freeze drill: slowest call " << slowest << " (limit "
            << options.limit << ")\n";
}

}  // namespace kepu::testing
