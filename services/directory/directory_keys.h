// The Redis key layout of a tenant's directory, under the tenant's prefix
// (RedisKeys::prefix(), "kepu:{<tenant>}:"), so every directory script stays in
// the tenant's Cluster slot.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/directory.pb.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

// The names of a kind of directory record: in keys (kKey, kPlural), in
// messages (kLabel) and as the request field that holds it (kField, also the
// kind in audit targets, e.g. "team/weishan-health").
template <typename Record>
struct DirectoryKind;
template <>
struct DirectoryKind<v1::ServiceLine> {
  static constexpr absl::string_view kKey = "line";
  static constexpr absl::string_view kPlural = "lines";
  static constexpr absl::string_view kLabel = "service line";
  static constexpr absl::string_view kField = "service_line";
};
template <>
struct DirectoryKind<v1::Region> {
  static constexpr absl::string_view kKey = "region";
  static constexpr absl::string_view kPlural = "regions";
  static constexpr absl::string_view kLabel = "region";
  static constexpr absl::string_view kField = "region";
};
template <>
struct DirectoryKind<v1::Department> {
  static constexpr absl::string_view kKey = "department";
  static constexpr absl::string_view kPlural = "departments";
  static constexpr absl::string_view kLabel = "department";
  static constexpr absl::string_view kField = "department";
};
template <>
struct DirectoryKind<v1::Team> {
  static constexpr absl::string_view kKey = "team";
  static constexpr absl::string_view kPlural = "teams";
  static constexpr absl::string_view kLabel = "team";
  static constexpr absl::string_view kField = "team";
};
template <>
struct DirectoryKind<v1::Volunteer> {
  static constexpr absl::string_view kKey = "volunteer";
  static constexpr absl::string_view kPlural = "volunteers";
  static constexpr absl::string_view kLabel = "volunteer";
  static constexpr absl::string_view kField = "volunteer";
};

class DirectoryKeys {
 public:
  // `tenant` must pass CheckTenant.
  explicit DirectoryKeys(absl::string_view tenant);

  const RedisKeys& tenant_keys() const { return tenant_keys_; }

  // Hash {v: version, r: the serialized record}; a region also has
  // p: the ids of the regions above it, nearest first, space-separated.
  // E.g. "kepu:{jining}:dir:team:weishan-health".
  template <typename Record>
  std::string RecordOf(absl::string_view id) const {
    return absl::StrCat(prefix(), DirectoryKind<Record>::kKey, ":", id);
  }

  // Sorted sets of record ids, every score 0, so members sort by id (paged
  // with ZRANGE BYLEX). Records stay listed when deactivated.
  //
  // Every record of a kind, e.g. "kepu:{jining}:dir:teams".
  template <typename Record>
  std::string AllOf() const {
    return absl::StrCat(prefix(), DirectoryKind<Record>::kPlural);
  }
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
  // "kepu:{<tenant>}:dir:".
  const std::string& prefix() const { return prefix_; }

  RedisKeys tenant_keys_;
  std::string prefix_;
};

}  // namespace kepu
