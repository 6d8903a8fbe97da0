#include "services/matching_worker/matching_workers.h"

#include <unistd.h>

#include "absl/flags/flag.h"
#include "absl/strings/str_cat.h"
#include "services/core/log.h"

ABSL_FLAG(int, matching_batch_size, 200,
          "a matching batch closes at this many orders...");
ABSL_FLAG(absl::Duration, matching_batch_window, absl::Milliseconds(100),
          "...or this long after its first order arrived");
ABSL_FLAG(absl::Duration, matching_claim_idle, absl::Seconds(30),
          "matching entries delivered this long ago and never settled are "
          "taken over by another worker (theirs died)");
ABSL_FLAG(int, matching_max_deliveries, 5,
          "a matching entry delivered this many times without success goes "
          "to the dead-letter stream");
ABSL_FLAG(absl::Duration, matching_retry, absl::Seconds(60),
          "orders no team can take now are matched again after this long");

namespace kepu {

MatchingWorkerOptions MatchingOptionsFromFlags(absl::string_view tenant) {
  MatchingWorkerOptions options;
  char host[256] = {};
  gethostname(host, sizeof(host) - 1);
  options.consumer = absl::StrCat(host, "-", getpid(), "-", tenant);
  options.batch_size = std::max(1, absl::GetFlag(FLAGS_matching_batch_size));
  options.batch_window = absl::GetFlag(FLAGS_matching_batch_window);
  options.claim_idle = absl::GetFlag(FLAGS_matching_claim_idle);
  options.max_deliveries =
      std::max(1, absl::GetFlag(FLAGS_matching_max_deliveries));
  options.retry_unmatched = absl::GetFlag(FLAGS_matching_retry);
  return options;
}

MatchingWorkers::MatchingWorkers(
    const RedisOptions& redis, const std::vector<std::string>& tenants,
    const std::function<OrderDomain&(const std::string&)>& domain,
    const std::function<DirectoryView&(const std::string&)>& directory,
    const Clock& clock,
    const std::function<void(MatchingWorkerOptions&)>& configure) {
  for (const std::string& name : tenants) {
    auto tenant = std::make_unique<Tenant>();
    RedisOptions own = redis;
    own.connections = 1;  // its blocking reads must not hold up others
    tenant->redis = std::make_unique<RedisClient>(own);
    tenant->queue = std::make_unique<MatchingQueue>(*tenant->redis, name);
    OrderDomain& orders = domain(name);
    MatchingWorkerOptions options = MatchingOptionsFromFlags(name);
    options.offer_ttl = orders.workflow.policy().default_offer_ttl;
    if (configure) configure(options);
    Log(LogLevel::kInfo, "matching.started",
        {{"tenant", name}, {"consumer", options.consumer}});
    tenant->worker = std::make_unique<MatchingWorker>(
        *tenant->queue, orders.store, orders.workflow, directory(name), clock,
        name, std::move(options));
    tenants_.push_back(std::move(tenant));
  }
  for (const auto& tenant : tenants_) {
    MatchingWorker* worker = tenant->worker.get();
    threads_.emplace_back([this, worker] { worker->Run(stop_); });
  }
}

MatchingWorkers::~MatchingWorkers() {
  stop_.store(true);
  for (std::thread& thread : threads_) thread.join();
}

}  // namespace kepu
