// A hung Redis under load: callers call without pause while redis-server is
// frozen (SIGSTOP: it answers nothing, yet the kernel still accepts
// connections for it), then thawed; what every call answered, and when, is
// checked against the Redis client's contract.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {

// What one call answered. (gRPC's status codes equal absl's.)
struct CallAnswer {
  absl::StatusCode code = absl::StatusCode::kOk;
  // What was called and the status message, for failure messages.
  std::string detail;
};

struct FreezeDrillOptions {
  int callers = 8;
  // How long Redis stays frozen.
  absl::Duration outage = absl::Seconds(6);
  // Every call must answer within this.
  absl::Duration limit;
};

// Runs `options.callers` threads that each make call after call with
// `call(caller, index)` until the drill ends: once every caller has had an OK
// answer, freezes `redis` for `options.outage`, thaws it, and ends once every
// caller has had an OK answer to a call started after the thaw. Checks
// (gtest) that
// - every call answered within `options.limit`, with OK or UNAVAILABLE;
// - every call made while Redis was frozen answered UNAVAILABLE, and each
//   caller made as many as the limit allows (outage ÷ limit, less one);
// - every call started after the thaw answered OK, and each caller had one
//   within twice the limit of the thaw.
void RunFreezeDrill(
    RedisServer& redis, const FreezeDrillOptions& options,
    const std::function<CallAnswer(int caller, int index)>& call);

}  // namespace kepu::testing
