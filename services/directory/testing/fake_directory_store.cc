#include "services/directory/testing/fake_directory_store.h"

#include <algorithm>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/redis/record_write.h"
#include "services/core/status_macros.h"

namespace kepu {

absl::Status FakeDirectoryStore::Down() const {
  if (unavailable_)
    return absl::UnavailableError("fake directory store is down");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<std::string>> FakeDirectoryStore::Prior(
    const RequestKey& request) const {
  auto it = requests_.find({request.actor_id, request.request_id});
  if (it == requests_.end()) return std::nullopt;
  if (it->second.fingerprint != request.fingerprint) {
    return RequestReusedError();
  }
  return it->second.result;
}

bool FakeDirectoryStore::Lists(const DirectoryIndex& index,
                               const std::string& id) const {
  auto it = indexes_.find(index);
  return it != indexes_.end() && it->second.count(id) > 0;
}

absl::StatusOr<std::vector<std::optional<StoredRecord>>>
FakeDirectoryStore::Read(RecordKind kind, const std::vector<std::string>& ids) {
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(Down());
  std::vector<std::optional<StoredRecord>> records;
  records.reserve(ids.size());
  for (const std::string& id : ids) {
    auto it = records_.find({kind, id});
    if (it == records_.end()) {
      records.push_back(std::nullopt);
    } else {
      records.push_back(it->second);
    }
  }
  return records;
}

absl::StatusOr<LoadedRecord> FakeDirectoryStore::Load(const RequestKey& request,
                                                      RecordKind kind,
                                                      absl::string_view id) {
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(Down());
  LoadedRecord loaded;
  ASSIGN_OR_RETURN(loaded.replay, Prior(request));
  auto it = records_.find({kind, std::string(id)});
  if (it != records_.end()) loaded.current = it->second;
  return loaded;
}

absl::StatusOr<std::vector<std::string>> FakeDirectoryStore::SelectIds(
    const IdSelection& selection, absl::string_view after, int limit) {
  if (limit < 0) {
    return absl::InvalidArgumentError("limit: must be 0 (all) or more");
  }
  absl::ReaderMutexLock lock(&mu_);
  RETURN_IF_ERROR(Down());
  std::set<std::string> candidates;
  if (!selection.any_of.empty()) {
    for (const DirectoryIndex& index : selection.any_of) {
      auto it = indexes_.find(index);
      if (it != indexes_.end()) {
        candidates.insert(it->second.begin(), it->second.end());
      }
    }
  } else if (!selection.all_of.empty()) {
    auto it = indexes_.find(selection.all_of.front());
    if (it != indexes_.end()) candidates = it->second;
  }
  std::vector<std::string> ids;
  for (auto it = candidates.upper_bound(std::string(after));
       it != candidates.end(); ++it) {
    const bool everywhere = std::all_of(
        selection.all_of.begin(), selection.all_of.end(),
        [&](const DirectoryIndex& index) { return Lists(index, *it); });
    if (!everywhere) continue;
    ids.push_back(*it);
    if (limit > 0 && static_cast<int>(ids.size()) == limit) break;
  }
  return ids;
}

absl::StatusOr<AppliedChange> FakeDirectoryStore::Apply(
    const DirectoryChange& change) {
  RETURN_IF_ERROR(CheckChange(change));
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(Down());
  ASSIGN_OR_RETURN(std::optional<std::string> prior, Prior(change.request));
  if (prior.has_value()) return AppliedChange{*prior, true};

  auto stored = records_.find({change.kind, change.id});
  if (change.expected_version == 0) {
    if (stored != records_.end()) {
      return RecordExistsError(change.kind, change.id);
    }
  } else if (stored == records_.end()) {
    return RecordNotFoundError(change.kind, change.id);
  } else if (stored->second.version != change.expected_version) {
    return StaleVersionError(change.kind, change.id,
                             absl::StrCat(stored->second.version),
                             change.expected_version);
  }
  for (const DirectoryChange::VersionGuard& guard : change.guards) {
    auto it = records_.find({guard.kind, guard.id});
    if (it == records_.end() || it->second.version != guard.version) {
      return GuardChangedError(guard);
    }
  }
  for (const DirectoryChange::EmptyGuard& empty : change.empties) {
    if (indexes_.count(empty.index) > 0) {
      return absl::FailedPreconditionError(empty.refusal);
    }
  }

  // Checked: now the writes, as the record-write command makes them.
  records_[{change.kind, change.id}] = change.record;
  auto listed = [](const std::vector<DirectoryIndex>& indexes,
                   const DirectoryIndex& index) {
    return std::find(indexes.begin(), indexes.end(), index) != indexes.end();
  };
  for (const DirectoryIndex& index : change.indexes_before) {
    if (listed(change.indexes_after, index)) continue;
    auto it = indexes_.find(index);
    if (it == indexes_.end()) continue;
    it->second.erase(change.id);
    if (it->second.empty()) indexes_.erase(it);
  }
  for (const DirectoryIndex& index : change.indexes_after) {
    if (!listed(change.indexes_before, index)) {
      indexes_[index].insert(change.id);
    }
  }
  audit_.push_back(AuditFields(change.audit));
  requests_[{change.request.actor_id, change.request.request_id}] = {
      change.request.fingerprint, change.record.data};
  return AppliedChange{change.record.data, false};
}

std::vector<FakeDirectoryStore::AuditFieldList> FakeDirectoryStore::AuditTrail()
    const {
  absl::ReaderMutexLock lock(&mu_);
  return audit_;
}

std::string FakeDirectoryStore::Digest() const {
  absl::ReaderMutexLock lock(&mu_);
  std::string digest;
  for (const auto& [id, record] : records_) {
    absl::StrAppend(&digest, "record ", static_cast<int>(id.first), " ",
                    id.second, " v", record.version, " [",
                    absl::StrJoin(record.above, " "), "] ",
                    absl::CEscape(record.data), "\n");
  }
  for (const auto& [index, ids] : indexes_) {
    absl::StrAppend(&digest, "index ", static_cast<int>(index.kind), " ",
                    index.of, ": ", absl::StrJoin(ids, " "), "\n");
  }
  for (const auto& [key, request] : requests_) {
    absl::StrAppend(&digest, "request ", key.first, " ", key.second, " ",
                    request.fingerprint, " ", absl::CEscape(request.result),
                    "\n");
  }
  for (const AuditFieldList& entry : audit_) {
    absl::StrAppend(&digest, "audit");
    for (const auto& [field, value] : entry) {
      absl::StrAppend(&digest, " ", field, "=", value);
    }
    absl::StrAppend(&digest, "\n");
  }
  return digest;
}

void FakeDirectoryStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

}  // namespace kepu
