// The Redis key layout of a tenant's directory, under the tenant's prefix
// (RedisKeys::prefix(), "kepu:{<tenant>}:"), so every directory write stays in
// the tenant's Cluster slot. Only RedisDirectoryStore (and tests that look at
// Redis itself) use it.
#pragma once

#include <string>

#include "absl/strings/string_view.h"
#include "kepu/v1/directory.pb.h"
#include "services/core/redis/redis_keys.h"
#include "services/directory/directory_store.h"

namespace kepu {

class DirectoryKeys {
 public:
  // `tenant` must pass CheckTenant.
  explicit DirectoryKeys(absl::string_view tenant);

  const RedisKeys& tenant_keys() const { return tenant_keys_; }

  // Hash {v: version, r: the serialized record}; a region also has
  // p: the ids of the regions above it, nearest first, space-separated.
  // E.g. "kepu:{jining}:dir:team:weishan-health".
  std::string RecordOf(RecordKind kind, absl::string_view id) const;

  // Sorted sets of record ids, every score 0, so members sort by id (paged
  // with ZRANGE BYLEX). Records stay listed when deactivated.
  std::string Of(const DirectoryIndex& index) const;
  // Every record of a kind, e.g. "kepu:{jining}:dir:teams".
  std::string AllOf(RecordKind kind) const;
  // Regions by parent and by level.
  std::string RegionsByParent(absl::string_view parent_id) const;
  std::string RegionsByLevel(v1::RegionLevel level) const;
  // Teams by service line, by region of their service area, by department.
  std::string TeamsByLine(absl::string_view service_line_id) const;
  std::string TeamsByRegion(absl::string_view region_id) const;
  std::string TeamsByDepartment(absl::string_view department_id) const;
  // Volunteers by team.
  std::string VolunteersByTeam(absl::string_view team_id) const;

  // Stream of the tenant's audit trail, one entry per write: at (ms since the
  // epoch), actor (user id), actor_name, role (Role number), action (e.g.
  // "kepu.v1.DirectoryService/UpdateTeam"), target (e.g.
  // "team/weishan-health"), request_id, outcome ("OK"), and reason when the
  // write had one.
  std::string Audit() const;

 private:
  RedisKeys tenant_keys_;
  // "kepu:{<tenant>}:dir:".
  std::string prefix_;
};

}  // namespace kepu
