#include "services/rpc/tenants.h"

#include "services/core/redis/redis_keys.h"
#include "services/core/status_macros.h"

namespace kepu {

Tenants::Tenants(RedisClient& redis, const Clock& clock, IdGenerator& ids,
                 LifecyclePolicy policy)
    : redis_(redis), clock_(clock), ids_(ids), policy_(policy) {}

absl::StatusOr<OrderWorkflow*> Tenants::Orders(absl::string_view tenant) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  absl::MutexLock lock(&mu_);
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) {
    Tenant created;
    created.store = std::make_unique<RedisOrderStore>(redis_, tenant);
    created.workflow =
        std::make_unique<OrderWorkflow>(*created.store, clock_, ids_, policy_);
    it = tenants_.emplace(std::string(tenant), std::move(created)).first;
  }
  return it->second.workflow.get();
}

}  // namespace kepu
