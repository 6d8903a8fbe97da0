// The DirectoryStore contract (see directory_store_contract.h): each test
// states one promise of services/directory/directory_store.h and checks it
// through the interface, plus what the harness sees from outside it (the audit
// trail, a digest of everything stored), so it holds the same for every
// implementation.
#include "tests/directory/directory_store_contract.h"

#include <latch>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"

namespace kepu::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using Index = DirectoryIndex::Kind;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 12, 1, 9, 0, 0),
                                       absl::UTCTimeZone());

// A fingerprint for `content`: 32 characters.
std::string Fp(absl::string_view content) {
  std::string fingerprint(content.substr(0, 32));
  fingerprint.resize(32, '.');
  return fingerprint;
}

RequestKey Request(const std::string& request_id,
                   const std::string& content = "",
                   const std::string& actor = "admin-city") {
  return {actor, request_id, Fp(absl::StrCat(request_id, "/", content))};
}

// The bytes stored for `id` at `version`: not a protobuf, and not text either
// (the store keeps bytes as they are).
std::string Data(const std::string& id, int64_t version,
                 const std::string& note = "") {
  return absl::StrCat(id, std::string("\0\xff", 2), "@", version, note);
}

DirectoryIndex All(RecordKind kind) { return DirectoryIndex::AllOf(kind); }
DirectoryIndex Line(const std::string& id) { return {Index::kTeamsByLine, id}; }
DirectoryIndex Area(const std::string& id) {
  return {Index::kTeamsByRegion, id};
}
DirectoryIndex Below(const std::string& id) {
  return {Index::kRegionsByParent, id};
}

// Creates `id` at version 1, listed in `indexes`.
DirectoryChange Create(RecordKind kind, const std::string& id,
                       std::vector<DirectoryIndex> indexes,
                       const std::string& request_id) {
  DirectoryChange change;
  change.request = Request(request_id, id);
  change.kind = kind;
  change.id = id;
  change.expected_version = 0;
  change.record.version = 1;
  change.record.data = Data(id, 1);
  change.indexes_after = std::move(indexes);
  change.audit.at = kT0;
  change.audit.actor.set_user_id("admin-city");
  change.audit.actor.set_role(v1::ROLE_ADMIN);
  change.audit.action = "kepu.v1.DirectoryService/Create";
  change.audit.target = absl::StrCat(LabelOf(kind), "/", id);
  change.audit.request_id = request_id;
  return change;
}

// Writes `id` from `version` to the next, moving it from the indexes `before`
// to `after`.
DirectoryChange Update(RecordKind kind, const std::string& id, int64_t version,
                       std::vector<DirectoryIndex> before,
                       std::vector<DirectoryIndex> after,
                       const std::string& request_id) {
  DirectoryChange change = Create(kind, id, std::move(after), request_id);
  change.expected_version = version;
  change.record.version = version + 1;
  change.record.data = Data(id, version + 1);
  change.indexes_before = std::move(before);
  change.audit.action = "kepu.v1.DirectoryService/Update";
  return change;
}

// Creates region `id` below above[0] (the city when `above` is empty), the
// regions above it stored with it.
DirectoryChange CreateRegion(const std::string& id,
                             std::vector<std::string> above,
                             const std::string& request_id) {
  std::vector<DirectoryIndex> indexes = {All(RecordKind::kRegion)};
  if (!above.empty()) indexes.push_back(Below(above.front()));
  DirectoryChange change =
      Create(RecordKind::kRegion, id, std::move(indexes), request_id);
  change.record.above = std::move(above);
  return change;
}

// The one index a selection names.
IdSelection Of(DirectoryIndex index) {
  IdSelection selection;
  selection.all_of.push_back(std::move(index));
  return selection;
}

}  // namespace

void DirectoryStoreContract::SetUp() {
  absl::StatusOr<std::unique_ptr<DirectoryStoreHarness>> harness =
      GetParam().make();
  ASSERT_TRUE(harness.ok()) << harness.status();
  harness_ = *std::move(harness);
}

namespace {

AppliedChange MustApply(DirectoryStore& store, const DirectoryChange& change) {
  absl::StatusOr<AppliedChange> applied = store.Apply(change);
  EXPECT_TRUE(applied.ok()) << applied.status();
  return applied.value_or(AppliedChange{});
}

std::optional<StoredRecord> MustRead(DirectoryStore& store, RecordKind kind,
                                     const std::string& id) {
  absl::StatusOr<std::vector<std::optional<StoredRecord>>> records =
      store.Read(kind, {id});
  EXPECT_TRUE(records.ok()) << records.status();
  if (!records.ok() || records->size() != 1) return std::nullopt;
  return (*records)[0];
}

std::vector<std::string> MustSelect(DirectoryStore& store,
                                    const IdSelection& selection,
                                    absl::string_view after = "",
                                    int limit = 0) {
  absl::StatusOr<std::vector<std::string>> ids =
      store.SelectIds(selection, after, limit);
  EXPECT_TRUE(ids.ok()) << ids.status();
  return ids.value_or(std::vector<std::string>());
}

// What a refused change must leave as it was.
struct Seen {
  std::string digest;
  size_t audit_entries = 0;
  std::optional<StoredRecord> record;
};

TEST_P(DirectoryStoreContract, ACreatedRecordIsReadBackListedAndAudited) {
  DirectoryChange create =
      Create(RecordKind::kTeam, "team-a", {All(RecordKind::kTeam), Line("l1")},
             "req-1");
  create.audit.reason = "新建";
  const AppliedChange applied = MustApply(store(), create);
  EXPECT_FALSE(applied.replayed);
  EXPECT_EQ(applied.data, Data("team-a", 1));

  absl::StatusOr<std::vector<std::optional<StoredRecord>>> read =
      store().Read(RecordKind::kTeam, {"team-b", "team-a"});
  ASSERT_TRUE(read.ok()) << read.status();
  ASSERT_EQ(read->size(), 2u);
  EXPECT_FALSE((*read)[0].has_value());
  ASSERT_TRUE((*read)[1].has_value());
  EXPECT_EQ((*read)[1]->version, 1);
  EXPECT_EQ((*read)[1]->data, Data("team-a", 1));
  EXPECT_THAT((*read)[1]->above, IsEmpty());
  // Kinds do not share ids.
  EXPECT_FALSE(MustRead(store(), RecordKind::kVolunteer, "team-a").has_value());
  absl::StatusOr<std::vector<std::optional<StoredRecord>>> none =
      store().Read(RecordKind::kTeam, {});
  ASSERT_TRUE(none.ok());
  EXPECT_THAT(*none, IsEmpty());

  EXPECT_THAT(MustSelect(store(), Of(All(RecordKind::kTeam))),
              ElementsAre("team-a"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1"))), ElementsAre("team-a"));

  const std::vector<std::map<std::string, std::string>> audit =
      harness().AuditTrail();
  ASSERT_EQ(audit.size(), 1u);
  EXPECT_EQ(audit[0].at("actor"), "admin-city");
  EXPECT_EQ(audit[0].at("role"),
            absl::StrCat(static_cast<int>(v1::ROLE_ADMIN)));
  EXPECT_EQ(audit[0].at("action"), "kepu.v1.DirectoryService/Create");
  EXPECT_EQ(audit[0].at("target"), "team/team-a");
  EXPECT_EQ(audit[0].at("request_id"), "req-1");
  EXPECT_EQ(audit[0].at("at"), absl::StrCat(absl::ToUnixMillis(kT0)));
  EXPECT_EQ(audit[0].at("reason"), "新建");
}

TEST_P(DirectoryStoreContract, ARegionKeepsTheRegionsAboveIt) {
  MustApply(store(), CreateRegion("jining", {}, "req-1"));
  const DirectoryChange county = CreateRegion("weishan", {"jining"}, "req-2");
  MustApply(store(), county);
  MustApply(store(),
            CreateRegion("weishan-xiazhen", {"weishan", "jining"}, "req-3"));

  std::optional<StoredRecord> city =
      MustRead(store(), RecordKind::kRegion, "jining");
  ASSERT_TRUE(city.has_value());
  EXPECT_THAT(city->above, IsEmpty());
  std::optional<StoredRecord> read =
      MustRead(store(), RecordKind::kRegion, "weishan-xiazhen");
  ASSERT_TRUE(read.has_value());
  EXPECT_THAT(read->above, ElementsAre("weishan", "jining"));
  absl::StatusOr<LoadedRecord> loaded =
      store().Load(Request("req-4"), RecordKind::kRegion, "weishan-xiazhen");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->current.has_value());
  EXPECT_THAT(loaded->current->above, ElementsAre("weishan", "jining"));
  EXPECT_FALSE(loaded->replay.has_value());

  // An update stores the path it is given.
  DirectoryChange moved =
      Update(RecordKind::kRegion, "weishan-xiazhen", 1,
             {All(RecordKind::kRegion), Below("weishan")},
             {All(RecordKind::kRegion), Below("jining")}, "req-5");
  moved.record.above = {"jining"};
  MustApply(store(), moved);
  read = MustRead(store(), RecordKind::kRegion, "weishan-xiazhen");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->version, 2);
  EXPECT_THAT(read->above, ElementsAre("jining"));
}

TEST_P(DirectoryStoreContract, AnUpdateReplacesTheRecordAtTheNextVersion) {
  MustApply(store(), Create(RecordKind::kDepartment, "kexie",
                            {All(RecordKind::kDepartment)}, "req-1"));
  const AppliedChange applied =
      MustApply(store(), Update(RecordKind::kDepartment, "kexie", 1,
                                {All(RecordKind::kDepartment)},
                                {All(RecordKind::kDepartment)}, "req-2"));
  EXPECT_FALSE(applied.replayed);
  EXPECT_EQ(applied.data, Data("kexie", 2));
  std::optional<StoredRecord> read =
      MustRead(store(), RecordKind::kDepartment, "kexie");
  ASSERT_TRUE(read.has_value());
  EXPECT_EQ(read->version, 2);
  EXPECT_EQ(read->data, Data("kexie", 2));
  EXPECT_EQ(harness().AuditTrail().size(), 2u);
}

TEST_P(DirectoryStoreContract, RefusedChangesSayWhyAndWriteNothing) {
  MustApply(store(), CreateRegion("jining", {}, "req-1"));
  const DirectoryChange county = CreateRegion("weishan", {"jining"}, "req-2");
  MustApply(store(), county);
  MustApply(store(),
            Update(RecordKind::kRegion, "jining", 1, {All(RecordKind::kRegion)},
                   {All(RecordKind::kRegion)}, "req-3"));

  struct Case {
    std::string name;
    DirectoryChange change;
    absl::StatusCode code;
    std::string message;  // a part of it
  };
  std::vector<Case> cases;
  cases.push_back({"create of an id that exists",
                   Create(RecordKind::kRegion, "weishan",
                          {All(RecordKind::kRegion)}, "refused-1"),
                   absl::StatusCode::kAlreadyExists,
                   "region weishan already exists"});
  cases.push_back(
      {"update of a missing record",
       Update(RecordKind::kRegion, "yanzhou", 1, {All(RecordKind::kRegion)},
              {All(RecordKind::kRegion)}, "refused-2"),
       absl::StatusCode::kNotFound, "region yanzhou not found"});
  cases.push_back(
      {"update from a stale version",
       Update(RecordKind::kRegion, "jining", 1, {All(RecordKind::kRegion)},
              {All(RecordKind::kRegion)}, "refused-3"),
       absl::StatusCode::kAborted, "region jining is at version 2, not 1"});
  DirectoryChange stale_guard =
      Update(RecordKind::kRegion, "weishan", 1,
             {All(RecordKind::kRegion), Below("jining")},
             {All(RecordKind::kRegion), Below("jining")}, "refused-4");
  stale_guard.guards.push_back({RecordKind::kRegion, "jining", 1});
  cases.push_back({"a guard's record at another version", stale_guard,
                   absl::StatusCode::kAborted,
                   "region jining changed meanwhile"});
  DirectoryChange missing_guard = stale_guard;
  missing_guard.request = Request("refused-5");
  missing_guard.guards = {{RecordKind::kRegion, "jining", 2},
                          {RecordKind::kDepartment, "kexie", 1}};
  cases.push_back({"a guard's record missing", missing_guard,
                   absl::StatusCode::kAborted,
                   "department kexie changed meanwhile"});
  DirectoryChange not_empty = stale_guard;
  not_empty.request = Request("refused-6");
  not_empty.guards.clear();
  not_empty.empties = {{Below("weishan"), "nothing below weishan"},
                       {Below("jining"), "region jining has regions below it"}};
  cases.push_back({"an index that must be empty lists an id", not_empty,
                   absl::StatusCode::kFailedPrecondition,
                   "region jining has regions below it"});
  DirectoryChange guards_first = not_empty;
  guards_first.request = Request("refused-7");
  guards_first.guards.push_back({RecordKind::kRegion, "jining", 1});
  cases.push_back({"version guards are checked before empties", guards_first,
                   absl::StatusCode::kAborted,
                   "region jining changed meanwhile"});
  DirectoryChange first_guard = stale_guard;
  first_guard.request = Request("refused-9");
  first_guard.guards = {{RecordKind::kRegion, "jining", 1},
                        {RecordKind::kDepartment, "kexie", 1}};
  cases.push_back({"of two failing guards, the first is named", first_guard,
                   absl::StatusCode::kAborted,
                   "region jining changed meanwhile"});
  DirectoryChange other_first_guard = first_guard;
  other_first_guard.request = Request("refused-10");
  std::swap(other_first_guard.guards[0], other_first_guard.guards[1]);
  cases.push_back({"of two failing guards, the first is named (swapped)",
                   other_first_guard, absl::StatusCode::kAborted,
                   "department kexie changed meanwhile"});
  DirectoryChange first_empty = not_empty;
  first_empty.request = Request("refused-11");
  first_empty.empties = {{Below("jining"), "the first refusal"},
                         {Below("jining"), "the second refusal"}};
  cases.push_back({"of two indexes that list ids, the first is named",
                   first_empty, absl::StatusCode::kFailedPrecondition,
                   "the first refusal"});
  DirectoryChange version_first = guards_first;
  version_first.request = Request("refused-8");
  version_first.expected_version = 5;
  version_first.record.version = 6;
  cases.push_back({"the record's version is checked before guards",
                   version_first, absl::StatusCode::kAborted,
                   "region weishan is at version 1, not 5"});
  DirectoryChange short_fingerprint =
      Create(RecordKind::kDepartment, "kexie", {All(RecordKind::kDepartment)},
             "bad-1");
  short_fingerprint.request.fingerprint = "abc";
  cases.push_back({"a fingerprint that is not 32 characters", short_fingerprint,
                   absl::StatusCode::kInvalidArgument, "fingerprint"});
  DirectoryChange skipped_version =
      Create(RecordKind::kDepartment, "kexie", {All(RecordKind::kDepartment)},
             "bad-2");
  skipped_version.record.version = 3;
  cases.push_back({"a version that is not the expected one + 1",
                   skipped_version, absl::StatusCode::kInvalidArgument,
                   "change.record.version"});
  DirectoryChange negative_version =
      Create(RecordKind::kDepartment, "kexie", {All(RecordKind::kDepartment)},
             "bad-6");
  negative_version.expected_version = -1;
  negative_version.record.version = 0;
  cases.push_back({"a negative expected version", negative_version,
                   absl::StatusCode::kInvalidArgument,
                   "change.record.version"});
  DirectoryChange team_path =
      Create(RecordKind::kTeam, "team-a", {All(RecordKind::kTeam)}, "bad-3");
  team_path.record.above = {"jining"};
  cases.push_back({"a path for a record that is no region", team_path,
                   absl::StatusCode::kInvalidArgument, "change.record.above"});
  DirectoryChange spaced_path = county;
  spaced_path.id = "weishan-2";
  spaced_path.request = Request("bad-4");
  spaced_path.record.above = {"ji ning"};
  cases.push_back({"a path id with a space", spaced_path,
                   absl::StatusCode::kInvalidArgument, "change.record.above"});
  DirectoryChange no_id = Create(RecordKind::kDepartment, "",
                                 {All(RecordKind::kDepartment)}, "bad-5");
  cases.push_back(
      {"no id", no_id, absl::StatusCode::kInvalidArgument, "change.id"});

  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const Seen before{harness().Digest(), harness().AuditTrail().size(),
                      MustRead(store(), c.change.kind, c.change.id)};
    absl::StatusOr<AppliedChange> refused = store().Apply(c.change);
    EXPECT_EQ(refused.status().code(), c.code) << refused.status();
    EXPECT_THAT(std::string(refused.status().message()), HasSubstr(c.message));
    EXPECT_EQ(harness().Digest(), before.digest);
    EXPECT_EQ(harness().AuditTrail().size(), before.audit_entries);
    const std::optional<StoredRecord> after =
        MustRead(store(), c.change.kind, c.change.id);
    ASSERT_EQ(after.has_value(), before.record.has_value());
    if (after.has_value()) {
      EXPECT_EQ(after->version, before.record->version);
      EXPECT_EQ(after->data, before.record->data);
    }
    // The request was not remembered: its id is free for the next change.
    absl::StatusOr<LoadedRecord> loaded =
        store().Load(c.change.request, c.change.kind, "weishan");
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    EXPECT_FALSE(loaded->replay.has_value());
  }
  // Nothing listed weishan's children meanwhile.
  EXPECT_THAT(MustSelect(store(), Of(Below("jining"))), ElementsAre("weishan"));
}

TEST_P(DirectoryStoreContract, GuardsThatHoldLetTheChangeThrough) {
  MustApply(store(), CreateRegion("jining", {}, "req-1"));
  DirectoryChange county = CreateRegion("weishan", {"jining"}, "req-2");
  county.guards.push_back({RecordKind::kRegion, "jining", 1});
  county.empties.push_back({Below("weishan"), "not empty"});
  MustApply(store(), county);
  EXPECT_EQ(MustRead(store(), RecordKind::kRegion, "weishan")->version, 1);

  // An index that listed an id and no longer does is empty again.
  MustApply(store(),
            CreateRegion("weishan-xiazhen", {"weishan", "jining"}, "req-3"));
  DirectoryChange moved =
      Update(RecordKind::kRegion, "weishan-xiazhen", 1,
             {All(RecordKind::kRegion), Below("weishan")},
             {All(RecordKind::kRegion), Below("jining")}, "req-4");
  moved.record.above = {"jining"};
  MustApply(store(), moved);
  DirectoryChange renamed =
      Update(RecordKind::kRegion, "weishan", 1,
             {All(RecordKind::kRegion), Below("jining")},
             {All(RecordKind::kRegion), Below("jining")}, "req-5");
  renamed.record.above = {"jining"};
  renamed.empties.push_back({Below("weishan"), "not empty"});
  MustApply(store(), renamed);
  EXPECT_EQ(MustRead(store(), RecordKind::kRegion, "weishan")->version, 2);
}

TEST_P(DirectoryStoreContract,
       ARetriedRequestAnswersItsFirstResultAndWritesNothing) {
  const DirectoryChange create =
      Create(RecordKind::kTeam, "team-a", {All(RecordKind::kTeam)}, "req-1");
  MustApply(store(), create);
  std::string digest = harness().Digest();
  AppliedChange again = MustApply(store(), create);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.data, Data("team-a", 1));
  EXPECT_EQ(harness().Digest(), digest);

  // The record moves on; the first request again still answers what it did,
  // before anything else is checked (the record exists now).
  MustApply(store(),
            Update(RecordKind::kTeam, "team-a", 1, {All(RecordKind::kTeam)},
                   {All(RecordKind::kTeam)}, "req-2"));
  digest = harness().Digest();
  again = MustApply(store(), create);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.data, Data("team-a", 1));
  EXPECT_EQ(harness().Digest(), digest);
  EXPECT_EQ(harness().AuditTrail().size(), 2u);
  EXPECT_EQ(MustRead(store(), RecordKind::kTeam, "team-a")->version, 2);

  // The shape is checked before the request: a malformed change under a
  // request that was applied is refused, not replayed.
  DirectoryChange malformed = create;
  malformed.record.version = 3;
  EXPECT_EQ(store().Apply(malformed).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(harness().Digest(), digest);

  // Load reads the replay and the record together.
  absl::StatusOr<LoadedRecord> loaded =
      store().Load(create.request, RecordKind::kTeam, "team-a");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->replay.has_value());
  EXPECT_EQ(*loaded->replay, Data("team-a", 1));
  ASSERT_TRUE(loaded->current.has_value());
  EXPECT_EQ(loaded->current->version, 2);
  EXPECT_EQ(loaded->current->data, Data("team-a", 2));
}

TEST_P(DirectoryStoreContract, ARequestIdUsedForOtherContentIsRefused) {
  MustApply(store(), Create(RecordKind::kTeam, "team-a",
                            {All(RecordKind::kTeam)}, "req-1"));
  DirectoryChange other =
      Create(RecordKind::kTeam, "team-b", {All(RecordKind::kTeam)}, "req-1");
  other.request.fingerprint = Fp("something else");
  const std::string digest = harness().Digest();
  absl::StatusOr<AppliedChange> refused = store().Apply(other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              StartsWith("request_id"));
  EXPECT_EQ(
      store().Load(other.request, RecordKind::kTeam, "team-b").status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(harness().Digest(), digest);
  EXPECT_FALSE(MustRead(store(), RecordKind::kTeam, "team-b").has_value());
  // The reuse is decided before the record: a create of an id that exists
  // under a reused request id hears of the request id.
  DirectoryChange reused_for_existing =
      Create(RecordKind::kTeam, "team-a", {All(RecordKind::kTeam)}, "req-1");
  reused_for_existing.request.fingerprint = Fp("something else");
  refused = store().Apply(reused_for_existing);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              StartsWith("request_id"));
  EXPECT_EQ(harness().Digest(), digest);

  // Request ids belong to their actor: another one may use the same.
  other.request = Request("req-1", "", "admin-weishan");
  EXPECT_FALSE(MustApply(store(), other).replayed);
  EXPECT_TRUE(MustRead(store(), RecordKind::kTeam, "team-b").has_value());
}

TEST_P(DirectoryStoreContract, ARecordMovesBetweenIndexesAsItChanges) {
  MustApply(store(),
            Create(RecordKind::kTeam, "team-a",
                   {All(RecordKind::kTeam), Line("l1"), Area("r1")}, "req-1"));
  MustApply(store(),
            Create(RecordKind::kTeam, "team-b",
                   {All(RecordKind::kTeam), Line("l1"), Area("r2")}, "req-2"));
  // team-a changes line: it leaves l1 and joins l2; team-b stays.
  MustApply(store(),
            Update(RecordKind::kTeam, "team-a", 1,
                   {All(RecordKind::kTeam), Line("l1"), Area("r1")},
                   {All(RecordKind::kTeam), Line("l2"), Area("r1")}, "req-3"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1"))), ElementsAre("team-b"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l2"))), ElementsAre("team-a"));
  EXPECT_THAT(MustSelect(store(), Of(Area("r1"))), ElementsAre("team-a"));
  EXPECT_THAT(MustSelect(store(), Of(All(RecordKind::kTeam))),
              ElementsAre("team-a", "team-b"));

  // A region that changes parent moves between the parents' indexes.
  MustApply(store(),
            Create(RecordKind::kRegion, "town",
                   {All(RecordKind::kRegion), Below("county-1")}, "req-4"));
  MustApply(store(),
            Update(RecordKind::kRegion, "town", 1,
                   {All(RecordKind::kRegion), Below("county-1")},
                   {All(RecordKind::kRegion), Below("county-2")}, "req-5"));
  EXPECT_THAT(MustSelect(store(), Of(Below("county-1"))), IsEmpty());
  EXPECT_THAT(MustSelect(store(), Of(Below("county-2"))), ElementsAre("town"));

  // A deactivation (the same indexes before and after) leaves it listed.
  MustApply(store(),
            Update(RecordKind::kTeam, "team-b", 1,
                   {All(RecordKind::kTeam), Line("l1"), Area("r2")},
                   {All(RecordKind::kTeam), Line("l1"), Area("r2")}, "req-6"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1"))), ElementsAre("team-b"));
  EXPECT_THAT(MustSelect(store(), Of(Area("r2"))), ElementsAre("team-b"));
  EXPECT_EQ(MustRead(store(), RecordKind::kTeam, "team-b")->version, 2);
}

TEST_P(DirectoryStoreContract, SelectionsFollowCursorsAndLimits) {
  // Ids sort bytewise: "t-10" before "t-9".
  struct Team {
    std::string id;
    std::vector<DirectoryIndex> indexes;
  };
  const std::vector<Team> teams = {
      {"t-1", {Line("l1"), Area("r1")}},
      {"t-10", {Line("l1"), Area("r2"), Line("l2")}},
      {"t-2", {Line("l2"), Area("r1")}},
      {"t-3", {Line("l1"), Area("r3")}},
      {"t-9", {Line("l1"), Area("r1"), Area("r2")}},
  };
  int n = 0;
  for (const Team& team : teams) {
    std::vector<DirectoryIndex> indexes = team.indexes;
    indexes.push_back(All(RecordKind::kTeam));
    MustApply(store(), Create(RecordKind::kTeam, team.id, indexes,
                              absl::StrCat("req-", ++n)));
  }

  // One index, in id order, past a cursor, at most `limit`.
  EXPECT_THAT(MustSelect(store(), Of(Line("l1"))),
              ElementsAre("t-1", "t-10", "t-3", "t-9"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1")), "t-10"),
              ElementsAre("t-3", "t-9"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1")), "t-2"),
              ElementsAre("t-3", "t-9"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1")), "", 2),
              ElementsAre("t-1", "t-10"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1")), "t-1", 2),
              ElementsAre("t-10", "t-3"));
  EXPECT_THAT(MustSelect(store(), Of(Line("l1")), "t-9"), IsEmpty());

  // All of several: in every one.
  IdSelection all_of;
  all_of.all_of = {Line("l1"), Area("r1")};
  EXPECT_THAT(MustSelect(store(), all_of), ElementsAre("t-1", "t-9"));
  all_of.all_of = {Area("r1"), Line("l1"), Line("l2")};
  EXPECT_THAT(MustSelect(store(), all_of), IsEmpty());
  all_of.all_of = {Line("l1"), Line("l2")};
  EXPECT_THAT(MustSelect(store(), all_of), ElementsAre("t-10"));

  // Any of several (each id once), and in every one of the others.
  IdSelection any_of;
  any_of.any_of = {Area("r1"), Area("r2")};
  EXPECT_THAT(MustSelect(store(), any_of),
              ElementsAre("t-1", "t-10", "t-2", "t-9"));
  any_of.all_of = {Line("l1")};
  EXPECT_THAT(MustSelect(store(), any_of), ElementsAre("t-1", "t-10", "t-9"));
  EXPECT_THAT(MustSelect(store(), any_of, "t-1"), ElementsAre("t-10", "t-9"));
  EXPECT_THAT(MustSelect(store(), any_of, "", 2), ElementsAre("t-1", "t-10"));
  EXPECT_THAT(MustSelect(store(), any_of, "t-1", 1), ElementsAre("t-10"));
  any_of.any_of = {Area("r3"), Area("nowhere")};
  EXPECT_THAT(MustSelect(store(), any_of), ElementsAre("t-3"));

  // An index that lists nothing, and no index at all, select nothing.
  EXPECT_THAT(MustSelect(store(), Of(Line("nothing"))), IsEmpty());
  all_of.all_of = {Line("nothing"), Line("l1")};
  EXPECT_THAT(MustSelect(store(), all_of), IsEmpty());
  EXPECT_THAT(MustSelect(store(), IdSelection()), IsEmpty());
  EXPECT_EQ(store().SelectIds(Of(Line("l1")), "", -1).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(DirectoryStoreContract, OfConcurrentChangesEachIsAppliedOnce) {
  constexpr int kThreads = 8;
  std::vector<absl::Status> creates(kThreads);
  std::vector<absl::StatusOr<AppliedChange>> retries(
      kThreads, absl::UnknownError("not run"));
  {
    std::latch start(kThreads);
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        // One id created under several requests, and one request sent by
        // several threads.
        creates[i] = store()
                         .Apply(Create(RecordKind::kTeam, "team-a",
                                       {All(RecordKind::kTeam)},
                                       absl::StrCat("create-", i)))
                         .status();
        retries[i] = store().Apply(Create(RecordKind::kTeam, "team-b",
                                          {All(RecordKind::kTeam)}, "retry"));
      });
    }
    for (std::thread& thread : threads) thread.join();
  }
  int created = 0;
  for (const absl::Status& status : creates) {
    if (status.ok()) {
      ++created;
    } else {
      EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
    }
  }
  EXPECT_EQ(created, 1);
  int applied = 0;
  for (const absl::StatusOr<AppliedChange>& retry : retries) {
    ASSERT_TRUE(retry.ok()) << retry.status();
    if (!retry->replayed) ++applied;
    EXPECT_EQ(retry->data, Data("team-b", 1));
  }
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(harness().AuditTrail().size(), 2u);
  EXPECT_THAT(MustSelect(store(), Of(All(RecordKind::kTeam))),
              ElementsAre("team-a", "team-b"));
}

TEST_P(DirectoryStoreContract, AStoreThatCannotBeReachedIsUnavailable) {
  MustApply(store(), Create(RecordKind::kTeam, "team-a",
                            {All(RecordKind::kTeam)}, "req-1"));
  harness().MakeUnavailable();
  EXPECT_EQ(store().Read(RecordKind::kTeam, {"team-a"}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(store()
                .Load(Request("req-2"), RecordKind::kTeam, "team-a")
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(
      store().SelectIds(Of(All(RecordKind::kTeam)), "", 0).status().code(),
      absl::StatusCode::kUnavailable);
  EXPECT_EQ(store()
                .Apply(Create(RecordKind::kTeam, "team-b",
                              {All(RecordKind::kTeam)}, "req-3"))
                .status()
                .code(),
            absl::StatusCode::kUnavailable);
}

}  // namespace
}  // namespace kepu::testing
