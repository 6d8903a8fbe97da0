// The directory of one tenant on Redis: DirectoryRecords (the records and
// their rules) over a RedisDirectoryStore of its own. What kepud, the
// integration tests and the benches build; domain tests build
// DirectoryRecords over a FakeDirectoryStore instead.
#pragma once

#include "absl/strings/string_view.h"
#include "services/core/redis/redis_client.h"
#include "services/directory/directory_records.h"
#include "services/directory/redis_directory_store.h"

namespace kepu {

namespace internal {
// Holds the store so that it is built before the DirectoryRecords base that
// refers to it (a base is built before the derived class's members).
struct RedisDirectoryStoreHolder {
  RedisDirectoryStoreHolder(RedisClient& redis, absl::string_view tenant,
                            RedisDirectoryStoreOptions options)
      : redis_store(redis, tenant, options) {}
  RedisDirectoryStore redis_store;
};
}  // namespace internal

// Thread-safe, as DirectoryRecords.
class RedisDirectory : private internal::RedisDirectoryStoreHolder,
                       public DirectoryRecords {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the directory.
  RedisDirectory(RedisClient& redis, absl::string_view tenant,
                 RedisDirectoryStoreOptions options = {})
      : RedisDirectoryStoreHolder(redis, tenant, options),
        DirectoryRecords(redis_store, tenant) {}

  // The key layout (tests that look at Redis itself).
  const DirectoryKeys& keys() const { return redis_store.keys(); }
};

}  // namespace kepu
