// kepu-matcher: the matching worker as a process of its own, beside (or
// instead of) the workers kepud runs with --matching. Any number may run at
// once against one Redis; each takes its own share of the matching stream.
//
//   kepu-matcher --redis=127.0.0.1:6379 --tenants=jining
//
// Logs event "matcher.ready" when its workers run; SIGTERM or SIGINT stops it
// after the batches in progress.
#include <signal.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/notification.h"
#include "services/core/clock.h"
#include "services/core/ids.h"
#include "services/core/log.h"
#include "services/core/stop_signals.h"
#include "services/directory/directory_domain.h"
#include "services/matching_worker/matching_workers.h"
#include "services/orders/order_domain.h"
#include "services/rpc/tenants.h"

ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "host:port of Redis");
ABSL_FLAG(std::vector<std::string>, tenants, {"jining"},
          "tenants whose matching streams to work on");
ABSL_FLAG(absl::Duration, offer_ttl, absl::Hours(24),
          "how long a team has to accept an offer");
ABSL_FLAG(absl::Duration, directory_cache_ttl, absl::Seconds(5),
          "how long a directory record may be reused");
ABSL_FLAG(int, pause_after_offers, 0,
          "testing only: after this many offers in one batch, log "
          "matcher.paused and stop working (a test then kills the process "
          "mid-batch); 0: never");

namespace kepu {
namespace {

int Run() {
  const sigset_t stop_signals = BlockStopSignals();

  absl::StatusOr<RedisOptions> redis_options =
      ParseRedisAddress(absl::GetFlag(FLAGS_redis));
  if (!redis_options.ok()) {
    Log(LogLevel::kError, "matcher.failed",
        {{"error", std::string(redis_options.status().message())}});
    return 1;
  }
  if (const char* password = std::getenv("KEPU_REDIS_PASSWORD"))
    redis_options->password = password;
  RedisClient redis(*redis_options);
  const Clock& clock = Clock::Real();
  IdGenerator ids(clock);
  const std::vector<std::string> names = absl::GetFlag(FLAGS_tenants);
  absl::StatusOr<Tenants> tenants =
      Tenants::Make(names, names.empty() ? "" : names.front());
  if (!tenants.ok()) {
    Log(LogLevel::kError, "matcher.failed",
        {{"error", absl::StrCat("--tenants: ", tenants.status().message())}});
    return 1;
  }
  DirectoryDomains directories(*tenants, [&](const std::string& tenant) {
    return std::make_unique<DirectoryDomain>(
        redis, tenant, clock, absl::GetFlag(FLAGS_directory_cache_ttl));
  });
  LifecyclePolicy policy;
  policy.default_offer_ttl = absl::GetFlag(FLAGS_offer_ttl);
  OrderDomains orders(*tenants, [&](const std::string& tenant) {
    return std::make_unique<OrderDomain>(
        redis, tenant, (*directories.Get(tenant))->view(), clock, ids, policy);
  });
  const int pause_after = absl::GetFlag(FLAGS_pause_after_offers);
  MatchingWorkers workers(
      *redis_options, names,
      [&](const std::string& tenant) -> OrderDomain& {
        return **orders.Get(tenant);
      },
      [&](const std::string& tenant) -> DirectoryView& {
        return (*directories.Get(tenant))->view();
      },
      clock,
      [pause_after](MatchingWorkerOptions& options) {
        if (pause_after <= 0) return;
        options.after_offer = [pause_after](int offers) {
          if (offers < pause_after) return;
          Log(LogLevel::kInfo, "matcher.paused",
              {{"offers", std::to_string(offers)}});
          absl::Notification never;
          never.WaitForNotification();  // until killed
        };
      });
  Log(LogLevel::kInfo, "matcher.ready",
      {{"tenants", absl::StrJoin(names, ",")}});
  const int signal = WaitForStopSignal(stop_signals);
  Log(LogLevel::kInfo, "matcher.stopping",
      {{"signal", std::to_string(signal)}});
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kepu-matcher: matches claimed orders with volunteer teams");
  absl::ParseCommandLine(argc, argv);
  return kepu::Run();
}
