// The record-write protocol (record_write.h; the command of Kepu's Redis
// module, services/core/redis/module) against a real redis-server that loads
// it: what each section does, that a refused write writes nothing, that a
// replica without the module follows, and the malformed-argument sweep — the
// command driven directly with arguments that are missing fields, have wrong
// types, are truncated or random bytes, tokens left out or out of order — each
// answered KEPU_MALFORMED with DEBUG DIGEST unchanged.
#include "services/core/redis/record_write.h"

#include <msgpack.h>

#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <variant>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/order_rules.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/time_util.h"
#include "tests/support/redis_server.h"
#include "tests/support/sample_moves.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// A MessagePack value as a tree, to take a real write apart and mutate it.
struct Value {
  enum class Kind { kNil, kBool, kInt, kFloat, kStr, kArray, kMap };
  explicit Value(Kind k = Kind::kNil) : kind(k) {}
  Kind kind;
  bool boolean = false;
  int64_t integer = 0;
  double real = 0;
  std::string text;
  std::vector<Value> items;                           // array
  std::vector<std::pair<std::string, Value>> fields;  // map (string keys)
};

Value FromObject(const msgpack_object& o) {
  Value v{Value::Kind::kNil};
  switch (o.type) {
    case MSGPACK_OBJECT_BOOLEAN:
      v.kind = Value::Kind::kBool;
      v.boolean = o.via.boolean;
      break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER:
      v.kind = Value::Kind::kInt;
      v.integer = static_cast<int64_t>(o.via.u64);
      break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER:
      v.kind = Value::Kind::kInt;
      v.integer = o.via.i64;
      break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64:
      v.kind = Value::Kind::kFloat;
      v.real = o.via.f64;
      break;
    case MSGPACK_OBJECT_STR:
      v.kind = Value::Kind::kStr;
      v.text.assign(o.via.str.ptr, o.via.str.size);
      break;
    case MSGPACK_OBJECT_ARRAY:
      v.kind = Value::Kind::kArray;
      for (uint32_t i = 0; i < o.via.array.size; ++i) {
        v.items.push_back(FromObject(o.via.array.ptr[i]));
      }
      break;
    case MSGPACK_OBJECT_MAP:
      v.kind = Value::Kind::kMap;
      for (uint32_t i = 0; i < o.via.map.size; ++i) {
        const msgpack_object_kv& kv = o.via.map.ptr[i];
        v.fields.emplace_back(
            std::string(kv.key.via.str.ptr, kv.key.via.str.size),
            FromObject(kv.val));
      }
      break;
    default:
      break;
  }
  return v;
}

// The values of a MessagePack stream, one after another.
std::vector<Value> DecodeStream(const std::string& bytes) {
  std::vector<Value> values;
  msgpack_unpacked unpacked;
  msgpack_unpacked_init(&unpacked);
  size_t offset = 0;
  while (offset < bytes.size()) {
    const msgpack_unpack_return result =
        msgpack_unpack_next(&unpacked, bytes.data(), bytes.size(), &offset);
    EXPECT_EQ(result, MSGPACK_UNPACK_SUCCESS);
    if (result != MSGPACK_UNPACK_SUCCESS) break;
    values.push_back(FromObject(unpacked.data));
  }
  msgpack_unpacked_destroy(&unpacked);
  return values;
}

int Append(void* data, const char* bytes, size_t length) {
  static_cast<std::string*>(data)->append(bytes, length);
  return 0;
}

void Pack(msgpack_packer& p, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kNil:
      msgpack_pack_nil(&p);
      break;
    case Value::Kind::kBool:
      v.boolean ? msgpack_pack_true(&p) : msgpack_pack_false(&p);
      break;
    case Value::Kind::kInt:
      msgpack_pack_int64(&p, v.integer);
      break;
    case Value::Kind::kFloat:
      msgpack_pack_double(&p, v.real);
      break;
    case Value::Kind::kStr:
      msgpack_pack_str(&p, v.text.size());
      msgpack_pack_str_body(&p, v.text.data(), v.text.size());
      break;
    case Value::Kind::kArray:
      msgpack_pack_array(&p, v.items.size());
      for (const Value& item : v.items) Pack(p, item);
      break;
    case Value::Kind::kMap:
      msgpack_pack_map(&p, v.fields.size());
      for (const auto& [key, item] : v.fields) {
        msgpack_pack_str(&p, key.size());
        msgpack_pack_str_body(&p, key.data(), key.size());
        Pack(p, item);
      }
      break;
  }
}

// A stream of `values`, led by `count` (nullopt: no count).
std::string EncodeStream(const std::vector<Value>& values,
                         std::optional<int64_t> count) {
  std::string out;
  msgpack_packer p;
  msgpack_packer_init(&p, &out, &Append);
  if (count.has_value()) msgpack_pack_int64(&p, *count);
  for (const Value& v : values) Pack(p, v);
  return out;
}

// A write of `tokens`, led by their number as the protocol wants.
std::string Encode(const std::vector<Value>& tokens) {
  return EncodeStream(tokens, static_cast<int64_t>(tokens.size()));
}

Value Str(absl::string_view text) {
  Value v{Value::Kind::kStr};
  v.text = std::string(text);
  return v;
}

Value Int(int64_t number) {
  Value v{Value::Kind::kInt};
  v.integer = number;
  return v;
}

// Values of another kind than `v` (never an empty container, which Lua cannot
// tell apart from an empty one of the other kind; a text or a decimal is never
// a number, an integer never a string of digits).
// `text_too`: at a false token, whether a text is a right kind there (an
// index's before score; elsewhere false stands for a decimal left out, so a
// text that is not one is tried).
std::vector<Value> WrongValues(const Value& v, bool text_too) {
  Value nil{Value::Kind::kNil};
  Value boolean{Value::Kind::kBool};
  boolean.boolean = true;
  Value real{Value::Kind::kFloat};
  real.real = 1.5;
  Value text{Value::Kind::kStr};
  text.text = "not-it";
  Value digits{Value::Kind::kStr};
  digits.text = "7";
  Value big{Value::Kind::kInt};
  big.integer = 1'000'000'000'000;
  Value array{Value::Kind::kArray};
  array.items.push_back(text);
  Value map{Value::Kind::kMap};
  map.fields.emplace_back("x", text);
  std::vector<Value> wrong = {nil, boolean, real};
  // (An integer's wrong values are not integers: which integers a key
  // number or a count may be is tried on its own.)
  if (v.kind == Value::Kind::kBool) {
    if (!text_too) wrong.push_back(text);
  } else if (v.kind != Value::Kind::kStr) {
    wrong.push_back(text);
    wrong.push_back(digits);
  }
  if (v.kind != Value::Kind::kInt) wrong.push_back(big);
  if (v.kind != Value::Kind::kArray) wrong.push_back(array);
  if (v.kind != Value::Kind::kMap) wrong.push_back(map);
  return wrong;
}

class RecordWriteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(server_->ClientOptions(2));
  }

  std::string Digest() {
    absl::StatusOr<RedisReply> reply = redis_->Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? std::string(reply->Str()) : "";
  }

  RedisReply Get(absl::string_view command, absl::string_view key) {
    absl::StatusOr<RedisReply> reply = redis_->Command({command, key});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return *reply;
  }

  WriteOutcome Apply(const RecordWrite& write) {
    absl::StatusOr<WriteOutcome> outcome = ApplyRecordWrite(*redis_, write);
    EXPECT_TRUE(outcome.ok()) << outcome.status();
    return outcome.value_or(WriteOutcome{});
  }

  // A write that uses every section, on fresh keys "<prefix>:...".
  RecordWrite Rich(const std::string& prefix) {
    RecordWrite write;
    write.Request(prefix + ":request", std::string(32, 'f'), absl::Hours(1));
    write.Hash(prefix + ":record", 0);
    write.Field("v", "1").Field("s", "2").Field("r", "record-bytes");
    write.CheckAbsent(prefix + ":phone");
    write.CheckEmpty(prefix + ":children");
    write.CheckCapacity(prefix + ":team", {{0, 100}, {200, 300}}, 5);
    write.Links(prefix + ":open", 0, 100, "self", "\x12");
    write.Index("self", {{prefix + ":old", 1}},
                {{prefix + ":new", 2}, {prefix + ":open", 3}});
    write.Set(prefix + ":side", "side-bytes")
        .ZAdd(prefix + ":side-index", 7, "side")
        .HIncrBy(prefix + ":counts", "offers", 1)
        .SetIf(prefix + ":side", "side-bytes", "side-changed")
        .ZRem(prefix + ":old", "self")
        .EndSessions(prefix + ":sessions", std::string("keep"));
    write.Log(prefix + ":events", {{"o", "self"}, {"e", "event"}}, 1000)
        .History(prefix + ":history", "event");
    write.Enqueue(prefix + ":queue", {{"o", "self"}, {"v", "1"}});
    return write;
  }

  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
};

TEST_F(RecordWriteTest, AppliesEverySectionOnce) {
  ASSERT_TRUE(redis_->Command({"ZADD", "t:open", "5", "earlier"}).ok());
  ASSERT_TRUE(redis_->Command({"ZADD", "t:old", "1", "self"}).ok());
  ASSERT_TRUE(redis_->Command({"SET", "t:session-a", "x"}).ok());
  ASSERT_TRUE(redis_->Command({"ZADD", "t:sessions", "1", "t:session-a"}).ok());
  ASSERT_TRUE(redis_->Command({"ZADD", "t:sessions", "1", "keep"}).ok());

  const WriteOutcome first = Apply(Rich("t"));
  ASSERT_TRUE(first.applied());
  EXPECT_THAT(first.linked, ElementsAre("earlier"));
  EXPECT_FALSE(first.log_id.empty());
  // The record, with the link appended to r as a protobuf string field.
  RedisReply record = *redis_->Command({"HGET", "t:record", "r"});
  EXPECT_EQ(record.Str(), std::string("record-bytes\x12\x07") + "earlier");
  EXPECT_EQ(redis_->Command({"HGET", "t:record", "v"})->Str(), "1");
  // Index moves: out of old, into new and open.
  EXPECT_EQ(redis_->Command({"ZSCORE", "t:new", "self"})->Str(), "2");
  EXPECT_EQ(redis_->Command({"ZSCORE", "t:open", "self"})->Str(), "3");
  EXPECT_TRUE(redis_->Command({"ZSCORE", "t:old", "self"})->IsNil());
  // Side writes in order: set, then setif changed it.
  EXPECT_EQ(Get("GET", "t:side").Str(), "side-changed");
  EXPECT_EQ(redis_->Command({"HGET", "t:counts", "offers"})->Str(), "1");
  // Sessions but the kept one ended.
  EXPECT_TRUE(Get("GET", "t:session-a").IsNil());
  EXPECT_EQ(Get("ZCARD", "t:sessions").Integer(), 1);
  // The log entry, its history line, the queue, the request key.
  EXPECT_EQ(Get("XLEN", "t:events").Integer(), 1);
  EXPECT_EQ(redis_->Command({"LINDEX", "t:history", "0"})->Str(),
            first.log_id + " event");
  EXPECT_EQ(Get("XLEN", "t:queue").Integer(), 1);
  EXPECT_THAT(std::string(Get("GET", "t:request").Str()),
              StartsWith(std::string(32, 'f') + ":record-bytes"));

  // The same request again: its first result, nothing written.
  const std::string digest = Digest();
  const WriteOutcome again = Apply(Rich("t"));
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.result, std::string(record.Str()));
  EXPECT_EQ(Digest(), digest);
}

TEST_F(RecordWriteTest, EachRefusalWritesNothing) {
  ASSERT_TRUE(Apply(Rich("t")).applied());
  struct Case {
    std::string name;
    std::function<void(RecordWrite&)> change;
    WriteRefusal refusal;
    std::string detail;
    int check = 0;
  };
  const std::vector<Case> cases = {
      {"reused request id",
       [](RecordWrite& w) {
         w.Request("t:request", std::string(32, 'e'), absl::Hours(1));
       },
       WriteRefusal::kRequestReused, "", 0},
      {"create of an existing record",
       [](RecordWrite& w) { w.Hash("t:record", 0); }, WriteRefusal::kExists, "",
       0},
      {"no such record", [](RecordWrite& w) { w.Hash("u:record", 1); },
       WriteRefusal::kNotFound, "", 0},
      {"stale version", [](RecordWrite& w) { w.Hash("t:record", 7); },
       WriteRefusal::kStale, "1", 0},
      {"wrong state", [](RecordWrite& w) { w.Hash("t:record", 1, 9); },
       WriteRefusal::kState, "2", 0},
      {"changed guard", [](RecordWrite& w) { w.CheckVersion("t:record", 5); },
       WriteRefusal::kChanged, "", 4},
      {"not empty",
       [](RecordWrite& w) {
         w.Hash("u:record", 0);
         w.CheckEmpty("t:new");
       },
       WriteRefusal::kNotEmpty, "", 4},
      {"taken", [](RecordWrite& w) { w.CheckAbsent("t:record"); },
       WriteRefusal::kTaken, "", 4},
      {"capacity",
       [](RecordWrite& w) {
         w.CheckCapacity("t:new", {{0, 10}}, 1);
       },
       WriteRefusal::kCapacity, "1", 0},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    RecordWrite write = Rich("u");
    write.Request(absl::StrCat("u:request:", c.name), std::string(32, 'f'),
                  absl::Hours(1));
    c.change(write);
    const std::string digest = Digest();
    const WriteOutcome outcome = Apply(write);
    EXPECT_EQ(outcome.refusal, c.refusal);
    if (!c.detail.empty()) {
      EXPECT_EQ(outcome.detail, c.detail);
    }
    if (c.check != 0) {
      EXPECT_EQ(outcome.check, c.check);
    }
    EXPECT_EQ(Digest(), digest);
  }
}

TEST_F(RecordWriteTest, StringRecordsCompareTheirValue) {
  RecordWrite create;
  create.String("s", std::nullopt, "one");
  ASSERT_TRUE(Apply(create).applied());
  RecordWrite again;
  again.String("s", std::nullopt, "two");
  EXPECT_EQ(Apply(again).refusal, WriteRefusal::kExists);
  RecordWrite stale;
  stale.String("s", std::string("zero"), "two");
  EXPECT_EQ(Apply(stale).refusal, WriteRefusal::kStale);
  RecordWrite change;
  change.Request("req", std::string(32, 'a'), absl::Hours(1));
  change.String("s", std::string("one"), "two");
  ASSERT_TRUE(Apply(change).applied());
  EXPECT_EQ(Get("GET", "s").Str(), "two");
  // A replay answers what the request key remembered: the value written.
  const WriteOutcome replay = Apply(change);
  EXPECT_TRUE(replay.replayed);
  EXPECT_EQ(replay.result, "two");
}

TEST_F(RecordWriteTest, IndexSetsKeptAtTheirScoreAreNotTouched) {
  // One entry per set: kept at its score (no command: the member, taken out
  // behind the write's back, stays out), moved to a new score, left, joined.
  ASSERT_TRUE(redis_->Command({"ZADD", "t:left", "1", "self"}).ok());
  ASSERT_TRUE(redis_->Command({"ZADD", "t:moved", "1", "self"}).ok());
  RecordWrite write;
  write.Hash("t:record", 0).Field("v", "1");
  write.Index("self", {{"t:kept", 5}, {"t:moved", 1}, {"t:left", 1}},
              {{"t:kept", 5}, {"t:moved", 2}, {"t:joined", 3}, {"t:moved", 9}});
  ASSERT_TRUE(Apply(write).applied());
  EXPECT_TRUE(redis_->Command({"ZSCORE", "t:kept", "self"})->IsNil());
  EXPECT_EQ(redis_->Command({"ZSCORE", "t:moved", "self"})->Str(), "2");
  EXPECT_TRUE(redis_->Command({"ZSCORE", "t:left", "self"})->IsNil());
  EXPECT_EQ(redis_->Command({"ZSCORE", "t:joined", "self"})->Str(), "3");
}

TEST_F(RecordWriteTest, CapacityCountsRangesThatMeetOnceAndEmptyOnesNot) {
  // Members at 50, 150 and 250; ranges [0, 100) and [100, 200) meet, [200,
  // 100) holds nothing (and must not shorten the range it meets): two members
  // held, so a limit of 2 refuses and 3 allows.
  for (const char* score : {"50", "150", "250"}) {
    ASSERT_TRUE(
        redis_->Command({"ZADD", "t:team", score, absl::StrCat("m", score)})
            .ok());
  }
  const std::vector<std::pair<int64_t, int64_t>> ranges = {
      {100, 200}, {200, 100}, {0, 100}};
  RecordWrite full;
  full.Hash("t:a", 0).Field("v", "1").CheckCapacity("t:team", ranges, 2);
  const WriteOutcome refused = Apply(full);
  EXPECT_EQ(refused.refusal, WriteRefusal::kCapacity);
  EXPECT_EQ(refused.detail, "2");
  RecordWrite room;
  room.Hash("t:b", 0).Field("v", "1").CheckCapacity("t:team", ranges, 3);
  EXPECT_TRUE(Apply(room).applied());
}

TEST_F(RecordWriteTest, SetIfSkipsARecordThatChanged) {
  ASSERT_TRUE(redis_->Command({"SET", "h", "declined"}).ok());
  RecordWrite write;
  write.Hash("rec", 0).Field("v", "1").Field("r", "x");
  write.SetIf("h", "pending", "approved");
  ASSERT_TRUE(Apply(write).applied());
  EXPECT_EQ(Get("GET", "h").Str(), "declined");
}

TEST_F(RecordWriteTest, TheCommandDeclaresItsKeysAsEvalDoes) {
  // Cluster routes a command, and ACLs check it, by the keys it declares.
  absl::StatusOr<RedisReply> keys = redis_->Command(
      {"COMMAND", "GETKEYS", "kepu.write.v1", "2", "{t}:a", "{t}:b", "arg"});
  ASSERT_TRUE(keys.ok()) << keys.status();
  ASSERT_TRUE(keys->IsArray()) << keys->Str();
  ASSERT_EQ(keys->Size(), 2u);
  EXPECT_EQ((*keys)[0].Str(), "{t}:a");
  EXPECT_EQ((*keys)[1].Str(), "{t}:b");
  absl::StatusOr<bool> has = HasRecordWriteCommand(*redis_);
  ASSERT_TRUE(has.ok()) << has.status();
  EXPECT_TRUE(*has);
  // A key count beyond the arguments is Redis's own refusal.
  EXPECT_TRUE(Get("kepu.write.v1", "3").IsError());
}

TEST_F(RecordWriteTest, WritesAreReplicatedAsPlainCommands) {
  // A replica without the module follows every write: what the module
  // writes reaches AOF and replicas as the commands it ran.
  auto replica = testing::RedisServer::Start({.kepu_module = false});
  ASSERT_TRUE(replica.ok()) << replica.status();
  RedisClient follower((*replica)->ClientOptions(1));
  // The first sync at once, not after Redis's default 5 s of waiting for
  // more replicas.
  ASSERT_TRUE(
      redis_->Command({"CONFIG", "SET", "repl-diskless-sync-delay", "0"}).ok());
  ASSERT_TRUE(
      follower
          .Command({"REPLICAOF", "127.0.0.1", absl::StrCat(server_->port())})
          .ok());
  ASSERT_TRUE(Apply(Rich("t")).applied());
  // WAIT answers once the replica has everything written so far (it may
  // still be connecting at first: bounded retries).
  int64_t acknowledged = 0;
  for (int attempt = 0; attempt < 20 && acknowledged < 1; ++attempt) {
    absl::StatusOr<RedisReply> wait = redis_->Command({"WAIT", "1", "1000"});
    ASSERT_TRUE(wait.ok()) << wait.status();
    acknowledged = wait->Integer();
  }
  ASSERT_EQ(acknowledged, 1);
  absl::StatusOr<RedisReply> digest = follower.Command({"DEBUG", "DIGEST"});
  ASSERT_TRUE(digest.ok()) << digest.status();
  EXPECT_EQ(std::string(digest->Str()), Digest());
  absl::StatusOr<RedisReply> record =
      follower.Command({"HGET", "t:record", "r"});
  ASSERT_TRUE(record.ok());
  EXPECT_EQ(std::string(record->Str()),
            std::string(redis_->Command({"HGET", "t:record", "r"})->Str()));
  EXPECT_THAT(std::string(record->Str()), StartsWith("record-bytes"));
}

TEST(RecordWriteWithoutModuleTest, AnswersUnavailableNamingTheModule) {
  auto server = testing::RedisServer::Start({.kepu_module = false});
  ASSERT_TRUE(server.ok()) << server.status();
  RedisClient redis((*server)->ClientOptions(1));
  RecordWrite write;
  write.Hash("rec", 0).Field("v", "1");
  absl::StatusOr<WriteOutcome> outcome = ApplyRecordWrite(redis, write);
  EXPECT_EQ(outcome.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(outcome.status().message(), HasSubstr("--loadmodule"));
  absl::StatusOr<bool> has = HasRecordWriteCommand(redis);
  ASSERT_TRUE(has.ok()) << has.status();
  EXPECT_FALSE(*has);
  EXPECT_EQ(redis.Command({"DBSIZE"})->Integer(), 0);
}

// The sweep: a real write (an order's completion with its hours, tallies,
// capacity guard, duplicate links, history and matching queue), taken apart
// and broken in every place.
class MalformedSweep : public RecordWriteTest {
 protected:
  void SetUp() override {
    RecordWriteTest::SetUp();
    RedisOrderStore store(*redis_, "jining");
    const RecordWrite write = store.MoveWrite(testing::CompletionInService());
    keys_ = write.keys();
    template_ = DecodeStream(write.Encode());
    // The count of tokens, then the tokens.
    ASSERT_FALSE(template_.empty());
    ASSERT_EQ(template_.front().integer,
              static_cast<int64_t>(template_.size()) - 1);
    template_.erase(template_.begin());
    // The order exists at its version, so the unbroken write applies.
    order_key_ = store.keys().Order("order-1");
    ASSERT_TRUE(
        redis_->Command({"HSET", order_key_, "v", "4", "s", "8", "r", "x"})
            .ok());
    digest_ = Digest();
  }

  // Puts the data back as SetUp left it (after a write that applied).
  void Reset() {
    ASSERT_TRUE(redis_->Command({"FLUSHALL"}).ok());
    ASSERT_TRUE(
        redis_->Command({"HSET", order_key_, "v", "4", "s", "8", "r", "x"})
            .ok());
    ASSERT_EQ(Digest(), digest_);
  }

  // Calls the function with `args`; expects a KEPU_MALFORMED refusal and the
  // data unchanged.
  void ExpectRefused(const std::vector<std::string>& args,
                     const std::string& what) {
    SCOPED_TRACE(what);
    absl::StatusOr<RedisReply> reply = CallRecordWrite(*redis_, keys_, args);
    ASSERT_TRUE(reply.ok()) << reply.status();
    if (!reply->IsError()) {
      ADD_FAILURE() << "the broken write applied";
      Reset();
      return;
    }
    EXPECT_THAT(std::string(reply->Str()), StartsWith("KEPU_MALFORMED"));
    EXPECT_EQ(Digest(), digest_);
  }

  std::vector<std::string> keys_;
  std::string order_key_;
  // The tokens of the write (without their count: Encode() adds it).
  std::vector<Value> template_;

  // Where section `name` starts in the template.
  size_t At(absl::string_view name) {
    for (size_t i = 0; i < template_.size(); ++i) {
      if (template_[i].kind == Value::Kind::kStr && template_[i].text == name) {
        return i;
      }
    }
    ADD_FAILURE() << "the template has no " << name;
    return 0;
  }

  // The template without tokens [from, from + count).
  std::vector<Value> Without(size_t from, size_t count) {
    std::vector<Value> tokens = template_;
    tokens.erase(tokens.begin() + from, tokens.begin() + from + count);
    return tokens;
  }
  std::string digest_;
};

TEST_F(MalformedSweep, TheUnbrokenWriteApplies) {
  // The template's round trip through the test's own encoder is the write.
  absl::StatusOr<RedisReply> reply =
      CallRecordWrite(*redis_, keys_, {Encode(template_)});
  ASSERT_TRUE(reply.ok());
  EXPECT_FALSE(reply->IsError()) << reply->Str();
  EXPECT_NE(Digest(), digest_);
}

TEST_F(MalformedSweep, EveryValueOfAWrongKindIsRefused) {
  // The template is a real move: every section but string records, results
  // and ending sessions.
  ASSERT_GT(template_.size(), 60u);
  // An index's before scores: any string will do there.
  std::set<size_t> befores;
  const size_t index = At("index");
  for (int64_t set = 0; set < template_[index + 2].integer; ++set) {
    befores.insert(index + 3 + 3 * set + 1);
  }
  int tried = 0;
  for (size_t i = 0; i < template_.size(); ++i) {
    for (const Value& wrong : WrongValues(template_[i], befores.contains(i))) {
      std::vector<Value> broken = template_;
      broken[i] = wrong;
      ExpectRefused({Encode(broken)}, absl::StrCat("token ", i + 1));
      ++tried;
    }
  }
  EXPECT_GT(tried, 400);
}

TEST_F(MalformedSweep, EveryTokenLeftOutIsRefused) {
  // One token missing anywhere, the count made to match.
  for (size_t i = 0; i < template_.size(); ++i) {
    ExpectRefused({Encode(Without(i, 1))},
                  absl::StrCat("token ", i + 1, " left out"));
  }
  // The record and its write may not be left out.
  ExpectRefused({Encode(Without(At("hash"), 4))}, "no record");
  ExpectRefused({Encode(Without(At("fields"), 2 + 2 * 3))}, "no fields");
}

TEST_F(MalformedSweep, TheCountMustMatch) {
  const int64_t n = static_cast<int64_t>(template_.size());
  for (int64_t count : {n - 1, n + 1, int64_t{0}}) {
    ExpectRefused({EncodeStream(template_, count)},
                  absl::StrCat("count ", count));
  }
  ExpectRefused({EncodeStream(template_, std::nullopt)}, "no count");
  std::vector<Value> led_by_text = template_;
  led_by_text.insert(led_by_text.begin(), Str(absl::StrCat(n)));
  ExpectRefused({EncodeStream(led_by_text, std::nullopt)}, "a count in text");
}

TEST_F(MalformedSweep, UnknownSectionsKindsAndOrdersAreRefused) {
  auto inserted = [this](size_t at, std::vector<Value> tokens) {
    std::vector<Value> broken = template_;
    broken.insert(broken.begin() + at, tokens.begin(), tokens.end());
    return broken;
  };
  ExpectRefused({Encode(inserted(0, {Str("surprise"), Str("x")}))},
                "unknown section first");
  ExpectRefused({Encode(inserted(At("ops"), {Str("surprise"), Str("x")}))},
                "unknown section inside");
  ExpectRefused(
      {Encode(inserted(template_.size(), {Str("surprise"), Str("x")}))},
      "unknown section last");
  // A section again, or before one it must follow.
  ExpectRefused({Encode(inserted(template_.size(),
                                 {Str("value"), Str("another value")}))},
                "a second write");
  ExpectRefused({Encode(inserted(0, {Str("log"), Int(1), Str("4"), Int(0)}))},
                "a log before the request");
  std::vector<Value> broken = template_;
  broken.erase(broken.begin() + At("log"), broken.begin() + At("history"));
  ExpectRefused({Encode(broken)}, "history without its log");
  broken = template_;
  broken[At("ops") + 2] = Str("flushall");
  ExpectRefused({Encode(broken)}, "unknown op");
  broken = template_;
  broken[At("checks") + 2] = Str("vibes");
  ExpectRefused({Encode(broken)}, "unknown check");
  broken = template_;
  broken[At("hash")] = Str("list");
  ExpectRefused({Encode(broken)}, "unknown record kind");
  // A hash written by a value, a string by fields.
  broken = Without(At("fields"), 2 + 2 * 3);
  broken.insert(broken.begin() + At("fields"), {Str("value"), Str("bytes")});
  ExpectRefused({Encode(broken)}, "a hash written by a value");
  broken = Without(At("hash") + 3, 1);  // a string has no state
  broken[At("hash")] = Str("string");
  ExpectRefused({Encode(broken)}, "a string written by fields");
  broken = Without(At("fields") + 2, 2 * 3);
  broken[At("fields") + 1] = Int(0);
  ExpectRefused({Encode(broken)}, "no fields at all");
  // Key numbers outside KEYS.
  for (int64_t key : {int64_t{0}, static_cast<int64_t>(keys_.size() + 1)}) {
    broken = template_;
    broken[At("hash") + 1] = Int(key);
    ExpectRefused({Encode(broken)}, absl::StrCat("key number ", key));
  }
  // Counts below zero or beyond any write.
  for (int64_t count : {int64_t{-1}, int64_t{1'000'000}}) {
    broken = template_;
    broken[At("fields") + 1] = Int(count);
    ExpectRefused({Encode(broken)}, absl::StrCat("count ", count));
  }
  // Decimals that are not: text that is not an optional minus and digits, or
  // a MessagePack number.
  for (const char* version :
       {"4x", "", " 4", "0x4", "1e3", "4.0", "123456789012345678901"}) {
    broken = template_;
    broken[At("hash") + 2] = Str(version);
    ExpectRefused({Encode(broken)}, absl::StrCat("version '", version, "'"));
  }
  broken = template_;
  broken[At("hash") + 2] = Int(4);
  ExpectRefused({Encode(broken)}, "a version that is a number");
  // An index's after scores go to ZADD: decimals too (its before scores are
  // only compared with them, so any string will do).
  const size_t index = At("index");
  int scores = 0;
  for (int64_t set = 0; set < template_[index + 2].integer; ++set) {
    const size_t after = index + 3 + 3 * set + 2;
    for (const char* score : {"4x", " 4", "1e3", ""}) {
      broken = template_;
      broken[after] = Str(score);
      ExpectRefused({Encode(broken)}, absl::StrCat("score '", score, "'"));
      ++scores;
    }
  }
  EXPECT_GT(scores, 0);
  // Numbers Redis takes as 64-bit integers and refuses after the record's
  // write had they got through: a request kept for no time or less, a
  // negative MAXLEN, an increment past 64 bits.
  // (SET EX also refuses seconds that overflow once made milliseconds.)
  for (const char* ttl : {"0", "-1", "1234567890123456789", "12345678901"}) {
    broken = template_;
    broken[At("request") + 3] = Str(ttl);
    ExpectRefused({Encode(broken)}, absl::StrCat("ttl '", ttl, "'"));
  }
  broken = template_;
  broken[At("log") + 2] = Str("-1");
  ExpectRefused({Encode(broken)}, "maxlen -1");
  broken = template_;
  broken[At("hincrby") + 3] = Str("99999999999999999999");
  ExpectRefused({Encode(broken)}, "an increment past 64 bits");
  // A fingerprint of the wrong length.
  broken = template_;
  broken[At("request") + 2] = Str(std::string(31, 'c'));
  ExpectRefused({Encode(broken)}, "a short fingerprint");
}

TEST_F(MalformedSweep, TruncatedArgumentsAreRefused) {
  const std::string whole = Encode(template_);
  for (size_t length = 0; length < whole.size(); ++length) {
    ExpectRefused({whole.substr(0, length)},
                  absl::StrCat("the first ", length, " bytes"));
  }
}

TEST_F(MalformedSweep, RandomBytesAndExtraValuesAreRefused) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 300);
  for (int i = 0; i < 500; ++i) {
    std::string bytes(length(random), '\0');
    for (char& c : bytes) c = static_cast<char>(byte(random));
    ExpectRefused({bytes}, absl::StrCat("random bytes #", i));
  }
  const std::string whole = Encode(template_);
  ExpectRefused({whole + whole}, "two writes in one argument");
  ExpectRefused({whole + "\xc1"}, "a trailing byte");
  ExpectRefused({}, "no argument");
  ExpectRefused({whole, whole}, "two arguments");
  // Random bytes in the middle of the real write.
  for (int i = 0; i < 300; ++i) {
    std::string bytes = whole;
    const size_t at =
        std::uniform_int_distribution<size_t>(0, bytes.size() - 1)(random);
    bytes[at] = static_cast<char>(bytes[at] ^ (1 + byte(random) % 255));
    absl::StatusOr<RedisReply> reply = CallRecordWrite(*redis_, keys_, {bytes});
    ASSERT_TRUE(reply.ok());
    // A flipped byte inside a string's content may still make a well-formed
    // write (then it applies, and the data is put back); every other flip
    // must be refused and write nothing.
    if (!reply->IsError()) {
      Reset();
      continue;
    }
    EXPECT_EQ(Digest(), digest_) << "flip at " << at;
  }
}

}  // namespace
}  // namespace kepu
