#include "services/directory/redis_directory.h"

#include <algorithm>
#include <set>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "kepu_directory_scripts.h"
#include "services/core/audit.h"
#include "services/core/field_checks.h"
#include "services/core/redis/record_write.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_util.h"
#include "services/directory/programs.h"

namespace kepu {
namespace {

// The request key's value is "<fingerprint>:<first result>".
constexpr size_t kFingerprintLength = 32;

const LuaScript& SelectScript() {
  static const LuaScript* const kScript = new LuaScript(
      "select_ids", absl::string_view(directory_scripts::kSelectIds.data(),
                                      directory_scripts::kSelectIds.size()));
  return *kScript;
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
  return absl::NotFoundError(
      absl::StrCat(DirectoryKind<Record>::kLabel, " ", id, " not found"));
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

}  // namespace

// What a write's script checks besides the record's own version, and the
// region path it stores.
struct RedisDirectory::Extras {
  struct Guard {
    // A record that must still be at `version`.
    std::string key;
    int64_t version = 0;
    // What changed, for the kAborted message.
    std::string what;
  };
  struct Empty {
    // A sorted set that must be empty, and the kFailedPrecondition message when
    // it is not.
    std::string key;
    std::string message;
  };
  std::vector<Guard> guards;
  std::vector<Empty> empties;
  // A region's path (the ids above it), to store in field p.
  std::optional<std::string> path;
};

// A record that a written record refers to.
struct RedisDirectory::Reference {
  // The referring field, e.g. "team.service_line_ids[1]".
  std::string path;
  std::string id;
  // The stored record referred to it already (then it may be inactive).
  bool held_before = false;
};

// Where the ids of a list come from: the ids in any of `any_of` (when it is not
// empty) and in all of `all_of`.
struct RedisDirectory::IdSource {
  std::vector<std::string> any_of;
  std::vector<std::string> all_of;
};

RedisDirectory::RedisDirectory(RedisClient& redis, absl::string_view tenant,
                               RedisDirectoryOptions options)
    : redis_(redis), tenant_(tenant), keys_(tenant), options_(options) {}

// Reads.

template <typename Record>
absl::StatusOr<Record> RedisDirectory::Get(absl::string_view id) {
  const std::string key = keys_.RecordOf<Record>(id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HGET", key, "r"}));
  if (reply.IsNil()) return NotFound<Record>(id);
  if (!reply.IsString()) return UnexpectedReply("HGET", reply);
  return Parse<Record>(reply.Str(), DirectoryKind<Record>::kLabel);
}

absl::StatusOr<v1::ServiceLine> RedisDirectory::GetServiceLine(
    absl::string_view id) {
  return Get<v1::ServiceLine>(id);
}
absl::StatusOr<v1::Region> RedisDirectory::GetRegion(absl::string_view id) {
  return Get<v1::Region>(id);
}
absl::StatusOr<v1::Department> RedisDirectory::GetDepartment(
    absl::string_view id) {
  return Get<v1::Department>(id);
}
absl::StatusOr<v1::Team> RedisDirectory::GetTeam(absl::string_view id) {
  return Get<v1::Team>(id);
}
absl::StatusOr<v1::Volunteer> RedisDirectory::GetVolunteer(
    absl::string_view id) {
  return Get<v1::Volunteer>(id);
}

template <typename Record>
absl::StatusOr<std::vector<std::optional<Record>>> RedisDirectory::ReadMany(
    const std::vector<std::string>& ids) {
  std::vector<std::optional<Record>> records;
  if (ids.empty()) return records;
  std::vector<std::string> record_keys;
  record_keys.reserve(ids.size());
  for (const std::string& id : ids) {
    record_keys.push_back(keys_.RecordOf<Record>(id));
  }
  std::vector<std::vector<absl::string_view>> reads;
  reads.reserve(ids.size());
  for (const std::string& key : record_keys)
    reads.push_back({"HGET", key, "r"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(reads));
  records.reserve(ids.size());
  for (const RedisReply& reply : replies) {
    if (reply.IsNil()) {
      records.push_back(std::nullopt);
      continue;
    }
    if (!reply.IsString()) return UnexpectedReply("HGET", reply);
    ASSIGN_OR_RETURN(Record record,
                     Parse<Record>(reply.Str(), DirectoryKind<Record>::kLabel));
    records.push_back(std::move(record));
  }
  return records;
}

absl::StatusOr<std::vector<v1::Region>> RedisDirectory::RegionChain(
    absl::string_view region_id) {
  const std::string key = keys_.RecordOf<v1::Region>(region_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HMGET", key, "r", "p"}));
  if (!reply.IsArray() || reply.Size() != 2) {
    return UnexpectedReply("HMGET", reply);
  }
  if (reply[0].IsNil()) return NotFound<v1::Region>(region_id);
  std::vector<v1::Region> chain;
  ASSIGN_OR_RETURN(v1::Region region,
                   Parse<v1::Region>(reply[0].Str(), "region"));
  chain.push_back(std::move(region));
  const std::vector<std::string> above =
      absl::StrSplit(reply[1].Str(), ' ', absl::SkipEmpty());
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

absl::StatusOr<std::vector<std::string>> RedisDirectory::NextIds(
    const IdSource& source, absl::string_view cursor, int count) {
  if (source.any_of.empty() && source.all_of.size() == 1) {
    const std::string start =
        cursor.empty() ? std::string("-") : absl::StrCat("(", cursor);
    const std::string limit = absl::StrCat(count);
    ASSIGN_OR_RETURN(RedisReply reply,
                     count > 0
                         ? redis_.Command({"ZRANGE", source.all_of[0], start,
                                           "+", "BYLEX", "LIMIT", "0", limit})
                         : redis_.Command({"ZRANGE", source.all_of[0], start,
                                           "+", "BYLEX"}));
    if (!reply.IsArray()) return UnexpectedReply("ZRANGE", reply);
    std::vector<std::string> ids;
    ids.reserve(reply.Size());
    for (size_t i = 0; i < reply.Size(); ++i) ids.emplace_back(reply[i].Str());
    return ids;
  }
  std::vector<absl::string_view> script_keys;
  for (const std::string& key : source.any_of) script_keys.push_back(key);
  for (const std::string& key : source.all_of) script_keys.push_back(key);
  if (script_keys.empty()) return std::vector<std::string>();
  const std::string unions = absl::StrCat(source.any_of.size());
  const std::string limit = absl::StrCat(std::max(count, 0));
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(SelectScript(), script_keys,
                                                 {unions, cursor, limit}));
  if (!reply.IsArray()) return UnexpectedReply("select_ids", reply);
  std::vector<std::string> ids;
  ids.reserve(reply.Size());
  for (size_t i = 0; i < reply.Size(); ++i) ids.emplace_back(reply[i].Str());
  return ids;
}

template <typename Record>
absl::StatusOr<RecordPage<Record>> RedisDirectory::List(
    const IdSource& source, const ListOptions& options) {
  if (options.limit < 1 || options.limit > 100) {
    return absl::InvalidArgumentError("page.page_size: must be 1 to 100");
  }
  ASSIGN_OR_RETURN(std::string cursor, DecodeCursor(options.cursor));
  RecordPage<Record> page;
  while (true) {
    // One more id than the page still needs tells whether more follow.
    const int wanted = options.limit - static_cast<int>(page.records.size());
    ASSIGN_OR_RETURN(std::vector<std::string> ids,
                     NextIds(source, cursor, wanted + 1));
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
absl::StatusOr<std::vector<Record>> RedisDirectory::ListAll() {
  ASSIGN_OR_RETURN(std::vector<std::string> ids,
                   NextIds(IdSource{{}, {keys_.AllOf<Record>()}}, "", 0));
  ASSIGN_OR_RETURN(std::vector<std::optional<Record>> records,
                   ReadMany<Record>(ids));
  std::vector<Record> all;
  all.reserve(records.size());
  for (std::optional<Record>& record : records) {
    if (record.has_value()) all.push_back(*std::move(record));
  }
  return all;
}

absl::StatusOr<std::vector<v1::Department>> RedisDirectory::ListDepartments() {
  return ListAll<v1::Department>();
}

absl::StatusOr<std::vector<v1::ServiceLine>>
RedisDirectory::ListServiceLines() {
  return ListAll<v1::ServiceLine>();
}

absl::StatusOr<std::vector<v1::Team>> RedisDirectory::TeamsServing(
    absl::string_view service_line_id,
    const std::vector<std::string>& region_ids) {
  std::vector<v1::Team> teams;
  if (region_ids.empty()) return teams;
  IdSource source;
  std::set<absl::string_view> seen;
  for (const std::string& region_id : region_ids) {
    if (seen.insert(region_id).second) {
      source.any_of.push_back(keys_.TeamsByRegion(region_id));
    }
  }
  source.all_of.push_back(keys_.TeamsByLine(service_line_id));
  ASSIGN_OR_RETURN(std::vector<std::string> ids, NextIds(source, "", 0));
  ASSIGN_OR_RETURN(std::vector<std::optional<v1::Team>> records,
                   ReadMany<v1::Team>(ids));
  for (std::optional<v1::Team>& team : records) {
    if (team.has_value() && team->active()) teams.push_back(*std::move(team));
  }
  return teams;
}

absl::StatusOr<RecordPage<v1::Region>> RedisDirectory::ListRegions(
    absl::string_view parent_id, v1::RegionLevel level,
    const ListOptions& options) {
  IdSource source;
  if (!parent_id.empty()) {
    source.all_of.push_back(keys_.RegionsByParent(parent_id));
  }
  if (level != v1::REGION_LEVEL_UNSPECIFIED) {
    source.all_of.push_back(keys_.RegionsByLevel(level));
  }
  if (source.all_of.empty()) source.all_of.push_back(keys_.AllOf<v1::Region>());
  return List<v1::Region>(source, options);
}

absl::StatusOr<RecordPage<v1::Team>> RedisDirectory::ListTeams(
    const TeamFilter& filter, const ListOptions& options) {
  IdSource source;
  if (!filter.region_id.empty()) {
    absl::StatusOr<std::vector<v1::Region>> chain =
        RegionChain(filter.region_id);
    if (absl::IsNotFound(chain.status())) {
      // Still checks the page request.
      source.all_of.push_back(keys_.TeamsByRegion(filter.region_id));
    } else if (!chain.ok()) {
      return chain.status();
    } else {
      for (const v1::Region& region : *chain) {
        source.any_of.push_back(keys_.TeamsByRegion(region.id()));
      }
    }
  }
  if (!filter.service_line_id.empty()) {
    source.all_of.push_back(keys_.TeamsByLine(filter.service_line_id));
  }
  if (!filter.department_id.empty()) {
    source.all_of.push_back(keys_.TeamsByDepartment(filter.department_id));
  }
  if (source.any_of.empty() && source.all_of.empty()) {
    source.all_of.push_back(keys_.AllOf<v1::Team>());
  }
  return List<v1::Team>(source, options);
}

absl::StatusOr<RecordPage<v1::Volunteer>> RedisDirectory::ListVolunteers(
    absl::string_view team_id, const ListOptions& options) {
  IdSource source;
  source.all_of.push_back(team_id.empty() ? keys_.AllOf<v1::Volunteer>()
                                          : keys_.VolunteersByTeam(team_id));
  return List<v1::Volunteer>(source, options);
}

// Indexes.

std::vector<std::string> RedisDirectory::IndexKeysOf(
    const v1::ServiceLine&) const {
  return {keys_.AllOf<v1::ServiceLine>()};
}

std::vector<std::string> RedisDirectory::IndexKeysOf(
    const v1::Region& region) const {
  std::vector<std::string> keys = {keys_.AllOf<v1::Region>(),
                                   keys_.RegionsByLevel(region.level())};
  if (!region.parent_id().empty()) {
    keys.push_back(keys_.RegionsByParent(region.parent_id()));
  }
  return keys;
}

std::vector<std::string> RedisDirectory::IndexKeysOf(
    const v1::Department&) const {
  return {keys_.AllOf<v1::Department>()};
}

std::vector<std::string> RedisDirectory::IndexKeysOf(
    const v1::Team& team) const {
  std::vector<std::string> keys = {keys_.AllOf<v1::Team>()};
  for (const std::string& line : team.service_line_ids()) {
    keys.push_back(keys_.TeamsByLine(line));
  }
  for (const std::string& region : team.service_area_region_ids()) {
    keys.push_back(keys_.TeamsByRegion(region));
  }
  if (!team.department_id().empty()) {
    keys.push_back(keys_.TeamsByDepartment(team.department_id()));
  }
  return keys;
}

std::vector<std::string> RedisDirectory::IndexKeysOf(
    const v1::Volunteer& volunteer) const {
  std::vector<std::string> keys = {keys_.AllOf<v1::Volunteer>()};
  for (const std::string& team : volunteer.team_ids()) {
    keys.push_back(keys_.VolunteersByTeam(team));
  }
  return keys;
}

// References.

template <typename Record>
absl::StatusOr<std::vector<Record>> RedisDirectory::Resolve(
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
          absl::StrCat(reference.path, ": there is no ",
                       DirectoryKind<Record>::kLabel, " ", reference.id));
    }
    if (!records[i]->active() && !reference.held_before) {
      return absl::FailedPreconditionError(
          absl::StrCat(reference.path, ": ", DirectoryKind<Record>::kLabel, " ",
                       reference.id, " is inactive"));
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

absl::Status RedisDirectory::CheckReferences(v1::ServiceLine& after,
                                             const v1::ServiceLine* before,
                                             Extras&) {
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

absl::Status RedisDirectory::CheckReferences(v1::Region& after,
                                             const v1::Region* before,
                                             Extras& extras) {
  if (after.level() == v1::REGION_LEVEL_CITY) {
    if (after.id() != tenant_) {
      return absl::InvalidArgumentError(absl::StrCat(
          "region.id: the city's region id must be the tenant's, ", tenant_));
    }
    after.clear_county_id();
    extras.path = "";
  } else {
    // The parent's path comes with it, at the version the script checks.
    const std::string parent_key =
        keys_.RecordOf<v1::Region>(after.parent_id());
    ASSIGN_OR_RETURN(RedisReply reply,
                     redis_.Command({"HMGET", parent_key, "r", "p"}));
    if (!reply.IsArray() || reply.Size() != 2) {
      return UnexpectedReply("HMGET", reply);
    }
    if (reply[0].IsNil()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "region.parent_id: there is no region ", after.parent_id()));
    }
    ASSIGN_OR_RETURN(v1::Region parent,
                     Parse<v1::Region>(reply[0].Str(), "region"));
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
    extras.path = parent.id();
    if (reply[1].IsString() && !reply[1].Str().empty()) {
      absl::StrAppend(&*extras.path, " ", reply[1].Str());
    }
    extras.guards.push_back(
        {parent_key, parent.version(), absl::StrCat("region ", parent.id())});
  }
  if (before != nullptr && (before->parent_id() != after.parent_id() ||
                            before->level() != after.level())) {
    const bool moved = before->parent_id() != after.parent_id();
    extras.empties.push_back(
        {keys_.RegionsByParent(after.id()),
         absl::StrCat(moved ? "region.parent_id" : "region.level", ": region ",
                      after.id(),
                      " has regions below it, so its level and parent cannot "
                      "change")});
  }
  return absl::OkStatus();
}

absl::Status RedisDirectory::CheckReferences(v1::Department&,
                                             const v1::Department*, Extras&) {
  return absl::OkStatus();
}

absl::Status RedisDirectory::CheckReferences(v1::Team& after,
                                             const v1::Team* before, Extras&) {
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

absl::Status RedisDirectory::CheckReferences(v1::Volunteer& after,
                                             const v1::Volunteer* before,
                                             Extras&) {
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
absl::StatusOr<Record> RedisDirectory::Create(
    const DirectoryWrite& write, const Record& record,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kCreate, write, &record, record.id(), 0, guard);
}

template <typename Record>
absl::StatusOr<Record> RedisDirectory::Update(
    const DirectoryWrite& write, const Record& record, int64_t expected_version,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kUpdate, write, &record, record.id(),
                       expected_version, guard);
}

template <typename Record>
absl::StatusOr<Record> RedisDirectory::Deactivate(
    const DirectoryWrite& write, absl::string_view id, int64_t expected_version,
    std::type_identity_t<WriteGuard<Record>> guard) {
  return Write<Record>(Mode::kDeactivate, write, nullptr, id, expected_version,
                       guard);
}

template <typename Record>
absl::StatusOr<Record> RedisDirectory::Write(
    Mode mode, const DirectoryWrite& write, const Record* proposed,
    absl::string_view id, int64_t expected_version, WriteGuard<Record> guard) {
  using Kind = DirectoryKind<Record>;
  if (write.request.fingerprint.size() != kFingerprintLength) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  const std::string record_key = keys_.RecordOf<Record>(id);
  const std::string request_key = keys_.tenant_keys().Request(
      write.request.actor_id, write.request.request_id);

  // A replay answers before anything else is checked: the record has moved on
  // since the first call.
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_.Pipeline({{"GET", request_key}, {"HGET", record_key, "r"}}));
  ASSIGN_OR_RETURN(std::optional<std::string> prior,
                   PriorResult(replies[0], write.request.fingerprint));
  if (prior.has_value()) return Parse<Record>(*prior, "request result");
  std::optional<Record> before;
  if (replies[1].IsString()) {
    ASSIGN_OR_RETURN(before, Parse<Record>(replies[1].Str(), Kind::kLabel));
  } else if (!replies[1].IsNil()) {
    return UnexpectedReply("HGET", replies[1]);
  }

  Record after;
  switch (mode) {
    case Mode::kCreate:
      if (before.has_value()) {
        return absl::AlreadyExistsError(
            absl::StrCat(Kind::kLabel, " ", id, " already exists"));
      }
      after = *proposed;
      after.set_active(true);
      after.set_version(1);
      break;
    case Mode::kUpdate:
    case Mode::kDeactivate:
      if (!before.has_value()) return NotFound<Record>(id);
      if (before->version() != expected_version) {
        return absl::AbortedError(absl::StrCat(
            Kind::kLabel, " ", id, " is at version ", before->version(),
            ", not ", expected_version, ": read it again and retry"));
      }
      if (mode == Mode::kUpdate) {
        after = *proposed;
        after.set_active(before->active() || proposed->active());
      } else {
        if (!before->active()) {
          return absl::FailedPreconditionError(
              absl::StrCat(Kind::kLabel, " ", id, " is inactive already"));
        }
        after = *before;
        after.set_active(false);
      }
      after.set_version(before->version() + 1);
      break;
  }
  const Record* stored = before.has_value() ? &*before : nullptr;
  KeepPlatformFields(after, stored, write.at);
  Extras extras;
  if (mode != Mode::kDeactivate) {
    RETURN_IF_ERROR(CheckReferences(after, stored, extras));
  }
  RETURN_IF_ERROR(guard(stored, after));

  // A deactivated record stays listed; the write moves the record only in
  // the indexes that change.
  auto indexes = [this](const Record& record) {
    std::vector<ScoredKey> entries;
    for (std::string& key : IndexKeysOf(record)) {
      entries.push_back({std::move(key), 0});
    }
    return entries;
  };
  const int64_t expected = stored != nullptr ? stored->version() : 0;
  RecordWrite record;
  record.Request(keys_.tenant_keys().Request(write.request.actor_id,
                                             write.request.request_id),
                 write.request.fingerprint, options_.request_ttl);
  record.Hash(record_key, expected)
      .Field("v", absl::StrCat(after.version()))
      .Field("r", after.SerializeAsString());
  if (extras.path.has_value()) record.Field("p", *extras.path);
  for (const Extras::Guard& g : extras.guards) {
    record.CheckVersion(g.key, g.version);
  }
  for (const Extras::Empty& e : extras.empties) record.CheckEmpty(e.key);
  record.Index(id,
               stored != nullptr ? indexes(*stored) : std::vector<ScoredKey>(),
               indexes(after));
  AuditEntry audit;
  audit.at = write.at;
  audit.actor = write.actor;
  audit.action = write.action;
  audit.target = absl::StrCat(Kind::kField, "/", id);
  audit.request_id = write.request.request_id;
  audit.reason = write.reason;
  record.Log(keys_.Audit(), AuditFields(audit));

  ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis_, record));
  // Checks are numbered from 1: the guards, then the empties.
  const size_t guards = extras.guards.size();
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      break;
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    case WriteRefusal::kExists:
      return absl::AlreadyExistsError(
          absl::StrCat(Kind::kLabel, " ", id, " already exists"));
    case WriteRefusal::kNotFound:
      return NotFound<Record>(id);
    case WriteRefusal::kStale:
      return absl::AbortedError(
          absl::StrCat(Kind::kLabel, " ", id, " is at version ", outcome.detail,
                       ", not ", expected, ": read it again and retry"));
    case WriteRefusal::kChanged:
      if (outcome.check >= 1 && static_cast<size_t>(outcome.check) <= guards) {
        return absl::AbortedError(
            absl::StrCat(extras.guards[outcome.check - 1].what,
                         " changed meanwhile: retry"));
      }
      break;
    case WriteRefusal::kNotEmpty:
      if (static_cast<size_t>(outcome.check) > guards &&
          static_cast<size_t>(outcome.check) <=
              guards + extras.empties.size()) {
        return absl::FailedPreconditionError(
            extras.empties[outcome.check - guards - 1].message);
      }
      break;
    default:
      break;
  }
  if (outcome.refusal != WriteRefusal::kNone) {
    return absl::InternalError(absl::StrCat("unexpected refusal of a write of ",
                                            Kind::kLabel, " ", id));
  }
  if (outcome.replayed) return Parse<Record>(outcome.result, "request result");
  return after;
}

// The record kinds of the directory.
#define KEPU_DIRECTORY_WRITES(Record)                                 \
  template absl::StatusOr<Record> RedisDirectory::Create<Record>(     \
      const DirectoryWrite&, const Record&,                           \
      std::type_identity_t<WriteGuard<Record>>);                      \
  template absl::StatusOr<Record> RedisDirectory::Update<Record>(     \
      const DirectoryWrite&, const Record&, int64_t,                  \
      std::type_identity_t<WriteGuard<Record>>);                      \
  template absl::StatusOr<Record> RedisDirectory::Deactivate<Record>( \
      const DirectoryWrite&, absl::string_view, int64_t,              \
      std::type_identity_t<WriteGuard<Record>>);
KEPU_DIRECTORY_WRITES(v1::ServiceLine)
KEPU_DIRECTORY_WRITES(v1::Region)
KEPU_DIRECTORY_WRITES(v1::Department)
KEPU_DIRECTORY_WRITES(v1::Team)
KEPU_DIRECTORY_WRITES(v1::Volunteer)
#undef KEPU_DIRECTORY_WRITES

}  // namespace kepu
