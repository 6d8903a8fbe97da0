// Per-tenant domain objects of a running server. A server serves every tenant
// whose tokens it sees; each tenant's keys live under its own hash tag in the
// same Redis.
#pragma once

#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/core/clock.h"
#include "services/core/ids.h"
#include "services/core/order_workflow.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_order_store.h"

namespace kepu {

// Thread-safe; objects it hands out live as long as it does.
class Tenants {
 public:
  Tenants(RedisClient& redis, const Clock& clock, IdGenerator& ids,
          LifecyclePolicy policy = {});

  // The order domain of `tenant`. kInvalidArgument for a malformed tenant name.
  absl::StatusOr<OrderWorkflow*> Orders(absl::string_view tenant);

 private:
  struct Tenant {
    std::unique_ptr<RedisOrderStore> store;
    std::unique_ptr<OrderWorkflow> workflow;
  };

  RedisClient& redis_;
  const Clock& clock_;
  IdGenerator& ids_;
  const LifecyclePolicy policy_;
  absl::Mutex mu_;
  std::map<std::string, Tenant, std::less<>> tenants_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
