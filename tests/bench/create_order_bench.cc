// CreateOrder calls per second through a real kepud (token check, directory
// lookups, duplicate search, one atomic record write, AOF with appendfsync
// always) against the same load program calling an empty gRPC callback
// service, in one run.
//
//   build/release/tests/bench/create_order_bench [--seconds=5]
//                                                [--concurrency=1,8,32]
//
// The world is the end-to-end tests' (tests/e2e/world.h): a fresh
// redis-server, a kepud process, a signed-in resident. The empty service is an
// OrderService in this process whose CreateOrder answers at once with an empty
// Order. For each concurrency level C, C client threads (over up to four
// connections) call CreateOrder back to back for --seconds, each call with a
// fresh request id; the drafts cycle over the small directory's communities and
// orderable service lines. The table gives calls per second, p50 and p99
// latency, and the ratio kepud / empty.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "services/directory/redis_directory.h"
#include "tests/e2e/world.h"
#include "tests/support/jining_directory.h"

ABSL_FLAG(double, seconds, 5, "how long each measurement runs");
ABSL_FLAG(std::vector<std::string>, concurrency,
          std::vector<std::string>({"1", "8", "32"}),
          "calls in flight (client threads)");
ABSL_FLAG(int, communities, 300,
          "communities the orders spread over (Jining has about 1,500)");
ABSL_FLAG(std::vector<std::string>, kepud_flags, {},
          "flags for kepud, e.g. --kepud_flags=--workers=64");
ABSL_FLAG(std::string, fsync, "always",
          "Redis appendfsync policy: always (the project's), everysec, no");
ABSL_FLAG(bool, commandstats, false,
          "print Redis's INFO commandstats after the run");

namespace kepu::testing {
namespace {

// The baseline: the same RPC, answered at once with nothing done.
class EmptyOrderService final : public v1::OrderService::CallbackService {
  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* context,
                                        const v1::CreateOrderRequest*,
                                        v1::Order*) override {
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

struct Result {
  double calls_per_second = 0;
  double elapsed_seconds = 0;
  double p50_ms = 0;
  double p99_ms = 0;
  int64_t failures = 0;
  std::string first_failure;
};

// Channels to `address`, each its own connection.
std::vector<std::shared_ptr<grpc::Channel>> Channels(const std::string& address,
                                                     int count) {
  std::vector<std::shared_ptr<grpc::Channel>> channels;
  for (int i = 0; i < count; ++i) {
    grpc::ChannelArguments args;
    args.SetInt("kepu.bench.connection", i);  // distinct args, own connection
    channels.push_back(grpc::CreateCustomChannel(
        address, grpc::InsecureChannelCredentials(), args));
  }
  return channels;
}

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  size_t index = static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(index, sorted.size() - 1)];
}

// Runs `concurrency` threads calling CreateOrder on `address` for `seconds`.
Result Measure(const std::string& address, const std::string& token,
               const std::vector<std::string>& communities, int concurrency,
               double seconds, const std::string& run) {
  const std::vector<std::string> lines = {"elderly-smart-help",
                                          "elderly-health"};
  auto channels = Channels(address, std::min(concurrency, 4));
  std::vector<std::vector<double>> latencies(concurrency);
  std::vector<int64_t> failures(concurrency, 0);
  std::vector<std::string> first_failure(concurrency);
  std::atomic<bool> stop{false};
  std::latch ready(concurrency + 1);
  std::vector<std::thread> threads;
  for (int t = 0; t < concurrency; ++t) {
    threads.emplace_back([&, t] {
      auto stub = v1::OrderService::NewStub(channels[t % channels.size()]);
      v1::CreateOrderRequest request;
      *request.mutable_draft() = World::Draft();
      ready.arrive_and_wait();
      for (int64_t i = 0; !stop.load(std::memory_order_relaxed); ++i) {
        request.set_request_id(absl::StrCat("bench-", run, "-", t, "-", i));
        request.mutable_draft()->set_community_id(
            communities[(t * 7919 + i) % communities.size()]);
        request.mutable_draft()->set_service_line_id(
            lines[(t + i / 3) % lines.size()]);
        grpc::ClientContext context;
        context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
        context.set_deadline(std::chrono::system_clock::now() +
                             std::chrono::seconds(10));
        v1::Order order;
        const absl::Time start = absl::Now();
        grpc::Status status = stub->CreateOrder(&context, request, &order);
        const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
        if (status.ok()) {
          latencies[t].push_back(ms);
        } else if (failures[t]++ == 0) {
          first_failure[t] = Describe(status);
        }
      }
    });
  }
  ready.arrive_and_wait();
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(seconds));
  stop = true;
  for (std::thread& thread : threads) thread.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);

  Result result;
  std::vector<double> all;
  for (int t = 0; t < concurrency; ++t) {
    all.insert(all.end(), latencies[t].begin(), latencies[t].end());
    result.failures += failures[t];
    if (result.first_failure.empty()) result.first_failure = first_failure[t];
  }
  std::sort(all.begin(), all.end());
  result.calls_per_second = static_cast<double>(all.size()) / elapsed;
  result.elapsed_seconds = elapsed;
  result.p50_ms = Percentile(all, 0.50);
  result.p99_ms = Percentile(all, 0.99);
  return result;
}

// The sum of `keys` in Redis's INFO `section` (e.g. "stats",
// "total_commands_processed").
double RedisInfo(RedisClient& redis, const std::string& section,
                 const std::vector<absl::string_view>& keys) {
  absl::StatusOr<RedisReply> info = redis.Command({"INFO", section});
  if (!info.ok() || !info->IsString()) return 0;
  double total = 0;
  for (absl::string_view line : absl::StrSplit(info->Str(), "\r\n")) {
    for (absl::string_view key : keys) {
      if (absl::StartsWith(line, key) && line.size() > key.size() &&
          line[key.size()] == ':') {
        double value = 0;
        if (absl::SimpleAtod(line.substr(key.size() + 1), &value))
          total += value;
      }
    }
  }
  return total;
}

double RedisCommands(RedisClient& redis) {
  return RedisInfo(redis, "stats", {"total_commands_processed"});
}

double RedisCpuSeconds(RedisClient& redis) {
  return RedisInfo(redis, "cpu", {"used_cpu_sys", "used_cpu_user"});
}

// CPU time (user + system) of process `pid` so far, in seconds.
double ProcessCpuSeconds(pid_t pid) {
  std::ifstream stat(absl::StrCat("/proc/", pid, "/stat"));
  std::string text((std::istreambuf_iterator<char>(stat)),
                   std::istreambuf_iterator<char>());
  // Fields after the command name, which ends with the last ')'.
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(text).substr(text.rfind(')') + 2), ' ');
  double utime = 0, stime = 0;
  if (fields.size() < 13 || !absl::SimpleAtod(fields[11], &utime) ||
      !absl::SimpleAtod(fields[12], &stime)) {
    return 0;
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
}

int Run() {
  std::vector<int> levels;
  for (const std::string& text : absl::GetFlag(FLAGS_concurrency)) {
    int level = 0;
    if (!absl::SimpleAtoi(text, &level) || level < 1) {
      std::fprintf(stderr, "bad --concurrency value %s\n", text.c_str());
      return 2;
    }
    levels.push_back(level);
  }
  const double seconds = absl::GetFlag(FLAGS_seconds);

  absl::StatusOr<std::unique_ptr<World>> world =
      World::Start(1, absl::GetFlag(FLAGS_kepud_flags));
  if (!world.ok()) {
    std::fprintf(stderr, "world: %s\n", world.status().ToString().c_str());
    return 1;
  }
  const std::string& token = (*world)->account("resident").token;
  const std::string fsync = absl::GetFlag(FLAGS_fsync);
  if (absl::StatusOr<RedisReply> set =
          (*world)->client().Command({"CONFIG", "SET", "appendfsync", fsync});
      !set.ok() || set->IsError()) {
    std::fprintf(stderr, "bad --fsync %s\n", fsync.c_str());
    return 2;
  }
  // Communities beside the small directory's, so that orders spread as in a
  // city rather than piling up as duplicates of each other.
  std::vector<std::string> communities = {"rencheng-guhuai-zhuyuan",
                                          "rencheng-guhuai-tiexi",
                                          "yanzhou-gulou-xinglong"};
  DirectoryData more;
  for (int i = 0; i < absl::GetFlag(FLAGS_communities); ++i) {
    v1::Region community;
    community.set_id(absl::StrCat("rencheng-guhuai-bench", i));
    community.set_level(v1::REGION_LEVEL_COMMUNITY);
    community.set_parent_id("rencheng-guhuai");
    community.set_name(absl::StrCat("社区 ", i));
    community.set_active(true);
    more.regions.push_back(community);
    communities.push_back(community.id());
  }
  RedisDirectory directory((*world)->client(), "jining");
  if (absl::Status loaded = Load(more, directory); !loaded.ok()) {
    std::fprintf(stderr, "directory: %s\n", loaded.ToString().c_str());
    return 1;
  }

  EmptyOrderService empty;
  grpc::ServerBuilder builder;
  int empty_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &empty_port);
  builder.RegisterService(&empty);
  std::unique_ptr<grpc::Server> empty_server = builder.BuildAndStart();
  const std::string empty_address = absl::StrCat("127.0.0.1:", empty_port);

  std::printf(
      "CreateOrder through kepud (auth + directory + duplicate search + "
      "record write, appendfsync %s)\nagainst an empty gRPC callback "
      "service; %.1f s per cell, %u cores\n\n",
      fsync.c_str(), seconds, std::thread::hardware_concurrency());
  std::printf(
      "| in flight | kepud calls/s | p50 ms | p99 ms | empty calls/s | p50 ms |"
      " p99 ms | ratio | Redis commands per call | CPU µs per call: Redis, "
      "kepud,"
      " load |\n");
  std::printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  int status = 0;
  for (int level : levels) {
    // Warm both up (connections, script cache) before measuring.
    Measure((*world)->kepud().address(), token, communities, level, 0.3,
            absl::StrCat("warm", level));
    RedisClient& redis = (*world)->client();
    const double commands_before = RedisCommands(redis);
    const double cpu_before = RedisCpuSeconds(redis);
    const pid_t kepud_pid = (*world)->kepud().process().pid();
    const double kepud_cpu_before = ProcessCpuSeconds(kepud_pid);
    const double client_cpu_before = ProcessCpuSeconds(getpid());
    Result kepud = Measure((*world)->kepud().address(), token, communities,
                           level, seconds, absl::StrCat("c", level));
    const double calls = kepud.calls_per_second * kepud.elapsed_seconds;
    // Less the two INFO calls themselves.
    const double commands_per_call =
        (RedisCommands(redis) - commands_before - 2) / calls;
    const double redis_micros_per_call =
        (RedisCpuSeconds(redis) - cpu_before) * 1e6 / calls;
    const double kepud_micros_per_call =
        (ProcessCpuSeconds(kepud_pid) - kepud_cpu_before) * 1e6 / calls;
    const double client_micros_per_call =
        (ProcessCpuSeconds(getpid()) - client_cpu_before) * 1e6 / calls;
    Measure(empty_address, token, communities, level, 0.3, "warm-empty");
    Result baseline =
        Measure(empty_address, token, communities, level, seconds, "empty");
    std::printf(
        "| %d | %.0f | %.2f | %.2f | %.0f | %.2f | %.2f | %.2f | %.1f | %.0f, "
        "%.0f, %.0f |\n",
        level, kepud.calls_per_second, kepud.p50_ms, kepud.p99_ms,
        baseline.calls_per_second, baseline.p50_ms, baseline.p99_ms,
        kepud.calls_per_second / baseline.calls_per_second, commands_per_call,
        redis_micros_per_call, kepud_micros_per_call, client_micros_per_call);
    std::fflush(stdout);
    for (const Result* result : {&kepud, &baseline}) {
      if (result->failures > 0) {
        std::fprintf(stderr, "%lld failed calls, first: %s\n",
                     static_cast<long long>(result->failures),
                     result->first_failure.c_str());
        status = 1;
      }
    }
  }
  if (absl::GetFlag(FLAGS_commandstats)) {
    absl::StatusOr<RedisReply> stats =
        (*world)->client().Command({"INFO", "commandstats"});
    if (stats.ok() && stats->IsString())
      std::printf("\n%s\n", std::string(stats->Str()).c_str());
  }
  empty_server->Shutdown();
  return status;
}

}  // namespace
}  // namespace kepu::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::testing::Run();
}
