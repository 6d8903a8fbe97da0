#include "services/directory/directory_store.h"

#include "absl/strings/str_cat.h"

namespace kepu {

absl::string_view LabelOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kServiceLine:
      return "service line";
    case RecordKind::kRegion:
      return "region";
    case RecordKind::kDepartment:
      return "department";
    case RecordKind::kTeam:
      return "team";
    case RecordKind::kVolunteer:
      return "volunteer";
  }
  return "record";
}

DirectoryIndex DirectoryIndex::AllOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kServiceLine:
      return {Kind::kServiceLines, ""};
    case RecordKind::kRegion:
      return {Kind::kRegions, ""};
    case RecordKind::kDepartment:
      return {Kind::kDepartments, ""};
    case RecordKind::kTeam:
      return {Kind::kTeams, ""};
    case RecordKind::kVolunteer:
      return {Kind::kVolunteers, ""};
  }
  return {Kind::kServiceLines, ""};
}

absl::Status CheckChange(const DirectoryChange& change) {
  if (change.id.empty()) {
    return absl::InvalidArgumentError("change.id: is empty");
  }
  if (change.request.fingerprint.size() != 32) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  if (change.expected_version < 0 ||
      change.record.version != change.expected_version + 1) {
    return absl::InvalidArgumentError(absl::StrCat(
        "change.record.version: must be ", change.expected_version + 1,
        " (the expected version + 1), not ", change.record.version));
  }
  if (change.kind != RecordKind::kRegion && !change.record.above.empty()) {
    return absl::InvalidArgumentError(
        "change.record.above: only a region has regions above it");
  }
  // Stored space-separated on Redis.
  for (const std::string& id : change.record.above) {
    if (id.empty() || id.find(' ') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("change.record.above: \"", id, "\" is not an id"));
    }
  }
  return absl::OkStatus();
}

absl::Status RecordExistsError(RecordKind kind, absl::string_view id) {
  return absl::AlreadyExistsError(
      absl::StrCat(LabelOf(kind), " ", id, " already exists"));
}

absl::Status RecordNotFoundError(RecordKind kind, absl::string_view id) {
  return absl::NotFoundError(
      absl::StrCat(LabelOf(kind), " ", id, " not found"));
}

absl::Status StaleVersionError(RecordKind kind, absl::string_view id,
                               absl::string_view stored_version,
                               int64_t expected_version) {
  return absl::AbortedError(
      absl::StrCat(LabelOf(kind), " ", id, " is at version ", stored_version,
                   ", not ", expected_version, ": read it again and retry"));
}

absl::Status GuardChangedError(const DirectoryChange::VersionGuard& guard) {
  return absl::AbortedError(absl::StrCat(LabelOf(guard.kind), " ", guard.id,
                                         " changed meanwhile: retry"));
}

}  // namespace kepu
