// The directory store on Redis (DirectoryStore): each record a hash {v, r}
// (a region also p, the ids above it), each index a sorted set of ids (keys in
// directory_keys.h), each change one call of the record-write command
// (services/core/redis/record_write.h) that also moves the record in its
// indexes, appends to the tenant's audit stream and remembers the request.
// Multi-index selections run in lua/select_ids.lua.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/core/redis/redis_client.h"
#include "services/directory/directory_keys.h"
#include "services/directory/directory_store.h"

namespace kepu {

struct RedisDirectoryStoreOptions {
  // How long a request id is remembered (a retry after that is a new request).
  absl::Duration request_ttl = absl::Hours(24 * 7);
};

// Thread-safe (as RedisClient).
class RedisDirectoryStore : public DirectoryStore {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the store.
  RedisDirectoryStore(RedisClient& redis, absl::string_view tenant,
                      RedisDirectoryStoreOptions options = {});

  const DirectoryKeys& keys() const { return keys_; }

  absl::StatusOr<std::vector<std::optional<StoredRecord>>> Read(
      RecordKind kind, const std::vector<std::string>& ids) override;
  absl::StatusOr<LoadedRecord> Load(const RequestKey& request, RecordKind kind,
                                    absl::string_view id) override;
  // One ZRANGE BYLEX for a single index; select_ids.lua for more.
  absl::StatusOr<std::vector<std::string>> SelectIds(
      const IdSelection& selection, absl::string_view after,
      int limit) override;
  absl::StatusOr<AppliedChange> Apply(const DirectoryChange& change) override;

 private:
  RedisClient& redis_;
  const DirectoryKeys keys_;
  const RedisDirectoryStoreOptions options_;
};

}  // namespace kepu
