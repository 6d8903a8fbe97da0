// Throughput of order transitions through the Redis store, against the ceiling
// of the same Redis running a trivial Lua script (redis-benchmark EVALSHA
// "return 1"), in one run.
//
//   build/release/tests/bench/store_bench [--seconds=3] [--threads=1,8,32]
//                                         [--fsync=always,everysec,off]
//
// For each fsync policy it starts a fresh redis-server (the test harness's:
// loopback, temporary folder), then for each thread count measures
//   apply    — RedisOrderStore::Apply of moves planned locally (the caller
//   holds the order, as
//              a worker walking an order through its lifecycle does): one
//              EVALSHA per move;
//   workflow — OrderWorkflow::Act, as an RPC does it: read the order and the
//   request key
//              (one pipelined round trip), decide, apply;
//   ceiling  — redis-benchmark with as many connections, EVALSHA of "return 1";
//   write ceiling — the same with a one-write script (INCR), which waits for
//   the AOF like a move;
// and prints moves per second and the ratios. Each order goes create → dispatch
// → claim → assign → accept → schedule → check in → complete → rate (9 moves),
// then a new order starts.
#include <algorithm>
#include <atomic>
#include <cstdio>
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
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/order_rules.h"
#include "services/core/order_workflow.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/time_util.h"
#include "services/directory/redis_directory.h"
#include "tests/support/cpu_time.h"
#include "tests/support/jining_directory.h"
#include "tests/support/people.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

ABSL_FLAG(double, seconds, 3, "how long each measurement runs");
ABSL_FLAG(std::vector<std::string>, threads,
          std::vector<std::string>({"1", "8", "32"}), "client thread counts");
ABSL_FLAG(int, connections, 4,
          "Redis connections the store's client shares among threads");
ABSL_FLAG(std::vector<std::string>, fsync,
          std::vector<std::string>({"always", "everysec"}),
          "AOF fsync policies to measure: always, everysec, no, off (no AOF)");

namespace kepu {
namespace {

constexpr char kCommunity[] = "rencheng-guhuai-zhuyuan";

v1::Principal Person(const std::string& id, v1::Role role,
                     const std::string& scope = "") {
  v1::Principal principal;
  principal.set_user_id(id);
  principal.set_tenant("jining");
  v1::RoleGrant* grant = principal.add_grants();
  grant->set_role(role);
  grant->set_scope_id(scope);
  return principal;
}

// The nine moves of one order's life, and who makes them.
struct Step {
  v1::OrderAction action;
  const v1::Principal* who;
  v1::Role role;
};

// Distinguishes the request ids of successive measurements (request ids are
// remembered).
std::atomic<int> next_run{0};

class Walker {
 public:
  explicit Walker(int thread) : thread_(thread), run_(next_run++) {
    const std::string team = absl::StrCat("bench-team-", thread);
    resident_ = Person(absl::StrCat("resident-", thread), v1::ROLE_RESIDENT);
    worker_ = Person(absl::StrCat("worker-", thread), v1::ROLE_COMMUNITY_WORKER,
                     kCommunity);
    clerk_ = Person(absl::StrCat("clerk-", thread), v1::ROLE_DEPARTMENT_STAFF,
                    "kexie");
    leader_ =
        Person(absl::StrCat("leader-", thread), v1::ROLE_TEAM_LEADER, team);
    steps_ = {
        {v1::ORDER_ACTION_DISPATCH, &worker_, v1::ROLE_COMMUNITY_WORKER},
        {v1::ORDER_ACTION_CLAIM, &clerk_, v1::ROLE_DEPARTMENT_STAFF},
        {v1::ORDER_ACTION_ASSIGN_TEAM, &clerk_, v1::ROLE_DEPARTMENT_STAFF},
        {v1::ORDER_ACTION_ACCEPT, &leader_, v1::ROLE_TEAM_LEADER},
        {v1::ORDER_ACTION_SCHEDULE, &leader_, v1::ROLE_TEAM_LEADER},
        {v1::ORDER_ACTION_CHECK_IN, &leader_, v1::ROLE_TEAM_LEADER},
        {v1::ORDER_ACTION_COMPLETE, &leader_, v1::ROLE_TEAM_LEADER},
        {v1::ORDER_ACTION_RATE, &resident_, v1::ROLE_RESIDENT}};
    team_ = team;
  }

  // The command of step `index` (0: create) of the current order.
  Command CommandFor(int index, const v1::Order& order, absl::Time now) {
    Command command;
    command.request_id = absl::StrCat("bench-", run_, "-", ++counter_);
    command.fingerprint = std::string(32, 'f');
    if (index == 0) {
      command.action = v1::ORDER_ACTION_CREATE;
      command.draft = testing::SmallJiningDraft(now, kCommunity);
      // Starting in minutes, so the check-in a few moves later is in its
      // window.
      v1::TimeWindow& window = *command.draft.mutable_preferred_windows(0);
      *window.mutable_start() = ToProto(now + absl::Minutes(10));
      *window.mutable_end() = ToProto(now + absl::Minutes(130));
      return command;
    }
    const Step& step = steps_[index - 1];
    command.action = step.action;
    command.order_id = order.id();
    command.expected_version = order.version();
    command.department_id = "kexie";
    command.team_id = team_;
    command.offer_expires_at = now + absl::Hours(24);
    if (order.draft().preferred_windows_size() > 0) {
      command.schedule = order.draft().preferred_windows(0);
    }
    command.completion.set_actual_attendees(28);
    command.completion.set_summary("讲解了常见电信诈骗手法");
    command.rating.set_overall(5);
    return command;
  }

  const Step& step(int index) const { return steps_[index - 1]; }
  const v1::Principal& resident() const { return resident_; }
  static constexpr int kSteps = 9;

 private:
  int thread_;
  int run_;
  int64_t counter_ = 0;
  std::string team_;
  v1::Principal resident_, worker_, clerk_, leader_;
  std::vector<Step> steps_;
};

struct Result {
  double per_second = 0;
  int64_t errors = 0;
  // CPU time per move spent by Redis and by this (client) process, in
  // microseconds.
  double redis_micros = 0;
  double client_micros = 0;
};

using testing::ProcessCpuSeconds;
using testing::RedisCpuSeconds;

// Runs `threads` threads for the configured time, each calling `move(thread,
// walker, step, order)` in a loop; returns moves per second.
template <typename Move>
Result Measure(RedisClient& redis, int threads, Move move) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> moves{0};
  std::atomic<int64_t> errors{0};
  std::latch ready(threads + 1);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      Walker walker(t);
      v1::Order order;
      int step = 0;
      int64_t local = 0;
      ready.arrive_and_wait();
      while (!stop.load(std::memory_order_relaxed)) {
        absl::StatusOr<v1::Order> next = move(walker, step, order);
        if (!next.ok()) {
          ++errors;
          step = 0;
          continue;
        }
        order = *std::move(next);
        ++local;
        step = (step + 1) % Walker::kSteps;
      }
      moves += local;
    });
  }
  const double redis_cpu = RedisCpuSeconds(redis);
  const double client_cpu = ProcessCpuSeconds();
  ready.arrive_and_wait();
  const absl::Time start = absl::Now();
  absl::SleepFor(absl::Seconds(absl::GetFlag(FLAGS_seconds)));
  stop = true;
  for (auto& worker : workers) worker.join();
  const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
  const double count = std::max<double>(1, static_cast<double>(moves.load()));
  return {static_cast<double>(moves.load()) / elapsed, errors.load(),
          (RedisCpuSeconds(redis) - redis_cpu) * 1e6 / count,
          (ProcessCpuSeconds() - client_cpu) * 1e6 / count};
}

// redis-benchmark's requests per second for EVALSHA of `script` with `keys`.
double ScriptCeiling(const testing::RedisServer& server, RedisClient& redis,
                     int connections, const std::string& script,
                     const std::vector<std::string>& keys) {
  absl::StatusOr<RedisReply> sha = redis.Command({"SCRIPT", "LOAD", script});
  if (!sha.ok()) return 0;
  std::vector<std::string> argv = {"redis-benchmark",
                                   "-h",
                                   "127.0.0.1",
                                   "-p",
                                   absl::StrCat(server.port()),
                                   "-c",
                                   absl::StrCat(connections),
                                   "-n",
                                   "",
                                   "-q",
                                   "EVALSHA",
                                   std::string(sha->Str()),
                                   absl::StrCat(keys.size())};
  argv.insert(argv.end(), keys.begin(), keys.end());
  const int64_t requests = static_cast<int64_t>(
      std::max(20000.0, 60000.0 * absl::GetFlag(FLAGS_seconds)));
  argv[8] = absl::StrCat(requests);
  auto process = testing::Subprocess::Start(argv);
  if (!process.ok()) return 0;
  absl::StatusOr<std::string> line =
      (*process)->WaitForText("requests per second", absl::Minutes(5));
  if (!line.ok()) return 0;
  // "EVALSHA ...: 91074.68 requests per second, p50=0.175 msec"
  const size_t colon = line->rfind(": ", line->find("requests per second"));
  double value = 0;
  std::vector<std::string> words = absl::StrSplit(line->substr(colon + 2), ' ');
  if (words.empty() || !absl::SimpleAtod(words[0], &value)) return 0;
  return value;
}

// The small Jining directory and one team per thread (each walker's own, roomy
// enough).
absl::Status LoadDirectory(RedisDirectory& directory, int threads) {
  testing::DirectoryData data = testing::SmallJining();
  for (int t = 0; t < threads; ++t) {
    v1::Team team = data.teams.front();
    team.set_id(absl::StrCat("bench-team-", t));
    team.set_capacity(100);
    team.clear_member_volunteer_ids();
    data.teams.push_back(team);
  }
  data.volunteers.clear();
  return testing::Load(data, directory);
}

int Run() {
  std::printf(
      "store_bench: order moves through the Redis store vs redis-benchmark "
      "EVALSHA "
      "'return 1' on the same Redis, %.0f s per cell, %u cores\n\n",
      absl::GetFlag(FLAGS_seconds), std::thread::hardware_concurrency());
  std::printf(
      "| fsync | threads | apply/s | workflow/s | ceiling/s | write ceiling/s "
      "| "
      "apply ÷ ceiling | workflow ÷ ceiling | apply ÷ write ceiling |\n"
      "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n");
  std::vector<std::string> cpu_rows;
  for (const std::string& fsync : absl::GetFlag(FLAGS_fsync)) {
    auto server = testing::RedisServer::Start({fsync});
    if (!server.ok()) {
      std::fprintf(stderr, "cannot start redis: %s\n",
                   server.status().ToString().c_str());
      return 1;
    }
    for (const std::string& threads_text : absl::GetFlag(FLAGS_threads)) {
      int threads = 1;
      if (!absl::SimpleAtoi(threads_text, &threads) || threads < 1) return 2;
      RedisClient redis(
          (*server)->ClientOptions(absl::GetFlag(FLAGS_connections)));
      RedisOrderStore store(redis, "jining");
      RedisDirectory directory(redis, "jining");
      if (absl::Status loaded = LoadDirectory(directory, threads);
          !loaded.ok()) {
        std::fprintf(stderr, "cannot load the directory: %s\n",
                     loaded.ToString().c_str());
        return 1;
      }
      const Clock& clock = Clock::Real();
      IdGenerator ids(clock);
      OrderWorkflow workflow(store, directory, clock, ids);

      // apply: plan locally, one EVALSHA per move.
      Result apply = Measure(
          redis, threads,
          [&](Walker& walker, int step,
              const v1::Order& order) -> absl::StatusOr<v1::Order> {
            const absl::Time now = clock.Now();
            Command command = walker.CommandFor(step, order, now);
            v1::Actor actor;
            Transition transition;
            if (step == 0) {
              actor = ActorOf(walker.resident(), v1::ROLE_RESIDENT);
              command.order_id = ids.Next();
            } else {
              actor = ActorOf(*walker.step(step).who, walker.step(step).role);
              transition.before = order;
            }
            absl::StatusOr<Move> move = PlanMove(order, command, actor, now);
            if (!move.ok()) return move.status();
            transition.request = {actor.user_id(), command.request_id,
                                  command.fingerprint};
            transition.after = std::move(move->after);
            transition.event = std::move(move->event);
            absl::StatusOr<Applied> applied = store.Apply(transition);
            if (!applied.ok()) return applied.status();
            return std::move(applied->order);
          });

      // workflow: as an RPC does it.
      Result full =
          Measure(redis, threads,
                  [&](Walker& walker, int step,
                      const v1::Order& order) -> absl::StatusOr<v1::Order> {
                    const absl::Time now = clock.Now();
                    Command command = walker.CommandFor(step, order, now);
                    if (step == 0) {
                      v1::CreateOrderRequest request;
                      request.set_request_id(command.request_id);
                      *request.mutable_draft() = command.draft;
                      return workflow.Create(walker.resident(), request);
                    }
                    return workflow.Act(*walker.step(step).who, command);
                  });

      const double ceiling =
          ScriptCeiling(**server, redis, threads, "return 1", {});
      // The same with one write, which (unlike "return 1") waits for the AOF's
      // fsync.
      const double write_ceiling = ScriptCeiling(
          **server, redis, threads, "return redis.call('INCR', KEYS[1])",
          {"kepu:{bench}:counter"});
      std::printf(
          "| %s | %d | %.0f | %.0f | %.0f | %.0f | %.2f | %.2f | %.2f |\n",
          fsync.c_str(), threads, apply.per_second, full.per_second, ceiling,
          write_ceiling, ceiling > 0 ? apply.per_second / ceiling : 0,
          ceiling > 0 ? full.per_second / ceiling : 0,
          write_ceiling > 0 ? apply.per_second / write_ceiling : 0);
      cpu_rows.push_back(
          absl::StrFormat("| %s | %d | %.1f | %.1f | %.1f | %.1f |", fsync,
                          threads, apply.redis_micros, apply.client_micros,
                          full.redis_micros, full.client_micros));
      if (apply.errors + full.errors > 0) {
        std::printf("  (errors: apply %ld, workflow %ld)\n",
                    static_cast<long>(apply.errors),
                    static_cast<long>(full.errors));
      }
      std::fflush(stdout);
    }
  }
  std::printf(
      "\nCPU per move (µs): what bounds the rates above\n\n"
      "| fsync | threads | apply: redis | apply: client | workflow: redis | "
      "workflow: client |\n|---|---:|---:|---:|---:|---:|\n");
  for (const std::string& row : cpu_rows) std::printf("%s\n", row.c_str());
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::Run();
}
