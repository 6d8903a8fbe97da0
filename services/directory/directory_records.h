// The directory's records over a DirectoryStore: typed reads and lists, and
// writes that keep the directory's rules (references that must exist and be
// active, fields the platform derives or maintains, regions that keep their
// place while regions lie below them, versions) before the store applies
// them atomically. Programs are compiled in (programs.h). Nothing here knows
// how the store keeps its data: RedisDirectoryStore in production,
// FakeDirectoryStore in domain tests.
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
#include "services/directory/directory_store.h"

namespace kepu {

// A kind of directory record: its RecordKind (LabelOf names it in messages)
// and the request field that holds it (kField, also the kind in audit targets,
// e.g. "team/weishan-health").
template <typename Record>
struct DirectoryKind;
template <>
struct DirectoryKind<v1::ServiceLine> {
  static constexpr RecordKind kKind = RecordKind::kServiceLine;
  static constexpr absl::string_view kField = "service_line";
};
template <>
struct DirectoryKind<v1::Region> {
  static constexpr RecordKind kKind = RecordKind::kRegion;
  static constexpr absl::string_view kField = "region";
};
template <>
struct DirectoryKind<v1::Department> {
  static constexpr RecordKind kKind = RecordKind::kDepartment;
  static constexpr absl::string_view kField = "department";
};
template <>
struct DirectoryKind<v1::Team> {
  static constexpr RecordKind kKind = RecordKind::kTeam;
  static constexpr absl::string_view kField = "team";
};
template <>
struct DirectoryKind<v1::Volunteer> {
  static constexpr RecordKind kKind = RecordKind::kVolunteer;
  static constexpr absl::string_view kField = "volunteer";
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

// Thread-safe. Every method answers kUnavailable when the store cannot be
// reached.
class DirectoryRecords : public DirectoryView {
 public:
  // `tenant` must pass CheckTenant (the city's region id is the tenant's);
  // `store` must outlive this object.
  DirectoryRecords(DirectoryStore& store, absl::string_view tenant);

  const std::string& tenant() const { return tenant_; }

  // DirectoryView. RegionChain reads two round trips (each region keeps the
  // ids above it); TeamsServing lets the store intersect the line's team index
  // with the union of the regions' team indexes, then reads the teams.
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
  // record, moves it in its indexes, appends one entry to the audit trail and
  // remembers the request, all in one DirectoryStore::Apply; a refused write
  // writes nothing.
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
  struct Reference;

  template <typename Record>
  absl::StatusOr<Record> Write(Mode mode, const DirectoryWrite& write,
                               const Record* proposed, absl::string_view id,
                               int64_t expected_version,
                               WriteGuard<Record> guard);

  // Checks the references of `after` (see above) and derives what depends on
  // them; adds to `change` what the store must check again (and a region's
  // path).
  absl::Status CheckReferences(v1::ServiceLine& after,
                               const v1::ServiceLine* before,
                               DirectoryChange& change);
  absl::Status CheckReferences(v1::Region& after, const v1::Region* before,
                               DirectoryChange& change);
  absl::Status CheckReferences(v1::Department& after,
                               const v1::Department* before,
                               DirectoryChange& change);
  absl::Status CheckReferences(v1::Team& after, const v1::Team* before,
                               DirectoryChange& change);
  absl::Status CheckReferences(v1::Volunteer& after,
                               const v1::Volunteer* before,
                               DirectoryChange& change);

  // The records of `references`; kFailedPrecondition for one that is missing,
  // or inactive and not held before.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> Resolve(
      const std::vector<Reference>& references);

  template <typename Record>
  absl::StatusOr<Record> Get(absl::string_view id);
  // The records of `ids`, nullopt for a missing one; one store read.
  template <typename Record>
  absl::StatusOr<std::vector<std::optional<Record>>> ReadMany(
      const std::vector<std::string>& ids);
  // One page of the records of `selection`.
  template <typename Record>
  absl::StatusOr<RecordPage<Record>> List(const IdSelection& selection,
                                          const ListOptions& options);
  // Every record of a kind, in id order.
  template <typename Record>
  absl::StatusOr<std::vector<Record>> ListAll();

  DirectoryStore& store_;
  const std::string tenant_;
};

}  // namespace kepu
