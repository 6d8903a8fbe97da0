// The order domain of one tenant, as a server holds it: the Redis store and the
// workflow on it.
#pragma once

#include <string>
#include <utility>

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
              DirectoryView& directory_view, const Clock& clock,
              IdGenerator& ids, LifecyclePolicy policy = {},
              std::string sign_in_key = {})
      : store(redis, tenant),
        workflow(store, directory_view, clock, ids, policy,
                 std::move(sign_in_key)),
        directory(directory_view) {}

  RedisOrderStore store;
  OrderWorkflow workflow;
  DirectoryView& directory;
};

using OrderDomains = PerTenant<OrderDomain>;

}  // namespace kepu
