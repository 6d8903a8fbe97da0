// The Kepu Redis module's argument checker (services/core/redis/module/
// write_check.h) on its own, built with the sanitizers as the module inside
// redis-server cannot be: real writes pass; random bytes, every truncation and
// byte flips of real writes are refused with KEPU_MALFORMED or pass, never
// read outside the argument (AddressSanitizer), and every position a passed
// write's sections name lies inside its token list.
#include "services/core/redis/module/write_check.h"

#include <random>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_order_store.h"
#include "tests/support/sample_moves.h"

namespace kepu::records_module {
namespace {

using ::testing::StartsWith;

// The argument of a real move (an order in service completed by its team
// leader: request, hash, checks, fields, index, ops, log, history) and its key
// count.
struct Sample {
  std::string argument;
  int keys = 0;
};

Sample RealMove() {
  // MoveWrite only builds the write; the client never connects.
  RedisOptions options;
  options.port = 1;
  RedisClient redis(options);
  RedisOrderStore store(redis, "jining");
  const RecordWrite write = store.MoveWrite(testing::CompletionInService());
  return {write.Encode(), static_cast<int>(write.keys().size())};
}

// A write with the sections a move does not use: string record, links,
// setif, zrem, end_sessions, enqueue, result.
Sample StringWrite() {
  RecordWrite write;
  write.Request("t:request", std::string(32, 'f'), absl::Hours(1));
  write.String("t:record", std::string("old"), "new");
  write.SetIf("t:side", "a", "b").ZRem("t:set", "m").EndSessions("t:s", {});
  write.Enqueue("t:queue", {{"o", "x"}});
  write.Result("remembered");
  return {write.Encode(), static_cast<int>(write.keys().size())};
}

Sample LinksWrite() {
  RecordWrite write;
  write.Hash("t:record", 0);
  write.Field("v", "1").Field("r", "bytes");
  write.Links("t:open", 5, 100, "self", "\x12");
  return {write.Encode(), static_cast<int>(write.keys().size())};
}

// Every section position of a passed write lies inside its tokens, and each
// section's name stands there.
void ExpectSectionsInside(const CheckedWrite& w) {
  const int n = static_cast<int>(w.tokens.size()) - 1;
  const std::pair<int, std::vector<std::string>> sections[] = {
      {w.request, {"request"}}, {w.record, {"hash", "string"}},
      {w.checks, {"checks"}},   {w.write, {"fields", "value"}},
      {w.links, {"links"}},     {w.index, {"index"}},
      {w.ops, {"ops"}},         {w.log, {"log"}},
      {w.history, {"history"}}, {w.enqueue, {"enqueue"}},
      {w.result, {"result"}}};
  for (const auto& [at, names] : sections) {
    if (at == 0) continue;
    ASSERT_GE(at, 2);
    ASSERT_LE(at, n);
    EXPECT_THAT(names, ::testing::Contains(std::string(w[at].text)));
  }
  ASSERT_NE(w.record, 0);
  ASSERT_NE(w.write, 0);
}

TEST(WriteCheckTest, RealWritesPass) {
  for (const Sample& sample : {RealMove(), StringWrite(), LinksWrite()}) {
    CheckedWrite w;
    EXPECT_EQ(CheckWrite(sample.argument, sample.keys, w), "");
    ExpectSectionsInside(w);
  }
  CheckedWrite w;
  const Sample move = RealMove();
  ASSERT_EQ(CheckWrite(move.argument, move.keys, w), "");
  EXPECT_TRUE(w.hash());
  EXPECT_NE(w.request, 0);
  EXPECT_NE(w.checks, 0);
  EXPECT_NE(w.index, 0);
  EXPECT_NE(w.ops, 0);
  EXPECT_NE(w.history, 0);
  EXPECT_EQ(w.Text(FieldAt(w, "v")), "5");
}

TEST(WriteCheckTest, OneCheckedWriteReusedKeepsNothingOfTheLast) {
  // The module checks every write into the same CheckedWrite.
  CheckedWrite w;
  const Sample move = RealMove();
  ASSERT_EQ(CheckWrite(move.argument, move.keys, w), "");
  ASSERT_NE(w.index, 0);
  EXPECT_THAT(CheckWrite("\x01", move.keys, w), StartsWith("KEPU_MALFORMED"));
  const Sample string = StringWrite();
  ASSERT_EQ(CheckWrite(string.argument, string.keys, w), "");
  EXPECT_FALSE(w.hash());
  EXPECT_EQ(w.index, 0);
  EXPECT_EQ(w.checks, 0);
  EXPECT_EQ(w.log, 0);
  EXPECT_NE(w.enqueue, 0);
  ExpectSectionsInside(w);
}

TEST(WriteCheckTest, TooFewKeysAreRefused) {
  const Sample move = RealMove();
  CheckedWrite w;
  EXPECT_THAT(CheckWrite(move.argument, move.keys - 1, w),
              StartsWith("KEPU_MALFORMED write["));
  EXPECT_THAT(CheckWrite(move.argument, 0, w),
              StartsWith("KEPU_MALFORMED write["));
}

TEST(WriteCheckTest, EmptyLogAndQueueEntriesAreRefused) {
  // XADD takes no entry without fields: it would fail after the record's
  // write.
  for (bool log : {true, false}) {
    RecordWrite write;
    write.Hash("t:record", 0).Field("v", "1");
    log ? write.Log("t:events", {}) : write.Enqueue("t:queue", {});
    CheckedWrite w;
    EXPECT_THAT(
        CheckWrite(write.Encode(), static_cast<int>(write.keys().size()), w),
        ::testing::AllOf(StartsWith("KEPU_MALFORMED write["),
                         ::testing::EndsWith("is empty")));
  }
}

// Checks `bytes`: refused as malformed, or passed with every section inside.
void CheckAny(const std::string& bytes, int keys, int& passed) {
  CheckedWrite w;
  const std::string error = CheckWrite(bytes, keys, w);
  if (error.empty()) {
    ExpectSectionsInside(w);
    ++passed;
  } else {
    EXPECT_THAT(error, StartsWith("KEPU_MALFORMED ")) << error;
  }
}

TEST(WriteCheckTest, EveryTruncationIsRefused) {
  for (const Sample& sample : {RealMove(), StringWrite(), LinksWrite()}) {
    for (size_t length = 0; length < sample.argument.size(); ++length) {
      CheckedWrite w;
      EXPECT_THAT(CheckWrite(sample.argument.substr(0, length), sample.keys, w),
                  StartsWith("KEPU_MALFORMED "))
          << "the first " << length << " bytes";
    }
  }
}

TEST(WriteCheckTest, RandomBytesNeverReadOutside) {
  std::mt19937 random(20261207);
  std::uniform_int_distribution<int> byte(0, 255);
  std::uniform_int_distribution<int> length(0, 400);
  int passed = 0;
  for (int i = 0; i < 50000; ++i) {
    // The argument in a buffer of its own size, so AddressSanitizer sees a
    // read one byte past it.
    std::vector<char> bytes(length(random));
    for (char& c : bytes) c = static_cast<char>(byte(random));
    CheckAny(std::string(bytes.begin(), bytes.end()), 12, passed);
  }
  EXPECT_EQ(passed, 0);
}

TEST(WriteCheckTest, FlippedAndSplicedRealWritesNeverReadOutside) {
  std::mt19937 random(7);
  std::uniform_int_distribution<int> byte(0, 255);
  int passed = 0, tried = 0;
  for (const Sample& sample : {RealMove(), StringWrite(), LinksWrite()}) {
    const std::string& whole = sample.argument;
    std::uniform_int_distribution<size_t> at(0, whole.size() - 1);
    for (int i = 0; i < 20000; ++i) {
      std::string bytes = whole;
      // One to three bytes changed.
      for (int k = 0, flips = 1 + i % 3; k < flips; ++k) {
        bytes[at(random)] = static_cast<char>(byte(random));
      }
      // Now and then a piece cut out or repeated.
      if (i % 5 == 0) {
        const size_t from = at(random), to = at(random);
        bytes = i % 10 == 0 ? whole.substr(0, std::min(from, to)) +
                                  whole.substr(std::max(from, to))
                            : whole.substr(0, to) + whole.substr(from);
      }
      CheckAny(bytes, sample.keys, passed);
      ++tried;
    }
  }
  // A changed byte inside a text's content still makes a well-formed write;
  // most changes do not.
  EXPECT_GT(passed, 0);
  EXPECT_LT(passed, tried / 2);
}

}  // namespace
}  // namespace kepu::records_module
