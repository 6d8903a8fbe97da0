// Redis's own time for one record write (ARCHITECTURE §10, the module command
// of services/core/redis/module), read from INFO commandstats, against the
// fixed cost of calling an empty Lua function with the same keys and argument,
// in one run.
//
//   build/test-release/tests/bench/record_write_bench [--calls=20000]
//                                                     [--rounds=3]
//
// The write is a real move built by RedisOrderStore::MoveWrite: an order in
// service completed by its team leader, with the team's capacity guard, the
// volunteer hours approved, a team tally, the index moves, the event and its
// history line (as record_write_test's sweep builds it). Before each call the
// order is put back at its version and the request key deleted, so every call
// applies; the "replayed" row keeps the request key, so every call answers the
// first result. Columns:
//   write, applied   — the whole write: shape check, request, version, checks,
//                      writes;
//   write, replayed  — the same call once its request key holds the result:
//                      the argument decoded and its whole shape checked, one
//                      GET, the first result answered (no write);
//   empty Lua function — an FCALL of a Lua function that returns at once,
//                      given the same keys and argument: what Redis spends
//                      before a Lua function (as the protocol was until the
//                      module) does anything.
// Only the time Redis spends in the command counts (commandstats), so the
// numbers hold on a busy machine better than any rate, though a busy machine
// still stretches that time. Calls are sent 100 at a time (--calls is rounded
// up to a multiple of 100); a refused call stops the run.
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_order_store.h"
#include "tests/support/redis_server.h"
#include "tests/support/sample_moves.h"

ABSL_FLAG(int, calls, 20000, "calls per row and round");
ABSL_FLAG(int, rounds, 3, "rounds (each runs every row once)");

namespace kepu {
namespace {

// Redis's microseconds per call of `command` since the last CONFIG RESETSTAT.
absl::StatusOr<double> UsecPerCall(RedisClient& redis,
                                   absl::string_view command) {
  absl::StatusOr<RedisReply> info = redis.Command({"INFO", "commandstats"});
  if (!info.ok()) return info.status();
  const std::string prefix = absl::StrCat("cmdstat_", command, ":");
  for (absl::string_view line : absl::StrSplit(info->Str(), "\r\n")) {
    if (!absl::ConsumePrefix(&line, prefix)) continue;
    for (absl::string_view field : absl::StrSplit(line, ',')) {
      double value = 0;
      if (absl::ConsumePrefix(&field, "usec_per_call=") &&
          absl::SimpleAtod(field, &value)) {
        return value;
      }
    }
  }
  return absl::NotFoundError(absl::StrCat("no ", command, " in commandstats"));
}

int Run() {
  auto server = testing::RedisServer::Start({"no"});
  if (!server.ok()) {
    std::fprintf(stderr, "redis-server: %s\n",
                 server.status().ToString().c_str());
    return 1;
  }
  RedisClient redis((*server)->ClientOptions(1));
  RedisOrderStore store(redis, "jining");
  const RecordWrite write = store.MoveWrite(testing::CompletionInService());
  const std::string argument = write.Encode();
  const std::string order_key = store.keys().Order("order-1");
  std::string request_key;
  for (const std::string& key : write.keys()) {
    if (absl::StrContains(key, ":request:")) request_key = key;
  }
  const std::vector<absl::string_view> reset_order = {
      "HSET", order_key, "v", "4", "s", "8", "r", "x"};
  const std::vector<absl::string_view> reset_request = {"DEL", request_key};

  // One write through the client shows the move applies.
  if (!redis.Command(reset_order).ok()) return 1;
  absl::StatusOr<WriteOutcome> first = ApplyRecordWrite(redis, write);
  if (!first.ok() || !first->applied()) {
    std::fprintf(stderr, "the move did not apply: %s\n",
                 first.ok() ? "refused" : first.status().ToString().c_str());
    return 1;
  }
  if (!redis
           .Command({"FUNCTION", "LOAD", "REPLACE",
                     "#!lua name=kepu_bench_empty\n"
                     "redis.register_function('kepu_bench_empty', "
                     "function() return 1 end)"})
           .ok()) {
    return 1;
  }

  const std::string key_count = absl::StrCat(write.keys().size());
  auto call = [&](std::vector<absl::string_view> argv) {
    argv.push_back(key_count);
    for (const std::string& key : write.keys()) argv.push_back(key);
    argv.push_back(argument);
    return argv;
  };
  const std::vector<absl::string_view> write_call = call({"kepu.write.v1"});
  const std::vector<absl::string_view> empty_call =
      call({"FCALL", "kepu_bench_empty"});

  // Runs `calls` of `command` after `before` (pipelined 100 at a time) and
  // answers Redis's µs per call of `command` (its name in commandstats).
  const int calls = absl::GetFlag(FLAGS_calls);
  auto measure = [&](const std::vector<absl::string_view>& command,
                     bool reset) -> absl::StatusOr<double> {
    const std::string name = absl::AsciiStrToLower(command[0]);
    std::vector<std::vector<absl::string_view>> batch;
    if (reset) {
      batch.push_back(reset_request);
      batch.push_back(reset_order);
    }
    batch.push_back(command);
    absl::StatusOr<std::vector<RedisReply>> check = redis.Pipeline(batch);
    if (!check.ok()) return check.status();
    if (check->back().IsError()) {
      return absl::InternalError(std::string(check->back().Str()));
    }
    if (!redis.Command({"CONFIG", "RESETSTAT"}).ok()) {
      return absl::InternalError("CONFIG RESETSTAT");
    }
    std::vector<std::vector<absl::string_view>> many;
    for (int i = 0; i < 100; ++i)
      many.insert(many.end(), batch.begin(), batch.end());
    for (int done = 0; done < calls; done += 100) {
      absl::StatusOr<std::vector<RedisReply>> replies = redis.Pipeline(many);
      if (!replies.ok()) return replies.status();
      for (const RedisReply& reply : *replies) {
        if (reply.IsError())
          return absl::InternalError(std::string(reply.Str()));
      }
    }
    return UsecPerCall(redis, name);
  };

  std::printf(
      "record_write_bench: Redis's µs per call (INFO commandstats), %d calls "
      "per cell; the move: %zu keys, %zu-byte argument\n\n",
      calls, write.keys().size(), argument.size());
  std::printf(
      "| round | write, applied | write, replayed | empty Lua function |\n");
  std::printf("|---:|---:|---:|---:|\n");
  for (int round = 1; round <= absl::GetFlag(FLAGS_rounds); ++round) {
    absl::StatusOr<double> applied = measure(write_call, true);
    absl::StatusOr<double> replayed = measure(write_call, false);
    absl::StatusOr<double> empty = measure(empty_call, true);
    if (!applied.ok() || !replayed.ok() || !empty.ok()) {
      std::fprintf(stderr, "round %d failed: %s %s %s\n", round,
                   applied.status().ToString().c_str(),
                   replayed.status().ToString().c_str(),
                   empty.status().ToString().c_str());
      return 1;
    }
    std::printf("| %d | %.1f | %.1f | %.1f |\n", round, *applied, *replayed,
                *empty);
  }
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::Run();
}
