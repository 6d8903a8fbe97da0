// The directory of one tenant on Redis: service lines, regions, departments,
// teams and volunteers, each record a hash {v, r} like orders, each write one
// Lua script (lua/directory_write.lua) that also keeps the record's indexes,
// appends to the tenant's audit stream and remembers the request. Programs are
// compiled in (programs.h).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/directory.pb.h"
#include "services/core/directory_view.h"
#include "services/core/order_store.h"
#include "services/core/redis/redis_client.h"
#include "services/directory/directory_keys.h"

namespace kepu {

struct RedisDirectoryOptions {
  // How long a request id is remembered (a retry after that is a new request).
  absl::Duration request_ttl = absl::Hours(24 * 7);
};

// One write as the audit trail records it, and its idempotency key.
struct DirectoryWrite {
  // request.actor_id is the caller's user id: request ids are scoped to it.
  RequestKey request;
  v1::Actor actor;
  // The RPC, e.g. "kepu.v1.DirectoryService/UpdateTeam".
  std::string action;
  absl::Time at;
  // Why (deactivations); empty when the write has no reason.
  std::string reason;
};

// Decides whether the caller may make a write, given the record as stored
// (nullptr for a create) and the record as it would be written (version and
// derived fields set). Called once the version and the references have been
// checked, before anything is written; a non-OK status refuses the write and
// is returned as is. It may read the directory.
template <typename Record>
using WriteGuard =
    absl::FunctionRef<absl::Status(const Record* before, const Record& after)>;

// One page of a list.
struct ListOptions {
  // List inactive records too.
  bool include_inactive = false;
  // 1 to 100 records.
  int limit = 20;
  // The next_cursor of the previous page; empty for the first page.
  std::string cursor;
};

template <typename Record>
struct RecordPage {
  // In id order.
  std::vector<Record> records;
  // Opaque; empty when no record follows this page.
  std::string next_cursor;
};

// Filters of ListTeams; empty fields do not filter.
struct TeamFilter {
  std::string service_line_id;
  // Teams serving this region directly or through a region above it.
  std::string region_id;
  std::string department_id;
};

// Thread-safe. Every method answers kUnavailable when Redis cannot be reached.
class RedisDirectory : public DirectoryView {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the directory.
  RedisDirectory(RedisClient& redis, absl::string_view tenant,
                 RedisDirectoryOptions options = {});

  const DirectoryKeys& keys() const { return keys_; }
  const std::string& tenant() const { return tenant_; }

  // DirectoryView. RegionChain reads two round trips (each region keeps the
  // ids above it); TeamsServing intersects the line's team index with the
  // union of the regions' team indexes in Redis, then reads the teams.
  absl::StatusOr<v1::ServiceLine> GetServiceLine(absl::string_view id) override;
  absl::StatusOr<v1::Region> GetRegion(absl::string_view id) override;
  absl::StatusOr<v1::Department> GetDepartment(absl::string_view id) override;
  absl::StatusOr<v1::Team> GetTeam(absl::string_view id) override;
  absl::StatusOr<v1::Volunteer> GetVolunteer(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Region>> RegionChain(
      absl::string_view region_id) override;
  absl::StatusOr<std::vector<v1::Team>> TeamsServing(
      absl::string_view service_line_id,
      const std::vector<std::string>& region_ids) override;
  absl::StatusOr<std::vector<v1::Department>> ListDepartments() override;

  // Every service line, active or not, in id order (the catalog is small).
  absl::StatusOr<std::vector<v1::ServiceLine>> ListServiceLines();
  // Regions, optionally only the children of `parent_id` and only of `level`
  // (REGION_LEVEL_UNSPECIFIED: any).
  absl::StatusOr<RecordPage<v1::Region>> ListRegions(
      absl::string_view parent_id, v1::RegionLevel level,
      const ListOptions& options);
  // An unknown filter region lists nothing.
  absl::StatusOr<RecordPage<v1::Team>> ListTeams(const TeamFilter& filter,
                                                 const ListOptions& options);
  // Volunteers, optionally only the members of `team_id`.
  absl::StatusOr<RecordPage<v1::Volunteer>> ListVolunteers(
      absl::string_view team_id, const ListOptions& options);
  // Lists answer kInvalidArgument "page.page_token: ..." for a cursor they did
  // not make, and "page.page_size: ..." for a limit outside 1 to 100.

  // Writes of Record = v1::ServiceLine, v1::Region, v1::Department, v1::Team
  // or v1::Volunteer. Each is atomic and idempotent: the same request (actor,
  // request id, fingerprint) again answers the first result and writes
  // nothing; the same request id with another fingerprint answers
  // kInvalidArgument naming `request_id`. A write that succeeds stores the
  // record, moves it in its indexes, appends one entry to keys().Audit() and
  // remembers the request, all in one script; a refused write writes nothing.
  //
  // What the caller sent is not stored as is: version is set (1, or the stored
  // one + 1); fields the platform maintains are kept (Team.stats,
  // Volunteer.approved_hours, Volunteer.joined_at = the time of the create);
  // Region.county_id is derived (a county or zone itself, the parent's
  // county_id below, empty for the city); phone numbers are stored as 11
  // digits.
  //
  // References are checked (kFailedPrecondition, the message starting with the
  // field's path, e.g. "team.service_line_ids[1]: there is no service line
  // x"): a service line's program (one of Programs()) and responsible
  // departments; a region's parent (the city has none, and its id is the
  // tenant's; COUNTY and ZONE lie under the CITY, TOWN under a COUNTY or ZONE,
  // COMMUNITY under a TOWN); a team's department, service lines and
  // service-area regions; a volunteer's teams and skill lines. Each must exist,
  // and be active unless the stored record already referred to it. A region
  // with regions below it keeps its level and parent. kAborted when a region's
  // parent changed while the write was decided (retry).
  //
  // Then `guard` decides (see WriteGuard).

  // Creates the record at version 1, active. kAlreadyExists: the id is taken.
  template <typename Record>
  absl::StatusOr<Record> Create(const DirectoryWrite& write,
                                const Record& record,
                                std::type_identity_t<WriteGuard<Record>> guard);
  // Replaces the record with record.id(). `active` is kept, except that
  // active = true brings an inactive record back. kNotFound: no such record;
  // kAborted: the stored version is not `expected_version`.
  template <typename Record>
  absl::StatusOr<Record> Update(const DirectoryWrite& write,
                                const Record& record, int64_t expected_version,
                                std::type_identity_t<WriteGuard<Record>> guard);
  // Sets active = false (the record stays, in its indexes too). kNotFound,
  // kAborted as Update; kFailedPrecondition: it is inactive already.
  template <typename Record>
  absl::StatusOr<Record> Deactivate(
      const DirectoryWrite& write, absl::string_view id,
      int64_t expected_version, std::type_identity_t<WriteGuard<Record>> guard);

 private:
  enum class Mode { kCreate, kUpdate, kDeactivate };
  struct Extras;
  struct IdSource;
  struct Reference;

  template <typename Record>
  absl::StatusOr<Record> Write(Mode mode, const DirectoryWrite& write,
                               const Record* proposed, absl::string_view id,
                               int64_t expected_version,
                               WriteGuard<Record> guard);

  // Checks the references of `after` (see above) and derives what depends on
  // them; records in `extras` what the script must check again.
  absl::Status CheckReferences(v1::ServiceLine& after,
                               const v1::ServiceLine* before, Extras& extras);
  absl::Status CheckReferences(v1::Region& after, const v1::Region* before,
                               Extras& extras);
  absl::Status CheckReferences(v1::Department& after,
                               const v1::Department* before, Extras& extras);
  absl::Status CheckReferences(v1::Team& after, const v1::Team* before,
                               Extras& extras);
  absl::Status CheckReferences(v1::Volunteer& after,
                               const v1::Volunteer* before, Extras& extras);

  // The records of `references`; kFailedPrecondition for one that is missing,
  // or inactive and not held before.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> Resolve(
      const std::vector<Reference>& references);

  // The indexes a record is listed in.
  std::vector<std::string> IndexKeysOf(const v1::ServiceLine& line) const;
  std::vector<std::string> IndexKeysOf(const v1::Region& region) const;
  std::vector<std::string> IndexKeysOf(const v1::Department& department) const;
  std::vector<std::string> IndexKeysOf(const v1::Team& team) const;
  std::vector<std::string> IndexKeysOf(const v1::Volunteer& volunteer) const;

  template <typename Record>
  absl::StatusOr<Record> Get(absl::string_view id);
  // The records of `ids`, nullopt for a missing one; one round trip.
  template <typename Record>
  absl::StatusOr<std::vector<std::optional<Record>>> ReadMany(
      const std::vector<std::string>& ids);
  // Up to `count` ids of `source` after `cursor`, in id order (0: all).
  absl::StatusOr<std::vector<std::string>> NextIds(const IdSource& source,
                                                   absl::string_view cursor,
                                                   int count);
  // One page of the records of `source`.
  template <typename Record>
  absl::StatusOr<RecordPage<Record>> List(const IdSource& source,
                                          const ListOptions& options);
  // Every record of a kind, in id order.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> ListAll();

  RedisClient& redis_;
  const std::string tenant_;
  const DirectoryKeys keys_;
  const RedisDirectoryOptions options_;
};

}  // namespace kepu
