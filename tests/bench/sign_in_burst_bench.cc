// Order moves while sign-ins burst: the moves' latency with no sign-ins, then
// while bursts of sign-ins (64 at once, again as soon as a burst is answered)
// hash passwords at the production cost (argon2id "interactive", 64 MiB each),
// and how many sign-ins the sign-in pool refused with RESOURCE_EXHAUSTED.
//
//   build/rel/tests/bench/sign_in_burst_bench [--seconds=10] [--movers=8]
//       [--burst=64] [--kepud_flags=--sign_in_threads=2,--sign_in_queue=32]
//
// The world is the end-to-end tests' (tests/e2e/world.h) with kepud at
// --password_cost=interactive, plus a team of capacity 100 and its leader.
// Each mover walks fresh orders through create → dispatch → claim → assign →
// accept → withdraw (which frees the team's capacity) and times the claims and
// the accepts: "the moves". The sign-ins are --burst residents', one each,
// with the right password (all from this process's address: a wrong one would
// reach the per-address limit).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "services/directory/redis_directory.h"
#include "tests/e2e/world.h"
#include "tests/support/jining_directory.h"

ABSL_FLAG(double, seconds, 10, "how long each phase runs");
ABSL_FLAG(int, movers, 8, "threads that claim and accept orders");
ABSL_FLAG(int, burst, 64, "sign-ins sent at once");
ABSL_FLAG(std::vector<std::string>, kepud_flags, {},
          "more flags for kepud, e.g. --kepud_flags=--sign_in_threads=2");

namespace kepu::testing {
namespace {

constexpr char kTeam[] = "bench-team";
constexpr char kLeaderPhone[] = "13900000077";

double Percentile(std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const size_t index =
      static_cast<size_t>(q * static_cast<double>(sorted.size()));
  return sorted[std::min(index, sorted.size() - 1)];
}

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(30));
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  return context;
}

struct Tokens {
  std::string resident, worker, clerk, leader;
};

struct Moves {
  std::vector<double> ms;  // claims and accepts
  int64_t failures = 0;
  std::string first_failure;
};

// One mover: orders through the cycle until `stop`.
void Move(World& world, const Tokens& tokens, const std::string& mover,
          const std::atomic<bool>& stop, Moves& out) {
  auto orders = world.orders();
  auto dispatch = world.dispatch();
  auto claims = world.claims();
  auto fulfilment = world.fulfilment();
  int64_t n = 0;
  auto id = [&]() { return absl::StrCat("bench-", mover, "-", ++n); };
  auto fail = [&out](absl::string_view step, const grpc::Status& status) {
    if (out.failures++ == 0) {
      out.first_failure = absl::StrCat(step, ": ", Describe(status));
    }
  };
  while (!stop.load(std::memory_order_relaxed)) {
    v1::Order order;
    v1::CreateOrderRequest create;
    create.set_request_id(id());
    *create.mutable_draft() = World::Draft();
    grpc::Status status =
        orders->CreateOrder(Context(tokens.resident).get(), create, &order);
    if (!status.ok()) return fail("create", status);
    v1::DispatchOrderRequest to_department;
    to_department.set_request_id(id());
    to_department.set_order_id(order.id());
    to_department.set_expected_version(order.version());
    to_department.set_department_id("kexie");
    status = dispatch->DispatchOrder(Context(tokens.worker).get(),
                                     to_department, &order);
    if (!status.ok()) return fail("dispatch", status);

    v1::ClaimOrderRequest claim;
    claim.set_request_id(id());
    claim.set_order_id(order.id());
    claim.set_expected_version(order.version());
    absl::Time start = absl::Now();
    status = claims->ClaimOrder(Context(tokens.clerk).get(), claim, &order);
    const double claim_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!status.ok()) return fail("claim", status);

    v1::AssignTeamRequest assign;
    assign.set_request_id(id());
    assign.set_order_id(order.id());
    assign.set_expected_version(order.version());
    assign.set_team_id(kTeam);
    status = claims->AssignTeam(Context(tokens.clerk).get(), assign, &order);
    if (!status.ok()) return fail("assign", status);

    v1::AcceptOfferRequest accept;
    accept.set_request_id(id());
    accept.set_order_id(order.id());
    accept.set_expected_version(order.version());
    start = absl::Now();
    status =
        fulfilment->AcceptOffer(Context(tokens.leader).get(), accept, &order);
    const double accept_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
    if (!status.ok()) return fail("accept", status);

    v1::WithdrawOrderRequest withdraw;
    withdraw.set_request_id(id());
    withdraw.set_order_id(order.id());
    withdraw.set_expected_version(order.version());
    withdraw.set_reason("压测：释放服务队名额");
    status = fulfilment->WithdrawOrder(Context(tokens.leader).get(), withdraw,
                                       &order);
    if (!status.ok()) return fail("withdraw", status);
    out.ms.push_back(claim_ms);
    out.ms.push_back(accept_ms);
  }
}

struct SignIns {
  int64_t ok = 0;
  int64_t refused = 0;  // RESOURCE_EXHAUSTED by the sign-in pool
  int64_t limited = 0;  // RESOURCE_EXHAUSTED by the sign-in limits
  int64_t other = 0;
  std::string first_other;
  std::vector<double> ok_ms;
};

// Bursts of sign-ins, one by each of `phones` at once, until `stop`.
void Burst(World& world, const std::vector<std::string>& phones,
           const std::atomic<bool>& stop, SignIns& out) {
  auto identity = world.identity();
  const int burst = static_cast<int>(phones.size());
  std::vector<v1::LoginRequest> logins(burst);
  for (int i = 0; i < burst; ++i) {
    logins[i].set_phone(phones[i]);
    logins[i].set_password(World::kPassword);
  }
  while (!stop.load(std::memory_order_relaxed)) {
    absl::Mutex mu;
    int answered = 0;
    std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
    std::vector<v1::Session> sessions(burst);
    const absl::Time start = absl::Now();
    for (int i = 0; i < burst; ++i) {
      contexts.push_back(Context(""));
      identity->async()->Login(
          contexts.back().get(), &logins[i], &sessions[i],
          [&, start](grpc::Status status) {
            absl::MutexLock lock(&mu);
            if (status.ok()) {
              ++out.ok;
              out.ok_ms.push_back(
                  absl::ToDoubleMilliseconds(absl::Now() - start));
            } else if (status.error_code() ==
                       grpc::StatusCode::RESOURCE_EXHAUSTED) {
              ++(absl::StartsWith(status.error_message(), "too many sign-ins")
                     ? out.refused
                     : out.limited);
            } else if (out.other++ == 0) {
              out.first_other = Describe(status);
            }
            ++answered;
          });
    }
    auto all_answered = [&answered, burst] { return answered == burst; };
    absl::MutexLock lock(&mu);
    mu.Await(absl::Condition(&all_answered));
  }
}

int Run() {
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const int movers = absl::GetFlag(FLAGS_movers);
  const int burst = absl::GetFlag(FLAGS_burst);
  std::vector<std::string> flags = {"--password_cost=interactive"};
  for (const std::string& flag : absl::GetFlag(FLAGS_kepud_flags)) {
    flags.push_back(flag);
  }
  absl::StatusOr<std::unique_ptr<World>> started = World::Start(1, flags);
  if (!started.ok()) {
    std::fprintf(stderr, "world: %s\n", started.status().ToString().c_str());
    return 1;
  }
  World& world = **started;

  // A team with room for every mover's order, and its leader.
  DirectoryData team;
  team.teams = {MakeTeam(kTeam, {"elderly-smart-help", "elderly-health"},
                         "rencheng", 100, {}, 35.40, 116.60)};
  RedisDirectory directory(world.client(), "jining");
  if (absl::Status loaded = Load(team, directory); !loaded.ok()) {
    std::fprintf(stderr, "team: %s\n", loaded.ToString().c_str());
    return 1;
  }
  auto identity = world.identity();
  v1::CreateStaffAccountRequest staff;
  staff.set_request_id("bench-leader");
  staff.set_phone(kLeaderPhone);
  staff.set_display_name("压测队长");
  staff.set_initial_password(World::kPassword);
  staff.add_grants()->set_role(v1::ROLE_TEAM_LEADER);
  staff.mutable_grants(0)->set_scope_id(kTeam);
  v1::User user;
  grpc::Status status =
      identity->CreateStaffAccount(world.As("admin").get(), staff, &user);
  v1::LoginRequest login;
  login.set_phone(kLeaderPhone);
  login.set_password(World::kPassword);
  v1::Session session;
  if (status.ok()) status = identity->Login(Context("").get(), login, &session);
  if (!status.ok()) {
    std::fprintf(stderr, "leader: %s\n", Describe(status).c_str());
    return 1;
  }
  // The people of the bursts: one resident each (a number has its own
  // sign-in limit, which counts attempts in flight).
  std::vector<std::string> phones;
  for (int i = 0; i < burst; ++i) {
    v1::RegisterRequest reg;
    reg.set_request_id(absl::StrCat("bench-resident-", i));
    reg.set_phone(absl::StrCat(13600000000LL + i));
    reg.set_password(World::kPassword);
    reg.set_display_name("压测居民");
    v1::Session registered;
    status = identity->Register(Context("").get(), reg, &registered);
    if (!status.ok()) {
      std::fprintf(stderr, "resident: %s\n", Describe(status).c_str());
      return 1;
    }
    phones.push_back(reg.phone());
  }
  const Tokens tokens{world.account("resident").token,
                      world.account("worker").token,
                      world.account("clerk").token, session.token()};

  // One phase: the movers for `seconds`, with bursts of sign-ins or not.
  int phases = 0;
  auto phase = [&](bool bursts, SignIns& sign_ins) {
    ++phases;
    std::atomic<bool> stop{false};
    std::vector<Moves> moves(movers);
    std::vector<std::thread> threads;
    for (int m = 0; m < movers; ++m) {
      threads.emplace_back([&, m] {
        Move(world, tokens, absl::StrCat(phases, "-", m), stop, moves[m]);
      });
    }
    std::thread burster;
    if (bursts) {
      burster = std::thread([&] { Burst(world, phones, stop, sign_ins); });
    }
    absl::SleepFor(absl::Seconds(seconds));
    stop = true;
    for (std::thread& thread : threads) thread.join();
    if (burster.joinable()) burster.join();
    Moves all;
    for (Moves& m : moves) {
      all.ms.insert(all.ms.end(), m.ms.begin(), m.ms.end());
      all.failures += m.failures;
      if (all.first_failure.empty()) all.first_failure = m.first_failure;
    }
    std::sort(all.ms.begin(), all.ms.end());
    return all;
  };

  SignIns none;
  phase(false, none);  // warm-up: connections, scripts, caches
  Moves idle = phase(false, none);
  SignIns sign_ins;
  Moves busy = phase(true, sign_ins);
  std::sort(sign_ins.ok_ms.begin(), sign_ins.ok_ms.end());

  std::printf(
      "Order moves (claim, accept) from %d threads, %.0f s per phase, %u "
      "cores; sign-ins at argon2id interactive in bursts of %d\n\n",
      movers, seconds, std::thread::hardware_concurrency(), burst);
  std::printf(
      "| phase | moves | p50 ms | p99 ms | sign-ins OK | refused "
      "(RESOURCE_EXHAUSTED) | sign-in p50 ms | sign-in p99 ms |\n");
  std::printf("|---|---:|---:|---:|---:|---:|---:|---:|\n");
  std::printf("| idle | %zu | %.1f | %.1f | | | | |\n", idle.ms.size(),
              Percentile(idle.ms, 0.5), Percentile(idle.ms, 0.99));
  std::printf(
      "| sign-in bursts | %zu | %.1f | %.1f | %lld | %lld | %.0f | "
      "%.0f |\n",
      busy.ms.size(), Percentile(busy.ms, 0.5), Percentile(busy.ms, 0.99),
      static_cast<long long>(sign_ins.ok),
      static_cast<long long>(sign_ins.refused), Percentile(sign_ins.ok_ms, 0.5),
      Percentile(sign_ins.ok_ms, 0.99));
  std::printf("\np99 under bursts / idle p99: %.2f\n",
              Percentile(busy.ms, 0.99) / Percentile(idle.ms, 0.99));
  int exit = 0;
  for (const Moves* m : {&idle, &busy}) {
    if (m->failures > 0) {
      std::fprintf(stderr, "%lld failed moves, first: %s\n",
                   static_cast<long long>(m->failures),
                   m->first_failure.c_str());
      exit = 1;
    }
  }
  if (sign_ins.limited > 0) {
    std::fprintf(stderr, "%lld sign-ins refused by the sign-in limits\n",
                 static_cast<long long>(sign_ins.limited));
  }
  if (sign_ins.other > 0) {
    std::fprintf(stderr, "%lld sign-ins failed otherwise, first: %s\n",
                 static_cast<long long>(sign_ins.other),
                 sign_ins.first_other.c_str());
    exit = 1;
  }
  return exit;
}

}  // namespace
}  // namespace kepu::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::testing::Run();
}
