// The matching worker end to end (issue 4): released orders matched per second
// through a real Redis, against two baselines measured on the same Redis in
// the same run (the machine is shared: read the ratios, not the times).
//
//   build/dev/tests/bench/matching_worker_bench [--orders=2000,10000]
//       [--batch_sizes=200,1000] [--workers=1,2] [--teams=200]
//       [--fsync=everysec] 2>/tmp/matching_worker_bench.log
//
// stderr carries the worker's own log (one line per batch); the tables go to
// stdout.
//
// Each run (every orders × batch size × workers) starts a fresh redis-server
// (the test harness's), loads a synthetic directory through DirectoryRecords
// and places the orders through OrderWorkflow (create → dispatch → claim →
// release, untimed), so the matching stream holds one entry per order as the
// store wrote it. Then, timed:
//   queue    — the queue's ceiling: the same entries (copied to another
//              tenant's stream) drained by consumers that make only the
//              worker's queue calls per round (Unpark, ClaimStale, ReadNew of
//              the same batch size, Settle, RecordBatch);
//   store    — the store's writes: OrderWorkflow::Act(OFFER) of other claimed
//              orders to a fixed team, as the worker makes each offer (no
//              solving, no reads for the batch);
//   worker   — MatchingWorker::RunOnce in a loop (batch window 0), one thread
//              per worker, each with its own Redis client for the queue as
//              MatchingWorkers gives it, until the stream is drained and
//              nothing is pending or due again soon.
// Baselines run with as many threads as the worker run has workers.
//
// The directory: a city, counties of 3 towns, 5 communities per town; teams
// serve one town each, with capacities 2 to 10, covering one of three line
// groups ({line-0, line-1}, {line-2}, {line-3}); line-none is orderable but
// no team covers it. Every order has a window of its own (2 hours, 3 hours
// apart), so no team is ever double-booked, and the orders of one (town,
// group) compete only for that cell's teams: exactly
// sum over cells of min(orders, capacity) are offered, whatever the batches,
// and the rest are parked. The run checks that, one OFFER event per offered
// order, no team over capacity, every other order parked, and the stream
// empty with nothing pending or dead; it exits 1 if anything is off.
//
// Where the worker's time goes: the store and the directory the worker and
// its workflow use are wrapped in timers (calls and time per kind of call);
// the rest of a batch is the solver, the queue calls and the glue between.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <latch>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/order_workflow.h"
#include "services/core/redis/redis_keys.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/time_util.h"
#include "services/directory/directory_domain.h"
#include "services/matching_worker/matching_queue.h"
#include "services/matching_worker/matching_worker.h"
#include "tests/support/cpu_time.h"
#include "tests/support/jining_directory.h"
#include "tests/support/redis_server.h"

ABSL_FLAG(std::vector<std::string>, orders,
          std::vector<std::string>({"2000", "10000"}),
          "released orders per run");
ABSL_FLAG(std::vector<std::string>, batch_sizes,
          std::vector<std::string>({"200", "1000"}), "worker batch sizes");
ABSL_FLAG(std::vector<std::string>, workers,
          std::vector<std::string>({"1", "2"}), "worker threads");
ABSL_FLAG(int, teams, 200, "teams (at least 3 per town)");
ABSL_FLAG(int, towns, 30, "towns (5 communities each, 3 per county)");
ABSL_FLAG(int, min_capacity, 2, "smallest team capacity");
ABSL_FLAG(int, max_capacity, 10, "largest team capacity");
ABSL_FLAG(double, unmatchable, 0.05,
          "share of orders of a line no team covers");
ABSL_FLAG(int, store_orders, 2000,
          "orders the store baseline offers (at most --orders)");
ABSL_FLAG(std::string, fsync, "everysec",
          "Redis appendfsync policy: always, everysec, no, off");
ABSL_FLAG(int, connections, 4,
          "Redis connections of the shared client (store, directory)");
ABSL_FLAG(int, setup_threads, 4, "threads placing the orders");
ABSL_FLAG(absl::Duration, directory_cache_ttl, absl::Seconds(5),
          "the directory cache's time to live (kepu-matcher's default)");
ABSL_FLAG(uint64_t, seed, 1, "seed of the directory and the orders");
ABSL_FLAG(bool, commandstats, false,
          "print, per run, the Redis commands of the worker run (INFO "
          "commandstats; commands called by scripts are counted as well)");

namespace kepu {
namespace {

constexpr char kTenant[] = "jining";
// The queue baseline's copy of the stream lives under this tenant.
constexpr char kQueueTenant[] = "benchq";
constexpr char kDepartment[] = "kexie";
constexpr int kGroups = 3;
constexpr int kTownsPerCounty = 3;
constexpr int kCommunitiesPerTown = 5;
// Lines the teams cover, and the group of each.
const char* const kLines[] = {"line-0", "line-1", "line-2", "line-3"};
constexpr int kGroupOfLine[] = {0, 0, 1, 2};
constexpr char kNoTeamLine[] = "line-none";
constexpr char kBaselineLine[] = "line-baseline";
constexpr char kBaselineTeam[] = "team-baseline";
// Parked orders come back after this long: longer than any run.
constexpr absl::Duration kRetryUnmatched = absl::Hours(1);

using Clock_ = std::chrono::steady_clock;

double SecondsSince(Clock_::time_point start) {
  return std::chrono::duration<double>(Clock_::now() - start).count();
}

// ---------------------------------------------------------------------------
// Timers around the store and the directory.

struct CallStats {
  std::atomic<int64_t> calls{0};
  std::atomic<int64_t> nanos{0};
  void Reset() {
    calls = 0;
    nanos = 0;
  }
};

template <typename Call>
auto Timed(CallStats& stats, Call&& call) {
  const Clock_::time_point start = Clock_::now();
  auto result = call();
  stats.nanos += std::chrono::duration_cast<std::chrono::nanoseconds>(
                     Clock_::now() - start)
                     .count();
  ++stats.calls;
  return result;
}

class TimedStore : public OrderStore {
 public:
  explicit TimedStore(OrderStore& store) : store_(store) {}

  // list_held: the workflow's HeldBy (one order per page); list: the rest
  // (the worker's reads of each team's orders).
  CallStats get, load, apply, list, list_held, history, other;
  void Reset() {
    for (CallStats* stats :
         {&get, &load, &apply, &list, &list_held, &history, &other})
      stats->Reset();
  }

  absl::StatusOr<v1::Order> Get(absl::string_view id) override {
    return Timed(get, [&] { return store_.Get(id); });
  }
  absl::StatusOr<LoadedOrder> LoadForUpdate(
      absl::string_view id, const RequestKey& request) override {
    return Timed(load, [&] { return store_.LoadForUpdate(id, request); });
  }
  absl::StatusOr<Applied> Apply(const Transition& transition) override {
    return Timed(apply, [&] { return store_.Apply(transition); });
  }
  absl::StatusOr<std::vector<v1::OrderEvent>> History(absl::string_view id,
                                                      absl::string_view after,
                                                      int limit) override {
    return Timed(history, [&] { return store_.History(id, after, limit); });
  }
  absl::StatusOr<OrderPage> List(const OrderQuery& query) override {
    return Timed(query.limit == 1 ? list_held : list,
                 [&] { return store_.List(query); });
  }
  absl::StatusOr<std::optional<std::string>> FindResult(
      const RequestKey& request) override {
    return Timed(other, [&] { return store_.FindResult(request); });
  }
  absl::StatusOr<v1::VolunteerHours> GetHours(absl::string_view id) override {
    return Timed(other, [&] { return store_.GetHours(id); });
  }
  absl::StatusOr<HoursPage> ListHours(const HoursQuery& query) override {
    return Timed(other, [&] { return store_.ListHours(query); });
  }
  absl::StatusOr<v1::VolunteerHours> UpdateHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after) override {
    return Timed(other,
                 [&] { return store_.UpdateHours(request, before, after); });
  }
  absl::StatusOr<v1::VolunteerHours> AppendHours(
      const RequestKey& request, const v1::VolunteerHours& before,
      const v1::VolunteerHours& after,
      const v1::VolunteerHours& entry) override {
    return Timed(other, [&] {
      return store_.AppendHours(request, before, after, entry);
    });
  }
  absl::StatusOr<std::vector<v1::VolunteerSignIn>> ListSignIns(
      absl::string_view order_id) override {
    return Timed(other, [&] { return store_.ListSignIns(order_id); });
  }
  absl::StatusOr<v1::VolunteerSignIn> PutSignIn(
      const RequestKey& request,
      const std::optional<v1::VolunteerSignIn>& before,
      const v1::VolunteerSignIn& after) override {
    return Timed(other,
                 [&] { return store_.PutSignIn(request, before, after); });
  }
  absl::StatusOr<v1::FollowUp> GetFollowUp(absl::string_view id) override {
    return Timed(other, [&] { return store_.GetFollowUp(id); });
  }
  absl::StatusOr<FollowUpPage> ListFollowUps(
      absl::string_view community_id, bool include_done, int limit,
      absl::string_view cursor) override {
    return Timed(other, [&] {
      return store_.ListFollowUps(community_id, include_done, limit, cursor);
    });
  }
  absl::StatusOr<v1::FollowUp> UpdateFollowUp(
      const RequestKey& request, const v1::FollowUp& before,
      const v1::FollowUp& after) override {
    return Timed(other,
                 [&] { return store_.UpdateFollowUp(request, before, after); });
  }
  absl::StatusOr<v1::Escalation> GetEscalation(absl::string_view id) override {
    return Timed(other, [&] { return store_.GetEscalation(id); });
  }
  absl::StatusOr<EscalationPage> ListEscalations(
      const EscalationQuery& query) override {
    return Timed(other, [&] { return store_.ListEscalations(query); });
  }
  absl::StatusOr<v1::Escalation> UpdateEscalation(
      const RequestKey& request, const v1::Escalation& before,
      const v1::Escalation& after) override {
    return Timed(
        other, [&] { return store_.UpdateEscalation(request, before, after); });
  }
  absl::StatusOr<std::vector<DueOrder>> ClaimDue(
      absl::Time now, int limit, absl::Duration lease) override {
    return Timed(other, [&] { return store_.ClaimDue(now, limit, lease); });
  }
  absl::StatusOr<std::optional<absl::Time>> EarliestDue() override {
    return Timed(other, [&] { return store_.EarliestDue(); });
  }
  absl::StatusOr<bool> ResetDeadline(absl::string_view id, int64_t version,
                                     std::optional<absl::Time> due) override {
    return Timed(other, [&] { return store_.ResetDeadline(id, version, due); });
  }
  absl::StatusOr<v1::TeamStats> TeamHistory(absl::string_view team) override {
    return Timed(other, [&] { return store_.TeamHistory(team); });
  }
  absl::StatusOr<std::vector<OutboxEntry>> Outbox(absl::string_view after,
                                                  int limit) override {
    return Timed(other, [&] { return store_.Outbox(after, limit); });
  }

 private:
  OrderStore& store_;
};

class TimedDirectory : public DirectoryView {
 public:
  explicit TimedDirectory(DirectoryView& view) : view_(view) {}

  CallStats teams_serving, get_team, region_chain, other;
  void Reset() {
    for (CallStats* stats : {&teams_serving, &get_team, &region_chain, &other})
      stats->Reset();
  }

  absl::StatusOr<v1::ServiceLine> GetServiceLine(
      absl::string_view id) override {
    return Timed(other, [&] { return view_.GetServiceLine(id); });
  }
  absl::StatusOr<v1::Region> GetRegion(absl::string_view id) override {
    return Timed(other, [&] { return view_.GetRegion(id); });
  }
  absl::StatusOr<v1::Department> GetDepartment(absl::string_view id) override {
    return Timed(other, [&] { return view_.GetDepartment(id); });
  }
  absl::StatusOr<v1::Team> GetTeam(absl::string_view id) override {
    return Timed(get_team, [&] { return view_.GetTeam(id); });
  }
  absl::StatusOr<v1::Volunteer> GetVolunteer(absl::string_view id) override {
    return Timed(other, [&] { return view_.GetVolunteer(id); });
  }
  absl::StatusOr<std::vector<v1::Region>> RegionChain(
      absl::string_view id) override {
    return Timed(region_chain, [&] { return view_.RegionChain(id); });
  }
  absl::StatusOr<std::vector<v1::Team>> TeamsServing(
      absl::string_view line, const std::vector<std::string>& ids) override {
    return Timed(teams_serving, [&] { return view_.TeamsServing(line, ids); });
  }
  absl::StatusOr<std::vector<v1::Department>> ListDepartments() override {
    return Timed(other, [&] { return view_.ListDepartments(); });
  }

 private:
  DirectoryView& view_;
};

// ---------------------------------------------------------------------------
// The synthetic directory and orders.

struct World {
  testing::DirectoryData directory;
  std::vector<std::string> communities;
  std::vector<int> town_of;  // by community
  std::vector<v1::GeoPoint> center_of;
  std::map<std::string, int> capacity_of;  // by team
  // Capacity per cell (town * kGroups + group).
  std::vector<int> cell_capacity;
  int total_capacity = 0;
};

World MakeWorld(std::mt19937_64& random) {
  World world;
  const int towns = absl::GetFlag(FLAGS_towns);
  const int teams = absl::GetFlag(FLAGS_teams);
  std::uniform_real_distribution<double> jitter(-0.02, 0.02);
  std::uniform_int_distribution<int> capacity(
      absl::GetFlag(FLAGS_min_capacity), absl::GetFlag(FLAGS_max_capacity));

  world.directory.departments = {
      testing::MakeDepartment(kDepartment, "市科协")};
  std::vector<std::string> lines(std::begin(kLines), std::end(kLines));
  lines.push_back(kNoTeamLine);
  lines.push_back(kBaselineLine);
  for (const std::string& id : lines) {
    world.directory.lines.push_back(
        testing::MakeLine(id, "elderly", true, {kDepartment}));
  }

  // Counties on a grid ~10 km apart, towns ~3 km from their county's centre,
  // communities ~1 km from their town's.
  world.directory.regions.push_back(
      testing::MakeRegion("jining", v1::REGION_LEVEL_CITY, "", 35.41, 116.59));
  std::vector<v1::GeoPoint> town_center;
  for (int town = 0; town < towns; ++town) {
    const int county = town / kTownsPerCounty;
    const std::string county_id = absl::StrCat("county-", county);
    const double county_lat = 35.2 + 0.1 * (county % 4);
    const double county_lng = 116.3 + 0.12 * (county / 4);
    if (town % kTownsPerCounty == 0) {
      world.directory.regions.push_back(
          testing::MakeRegion(county_id, v1::REGION_LEVEL_COUNTY, "jining",
                              county_lat, county_lng));
    }
    const std::string town_id = absl::StrCat("town-", town);
    const double town_lat = county_lat + 0.03 * (town % kTownsPerCounty - 1);
    const double town_lng = county_lng + jitter(random);
    world.directory.regions.push_back(testing::MakeRegion(
        town_id, v1::REGION_LEVEL_TOWN, county_id, town_lat, town_lng));
    v1::GeoPoint center;
    center.set_lat(town_lat);
    center.set_lng(town_lng);
    town_center.push_back(center);
    for (int c = 0; c < kCommunitiesPerTown; ++c) {
      const std::string id = absl::StrCat("community-", town, "-", c);
      const double lat = town_lat + jitter(random) / 2;
      const double lng = town_lng + jitter(random) / 2;
      world.directory.regions.push_back(testing::MakeRegion(
          id, v1::REGION_LEVEL_COMMUNITY, town_id, lat, lng));
      world.communities.push_back(id);
      world.town_of.push_back(town);
      v1::GeoPoint point;
      point.set_lat(lat);
      point.set_lng(lng);
      world.center_of.push_back(point);
    }
  }

  // Team t serves town t % towns with group (t / towns) % 3: every cell has
  // a team when there are at least 3 per town.
  const std::vector<std::vector<std::string>> group_lines = {
      {kLines[0], kLines[1]}, {kLines[2]}, {kLines[3]}};
  world.cell_capacity.assign(static_cast<size_t>(towns) * kGroups, 0);
  for (int t = 0; t < teams; ++t) {
    const int town = t % towns;
    const int group = (t / towns) % kGroups;
    const int room = capacity(random);
    const double lat = town_center[town].lat() + jitter(random);
    const double lng = town_center[town].lng() + jitter(random);
    const std::string id = absl::StrFormat("team-%03d", t);
    world.directory.teams.push_back(
        testing::MakeTeam(id, group_lines[group], absl::StrCat("town-", town),
                          room, {}, lat, lng));
    world.capacity_of[id] = room;
    world.cell_capacity[town * kGroups + group] += room;
    world.total_capacity += room;
  }
  // The store baseline's team: its own line, the whole city, room for all.
  world.directory.teams.push_back(testing::MakeTeam(
      kBaselineTeam, {kBaselineLine}, "jining", 1000000, {}, 35.41, 116.59));
  return world;
}

// One order's draft; `slot` gives it a window of its own.
v1::OrderDraft Draft(const World& world, int community, const std::string& line,
                     int slot, absl::Time start) {
  v1::OrderDraft draft;
  draft.set_service_line_id(line);
  draft.set_service_name("防范电信诈骗");
  draft.set_community_id(world.communities[community]);
  draft.set_address(
      absl::StrCat(world.communities[community], " 党群服务中心"));
  *draft.mutable_location() = world.center_of[community];
  draft.set_audience(v1::AUDIENCE_ELDERLY);
  draft.set_expected_attendees(30);
  v1::TimeWindow& window = *draft.add_preferred_windows();
  *window.mutable_start() = ToProto(start + absl::Hours(3) * slot);
  *window.mutable_end() =
      ToProto(start + absl::Hours(3) * slot + absl::Hours(2));
  draft.mutable_contact()->set_name("王阿姨");
  draft.mutable_contact()->set_phone("13812345678");
  return draft;
}

// ---------------------------------------------------------------------------
// One run's Redis, directory, store and workflow.

v1::Principal Person(const std::string& id, v1::Role role,
                     const std::vector<std::string>& scopes) {
  v1::Principal principal;
  principal.set_user_id(id);
  principal.set_tenant(kTenant);
  for (const std::string& scope : scopes) {
    v1::RoleGrant* grant = principal.add_grants();
    grant->set_role(role);
    grant->set_scope_id(scope);
  }
  return principal;
}

struct Stack {
  explicit Stack(std::unique_ptr<testing::RedisServer> started)
      : server(std::move(started)),
        redis(server->ClientOptions(absl::GetFlag(FLAGS_connections))),
        directory(redis, kTenant, Clock::Real(),
                  absl::GetFlag(FLAGS_directory_cache_ttl)),
        timed_directory(directory.view()),
        store(redis, kTenant),
        timed_store(store),
        ids(Clock::Real()),
        workflow(timed_store, timed_directory, Clock::Real(), ids),
        stream(RedisKeys(kTenant).MatchingQueue()) {}

  std::unique_ptr<testing::RedisServer> server;
  RedisClient redis;
  DirectoryDomain directory;
  TimedDirectory timed_directory;
  RedisOrderStore store;
  TimedStore timed_store;
  IdGenerator ids;
  OrderWorkflow workflow;
  const std::string stream;
};

// Runs `body(thread)` on `threads` threads started together; the first error
// wins.
template <typename Body>
absl::Status OnThreads(int threads, Body body) {
  std::mutex mu;
  absl::Status first;
  std::latch ready(threads);
  std::vector<std::thread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&, t] {
      ready.arrive_and_wait();
      absl::Status status = body(t);
      std::lock_guard<std::mutex> lock(mu);
      if (first.ok()) first = status;
    });
  }
  for (std::thread& thread : running) thread.join();
  return first;
}

// Places the orders of `drafts`: create → dispatch → claim (→ release).
absl::StatusOr<std::vector<v1::Order>> PlaceOrders(
    Stack& stack, const World& world, const std::vector<v1::OrderDraft>& drafts,
    bool release, absl::string_view tag) {
  const v1::Principal resident =
      Person("bench-resident", v1::ROLE_RESIDENT, {""});
  const v1::Principal worker =
      Person("bench-worker", v1::ROLE_COMMUNITY_WORKER, world.communities);
  const v1::Principal clerk =
      Person("bench-clerk", v1::ROLE_DEPARTMENT_STAFF, {kDepartment});
  std::vector<v1::Order> orders(drafts.size());
  const int threads = std::max(1, absl::GetFlag(FLAGS_setup_threads));
  absl::Status placed = OnThreads(threads, [&](int thread) -> absl::Status {
    for (size_t i = thread; i < drafts.size(); i += threads) {
      v1::CreateOrderRequest create;
      create.set_request_id(absl::StrCat(tag, "-", i, "-create"));
      *create.mutable_draft() = drafts[i];
      absl::StatusOr<v1::Order> order = stack.workflow.Create(resident, create);
      if (!order.ok()) return order.status();
      std::vector<std::pair<v1::OrderAction, const v1::Principal*>> steps = {
          {v1::ORDER_ACTION_DISPATCH, &worker},
          {v1::ORDER_ACTION_CLAIM, &clerk}};
      if (release)
        steps.push_back({v1::ORDER_ACTION_RELEASE_TO_MATCHING, &clerk});
      for (const auto& [action, who] : steps) {
        Command command;
        command.action = action;
        command.order_id = order->id();
        command.request_id =
            absl::StrCat(tag, "-", i, "-", static_cast<int>(action));
        command.fingerprint = std::string(32, 'f');
        command.expected_version = order->version();
        command.department_id = kDepartment;
        order = stack.workflow.Act(*who, command);
        if (!order.ok()) return order.status();
      }
      orders[i] = *std::move(order);
    }
    return absl::OkStatus();
  });
  if (!placed.ok()) return placed;
  return orders;
}

// Copies the matching stream's entries to the queue baseline's stream.
absl::Status CopyStream(Stack& stack, const std::string& to) {
  absl::StatusOr<RedisReply> entries =
      stack.redis.Command({"XRANGE", stack.stream, "-", "+"});
  if (!entries.ok()) return entries.status();
  std::vector<std::vector<std::string>> adds;
  for (size_t i = 0; i < entries->Size(); ++i) {
    std::vector<std::string> add = {"XADD", to, "*"};
    const RedisReply& fields = (*entries)[i][1];
    for (size_t f = 0; f < fields.Size(); ++f) {
      add.push_back(std::string(fields[f].Str()));
    }
    adds.push_back(std::move(add));
  }
  for (size_t start = 0; start < adds.size(); start += 500) {
    std::vector<std::vector<absl::string_view>> chunk;
    for (size_t i = start; i < std::min(adds.size(), start + 500); ++i) {
      chunk.emplace_back(adds[i].begin(), adds[i].end());
    }
    absl::StatusOr<std::vector<RedisReply>> added = stack.redis.Pipeline(chunk);
    if (!added.ok()) return added.status();
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------
// The measurements.

// Microseconds tasks of this machine have waited for a CPU so far (Linux
// pressure stall information, "some" line); 0 where unavailable.
int64_t CpuStallMicros() {
  std::FILE* file = std::fopen("/proc/pressure/cpu", "r");
  if (file == nullptr) return 0;
  char line[256] = {};
  int64_t total = 0;
  if (std::fgets(line, sizeof(line), file) != nullptr) {
    absl::string_view text(line);
    const size_t at = text.find("total=");
    if (at != absl::string_view::npos) {
      (void)absl::SimpleAtoi(absl::StripTrailingAsciiWhitespace(
                                 text.substr(at + std::strlen("total="))),
                             &total);
    }
  }
  std::fclose(file);
  return total;
}

struct Drain {
  double seconds = 0;
  int64_t entries = 0;
};

// The queue baseline: the worker's queue calls per round, nothing else.
absl::StatusOr<Drain> DrainQueue(Stack& stack, int batch_size, int threads) {
  {
    MatchingQueue queue(stack.redis, kQueueTenant);
    if (absl::Status made = queue.EnsureGroup(); !made.ok()) return made;
  }
  std::atomic<int64_t> entries{0};
  const Clock_::time_point start = Clock_::now();
  absl::Status drained = OnThreads(threads, [&](int thread) -> absl::Status {
    RedisClient client(stack.server->ClientOptions(1));
    MatchingQueue queue(client, kQueueTenant);
    const std::string consumer = absl::StrCat("bench-q", thread);
    while (true) {
      const absl::Time started = absl::Now();
      if (auto unparked = queue.Unpark(started, batch_size); !unparked.ok())
        return unparked.status();
      auto stale = queue.ClaimStale(consumer, absl::Seconds(30), batch_size);
      if (!stale.ok()) return stale.status();
      auto fresh = queue.ReadNew(consumer, batch_size, absl::ZeroDuration());
      if (!fresh.ok()) return fresh.status();
      if (fresh->empty() && stale->empty()) return absl::OkStatus();
      Settlement settlement;
      settlement.retry_at = started + kRetryUnmatched;
      settlement.retry_soon_at = started + absl::Seconds(1);
      for (const auto* batch : {&*stale, &*fresh}) {
        for (const MatchingEntry& entry : *batch) {
          settlement.entry_ids.push_back(entry.entry_id);
        }
      }
      if (absl::Status settled = queue.Settle(settlement); !settled.ok())
        return settled;
      const int count = static_cast<int>(settlement.entry_ids.size());
      if (absl::Status recorded =
              queue.RecordBatch(count, 0, absl::Now() - started, absl::Now());
          !recorded.ok()) {
        return recorded;
      }
      entries += count;
    }
  });
  if (!drained.ok()) return drained;
  return Drain{SecondsSince(start), entries.load()};
}

// The store baseline: one OFFER per order through the workflow, as the
// worker makes it, to the baseline team.
absl::StatusOr<Drain> OfferAll(Stack& stack,
                               const std::vector<v1::Order>& orders,
                               int threads) {
  const v1::Principal system =
      SystemPrincipal(kTenant, "kepu-matching", "matching engine");
  const Clock_::time_point start = Clock_::now();
  // What every offer says (the worker's explanations are about this big).
  Command offer;
  offer.action = v1::ORDER_ACTION_OFFER;
  offer.team_id = kBaselineTeam;
  v1::OfferExplanation& why = offer.explanation;
  why.set_total_cost(21.5);
  for (const char* term :
       {"distance", "load", "rating", "reliability", "waiting"}) {
    (*why.mutable_terms())[term] = 4.3;
  }
  why.set_distance_km(3.2);
  why.set_candidates(3);
  why.add_runners_up("team-001");
  why.add_runners_up("team-002");
  absl::Status offered = OnThreads(threads, [&](int thread) -> absl::Status {
    Command command = offer;
    for (size_t i = thread; i < orders.size(); i += threads) {
      // Per order, as the worker: its version guards the move and names the
      // request.
      const v1::Order& order = orders[i];
      v1::Order key;
      key.set_id(order.id());
      key.set_version(order.version());
      command.order_id = order.id();
      command.expected_version = order.version();
      command.request_id = absl::StrCat("baseline-", order.id());
      command.fingerprint = Fingerprint(key);
      command.offer_expires_at = absl::Now() + absl::Hours(24);
      command.offer_window = order.draft().preferred_windows(0);
      absl::StatusOr<v1::Order> done = stack.workflow.Act(system, command);
      if (!done.ok()) return done.status();
    }
    return absl::OkStatus();
  });
  if (!offered.ok()) return offered;
  return Drain{SecondsSince(start), static_cast<int64_t>(orders.size())};
}

// Whether the worker's stream is done: empty, nothing pending, nothing parked
// to come back soon (orders whose offer lost a race come back after 1 s).
absl::StatusOr<bool> Drained(Stack& stack) {
  const std::string soon =
      absl::StrCat(absl::ToUnixMillis(absl::Now() + absl::Minutes(10)));
  const std::string parked = absl::StrCat(stack.stream, ":parked");
  absl::StatusOr<std::vector<RedisReply>> replies =
      stack.redis.Pipeline({{"XLEN", stack.stream},
                            {"XPENDING", stack.stream, MatchingQueue::kGroup},
                            {"ZCOUNT", parked, "-inf", soon}});
  if (!replies.ok()) return replies.status();
  const std::vector<RedisReply>& r = *replies;
  if (!r[0].IsInteger() || !r[1].IsArray() || !r[2].IsInteger()) {
    return absl::InternalError("unexpected reply checking the stream");
  }
  return r[0].Integer() == 0 && r[1][0].Integer() == 0 && r[2].Integer() == 0;
}

struct WorkerRun {
  double seconds = 0;
  MatchingRound total;
  int batches = 0;
  std::vector<double> batch_ms;
  double busy_ms = 0;
  // CPU seconds of this process (the workers) and of Redis during the run.
  double worker_cpu = 0;
  double redis_cpu = 0;
  // INFO commandstats at the end of the run (reset at its start).
  std::string commandstats;
  // The share of the run some task of the machine waited for a CPU.
  double cpu_stall = 0;
};

absl::StatusOr<WorkerRun> RunWorkers(Stack& stack, int batch_size,
                                     int workers) {
  {
    MatchingQueue queue(stack.redis, kTenant);
    if (absl::Status made = queue.EnsureGroup(); !made.ok()) return made;
  }
  stack.timed_store.Reset();
  stack.timed_directory.Reset();
  WorkerRun run;
  std::mutex mu;
  if (absl::StatusOr<RedisReply> reset =
          stack.redis.Command({"CONFIG", "RESETSTAT"});
      !reset.ok()) {
    return reset.status();
  }
  const int64_t stall = CpuStallMicros();
  const double worker_cpu = testing::ProcessCpuSeconds();
  const double redis_cpu = testing::RedisCpuSeconds(stack.redis);
  const Clock_::time_point start = Clock_::now();
  absl::Status ran = OnThreads(workers, [&](int thread) -> absl::Status {
    RedisClient client(stack.server->ClientOptions(1));
    MatchingQueue queue(client, kTenant);
    MatchingWorkerOptions options;
    options.consumer = absl::StrCat("bench-w", thread);
    options.batch_size = batch_size;
    options.batch_window = absl::ZeroDuration();
    options.retry_unmatched = kRetryUnmatched;
    MatchingWorker worker(queue, stack.timed_store, stack.workflow,
                          stack.timed_directory, Clock::Real(), kTenant,
                          options);
    MatchingRound total;
    std::vector<double> batch_ms;
    while (true) {
      const Clock_::time_point started = Clock_::now();
      absl::StatusOr<MatchingRound> round =
          worker.RunOnce(absl::ZeroDuration());
      const double ms = SecondsSince(started) * 1e3;
      if (!round.ok()) return round.status();
      if (round->entries == 0) {
        absl::StatusOr<bool> drained = Drained(stack);
        if (!drained.ok()) return drained.status();
        if (*drained) break;
        absl::SleepFor(absl::Milliseconds(10));
        continue;
      }
      batch_ms.push_back(ms);
      total.entries += round->entries;
      total.taken_over += round->taken_over;
      total.orders += round->orders;
      total.offers += round->offers;
      total.parked += round->parked;
      total.skipped += round->skipped;
      total.dead_letters += round->dead_letters;
      total.failures += round->failures;
    }
    std::lock_guard<std::mutex> lock(mu);
    run.total.entries += total.entries;
    run.total.taken_over += total.taken_over;
    run.total.orders += total.orders;
    run.total.offers += total.offers;
    run.total.parked += total.parked;
    run.total.skipped += total.skipped;
    run.total.dead_letters += total.dead_letters;
    run.total.failures += total.failures;
    run.batch_ms.insert(run.batch_ms.end(), batch_ms.begin(), batch_ms.end());
    return absl::OkStatus();
  });
  run.seconds = SecondsSince(start);
  run.worker_cpu = testing::ProcessCpuSeconds() - worker_cpu;
  run.cpu_stall =
      static_cast<double>(CpuStallMicros() - stall) / (run.seconds * 1e6);
  run.redis_cpu = testing::RedisCpuSeconds(stack.redis) - redis_cpu;
  if (absl::StatusOr<RedisReply> stats =
          stack.redis.Command({"INFO", "commandstats"});
      stats.ok() && stats->IsString()) {
    run.commandstats = std::string(stats->Str());
  }
  if (!ran.ok()) return ran;
  run.batches = static_cast<int>(run.batch_ms.size());
  for (double ms : run.batch_ms) run.busy_ms += ms;
  std::sort(run.batch_ms.begin(), run.batch_ms.end());
  return run;
}

// Checks the end state; returns how many orders were offered and parked.
absl::Status Verify(Stack& stack, const World& world,
                    const std::vector<v1::Order>& orders, int64_t expected,
                    int64_t& offered, int64_t& parked) {
  offered = parked = 0;
  absl::StatusOr<RedisReply> parked_ids = stack.redis.Command(
      {"ZRANGE", absl::StrCat(stack.stream, ":parked"), "0", "-1"});
  if (!parked_ids.ok()) return parked_ids.status();
  std::set<std::string> parked_set;
  for (size_t i = 0; i < parked_ids->Size(); ++i) {
    parked_set.insert(std::string((*parked_ids)[i].Str()));
  }
  std::map<std::string, std::vector<std::pair<int64_t, int64_t>>> windows;
  for (const v1::Order& placed : orders) {
    absl::StatusOr<v1::Order> order = stack.store.Get(placed.id());
    if (!order.ok()) return order.status();
    absl::StatusOr<std::vector<v1::OrderEvent>> history =
        stack.store.History(order->id(), "", 100);
    if (!history.ok()) return history.status();
    const int64_t offers = std::count_if(
        history->begin(), history->end(), [](const v1::OrderEvent& event) {
          return event.action() == v1::ORDER_ACTION_OFFER;
        });
    if (order->state() == v1::ORDER_STATE_OFFERED) {
      ++offered;
      if (offers != 1) {
        return absl::InternalError(absl::StrCat(
            "order ", order->id(), " was offered ", offers, " times"));
      }
      windows[order->team_id()].push_back(
          {absl::ToUnixMillis(FromProto(order->offer().window().start())),
           absl::ToUnixMillis(FromProto(order->offer().window().end()))});
    } else if (order->state() == v1::ORDER_STATE_CLAIMED &&
               order->awaiting_match() && parked_set.contains(order->id())) {
      ++parked;
      if (offers != 0) {
        return absl::InternalError(absl::StrCat("parked order ", order->id(),
                                                " has ", offers, " offers"));
      }
    } else {
      return absl::InternalError(absl::StrCat(
          "order ", order->id(), " ended in state ", order->state(),
          " awaiting_match=", order->awaiting_match(),
          " parked=", parked_set.contains(order->id())));
    }
  }
  for (auto& [team, held] : windows) {
    if (static_cast<int>(held.size()) > world.capacity_of.at(team)) {
      return absl::InternalError(absl::StrCat("team ", team, " holds ",
                                              held.size(), " offers, capacity ",
                                              world.capacity_of.at(team)));
    }
    std::sort(held.begin(), held.end());
    for (size_t i = 1; i < held.size(); ++i) {
      if (held[i].first < held[i - 1].second) {
        return absl::InternalError(
            absl::StrCat("team ", team, " is double-booked"));
      }
    }
  }
  if (offered != expected) {
    return absl::InternalError(
        absl::StrCat("offered ", offered, " orders, expected ", expected));
  }
  absl::StatusOr<std::vector<RedisReply>> ends =
      stack.redis.Pipeline({{"XLEN", stack.stream},
                            {"XPENDING", stack.stream, MatchingQueue::kGroup},
                            {"XLEN", absl::StrCat(stack.stream, ":dead")},
                            {"HLEN", absl::StrCat(stack.stream, ":errors")}});
  if (!ends.ok()) return ends.status();
  if ((*ends)[0].Integer() != 0 || (*ends)[1][0].Integer() != 0 ||
      (*ends)[2].Integer() != 0 || (*ends)[3].Integer() != 0) {
    return absl::InternalError(
        absl::StrCat("stream not clean: length ", (*ends)[0].Integer(),
                     ", pending ", (*ends)[1][0].Integer(), ", dead letters ",
                     (*ends)[2].Integer(), ", errors ", (*ends)[3].Integer()));
  }
  return absl::OkStatus();
}

// ---------------------------------------------------------------------------

struct Row {
  int orders = 0;
  int batch_size = 0;
  int workers = 0;
  int64_t expected = 0;
  int64_t offered = 0;
  int64_t parked = 0;
  WorkerRun worker;
  Drain queue;
  Drain store;
  // Per kind of call during the worker run: calls, milliseconds.
  std::vector<std::pair<std::string, std::pair<int64_t, double>>> calls;
};

double Percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t index =
      std::min(sorted.size() - 1,
               static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

absl::StatusOr<Row> RunOne(const World& world, int n, int batch_size,
                           int workers) {
  Row row;
  row.orders = n;
  row.batch_size = batch_size;
  row.workers = workers;
  auto server = testing::RedisServer::Start({absl::GetFlag(FLAGS_fsync)});
  if (!server.ok()) return server.status();
  Stack stack(*std::move(server));
  if (absl::Status loaded =
          testing::Load(world.directory, stack.directory.directory.records());
      !loaded.ok()) {
    return loaded;
  }

  // The same orders in every run (the seed), windows from two days on.
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed) + 1);
  std::uniform_int_distribution<int> community(
      0, static_cast<int>(world.communities.size()) - 1);
  std::uniform_int_distribution<int> line(
      0, static_cast<int>(std::size(kLines)) - 1);
  std::bernoulli_distribution none(absl::GetFlag(FLAGS_unmatchable));
  const absl::Time first = absl::Now() + absl::Hours(48);
  std::vector<v1::OrderDraft> drafts;
  std::vector<int64_t> cell_orders(world.cell_capacity.size(), 0);
  for (int i = 0; i < n; ++i) {
    const int c = community(random);
    if (none(random)) {
      drafts.push_back(Draft(world, c, kNoTeamLine, i, first));
      continue;
    }
    const int l = line(random);
    drafts.push_back(Draft(world, c, kLines[l], i, first));
    ++cell_orders[world.town_of[c] * kGroups + kGroupOfLine[l]];
  }
  for (size_t cell = 0; cell < cell_orders.size(); ++cell) {
    row.expected +=
        std::min<int64_t>(cell_orders[cell], world.cell_capacity[cell]);
  }
  std::vector<v1::OrderDraft> baseline_drafts;
  const int store_orders = std::min(n, absl::GetFlag(FLAGS_store_orders));
  for (int i = 0; i < store_orders; ++i) {
    baseline_drafts.push_back(
        Draft(world, community(random), kBaselineLine, n + i, first));
  }

  const Clock_::time_point setup = Clock_::now();
  absl::StatusOr<std::vector<v1::Order>> released =
      PlaceOrders(stack, world, drafts, /*release=*/true, "released");
  if (!released.ok()) return released.status();
  absl::StatusOr<std::vector<v1::Order>> claimed =
      PlaceOrders(stack, world, baseline_drafts, /*release=*/false, "claimed");
  if (!claimed.ok()) return claimed.status();
  const std::string queue_stream = RedisKeys(kQueueTenant).MatchingQueue();
  if (absl::Status copied = CopyStream(stack, queue_stream); !copied.ok())
    return copied;
  std::printf("  setup: %d + %d orders placed (%d moves) in %.1f s\n", n,
              store_orders, 4 * n + 3 * store_orders, SecondsSince(setup));
  std::fflush(stdout);

  absl::StatusOr<Drain> queue = DrainQueue(stack, batch_size, workers);
  if (!queue.ok()) return queue.status();
  if (queue->entries != n) {
    return absl::InternalError(absl::StrCat(
        "the queue baseline drained ", queue->entries, " entries, not ", n));
  }
  row.queue = *queue;
  // The store baseline: half before the worker, half after (the machine is
  // shared: load that comes and goes then weighs on both sides alike).
  const size_t half = claimed->size() / 2;
  absl::StatusOr<Drain> before = OfferAll(
      stack, std::vector<v1::Order>(claimed->begin(), claimed->begin() + half),
      workers);
  if (!before.ok()) return before.status();

  absl::StatusOr<WorkerRun> run = RunWorkers(stack, batch_size, workers);
  if (!run.ok()) return run.status();
  row.worker = *std::move(run);
  auto add = [&](const std::string& name, const CallStats& stats) {
    row.calls.push_back(
        {name,
         {stats.calls.load(), static_cast<double>(stats.nanos.load()) / 1e6}});
  };
  add("Get", stack.timed_store.get);
  add("List (team load)", stack.timed_store.list);
  add("List (HeldBy)", stack.timed_store.list_held);
  add("LoadForUpdate", stack.timed_store.load);
  add("Apply", stack.timed_store.apply);
  add("TeamsServing", stack.timed_directory.teams_serving);
  add("GetTeam", stack.timed_directory.get_team);
  add("RegionChain", stack.timed_directory.region_chain);
  CallStats rest;
  rest.calls = stack.timed_store.history.calls + stack.timed_store.other.calls +
               stack.timed_directory.other.calls;
  rest.nanos = stack.timed_store.history.nanos + stack.timed_store.other.nanos +
               stack.timed_directory.other.nanos;
  add("other store/directory", rest);

  absl::StatusOr<Drain> after = OfferAll(
      stack, std::vector<v1::Order>(claimed->begin() + half, claimed->end()),
      workers);
  if (!after.ok()) return after.status();
  row.store = {before->seconds + after->seconds,
               before->entries + after->entries};

  if (row.worker.total.failures > 0 || row.worker.total.dead_letters > 0) {
    return absl::InternalError(
        absl::StrCat("the worker failed on ", row.worker.total.failures,
                     " batches, dead letters ", row.worker.total.dead_letters));
  }
  if (absl::Status verified = Verify(stack, world, *released, row.expected,
                                     row.offered, row.parked);
      !verified.ok()) {
    return verified;
  }
  return row;
}

// The Redis commands of a worker run, most Redis time first, per order.
void PrintCommandStats(const Row& row) {
  struct Stat {
    std::string command;
    int64_t calls = 0;
    int64_t usec = 0;
  };
  std::vector<Stat> stats;
  // "cmdstat_evalsha:calls=12,usec=345,usec_per_call=28.75,..."
  for (absl::string_view line :
       absl::StrSplit(row.worker.commandstats, "\r\n")) {
    if (!absl::ConsumePrefix(&line, "cmdstat_")) continue;
    std::vector<absl::string_view> parts = absl::StrSplit(line, ':');
    if (parts.size() != 2) continue;
    Stat stat{std::string(parts[0])};
    for (absl::string_view field : absl::StrSplit(parts[1], ',')) {
      if (absl::ConsumePrefix(&field, "calls="))
        (void)absl::SimpleAtoi(field, &stat.calls);
      if (absl::ConsumePrefix(&field, "usec="))
        (void)absl::SimpleAtoi(field, &stat.usec);
    }
    stats.push_back(std::move(stat));
  }
  std::sort(stats.begin(), stats.end(),
            [](const Stat& a, const Stat& b) { return a.usec > b.usec; });
  std::printf(
      "\nRedis commands, %d orders, batch %d, %d worker(s) (per order)\n\n"
      "| command | calls | Redis µs |\n|---|---:|---:|\n",
      row.orders, row.batch_size, row.workers);
  for (const Stat& stat : stats) {
    std::printf("| %s | %.2f | %.1f |\n", stat.command.c_str(),
                static_cast<double>(stat.calls) / row.orders,
                static_cast<double>(stat.usec) / row.orders);
  }
}

int Run(int argc, char** argv) {
  std::mt19937_64 random(absl::GetFlag(FLAGS_seed));
  const World world = MakeWorld(random);
  if (absl::GetFlag(FLAGS_teams) < kGroups * absl::GetFlag(FLAGS_towns)) {
    std::printf("FAILED: --teams must be at least 3 × --towns\n");
    return 2;
  }
  std::vector<std::string> args(argv, argv + argc);
  std::printf("# matching_worker_bench\n\ncommand: `%s`\n\n",
              absl::StrJoin(args, " ").c_str());
  std::printf(
      "%d teams over %zu communities (%d towns, %d line groups), capacity %d "
      "to %d, %d in all; %.0f%% of orders on a line no team covers; Redis "
      "appendfsync %s; %u cores\n\n",
      absl::GetFlag(FLAGS_teams), world.communities.size(),
      absl::GetFlag(FLAGS_towns), kGroups, absl::GetFlag(FLAGS_min_capacity),
      absl::GetFlag(FLAGS_max_capacity), world.total_capacity,
      100 * absl::GetFlag(FLAGS_unmatchable),
      absl::GetFlag(FLAGS_fsync).c_str(), std::thread::hardware_concurrency());

  std::vector<Row> rows;
  for (const std::string& n_text : absl::GetFlag(FLAGS_orders)) {
    for (const std::string& batch_text : absl::GetFlag(FLAGS_batch_sizes)) {
      for (const std::string& workers_text : absl::GetFlag(FLAGS_workers)) {
        int n = 0, batch_size = 0, workers = 0;
        if (!absl::SimpleAtoi(n_text, &n) || n < 1 ||
            !absl::SimpleAtoi(batch_text, &batch_size) || batch_size < 1 ||
            !absl::SimpleAtoi(workers_text, &workers) || workers < 1) {
          std::printf("FAILED: bad --orders, --batch_sizes or --workers\n");
          return 2;
        }
        std::printf("run: %d orders, batch %d, %d worker(s)\n", n, batch_size,
                    workers);
        std::fflush(stdout);
        absl::StatusOr<Row> row = RunOne(world, n, batch_size, workers);
        if (!row.ok()) {
          std::printf("FAILED: %s\n", row.status().ToString().c_str());
          std::fprintf(stderr, "FAILED: %s\n", row.status().ToString().c_str());
          return 1;
        }
        rows.push_back(*std::move(row));
      }
    }
  }

  std::printf(
      "\n## Throughput\n\n"
      "orders/s: orders decided (offered or parked) per second, until the "
      "stream is drained; lost races: offers refused because the other worker "
      "filled the team first (the order is matched again 1 s later); busy: "
      "the share of the run the workers spent in batches. queue: the same "
      "entries through the worker's queue calls only; store: OFFER moves "
      "through OrderWorkflow::Act (as many threads as workers). CPU stall: "
      "the share of the worker run during which some task of the machine "
      "waited for a CPU (/proc/pressure/cpu): high means a noisy row.\n\n"
      "| orders | batch | workers | offered (expected) | parked | lost races "
      "| batches | p50 ms | p99 ms | busy | orders/s | offers/s | queue "
      "entries/s | orders/s ÷ queue | store offers/s | offers/s ÷ store | CPU "
      "stall |\n"
      "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
      "---:|---:|---:|\n");
  for (const Row& row : rows) {
    const double per_second = row.orders / row.worker.seconds;
    const double offers = static_cast<double>(row.offered) / row.worker.seconds;
    const double queue =
        static_cast<double>(row.queue.entries) / row.queue.seconds;
    const double store =
        static_cast<double>(row.store.entries) / row.store.seconds;
    std::printf(
        "| %d | %d | %d | %ld (%ld) | %ld | %d | %d | %.1f | %.1f | %.0f%% | "
        "%.0f | %.0f | %.0f | %.3f | %.0f | %.2f | %.0f%% |\n",
        row.orders, row.batch_size, row.workers, static_cast<long>(row.offered),
        static_cast<long>(row.expected), static_cast<long>(row.parked),
        row.worker.total.orders - row.orders, row.worker.batches,
        Percentile(row.worker.batch_ms, 0.5),
        Percentile(row.worker.batch_ms, 0.99),
        100 * row.worker.busy_ms / (1e3 * row.worker.seconds * row.workers),
        per_second, offers, queue, per_second / queue, store, offers / store,
        100 * row.worker.cpu_stall);
  }

  std::printf(
      "\n## Where the worker's time goes\n\n"
      "Per order placed: calls and time of each kind of call the worker (and "
      "the workflow under it) made, as a share of the workers' busy time "
      "(the sum of their batch times); rest = the solver, the queue calls "
      "and the glue (the queue calls alone, from the queue baseline, are "
      "beside it). CPU: per order, of the worker process and of Redis; "
      "cores: their CPU time over the run's time (2 cores: near 2 is "
      "CPU-bound).\n\n"
      "| orders | batch | workers | handled | busy ms | ");
  const std::vector<std::string> kinds = [&] {
    std::vector<std::string> names;
    for (const auto& [name, value] : rows.front().calls) names.push_back(name);
    return names;
  }();
  for (const std::string& kind : kinds) std::printf("%s | ", kind.c_str());
  std::printf(
      "rest | queue calls alone | worker CPU | Redis CPU | cores |\n"
      "|---:|---:|---:|---:|---:|");
  for (size_t i = 0; i < kinds.size() + 5; ++i) std::printf("---:|");
  std::printf("\n");
  for (const Row& row : rows) {
    const double n = row.orders;
    std::printf("| %d | %d | %d | %d | %.0f | ", row.orders, row.batch_size,
                row.workers, row.worker.total.orders, row.worker.busy_ms);
    double accounted = 0;
    for (const auto& [name, value] : row.calls) {
      const auto& [calls, ms] = value;
      // Time across threads: share of the summed batch time.
      accounted += ms;
      std::printf("%.2f × %.0f µs (%.0f%%) | ", static_cast<double>(calls) / n,
                  ms * 1e3 / n, 100 * ms / row.worker.busy_ms);
    }
    const double rest = row.worker.busy_ms - accounted;
    std::printf(
        "%.0f µs (%.0f%%) | %.0f µs | %.0f µs | %.0f µs | %.2f |\n",
        rest * 1e3 / n, 100 * rest / row.worker.busy_ms,
        row.queue.seconds * 1e6 * row.workers / n,
        row.worker.worker_cpu * 1e6 / n, row.worker.redis_cpu * 1e6 / n,
        (row.worker.worker_cpu + row.worker.redis_cpu) / row.worker.seconds);
  }
  if (absl::GetFlag(FLAGS_commandstats)) {
    for (const Row& row : rows) PrintCommandStats(row);
  }
  std::printf(
      "\nEach call kind is n calls per order × µs per order. Checked: every "
      "offered order has one OFFER event, no team over capacity or "
      "double-booked, every other order parked, the stream empty with "
      "nothing pending, dead or failed.\n");
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return kepu::Run(argc, argv);
}
