#include "services/directory/redis_directory_store.h"

#include <algorithm>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "kepu_directory_scripts.h"
#include "services/core/redis/record_write.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

const LuaScript& SelectScript() {
  static const LuaScript* const kScript = new LuaScript(
      "select_ids", absl::string_view(directory_scripts::kSelectIds.data(),
                                      directory_scripts::kSelectIds.size()));
  return *kScript;
}

// The fields a record is read with, in this order.
std::vector<absl::string_view> ReadOf(const std::string& key) {
  return {"HMGET", key, "v", "r", "p"};
}

// The record of an HMGET v r p reply; nullopt when there is none.
absl::StatusOr<std::optional<StoredRecord>> RecordOf(const RedisReply& reply,
                                                     RecordKind kind,
                                                     absl::string_view id) {
  if (!reply.IsArray() || reply.Size() != 3) {
    return UnexpectedReply("HMGET", reply);
  }
  if (reply[1].IsNil()) return std::nullopt;
  StoredRecord record;
  if (!reply[0].IsString() ||
      !absl::SimpleAtoi(reply[0].Str(), &record.version)) {
    return absl::DataLossError(
        absl::StrCat("the stored ", LabelOf(kind), " ", id, " has no version"));
  }
  record.data = std::string(reply[1].Str());
  if (reply[2].IsString()) {
    record.above = absl::StrSplit(reply[2].Str(), ' ', absl::SkipEmpty());
  }
  return record;
}

std::vector<std::string> IdsOf(const RedisReply& reply) {
  std::vector<std::string> ids;
  ids.reserve(reply.Size());
  for (size_t i = 0; i < reply.Size(); ++i) ids.emplace_back(reply[i].Str());
  return ids;
}

}  // namespace

RedisDirectoryStore::RedisDirectoryStore(RedisClient& redis,
                                         absl::string_view tenant,
                                         RedisDirectoryStoreOptions options)
    : redis_(redis), keys_(tenant), options_(options) {}

absl::StatusOr<std::vector<std::optional<StoredRecord>>>
RedisDirectoryStore::Read(RecordKind kind,
                          const std::vector<std::string>& ids) {
  std::vector<std::optional<StoredRecord>> records;
  if (ids.empty()) return records;
  std::vector<std::string> record_keys;
  record_keys.reserve(ids.size());
  for (const std::string& id : ids) {
    record_keys.push_back(keys_.RecordOf(kind, id));
  }
  std::vector<std::vector<absl::string_view>> reads;
  reads.reserve(ids.size());
  for (const std::string& key : record_keys) reads.push_back(ReadOf(key));
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(reads));
  records.reserve(ids.size());
  for (size_t i = 0; i < replies.size(); ++i) {
    ASSIGN_OR_RETURN(std::optional<StoredRecord> record,
                     RecordOf(replies[i], kind, ids[i]));
    records.push_back(std::move(record));
  }
  return records;
}

absl::StatusOr<LoadedRecord> RedisDirectoryStore::Load(
    const RequestKey& request, RecordKind kind, absl::string_view id) {
  const std::string request_key =
      keys_.tenant_keys().Request(request.actor_id, request.request_id);
  const std::string record_key = keys_.RecordOf(kind, id);
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_.Pipeline({{"GET", request_key}, ReadOf(record_key)}));
  LoadedRecord loaded;
  ASSIGN_OR_RETURN(loaded.replay, PriorResult(replies[0], request.fingerprint));
  ASSIGN_OR_RETURN(loaded.current, RecordOf(replies[1], kind, id));
  return loaded;
}

absl::StatusOr<std::vector<std::string>> RedisDirectoryStore::SelectIds(
    const IdSelection& selection, absl::string_view after, int limit) {
  if (limit < 0) {
    return absl::InvalidArgumentError("limit: must be 0 (all) or more");
  }
  if (selection.any_of.empty() && selection.all_of.size() == 1) {
    const std::string key = keys_.Of(selection.all_of[0]);
    const std::string start =
        after.empty() ? std::string("-") : absl::StrCat("(", after);
    const std::string count = absl::StrCat(limit);
    ASSIGN_OR_RETURN(
        RedisReply reply,
        limit > 0 ? redis_.Command({"ZRANGE", key, start, "+", "BYLEX", "LIMIT",
                                    "0", count})
                  : redis_.Command({"ZRANGE", key, start, "+", "BYLEX"}));
    if (!reply.IsArray()) return UnexpectedReply("ZRANGE", reply);
    return IdsOf(reply);
  }
  std::vector<std::string> index_keys;
  for (const DirectoryIndex& index : selection.any_of) {
    index_keys.push_back(keys_.Of(index));
  }
  for (const DirectoryIndex& index : selection.all_of) {
    index_keys.push_back(keys_.Of(index));
  }
  if (index_keys.empty()) return std::vector<std::string>();
  std::vector<absl::string_view> script_keys(index_keys.begin(),
                                             index_keys.end());
  const std::string unions = absl::StrCat(selection.any_of.size());
  const std::string count = absl::StrCat(limit);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Eval(SelectScript(), script_keys,
                                                 {unions, after, count}));
  if (!reply.IsArray()) return UnexpectedReply("select_ids", reply);
  return IdsOf(reply);
}

absl::StatusOr<AppliedChange> RedisDirectoryStore::Apply(
    const DirectoryChange& change) {
  RETURN_IF_ERROR(CheckChange(change));
  auto entries = [this](const std::vector<DirectoryIndex>& indexes) {
    std::vector<ScoredKey> scored;
    scored.reserve(indexes.size());
    for (const DirectoryIndex& index : indexes) {
      scored.push_back({keys_.Of(index), 0});
    }
    return scored;
  };
  RecordWrite write;
  write.Request(keys_.tenant_keys().Request(change.request.actor_id,
                                            change.request.request_id),
                change.request.fingerprint, options_.request_ttl);
  write.Hash(keys_.RecordOf(change.kind, change.id), change.expected_version)
      .Field("v", absl::StrCat(change.record.version))
      .Field("r", change.record.data);
  if (change.kind == RecordKind::kRegion) {
    write.Field("p", absl::StrJoin(change.record.above, " "));
  }
  for (const DirectoryChange::VersionGuard& guard : change.guards) {
    write.CheckVersion(keys_.RecordOf(guard.kind, guard.id), guard.version);
  }
  for (const DirectoryChange::EmptyGuard& empty : change.empties) {
    write.CheckEmpty(keys_.Of(empty.index));
  }
  write.Index(change.id, entries(change.indexes_before),
              entries(change.indexes_after));
  write.Log(keys_.Audit(), AuditFields(change.audit));

  ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis_, write));
  // Checks are numbered from 1: the guards, then the empties.
  const size_t guards = change.guards.size();
  const size_t check = outcome.check > 0 ? outcome.check : 0;
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      if (outcome.replayed) return AppliedChange{outcome.result, true};
      return AppliedChange{change.record.data, false};
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    case WriteRefusal::kExists:
      return RecordExistsError(change.kind, change.id);
    case WriteRefusal::kNotFound:
      return RecordNotFoundError(change.kind, change.id);
    case WriteRefusal::kStale:
      return StaleVersionError(change.kind, change.id, outcome.detail,
                               change.expected_version);
    case WriteRefusal::kChanged:
      if (check >= 1 && check <= guards) {
        return GuardChangedError(change.guards[check - 1]);
      }
      break;
    case WriteRefusal::kNotEmpty:
      if (check > guards && check <= guards + change.empties.size()) {
        return absl::FailedPreconditionError(
            change.empties[check - guards - 1].refusal);
      }
      break;
    default:
      break;
  }
  return absl::InternalError(absl::StrCat("unexpected refusal of a write of ",
                                          LabelOf(change.kind), " ",
                                          change.id));
}

}  // namespace kepu
