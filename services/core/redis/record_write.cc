#include "services/core/redis/record_write.h"

#include <msgpack.h>

#include <algorithm>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// The module's command (services/core/redis/module/kepu_module.cc).
constexpr absl::string_view kWriteCommand = "kepu.write.v1";

// The tokens of a write as MessagePack values one after another (a stream,
// not an array), led by their number, through msgpack-c's packer.
class Packer {
 public:
  Packer() {
    out_.reserve(4096);
    // The count goes first as a fixed-width int32, filled in by Take().
    out_.append(kCountWidth, '\0');
    msgpack_packer_init(&packer_, &out_, &Packer::Append);
  }
  Packer(const Packer&) = delete;
  Packer& operator=(const Packer&) = delete;

  void Str(absl::string_view text) {
    msgpack_pack_str(&packer_, text.size());
    msgpack_pack_str_body(&packer_, text.data(), text.size());
    ++tokens_;
  }
  void Int(int64_t value) {
    msgpack_pack_int64(&packer_, value);
    ++tokens_;
  }
  void False() {
    msgpack_pack_false(&packer_);
    ++tokens_;
  }
  // Numbers that go to Redis travel as decimal strings, the form Redis takes
  // them in: the module passes them on as they are.
  void Decimal(int64_t value) {
    char digits[absl::numbers_internal::kFastToBufferSize];
    char* end = absl::numbers_internal::FastIntToBuffer(value, digits);
    Str(absl::string_view(digits, end - digits));
  }
  // N, then field, value, field, value ... (N pairs).
  void Pairs(const RecordWrite::Fields& fields) {
    Int(static_cast<int64_t>(fields.size()));
    for (const auto& [field, value] : fields) {
      Str(field);
      Str(value);
    }
  }

  // The number of tokens, then the tokens.
  std::string Take() {
    out_[0] = static_cast<char>(0xd2);  // MessagePack int 32, big-endian
    for (int i = 0; i < 4; ++i) {
      out_[1 + i] = static_cast<char>((tokens_ >> (8 * (3 - i))) & 0xff);
    }
    return std::move(out_);
  }

 private:
  static constexpr size_t kCountWidth = 5;

  static int Append(void* data, const char* bytes, size_t length) {
    static_cast<std::string*>(data)->append(bytes, length);
    return 0;
  }

  std::string out_;
  msgpack_packer packer_;
  uint32_t tokens_ = 0;
};

}  // namespace

int RecordWrite::KeyNumber(absl::string_view key) {
  auto it = std::find(keys_.begin(), keys_.end(), key);
  if (it != keys_.end()) return static_cast<int>(it - keys_.begin()) + 1;
  keys_.emplace_back(key);
  return static_cast<int>(keys_.size());
}

RecordWrite& RecordWrite::Request(absl::string_view key,
                                  absl::string_view fingerprint,
                                  absl::Duration ttl) {
  request_key_ = KeyNumber(key);
  fingerprint_ = std::string(fingerprint);
  // Redis's SET EX takes whole seconds, at least one; the protocol at most
  // 10 digits.
  ttl_seconds_ =
      std::clamp<int64_t>(absl::ToInt64Seconds(ttl), 1, 9'999'999'999);
  return *this;
}

RecordWrite& RecordWrite::Hash(absl::string_view key, int64_t expected_version,
                               std::optional<int64_t> expected_state) {
  record_key_ = KeyNumber(key);
  hash_ = true;
  expected_version_ = expected_version;
  expected_state_ = expected_state;
  return *this;
}

RecordWrite& RecordWrite::Field(absl::string_view name, std::string value) {
  fields_.emplace_back(std::string(name), std::move(value));
  return *this;
}

RecordWrite& RecordWrite::String(absl::string_view key,
                                 std::optional<std::string> expected,
                                 absl::string_view value) {
  record_key_ = KeyNumber(key);
  hash_ = false;
  expected_value_ = std::move(expected);
  value_ = std::string(value);
  return *this;
}

RecordWrite& RecordWrite::CheckVersion(absl::string_view key, int64_t version) {
  checks_.push_back({Check::Kind::kVersion, KeyNumber(key), version, {}, 0});
  return *this;
}

RecordWrite& RecordWrite::CheckEmpty(absl::string_view key) {
  checks_.push_back({Check::Kind::kEmpty, KeyNumber(key), 0, {}, 0});
  return *this;
}

RecordWrite& RecordWrite::CheckAbsent(absl::string_view key) {
  checks_.push_back({Check::Kind::kAbsent, KeyNumber(key), 0, {}, 0});
  return *this;
}

RecordWrite& RecordWrite::CheckCapacity(
    absl::string_view key, std::vector<std::pair<int64_t, int64_t>> ranges,
    int limit) {
  // Ranges that meet ([a, b) and [b, c)) are counted as one ([a, c)): one
  // ZCOUNT fewer, the same count.
  std::sort(ranges.begin(), ranges.end());
  std::vector<std::pair<int64_t, int64_t>> merged;
  for (const auto& range : ranges) {
    if (range.first >= range.second) continue;  // holds nothing
    if (!merged.empty() && merged.back().second == range.first) {
      merged.back().second = range.second;
    } else {
      merged.push_back(range);
    }
  }
  checks_.push_back(
      {Check::Kind::kCapacity, KeyNumber(key), 0, std::move(merged), limit});
  return *this;
}

RecordWrite& RecordWrite::Links(absl::string_view key, int64_t since, int limit,
                                absl::string_view exclude,
                                absl::string_view tag) {
  links_ = LinkSpec{KeyNumber(key), since, limit, std::string(exclude),
                    std::string(tag)};
  return *this;
}

RecordWrite& RecordWrite::Index(absl::string_view member,
                                const std::vector<ScoredKey>& before,
                                const std::vector<ScoredKey>& after) {
  IndexSpec index;
  index.member = std::string(member);
  // One entry per set, in the order the sets first appear; a set listed twice
  // in one list keeps its first score.
  auto entry = [this, &index](absl::string_view key) -> IndexSpec::Set& {
    const int number = KeyNumber(key);
    for (IndexSpec::Set& set : index.sets) {
      if (set.key == number) return set;
    }
    return index.sets.emplace_back(IndexSpec::Set{number, {}, {}});
  };
  for (const ScoredKey& scored : before) {
    IndexSpec::Set& set = entry(scored.key);
    if (!set.before.has_value()) set.before = scored.score;
  }
  for (const ScoredKey& scored : after) {
    IndexSpec::Set& set = entry(scored.key);
    if (!set.after.has_value()) set.after = scored.score;
  }
  index_ = std::move(index);
  return *this;
}

RecordWrite& RecordWrite::Set(absl::string_view key, absl::string_view value) {
  ops_.push_back(
      {Op::Kind::kSet, KeyNumber(key), std::string(value), "", false, 0});
  return *this;
}

RecordWrite& RecordWrite::SetIf(absl::string_view key, absl::string_view expect,
                                absl::string_view value) {
  ops_.push_back({Op::Kind::kSetIf, KeyNumber(key), std::string(value),
                  std::string(expect), true, 0});
  return *this;
}

RecordWrite& RecordWrite::ZAdd(absl::string_view key, int64_t score,
                               absl::string_view member) {
  ops_.push_back(
      {Op::Kind::kZAdd, KeyNumber(key), std::string(member), "", false, score});
  return *this;
}

RecordWrite& RecordWrite::ZRem(absl::string_view key,
                               absl::string_view member) {
  ops_.push_back(
      {Op::Kind::kZRem, KeyNumber(key), std::string(member), "", false, 0});
  return *this;
}

RecordWrite& RecordWrite::HIncrBy(absl::string_view key,
                                  absl::string_view field, int64_t by) {
  ops_.push_back(
      {Op::Kind::kHIncrBy, KeyNumber(key), std::string(field), "", false, by});
  return *this;
}

RecordWrite& RecordWrite::EndSessions(absl::string_view key,
                                      std::optional<std::string> keep) {
  ops_.push_back({Op::Kind::kEndSessions, KeyNumber(key), "", keep.value_or(""),
                  keep.has_value(), 0});
  return *this;
}

RecordWrite& RecordWrite::Log(absl::string_view key, Fields fields,
                              std::optional<int64_t> max_length) {
  log_ = LogSpec{KeyNumber(key), std::move(fields), max_length, 0, ""};
  return *this;
}

RecordWrite& RecordWrite::History(absl::string_view key,
                                  absl::string_view value) {
  if (log_.has_value()) {
    log_->history_key = KeyNumber(key);
    log_->history_value = std::string(value);
  }
  return *this;
}

RecordWrite& RecordWrite::Enqueue(absl::string_view key, Fields fields) {
  queues_.push_back({KeyNumber(key), std::move(fields)});
  return *this;
}

RecordWrite& RecordWrite::Result(absl::string_view value) {
  result_ = std::string(value);
  return *this;
}

std::string RecordWrite::Encode() const {
  // The tokens of module/write_check.h, section by section, in its order.
  Packer p;
  if (request_key_.has_value()) {
    p.Str("request");
    p.Int(*request_key_);
    p.Str(fingerprint_);
    p.Decimal(ttl_seconds_);
  }

  if (hash_) {
    p.Str("hash");
    p.Int(record_key_);
    p.Decimal(expected_version_);
    expected_state_.has_value() ? p.Decimal(*expected_state_) : p.False();
  } else {
    p.Str("string");
    p.Int(record_key_);
    expected_value_.has_value() ? p.Str(*expected_value_) : p.False();
  }

  if (!checks_.empty()) {
    p.Str("checks");
    p.Int(static_cast<int64_t>(checks_.size()));
    for (const Check& check : checks_) {
      switch (check.kind) {
        case Check::Kind::kVersion:
          p.Str("version");
          p.Int(check.key);
          p.Decimal(check.version);
          break;
        case Check::Kind::kEmpty:
          p.Str("empty");
          p.Int(check.key);
          break;
        case Check::Kind::kAbsent:
          p.Str("absent");
          p.Int(check.key);
          break;
        case Check::Kind::kCapacity:
          p.Str("capacity");
          p.Int(check.key);
          p.Int(check.limit);
          p.Int(static_cast<int64_t>(check.ranges.size()));
          for (const auto& [low, high] : check.ranges) {
            p.Decimal(low);
            p.Decimal(high);
          }
          break;
      }
    }
  }

  if (hash_) {
    p.Str("fields");
    p.Pairs(fields_);
  } else {
    p.Str("value");
    p.Str(value_);
  }

  if (links_.has_value()) {
    p.Str("links");
    p.Int(links_->key);
    p.Decimal(links_->since);
    p.Int(links_->limit);
    p.Str(links_->exclude);
    p.Str(links_->tag);
  }

  if (index_.has_value()) {
    p.Str("index");
    p.Str(index_->member);
    p.Int(static_cast<int64_t>(index_->sets.size()));
    for (const IndexSpec::Set& set : index_->sets) {
      p.Int(set.key);
      set.before.has_value() ? p.Decimal(*set.before) : p.False();
      set.after.has_value() ? p.Decimal(*set.after) : p.False();
    }
  }

  if (!ops_.empty()) {
    p.Str("ops");
    p.Int(static_cast<int64_t>(ops_.size()));
    for (const Op& op : ops_) {
      switch (op.kind) {
        case Op::Kind::kSet:
          p.Str("set");
          p.Int(op.key);
          p.Str(op.a);
          break;
        case Op::Kind::kSetIf:
          p.Str("setif");
          p.Int(op.key);
          p.Str(op.b);
          p.Str(op.a);
          break;
        case Op::Kind::kZAdd:
          p.Str("zadd");
          p.Int(op.key);
          p.Decimal(op.number);
          p.Str(op.a);
          break;
        case Op::Kind::kZRem:
          p.Str("zrem");
          p.Int(op.key);
          p.Str(op.a);
          break;
        case Op::Kind::kHIncrBy:
          p.Str("hincrby");
          p.Int(op.key);
          p.Str(op.a);
          p.Decimal(op.number);
          break;
        case Op::Kind::kEndSessions:
          p.Str("end_sessions");
          p.Int(op.key);
          op.has_b ? p.Str(op.b) : p.False();
          break;
      }
    }
  }

  if (log_.has_value()) {
    p.Str("log");
    p.Int(log_->key);
    log_->max_length.has_value() ? p.Decimal(*log_->max_length) : p.False();
    p.Pairs(log_->fields);
    if (log_->history_key != 0) {
      p.Str("history");
      p.Int(log_->history_key);
      p.Str(log_->history_value);
    }
  }

  if (!queues_.empty()) {
    p.Str("enqueue");
    p.Int(static_cast<int64_t>(queues_.size()));
    for (const Queue& queue : queues_) {
      p.Int(queue.key);
      p.Pairs(queue.fields);
    }
  }

  if (result_.has_value()) {
    p.Str("result");
    p.Str(*result_);
  }
  return p.Take();
}

absl::StatusOr<RedisReply> CallRecordWrite(
    RedisClient& redis, const std::vector<std::string>& keys,
    const std::vector<std::string>& args) {
  const std::string key_count = absl::StrCat(keys.size());
  std::vector<absl::string_view> argv = {kWriteCommand, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  ASSIGN_OR_RETURN(RedisReply reply, redis.Command(argv));
  // A Redis without Kepu's module (or with another version of it): nothing
  // Kepu writes can be written there until it is loaded.
  if (reply.IsError() && absl::StartsWith(reply.Str(), "ERR unknown command")) {
    return NoRecordWriteCommandError();
  }
  return reply;
}

absl::StatusOr<bool> HasRecordWriteCommand(RedisClient& redis) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis.Command({"COMMAND", "INFO", kWriteCommand}));
  if (!reply.IsArray() || reply.Size() != 1) {
    return UnexpectedReply("COMMAND INFO", reply);
  }
  return reply[0].IsArray();
}

absl::StatusOr<WriteOutcome> ApplyRecordWrite(RedisClient& redis,
                                              const RecordWrite& write) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   CallRecordWrite(redis, write.keys(), {write.Encode()}));
  WriteOutcome outcome;
  if (reply.IsError()) {
    absl::string_view error = reply.Str();
    static constexpr std::pair<absl::string_view, WriteRefusal> kCodes[] = {
        {"KEPU_REQUEST_REUSED", WriteRefusal::kRequestReused},
        {"KEPU_EXISTS", WriteRefusal::kExists},
        {"KEPU_NOT_FOUND", WriteRefusal::kNotFound},
        {"KEPU_STALE ", WriteRefusal::kStale},
        {"KEPU_STATE ", WriteRefusal::kState},
        {"KEPU_CHANGED ", WriteRefusal::kChanged},
        {"KEPU_NOT_EMPTY ", WriteRefusal::kNotEmpty},
        {"KEPU_TAKEN ", WriteRefusal::kTaken},
        {"KEPU_CAPACITY ", WriteRefusal::kCapacity},
    };
    for (const auto& [code, refusal] : kCodes) {
      absl::string_view rest = error;
      if (!absl::ConsumePrefix(&rest, code)) continue;
      outcome.refusal = refusal;
      outcome.detail = std::string(rest);
      if (refusal == WriteRefusal::kChanged ||
          refusal == WriteRefusal::kNotEmpty ||
          refusal == WriteRefusal::kTaken) {
        if (!absl::SimpleAtoi(rest, &outcome.check)) {
          return UnexpectedReply("record write", reply);
        }
      }
      return outcome;
    }
    return UnexpectedReply("record write", reply);
  }
  if (!reply.IsArray() || reply.Size() < 2 || !reply[1].IsString()) {
    return UnexpectedReply("record write", reply);
  }
  if (reply[0].Str() == "replayed") {
    outcome.replayed = true;
    outcome.result = std::string(reply[1].Str());
    return outcome;
  }
  if (reply[0].Str() != "applied" || reply.Size() != 3 || !reply[2].IsArray()) {
    return UnexpectedReply("record write", reply);
  }
  outcome.log_id = std::string(reply[1].Str());
  for (size_t i = 0; i < reply[2].Size(); ++i) {
    outcome.linked.emplace_back(reply[2][i].Str());
  }
  return outcome;
}

absl::StatusOr<std::optional<std::string>> PriorResult(
    const RedisReply& reply, absl::string_view fingerprint) {
  constexpr size_t kFingerprintLength = 32;
  if (reply.IsNil()) return std::nullopt;
  if (!reply.IsString() || reply.Str().size() <= kFingerprintLength) {
    return UnexpectedReply("GET of a request key", reply);
  }
  absl::string_view prior = reply.Str();
  if (prior.substr(0, kFingerprintLength) != fingerprint) {
    return RequestReusedError();
  }
  return std::string(prior.substr(kFingerprintLength + 1));
}

absl::Status NoRecordWriteCommandError() {
  return absl::UnavailableError(absl::StrCat(
      "redis has no ", kWriteCommand,
      " command: start redis-server with --loadmodule "
      "<build>/services/core/kepu_redis_module.so (README, \"Deploying past "
      "one machine\")"));
}

absl::Status RequestReusedError() {
  return absl::InvalidArgumentError(
      "request_id: was already used for a different request");
}

absl::Status UnexpectedReply(absl::string_view command,
                             const RedisReply& reply) {
  return absl::InternalError(absl::StrCat("unexpected redis reply to ", command,
                                          reply.IsError() ? ": " : "",
                                          reply.IsError() ? reply.Str() : ""));
}

}  // namespace kepu
