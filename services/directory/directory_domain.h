// The directory of one tenant, as a server holds it: the Redis directory and
// the rules over it.
#pragma once

#include <string>

#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/redis/redis_client.h"
#include "services/directory/directory.h"
#include "services/directory/redis_directory.h"
#include "services/rpc/per_tenant.h"

namespace kepu {

struct DirectoryDomain {
  DirectoryDomain(RedisClient& redis, const std::string& tenant,
                  const Clock& clock)
      : store(redis, tenant), directory(store, clock) {}

  // What the order and identity domains read (the lead wires it into them).
  DirectoryView& view() { return store; }

  RedisDirectory store;
  Directory directory;
};

using DirectoryDomains = PerTenant<DirectoryDomain>;

}  // namespace kepu
