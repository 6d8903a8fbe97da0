// The order domain of one tenant, as a server holds it: the Redis store and the
// workflow on it.
#pragma once

#include <string>

#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/ids.h"
#include "services/core/order_workflow.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_order_store.h"
#include "services/rpc/per_tenant.h"

namespace kepu {

struct OrderDomain {
  OrderDomain(RedisClient& redis, const std::string& tenant,
              DirectoryView& directory, const Clock& clock, IdGenerator& ids,
              LifecyclePolicy policy = {})
      : store(redis, tenant), workflow(store, directory, clock, ids, policy) {}

  RedisOrderStore store;
  OrderWorkflow workflow;
};

using OrderDomains = PerTenant<OrderDomain>;

}  // namespace kepu
