// The one record-write protocol (ARCHITECTURE §10): every write of a record —
// an order's move, a directory record, an account, a compare-and-set of a side
// record — is one RecordWrite, encoded as one argument (a stream of MessagePack
// tokens, section by section) and applied
// by one command of Kepu's Redis module (module/kepu_module.cc), all or
// nothing.
//
// The command checks the whole argument's shape before anything else, then
// the request key (replay or reuse), the record's version and state, the other
// checks; only then does it write: the record, its index moves, side writes,
// counters, the log (event or audit) entry, the queues and the request key.
// A refused or malformed write writes nothing.
//
//   RecordWrite w;
//   w.Request(keys.Request(actor, request_id), fingerprint, ttl);
//   w.Hash(keys.Order(id), /*expected_version=*/3, /*expected_state=*/4);
//   w.Field("v", "4").Field("s", "5").Field("r", bytes);
//   w.Index(id, before_entries, after_entries);
//   w.Log(keys.Events(), {{"o", id}, {"e", event}}).History(keys.History(id),
//   event);
//   ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis, w));
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "services/core/redis/redis_client.h"

namespace kepu {

// A key and a score of a sorted set.
struct ScoredKey {
  std::string key;
  int64_t score = 0;
};

// Not thread-safe; build one per write.
class RecordWrite {
 public:
  using Fields = std::vector<std::pair<std::string, std::string>>;

  // The request key: a write applied before under it answers its first result;
  // under another fingerprint, the write is refused (kRequestReused).
  RecordWrite& Request(absl::string_view key, absl::string_view fingerprint,
                       absl::Duration ttl);

  // The record is a hash that must be at `expected_version` (field v; 0: must
  // not exist) and, when given, in `expected_state` (field s). Its new fields
  // follow with Field().
  RecordWrite& Hash(absl::string_view key, int64_t expected_version,
                    std::optional<int64_t> expected_state = std::nullopt);
  RecordWrite& Field(absl::string_view name, std::string value);
  // The record is a string that must hold `expected` (nullopt: must not
  // exist), replaced by `value`.
  RecordWrite& String(absl::string_view key,
                      std::optional<std::string> expected,
                      absl::string_view value);

  // Further checks, in this order, after the record's: a hash at `version`
  // (kChanged, its number), an empty sorted set (kNotEmpty), a key that must
  // not exist (kTaken); fewer than `limit` members scoring in one of `ranges`
  // ([low, high); the ranges must not overlap) (kCapacity, the count). Checks
  // are numbered from 1 in the order they are added, over all kinds.
  RecordWrite& CheckVersion(absl::string_view key, int64_t version);
  RecordWrite& CheckEmpty(absl::string_view key);
  RecordWrite& CheckAbsent(absl::string_view key);
  RecordWrite& CheckCapacity(absl::string_view key,
                             std::vector<std::pair<int64_t, int64_t>> ranges,
                             int limit);

  // The members of sorted set `key` scoring `since` or more (at most `limit`,
  // lowest first, `exclude` left out) are appended to the record's field r as
  // protobuf string fields tagged `tag`, and answered (WriteOutcome::linked).
  RecordWrite& Links(absl::string_view key, int64_t since, int limit,
                     absl::string_view exclude, absl::string_view tag);

  // `member` leaves the sorted sets of `before` that `after` does not list and
  // is added to those of `after` that are new or whose score changed. A set
  // listed twice in one list counts with its first score.
  RecordWrite& Index(absl::string_view member,
                     const std::vector<ScoredKey>& before,
                     const std::vector<ScoredKey>& after);

  // Side writes, in order, after the record and its index moves.
  RecordWrite& Set(absl::string_view key, absl::string_view value);
  // SET only if the key holds `expect`; nothing otherwise.
  RecordWrite& SetIf(absl::string_view key, absl::string_view expect,
                     absl::string_view value);
  RecordWrite& ZAdd(absl::string_view key, int64_t score,
                    absl::string_view member);
  RecordWrite& ZRem(absl::string_view key, absl::string_view member);
  RecordWrite& HIncrBy(absl::string_view key, absl::string_view field,
                       int64_t by);
  // Deletes every key the sorted set `key` lists (sessions of a user; they
  // share its hash tag) but `keep`, and takes them out of it.
  RecordWrite& EndSessions(absl::string_view key,
                           std::optional<std::string> keep);

  // One entry appended to the stream `key` (trimmed to about `max_length`
  // entries when given): the event or audit entry. Its id is answered.
  RecordWrite& Log(absl::string_view key, Fields fields,
                   std::optional<int64_t> max_length = std::nullopt);
  // With Log: "<entry id> <value>" appended to the list `key`.
  RecordWrite& History(absl::string_view key, absl::string_view value);
  // An entry appended to the stream `key` (a work queue).
  RecordWrite& Enqueue(absl::string_view key, Fields fields);

  // What the request key remembers as the write's result (default: the hash's
  // field r as written, links included, or the string's value).
  RecordWrite& Result(absl::string_view value);

  // The keys, in the order the encoded argument numbers them from 1.
  const std::vector<std::string>& keys() const { return keys_; }
  // The argument of the write command: its tokens as MessagePack values, one
  // after another (module/write_check.h says what they are).
  std::string Encode() const;

 private:
  struct Check {
    enum class Kind { kVersion, kEmpty, kAbsent, kCapacity } kind;
    int key = 0;
    int64_t version = 0;
    std::vector<std::pair<int64_t, int64_t>> ranges;
    int limit = 0;
  };
  struct Op {
    enum class Kind { kSet, kSetIf, kZAdd, kZRem, kHIncrBy, kEndSessions } kind;
    int key = 0;
    std::string a;  // value, member or field
    std::string b;  // expect (SetIf), keep (EndSessions)
    bool has_b = false;
    int64_t number = 0;  // score or increment
  };
  struct LinkSpec {
    int key = 0;
    int64_t since = 0;
    int limit = 0;
    std::string exclude;
    std::string tag;
  };
  struct IndexSpec {
    // A sorted set the member was in (before) or is to be in (after).
    struct Set {
      int key = 0;
      std::optional<int64_t> before;
      std::optional<int64_t> after;
    };
    std::string member;
    std::vector<Set> sets;
  };
  struct LogSpec {
    int key = 0;
    Fields fields;
    std::optional<int64_t> max_length;
    int history_key = 0;
    std::string history_value;
  };
  struct Queue {
    int key = 0;
    Fields fields;
  };

  // The number of `key` (from 1), adding it if new.
  int KeyNumber(absl::string_view key);

  std::vector<std::string> keys_;
  std::optional<int> request_key_;
  std::string fingerprint_;
  int64_t ttl_seconds_ = 0;
  int record_key_ = 0;
  bool hash_ = true;
  int64_t expected_version_ = 0;
  std::optional<int64_t> expected_state_;
  std::optional<std::string> expected_value_;
  Fields fields_;
  std::string value_;
  std::vector<Check> checks_;
  std::optional<LinkSpec> links_;
  std::optional<IndexSpec> index_;
  std::vector<Op> ops_;
  std::optional<LogSpec> log_;
  std::vector<Queue> queues_;
  std::optional<std::string> result_;
};

// Why a write was refused (nothing was written).
enum class WriteRefusal {
  kNone,
  // The request id was used before for other content.
  kRequestReused,
  // The record exists (a create), or a string record exists when it must not.
  kExists,
  // The record does not exist.
  kNotFound,
  // The record's version (detail: the stored one) or, for a string, its value
  // moved on.
  kStale,
  // The record is not in the expected state (detail: the stored one).
  kState,
  // A CheckVersion failed (check: its number).
  kChanged,
  // A CheckEmpty failed (check: its number).
  kNotEmpty,
  // A CheckAbsent failed (check: its number).
  kTaken,
  // A CheckCapacity failed (detail: how many the set holds in the ranges).
  kCapacity,
};

struct WriteOutcome {
  WriteRefusal refusal = WriteRefusal::kNone;
  // kStale and kState: the stored value; kCapacity: the count.
  std::string detail;
  // kChanged, kNotEmpty, kTaken: the number of the check that failed.
  int check = 0;

  // The write was applied before under its request key: nothing was written
  // now, and `result` is the first result.
  bool replayed = false;
  // Replayed: what the request key remembered.
  std::string result;
  // The Log entry's id (applied with a Log).
  std::string log_id;
  // The members Links appended (applied).
  std::vector<std::string> linked;

  bool applied() const { return refusal == WriteRefusal::kNone && !replayed; }
};

// Applies `write` through the record-write command of Kepu's Redis module.
//   kUnavailable: Redis could not be reached (the write may or may not have
//                 been applied: retry with the same request key), or it has
//                 no Kepu module (nothing was written);
//   kInternal:    the command refused the argument as malformed, or answered
//                 something unexpected (a bug).
// Refusals are answered as an outcome, for the caller to word.
absl::StatusOr<WriteOutcome> ApplyRecordWrite(RedisClient& redis,
                                              const RecordWrite& write);

// Calls the record-write command with a raw argument (tests: malformed
// arguments). Answers Redis's reply as it is; kUnavailable as above.
absl::StatusOr<RedisReply> CallRecordWrite(
    RedisClient& redis, const std::vector<std::string>& keys,
    const std::vector<std::string>& args);

// Whether Redis has the record-write command (COMMAND INFO), for a server to
// say at start when it has not; kUnavailable when Redis cannot be reached.
absl::StatusOr<bool> HasRecordWriteCommand(RedisClient& redis);
// What a write answers when Redis has no record-write command.
absl::Status NoRecordWriteCommandError();

// What a request key holds ("<fingerprint>:<first result>"), read by a GET:
// nullopt when the request was not applied (nil), the first result when it
// was under `fingerprint`, RequestReusedError() under another.
absl::StatusOr<std::optional<std::string>> PriorResult(
    const RedisReply& reply, absl::string_view fingerprint);

// The kInvalidArgument every store answers for a request id used before for
// other content.
absl::Status RequestReusedError();

// kInternal for a reply a command should not have answered.
absl::Status UnexpectedReply(absl::string_view command,
                             const RedisReply& reply);

}  // namespace kepu
