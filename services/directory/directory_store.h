// The directory store: what Redis does for the directory, as an interface
// (implementations: RedisDirectoryStore, and FakeDirectoryStore for domain
// tests; tests/directory/directory_store_contract.cc holds both to this
// contract). It keeps records as opaque bytes with a version, lists their ids
// in named indexes, and applies one change at a time, atomically. It knows no
// rule of the directory: DirectoryRecords (directory_records.h) decides what a
// record may refer to, what is derived, and which indexes list it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/audit.h"
#include "services/core/order_store.h"

namespace kepu {

// The kinds of directory records (v1::ServiceLine, v1::Region, ...).
enum class RecordKind { kServiceLine, kRegion, kDepartment, kTeam, kVolunteer };

// The kind as messages name it: "service line", "region", ...
absl::string_view LabelOf(RecordKind kind);

// A set of record ids that the store keeps for listing, named by what it
// lists, not by where it lives. Ids sort bytewise.
struct DirectoryIndex {
  enum class Kind {
    // Every record of one kind (`of` is empty).
    kServiceLines,
    kRegions,
    kDepartments,
    kTeams,
    kVolunteers,
    // Regions by parent (`of`: the parent's id) and by level (`of`: the
    // RegionLevel's number, e.g. "4").
    kRegionsByParent,
    kRegionsByLevel,
    // Teams by service line, by region of their service area, by department.
    kTeamsByLine,
    kTeamsByRegion,
    kTeamsByDepartment,
    // Volunteers by team.
    kVolunteersByTeam,
  };
  Kind kind = Kind::kServiceLines;
  std::string of;

  // The index of every record of `kind`.
  static DirectoryIndex AllOf(RecordKind kind);

  friend bool operator==(const DirectoryIndex& a, const DirectoryIndex& b) {
    return a.kind == b.kind && a.of == b.of;
  }
  friend bool operator<(const DirectoryIndex& a, const DirectoryIndex& b) {
    return std::tie(a.kind, a.of) < std::tie(b.kind, b.of);
  }
};

// A record as stored.
struct StoredRecord {
  // At least 1; the store checks writes against it.
  int64_t version = 0;
  // The serialized record; the store does not read it.
  std::string data;
  // Regions only: the ids of the regions above it, nearest first (empty for
  // the city). Empty for every other kind.
  std::vector<std::string> above;
};

// What a writer reads first: whether its request was applied before, and the
// record as it is now.
struct LoadedRecord {
  // The first result (AppliedChange::data) when the request was applied before
  // with the same fingerprint.
  std::optional<std::string> replay;
  // nullopt: no such record.
  std::optional<StoredRecord> current;
};

// Where SelectIds takes ids from: those in at least one index of `any_of`
// (when it is not empty) and in every index of `all_of`.
struct IdSelection {
  std::vector<DirectoryIndex> any_of;
  std::vector<DirectoryIndex> all_of;
};

// One write of one record, applied all or nothing.
struct DirectoryChange {
  // The request key: request ids are scoped to request.actor_id, and the
  // fingerprint (32 characters) tells a retry from a reuse.
  RequestKey request;
  RecordKind kind = RecordKind::kServiceLine;
  std::string id;
  // The version the stored record must have; 0: there must be no record.
  int64_t expected_version = 0;
  // The record as written; record.version must be expected_version + 1.
  StoredRecord record;
  // Other records that must still be at a version.
  struct VersionGuard {
    RecordKind kind = RecordKind::kServiceLine;
    std::string id;
    int64_t version = 0;
  };
  std::vector<VersionGuard> guards;
  // Indexes that must list no id, and the kFailedPrecondition message to
  // answer when one does.
  struct EmptyGuard {
    DirectoryIndex index;
    std::string refusal;
  };
  std::vector<EmptyGuard> empties;
  // The indexes that list the record as stored (empty for a create) and the
  // ones that list it as written: the id leaves the first that the second
  // does not name, and joins the second.
  std::vector<DirectoryIndex> indexes_before;
  std::vector<DirectoryIndex> indexes_after;
  // Appended to the tenant's audit trail (AuditFields).
  AuditEntry audit;
};

struct AppliedChange {
  // The record as written now or, on a replay, by the first call.
  std::string data;
  // The request had been applied before: nothing was written now.
  bool replayed = false;
};

// Thread-safe. Every method answers kUnavailable when the store cannot be
// reached (and recovers by itself when it can again), kDataLoss for a stored
// record it cannot read back (on Redis, a record hash without its version).
class DirectoryStore {
 public:
  virtual ~DirectoryStore() = default;

  // The records of `kind` with `ids`, in the order of `ids`, nullopt for a
  // missing one (one round trip on Redis).
  virtual absl::StatusOr<std::vector<std::optional<StoredRecord>>> Read(
      RecordKind kind, const std::vector<std::string>& ids) = 0;

  // Whether `request` was applied before, and the record `kind`/`id`, read
  // together. kInvalidArgument "request_id: ...": the request id was used
  // before with another fingerprint.
  virtual absl::StatusOr<LoadedRecord> Load(const RequestKey& request,
                                            RecordKind kind,
                                            absl::string_view id) = 0;

  // The ids of `selection` after `after` ("" for all), in id order, at most
  // `limit` (0: all). An index that lists nothing, and a selection naming no
  // index, select nothing. kInvalidArgument: limit < 0.
  virtual absl::StatusOr<std::vector<std::string>> SelectIds(
      const IdSelection& selection, absl::string_view after, int limit) = 0;

  // Applies `change` atomically. Decided in this order, the first that fails
  // refusing the whole change (nothing is written):
  //   kInvalidArgument: the change is malformed (CheckChange: an empty id, a
  //                     fingerprint that is not 32 characters, a negative
  //                     expected_version, record.version not
  //                     expected_version + 1, `above` for a non-region or
  //                     naming an empty id or one with a space);
  //   replay:           the request was applied before with the same
  //                     fingerprint: answers the first result, writes nothing;
  //   kInvalidArgument "request_id: ...": it was, with another fingerprint;
  //   kAlreadyExists:   expected_version 0, and the record exists;
  //   kNotFound:        expected_version > 0, and there is no record;
  //   kAborted:         the record is at another version (the message names
  //                     it), or a VersionGuard's record is not at its version
  //                     ("<label> <id> changed meanwhile: retry"), in the order
  //                     of `guards`;
  //   kFailedPrecondition: an EmptyGuard's index lists an id (its refusal), in
  //                     the order of `empties`.
  // Applied, it stores the record, moves its id between indexes, appends the
  // audit entry and remembers the request with the record as its result.
  // kUnavailable: the change may or may not have been applied; retry with the
  // same request.
  virtual absl::StatusOr<AppliedChange> Apply(
      const DirectoryChange& change) = 0;
};

// The kInvalidArgument Apply answers for a malformed change (both stores check
// with it).
absl::Status CheckChange(const DirectoryChange& change);

// The refusals Apply answers, worded alike by every store (and by
// DirectoryRecords when it sees the same before it applies):
// kAlreadyExists "<label> <id> already exists", kNotFound "<label> <id> not
// found", kAborted "<label> <id> is at version <stored>, not <expected>: read
// it again and retry", and kAborted "<label> <id> changed meanwhile: retry"
// for a VersionGuard's record.
absl::Status RecordExistsError(RecordKind kind, absl::string_view id);
absl::Status RecordNotFoundError(RecordKind kind, absl::string_view id);
absl::Status StaleVersionError(RecordKind kind, absl::string_view id,
                               absl::string_view stored_version,
                               int64_t expected_version);
absl::Status GuardChangedError(const DirectoryChange::VersionGuard& guard);

}  // namespace kepu
