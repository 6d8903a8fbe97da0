#include "services/directory/directory_records.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/core/audit.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_util.h"
#include "services/directory/programs.h"

namespace kepu {
namespace {

template <typename Record>
constexpr RecordKind KindOf() {
  return DirectoryKind<Record>::kKind;
}

template <typename Record>
absl::string_view Label() {
  return LabelOf(KindOf<Record>());
}

template <typename Record>
absl::StatusOr<Record> Parse(absl::string_view bytes, absl::string_view what) {
  Record record;
  if (!record.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("cannot parse the stored ", what));
  }
  return record;
}

template <typename Record>
absl::Status NotFound(absl::string_view id) {
  return RecordNotFoundError(KindOf<Record>(), id);
}

// Page cursors are the last id of the page, base64url so clients treat them
// as opaque.
std::string EncodeCursor(absl::string_view id) {
  return absl::WebSafeBase64Escape(id);
}

absl::StatusOr<std::string> DecodeCursor(absl::string_view token) {
  if (token.empty()) return std::string();
  std::string id;
  if (!absl::WebSafeBase64Unescape(token, &id) || !CheckId(id, "id").ok()) {
    return absl::InvalidArgumentError(
        "page.page_token: is not a page token of this list");
  }
  return id;
}

// Whether a region of `child` level may lie under one of `parent` level.
bool FitsUnder(v1::RegionLevel child, v1::RegionLevel parent) {
  switch (child) {
    case v1::REGION_LEVEL_COUNTY:
    case v1::REGION_LEVEL_ZONE:
      return parent == v1::REGION_LEVEL_CITY;
    case v1::REGION_LEVEL_TOWN:
      return parent == v1::REGION_LEVEL_COUNTY ||
             parent == v1::REGION_LEVEL_ZONE;
    case v1::REGION_LEVEL_COMMUNITY:
      return parent == v1::REGION_LEVEL_TOWN;
    default:
      return false;
  }
}

std::string LevelName(v1::RegionLevel level) {
  const std::string& name = v1::RegionLevel_Name(level);
  return name.empty() ? absl::StrCat(static_cast<int>(level)) : name;
}

// Fields the platform maintains, kept from the stored record; phone numbers
// stored as 11 digits (validation has accepted them).
void KeepPlatformFields(v1::ServiceLine&, const v1::ServiceLine*, absl::Time) {}
void KeepPlatformFields(v1::Region&, const v1::Region*, absl::Time) {}
void KeepPlatformFields(v1::Department&, const v1::Department*, absl::Time) {}

void KeepPlatformFields(v1::Team& after, const v1::Team* before, absl::Time) {
  if (before != nullptr && before->has_stats()) {
    *after.mutable_stats() = before->stats();
  } else {
    after.clear_stats();
  }
  if (after.has_contact()) {
    if (std::optional<std::string> phone =
            NormalizeMainlandMobile(after.contact().phone())) {
      after.mutable_contact()->set_phone(*phone);
    }
  }
}

void KeepPlatformFields(v1::Volunteer& after, const v1::Volunteer* before,
                        absl::Time at) {
  if (before != nullptr) {
    after.set_approved_hours(before->approved_hours());
    if (before->has_joined_at()) {
      *after.mutable_joined_at() = before->joined_at();
    } else {
      after.clear_joined_at();
    }
  } else {
    after.set_approved_hours(0);
    *after.mutable_joined_at() = ToProto(at);
  }
  if (!after.phone().empty()) {
    if (std::optional<std::string> phone =
            NormalizeMainlandMobile(after.phone())) {
      after.set_phone(*phone);
    }
  }
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& ids,
              const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The indexes a record is listed in (the store keeps them).
using Index = DirectoryIndex::Kind;

std::vector<DirectoryIndex> IndexesOf(const v1::ServiceLine&) {
  return {DirectoryIndex::AllOf(RecordKind::kServiceLine)};
}

std::vector<DirectoryIndex> IndexesOf(const v1::Region& region) {
  std::vector<DirectoryIndex> indexes = {
      DirectoryIndex::AllOf(RecordKind::kRegion),
      {Index::kRegionsByLevel, absl::StrCat(static_cast<int>(region.level()))}};
  if (!region.parent_id().empty()) {
    indexes.push_back({Index::kRegionsByParent, region.parent_id()});
  }
  return indexes;
}

std::vector<DirectoryIndex> IndexesOf(const v1::Department&) {
  return {DirectoryIndex::AllOf(RecordKind::kDepartment)};
}

std::vector<DirectoryIndex> IndexesOf(const v1::Team& team) {
  std::vector<DirectoryIndex> indexes = {
      DirectoryIndex::AllOf(RecordKind::kTeam)};
  for (const std::string& line : team.service_line_ids()) {
    indexes.push_back({Index::kTeamsByLine, line});
  }
  for (const std::string& region : team.service_area_region_ids()) {
    indexes.push_back({Index::kTeamsByRegion, region});
  }
  if (!team.department_id().empty()) {
    indexes.push_back({Index::kTeamsByDepartment, team.department_id()});
  }
  return indexes;
}

std::vector<DirectoryIndex> IndexesOf(const v1::Volunteer& volunteer) {
  std::vector<DirectoryIndex> indexes = {
      DirectoryIndex::AllOf(RecordKind::kVolunteer)};
  for (const std::string& team : volunteer.team_ids()) {
    indexes.push_back({Index::kVolunteersByTeam, team});
  }
  return indexes;
}

}  // namespace

// A record that a written record refers to.
struct DirectoryRecords::Reference {
  // The referring field, e.g. "team.service_line_ids[1]".
  std::string path;
  std::string id;
  // The stored record referred to it already (then it may be inactive).
  bool held_before = false;
};

DirectoryRecords::DirectoryRecords(DirectoryStore& store,
                                   absl::string_view tenant)
    : store_(store), tenant_(tenant) {}

// Reads.

template <typename Record>
absl::StatusOr<std::vector<std::optional<Record>>> DirectoryRecords::ReadMany(
    const std::vector<std::string>& ids) {
  std::vector<std::optional<Record>> records;
  if (ids.empty()) return records;
  ASSIGN_OR_RETURN(std::vector<std::optional<StoredRecord>> stored,
                   store_.Read(KindOf<Record>(), ids));
  records.reserve(stored.size());
  for (std::optional<StoredRecord>& record : stored) {
    if (!record.has_value()) {
      records.push_back(std::nullopt);
      continue;
    }
    ASSIGN_OR_RETURN(Record parsed,
                     Parse<Record>(record->data, Label<Record>()));
    records.push_back(std::move(parsed));
  }
  return records;
}

template <typename Record>
absl::StatusOr<Record> DirectoryRecords::Get(absl::string_view id) {
  ASSIGN_OR_RETURN(std::vector<std::optional<Record>> records,
                   ReadMany<Record>({std::string(id)}));
  if (!records[0].has_value()) return NotFound<Record>(id);
  return *std::move(records[0]);
}

absl::StatusOr<v1::ServiceLine> DirectoryRecords::GetServiceLine(
    absl::string_view id) {
  return Get<v1::ServiceLine>(id);
}
absl::StatusOr<v1::Region> DirectoryRecords::GetRegion(absl::string_view id) {
  return Get<v1::Region>(id);
}
absl::StatusOr<v1::Department> DirectoryRecords::GetDepartment(
    absl::string_view id) {
  return Get<v1::Department>(id);
}
absl::StatusOr<v1::Team> DirectoryRecords::GetTeam(absl::string_view id) {
  return Get<v1::Team>(id);
}
absl::StatusOr<v1::Volunteer> DirectoryRecords::GetVolunteer(
    absl::string_view id) {
  return Get<v1::Volunteer>(id);
}

absl::StatusOr<std::vector<v1::Region>> DirectoryRecords::RegionChain(
    absl::string_view region_id) {
  ASSIGN_OR_RETURN(std::vector<std::optional<StoredRecord>> stored,
                   store_.Read(RecordKind::kRegion, {std::string(region_id)}));
  if (!stored[0].has_value()) return NotFound<v1::Region>(region_id);
  std::vector<v1::Region> chain;
  ASSIGN_OR_RETURN(v1::Region region,
                   Parse<v1::Region>(stored[0]->data, "region"));
  chain.push_back(std::move(region));
  const std::vector<std::string>& above = stored[0]->above;
  ASSIGN_OR_RETURN(std::vector<std::optional<v1::Region>> regions,
                   ReadMany<v1::Region>(above));
  for (size_t i = 0; i < regions.size(); ++i) {
    if (!regions[i].has_value()) {
      return absl::DataLossError(absl::StrCat(
          "region ", above[i], " above region ", region_id, " is missing"));
    }
    chain.push_back(*std::move(regions[i]));
  }
  return chain;
}

template <typename Record>
absl::StatusOr<RecordPage<Record>> DirectoryRecords::List(
    const IdSelection& selection, const ListOptions& options) {
  if (options.limit < 1 || options.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(std::string cursor, DecodeCursor(options.cursor));
  RecordPage<Record> page;
  while (true) {
    // One more id than the page still needs tells whether more follow.
    const int wanted = options.limit - static_cast<int>(page.records.size());
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     store_.SelectIds(selection, cursor, wanted + 1));
    const bool exhausted = static_cast<int>(ids.size()) <= wanted;
    if (!exhausted) ids.resize(wanted);
    ASSIGN_OR_RETURN(std::vector<std::optional<Record>> records,
                     ReadMany<Record>(ids));
    for (size_t i = 0; i < records.size(); ++i) {
      cursor = ids[i];
      if (!records[i].has_value()) continue;
      if (!options.include_inactive && !records[i]->active()) continue;
      page.records.push_back(*std::move(records[i]));
      if (static_cast<int>(page.records.size()) == options.limit) {
        if (i + 1 < records.size() || !exhausted) {
          page.next_cursor = EncodeCursor(cursor);
        }
        return page;
      }
    }
    if (exhausted) return page;
  }
}

template <typename Record>
absl::StatusOr<std::vector<Record>> DirectoryRecords::ListAll() {
  IdSelection selection;
  selection.all_of.push_back(DirectoryIndex::AllOf(KindOf<Record>()));
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   store_.SelectIds(selection, "", 0));
  ASSIGN_OR_RETURN(std::vector<std::optional<Record>> records,
                   ReadMany<Record>(ids));
  std::vector<Record> all;
  all.reserve(records.size());
  for (std::optional<Record>& record : records) {
    if (record.has_value()) all.push_back(*std::move(record));
  }
  return all;
}

absl::StatusOr<std::vector<v1::Department>>
DirectoryRecords::ListDepartments() {
  return ListAll<v1::Department>();
}

absl::StatusOr<std::vector<v1::ServiceLine>>
DirectoryRecords::ListServiceLines() {
  return ListAll<v1::ServiceLine>();
}

absl::StatusOr<std::vector<v1::Team>> DirectoryRecords::TeamsServing(
    absl::string_view service_line_id,
    const std::vector<std::string>& region_ids) {
  std::vector<v1::Team> teams;
  if (region_ids.empty()) return teams;
  IdSelection selection;
  std::set<absl::string_view> seen;
  for (const std::string& region_id : region_ids) {
    if (seen.insert(region_id).second) {
      selection.any_of.push_back({Index::kTeamsByRegion, region_id});
    }
  }
  selection.all_of.push_back(
      {Index::kTeamsByLine, std::string(service_line_id)});
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   store_.SelectIds(selection, "", 0));
  ASSIGN_OR_RETURN(std::vector<std::optional<v1::Team>> records,
                   ReadMany<v1::Team>(ids));
  for (std::optional<v1::Team>& team : records) {
    if (team.has_value() && team->active()) teams.push_back(*std::move(team));
  }
  return teams;
}

absl::StatusOr<RecordPage<v1::Region>> DirectoryRecords::ListRegions(
    absl::string_view parent_id, v1::RegionLevel level,
    const ListOptions& options) {
  IdSelection selection;
  if (!parent_id.empty()) {
    selection.all_of.push_back(
        {Index::kRegionsByParent, std::string(parent_id)});
  }
  if (level != v1::REGION_LEVEL_UNSPECIFIED) {
    selection.all_of.push_back(
        {Index::kRegionsByLevel, absl::StrCat(static_cast<int>(level))});
  }
  if (selection.all_of.empty()) {
    selection.all_of.push_back(DirectoryIndex::AllOf(RecordKind::kRegion));
  }
  return List<v1::Region>(selection, options);
}

absl::StatusOr<RecordPage<v1::Team>> DirectoryRecords::ListTeams(
    const TeamFilter& filter, const ListOptions& options) {
  IdSelection selection;
  if (!filter.region_id.empty()) {
    absl::StatusOr<std::vector<v1::Region>> chain =
        RegionChain(filter.region_id);
    if (absl::IsNotFound(chain.status())) {
      // Still checks the page request.
      selection.all_of.push_back({Index::kTeamsByRegion, filter.region_id});
    } else if (!chain.ok()) {
      return chain.status();
    } else {
      for (const v1::Region& region : *chain) {
        selection.any_of.push_back({Index::kTeamsByRegion, region.id()});
      }
    }
  }
  if (!filter.service_line_id.empty()) {
    selection.all_of.push_back({Index::kTeamsByLine, filter.service_line_id});
  }
  if (!filter.department_id.empty()) {
    selection.all_of.push_back(
        {Index::kTeamsByDepartment, filter.department_id});
  }
  if (selection.any_of.empty() && selection.all_of.empty()) {
    selection.all_of.push_back(DirectoryIndex::AllOf(RecordKind::kTeam));
  }
  return List<v1::Team>(selection, options);
}

absl::StatusOr<RecordPage<v1::Volunteer>> DirectoryRecords::ListVolunteers(
    absl::string_view team_id, const ListOptions& options) {
  IdSelection selection;
  selection.all_of.push_back(
      team_id.empty()
          ? DirectoryIndex::AllOf(RecordKind::kVolunteer)
          : DirectoryIndex{Index::kVolunteersByTeam, std::string(team_id)});
  return List<v1::Volunteer>(selection, options);
}

// References.

template <typename Record>
absl::StatusOr<std::vector<Record>> DirectoryRecords::Resolve(
    const std::vector<Reference>& references) {
  std::vector<std::string> ids;
  ids.reserve(references.size());
  for (const Reference& reference : references) ids.push_back(reference.id);
  ASSIGN_OR_RETURN(std::vector<std::optional<Record>> records,
                   ReadMany<Record>(ids));
  std::vector<Record> resolved;
  resolved.reserve(records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    const Reference& reference = references[i];
    if (!records[i].has_value()) {
      return absl::FailedPreconditionError(
          absl::StrCat(reference.path, ": there is no ", Label<Record>(), " ",
                       reference.id));
    }
    if (!records[i]->active() && !reference.held_before) {
      return absl::FailedPreconditionError(
          absl::StrCat(reference.path, ": ", Label<Record>(), " ", reference.id,
                       " is inactive"));
    }
    resolved.push_back(*std::move(records[i]));
  }
  return resolved;
}

namespace {

// References of the ids in `ids` (at "<path>[i]"), held before when `before`
// lists them.
template <typename Reference>
void AddReferences(
    std::vector<Reference>& references, absl::string_view path,
    const google::protobuf::RepeatedPtrField<std::string>& ids,
    const google::protobuf::RepeatedPtrField<std::string>* before) {
  for (int i = 0; i < ids.size(); ++i) {
    references.push_back({FieldPath(path, i), ids[i],
                          before != nullptr && Contains(*before, ids[i])});
  }
}

}  // namespace

absl::Status DirectoryRecords::CheckReferences(v1::ServiceLine& after,
                                               const v1::ServiceLine* before,
                                               DirectoryChange&) {
  if (FindProgram(after.program_id()) == nullptr) {
    return absl::FailedPreconditionError(absl::StrCat(
        "service_line.program_id: there is no program ", after.program_id()));
  }
  std::vector<Reference> departments;
  AddReferences(
      departments, "service_line.responsible_department_ids",
      after.responsible_department_ids(),
      before != nullptr ? &before->responsible_department_ids() : nullptr);
  return Resolve<v1::Department>(departments).status();
}

absl::Status DirectoryRecords::CheckReferences(v1::Region& after,
                                               const v1::Region* before,
                                               DirectoryChange& change) {
  if (after.level() == v1::REGION_LEVEL_CITY) {
    if (after.id() != tenant_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "region.id: the city's region id must be the tenant's, ", tenant_));
    }
    after.clear_county_id();
    change.record.above.clear();
  } else {
    // The parent's path comes with it, at the version the store checks.
    ASSIGN_OR_RETURN(std::vector<std::optional<StoredRecord>> stored,
                     store_.Read(RecordKind::kRegion, {after.parent_id()}));
    if (!stored[0].has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "region.parent_id: there is no region ", after.parent_id()));
    }
    ASSIGN_OR_RETURN(v1::Region parent,
                     Parse<v1::Region>(stored[0]->data, "region"));
    const bool held_before =
        before != nullptr && before->parent_id() == after.parent_id();
    if (!parent.active() && !held_before) {
      return absl::FailedPreconditionError(absl::StrCat(
          "region.parent_id: region ", parent.id(), " is inactive"));
    }
    if (!FitsUnder(after.level(), parent.level())) {
      return absl::FailedPreconditionError(
          absl::StrCat("region.parent_id: a ", LevelName(after.level()),
                       " cannot lie under region ", parent.id(), ", a ",
                       LevelName(parent.level())));
    }
    after.set_county_id(after.level() == v1::REGION_LEVEL_COUNTY ||
                                after.level() == v1::REGION_LEVEL_ZONE
                            ? after.id()
                            : parent.county_id());
    change.record.above = {parent.id()};
    change.record.above.insert(change.record.above.end(),
                               stored[0]->above.begin(),
                               stored[0]->above.end());
    change.guards.push_back(
        {RecordKind::kRegion, parent.id(), stored[0]->version});
  }
  if (before != nullptr && (before->parent_id() != after.parent_id() ||
                            before->level() != after.level())) {
    const bool moved = before->parent_id() != after.parent_id();
    // Member by member: GCC 12 at -O3 (up.sh's build) wrongly warns that a
    // braced temporary's string may be used uninitialized.
    DirectoryChange::EmptyGuard& empty = change.empties.emplace_back();
    empty.index.kind = Index::kRegionsByParent;
    empty.index.of = after.id();
    empty.refusal = absl::StrCat(
        moved ? "region.parent_id" : "region.level", ": region ", after.id(),
        " has regions below it, so its level and parent cannot change");
  }
  return absl::OkStatus();
}

absl::Status DirectoryRecords::CheckReferences(v1::Department&,
                                               const v1::Department*,
                                               DirectoryChange&) {
  return absl::OkStatus();
}

absl::Status DirectoryRecords::CheckReferences(v1::Team& after,
                                               const v1::Team* before,
                                               DirectoryChange&) {
  if (!after.department_id().empty()) {
    const bool held_before =
        before != nullptr && before->department_id() == after.department_id();
    RETURN_IF_ERROR(
        Resolve<v1::Department>(
            {{"team.department_id", after.department_id(), held_before}})
            .status());
  }
  std::vector<Reference> lines;
  AddReferences(lines, "team.service_line_ids", after.service_line_ids(),
                before != nullptr ? &before->service_line_ids() : nullptr);
  RETURN_IF_ERROR(Resolve<v1::ServiceLine>(lines).status());
  std::vector<Reference> regions;
  AddReferences(
      regions, "team.service_area_region_ids", after.service_area_region_ids(),
      before != nullptr ? &before->service_area_region_ids() : nullptr);
  return Resolve<v1::Region>(regions).status();
}

absl::Status DirectoryRecords::CheckReferences(v1::Volunteer& after,
                                               const v1::Volunteer* before,
                                               DirectoryChange&) {
  std::vector<Reference> teams;
  AddReferences(teams, "volunteer.team_ids", after.team_ids(),
                before != nullptr ? &before->team_ids() : nullptr);
  RETURN_IF_ERROR(Resolve<v1::Team>(teams).status());
  std::vector<Reference> lines;
  AddReferences(
      lines, "volunteer.skill_service_line_ids", after.skill_service_line_ids(),
      before != nullptr ? &before->skill_service_line_ids() : nullptr);
  return Resolve<v1::ServiceLine>(lines).status();
}

// Writes.

template <typename Record>
absl::StatusOr<Record> DirectoryRecords::Create(
    const DirectoryWrite& write, const Record& record,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kCreate, write, &record, record.id(), 0, guard);
}

template <typename Record>
absl::StatusOr<Record> DirectoryRecords::Update(
    const DirectoryWrite& write, const Record& record, int64_t expected_version,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kUpdate, write, &record, record.id(),
                       expected_version, guard);
}

template <typename Record>
absl::StatusOr<Record> DirectoryRecords::Deactivate(
    const DirectoryWrite& write, absl::string_view id, int64_t expected_version,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kDeactivate, write, nullptr, id, expected_version,
                       guard);
}

template <typename Record>
absl::StatusOr<Record> DirectoryRecords::Write(
    Mode mode, const DirectoryWrite& write, const Record* proposed,
    absl::string_view id, int64_t expected_version, WriteGuard<Record> guard) {
  const absl::string_view label = Label<Record>();
  if (write.request.fingerprint.size() != 32) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  // A replay answers before anything else is checked: the record has moved on
  // since the first call.
  ASSIGN_OR_RETURN(LoadedRecord loaded,
                   store_.Load(write.request, KindOf<Record>(), id));
  if (loaded.replay.has_value()) {
    return Parse<Record>(*loaded.replay, "request result");
  }
  std::optional<Record> before;
  if (loaded.current.has_value()) {
    ASSIGN_OR_RETURN(before, Parse<Record>(loaded.current->data, label));
  }

  Record after;
  switch (mode) {
    case Mode::kCreate:
      if (before.has_value()) {
        return RecordExistsError(KindOf<Record>(), id);
      }
      after = *proposed;
      after.set_active(true);
      after.set_version(1);
      break;
    case Mode::kUpdate:
    case Mode::kDeactivate:
      if (!before.has_value()) return NotFound<Record>(id);
      if (before->version() != expected_version) {
        return StaleVersionError(KindOf<Record>(), id,
                                 absl::StrCat(before->version()),
                                 expected_version);
      }
      if (mode == Mode::kUpdate) {
        after = *proposed;
        after.set_active(before->active() || proposed->active());
      } else {
        if (!before->active()) {
          return absl::FailedPreconditionError(
              absl::StrCat(label, " ", id, " is inactive already"));
        }
        after = *before;
        after.set_active(false);
      }
      after.set_version(before->version() + 1);
      break;
  }
  const Record* stored = before.has_value() ? &*before : nullptr;
  KeepPlatformFields(after, stored, write.at);

  DirectoryChange change;
  change.request = write.request;
  change.kind = KindOf<Record>();
  change.id = std::string(id);
  change.expected_version = stored != nullptr ? stored->version() : 0;
  if (mode == Mode::kDeactivate) {
    // Nothing it refers to is checked again; a region keeps its path.
    if (loaded.current.has_value()) change.record.above = loaded.current->above;
  } else {
    RETURN_IF_ERROR(CheckReferences(after, stored, change));
  }
  RETURN_IF_ERROR(guard(stored, after));

  change.record.version = after.version();
  change.record.data = after.SerializeAsString();
  // A deactivated record stays listed; the store moves the record only in the
  // indexes that change.
  if (stored != nullptr) change.indexes_before = IndexesOf(*stored);
  change.indexes_after = IndexesOf(after);
  change.audit.at = write.at;
  change.audit.actor = write.actor;
  change.audit.action = write.action;
  change.audit.target = absl::StrCat(DirectoryKind<Record>::kField, "/", id);
  change.audit.request_id = write.request.request_id;
  change.audit.reason = write.reason;

  ASSIGN_OR_RETURN(AppliedChange applied, store_.Apply(change));
  if (applied.replayed) return Parse<Record>(applied.data, "request result");
  return after;
}

// The record kinds of the directory.
#define KEPU_DIRECTORY_WRITES(Record)                                   \
  template absl::StatusOr<Record> DirectoryRecords::Create<Record>(     \
      const DirectoryWrite&, const Record&,                             \
      std::type_identity_t<WriteGuard<Record>>);                        \
  template absl::StatusOr<Record> DirectoryRecords::Update<Record>(     \
      const DirectoryWrite&, const Record&, int64_t,                    \
      std::type_identity_t<WriteGuard<Record>>);                        \
  template absl::StatusOr<Record> DirectoryRecords::Deactivate<Record>( \
      const DirectoryWrite&, absl::string_view, int64_t,                \
      std::type_identity_t<WriteGuard<Record>>);
KEPU_DIRECTORY_WRITES(v1::ServiceLine)
KEPU_DIRECTORY_WRITES(v1::Region)
KEPU_DIRECTORY_WRITES(v1::Department)
KEPU_DIRECTORY_WRITES(v1::Team)
KEPU_DIRECTORY_WRITES(v1::Volunteer)
#undef KEPU_DIRECTORY_WRITES

}  // namespace kepu
