// An in-memory DirectoryStore for domain tests, with a fault switch. Same
// contract as the Redis store (directory_store.h, held to it by
// tests/directory/directory_store_contract.cc); never used in integration
// tests. Requests are remembered for ever (no ttl).
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/directory/directory_store.h"

namespace kepu {

class FakeDirectoryStore : public DirectoryStore {
 public:
  using AuditFieldList = std::vector<std::pair<std::string, std::string>>;

  absl::StatusOr<std::vector<std::optional<StoredRecord>>> Read(
      RecordKind kind, const std::vector<std::string>& ids) override;
  absl::StatusOr<LoadedRecord> Load(const RequestKey& request, RecordKind kind,
                                    absl::string_view id) override;
  absl::StatusOr<std::vector<std::string>> SelectIds(
      const IdSelection& selection, absl::string_view after,
      int limit) override;
  absl::StatusOr<AppliedChange> Apply(const DirectoryChange& change) override;

  // The audit trail, oldest first, each entry's fields as AuditFields made
  // them.
  std::vector<AuditFieldList> AuditTrail() const;
  // Everything the store holds (records, indexes, requests, audit) as text:
  // equal before and after a call that wrote nothing (DEBUG DIGEST on Redis).
  std::string Digest() const;

  // While set, every call answers kUnavailable, as a store that is down.
  void SetUnavailable(bool unavailable);

 private:
  struct Request {
    std::string fingerprint;
    std::string result;
  };
  using RecordId = std::pair<RecordKind, std::string>;

  absl::Status Down() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // The remembered request; RequestReusedError for another fingerprint.
  absl::StatusOr<std::optional<std::string>> Prior(
      const RequestKey& request) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Whether `index` lists `id`.
  bool Lists(const DirectoryIndex& index, const std::string& id) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<RecordId, StoredRecord> records_ ABSL_GUARDED_BY(mu_);
  // As on Redis, an index that lists nothing is not kept.
  std::map<DirectoryIndex, std::set<std::string>> indexes_ ABSL_GUARDED_BY(mu_);
  std::map<std::pair<std::string, std::string>, Request> requests_
      ABSL_GUARDED_BY(mu_);
  std::vector<AuditFieldList> audit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
