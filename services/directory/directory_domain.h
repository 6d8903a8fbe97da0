// The directory of one tenant, as a server holds it: the Redis store and the
// rules over it.
#pragma once

#include <string>

#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/redis/redis_client.h"
#include "services/directory/cached_directory.h"
#include "services/directory/directory.h"
#include "services/directory/redis_directory_store.h"
#include "services/rpc/per_tenant.h"

namespace kepu {

struct DirectoryDomain {
  // `cache_ttl`: how long the order and identity domains may be served a
  // record read earlier (see CachedDirectory); zero reads Redis every time.
  DirectoryDomain(RedisClient& redis, const std::string& tenant,
                  const Clock& clock,
                  absl::Duration cache_ttl = absl::ZeroDuration())
      : store(redis, tenant),
        directory(store, tenant, clock),
        cache(directory.records(), clock, cache_ttl) {}

  // What the order and identity domains read.
  DirectoryView& view() { return cache; }

  RedisDirectoryStore store;
  Directory directory;
  // Cleared by every write through the DirectoryService.
  CachedDirectory cache;
};

using DirectoryDomains = PerTenant<DirectoryDomain>;

}  // namespace kepu
