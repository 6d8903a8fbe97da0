// Matching workers as a server runs them: one thread per tenant, each with its
// own Redis connection for the blocking reads of the matching stream, with
// options from the --matching_* flags (shared by kepud and kepu-matcher).
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/redis/redis_client.h"
#include "services/matching_worker/matching_worker.h"
#include "services/orders/order_domain.h"

namespace kepu {

// Options from the --matching_* flags; `consumer` is "<host>-<pid>-<tenant>".
MatchingWorkerOptions MatchingOptionsFromFlags(absl::string_view tenant);

// Runs one MatchingWorker per tenant until destroyed (which stops them and
// waits for the batches in progress).
class MatchingWorkers {
 public:
  // `domain(tenant)` and `directory(tenant)` give the tenant's order domain
  // and directory view (they outlive this object). `configure` may adjust each
  // worker's options (tests, the offer time to live).
  MatchingWorkers(
      const RedisOptions& redis, const std::vector<std::string>& tenants,
      const std::function<OrderDomain&(const std::string&)>& domain,
      const std::function<DirectoryView&(const std::string&)>& directory,
      const Clock& clock,
      const std::function<void(MatchingWorkerOptions&)>& configure = {});
  ~MatchingWorkers();

 private:
  struct Tenant {
    std::unique_ptr<RedisClient> redis;
    std::unique_ptr<MatchingQueue> queue;
    std::unique_ptr<MatchingWorker> worker;
  };
  std::atomic<bool> stop_{false};
  std::vector<std::unique_ptr<Tenant>> tenants_;
  std::vector<std::thread> threads_;
};

}  // namespace kepu
