// The matching engine's speed, in one run:
//
//   build/dev/tests/bench/matching_bench [--repeat=5] [--seed=1]
//                                        [--python=python3]
//
// Dense: seeded random full matrices (costs uniform in [0, 100), capacities
// 1) at 100x50, 1000x300 and 2000x2000 through SolveAssignment and
// SolveGreedy, against scipy.optimize.linear_sum_assignment on the same
// matrix (tests/bench/scipy_assignment.py, which times only that call). Each
// time is the best of --repeat runs, on both sides. The unassigned cost (1000)
// is above every edge, so the optimum assigns min(rows, cols) rows as scipy
// does and the sums of the assigned edges are compared.
//
// Sparse: a synthetic Jining (11 counties, ~150 communities, 10 service
// lines; 2,000 teams, 10,000 orders) through MatchBatch, with every candidate
// in the graph and with the 30 cheapest per order.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "services/matching/matching.h"

ABSL_FLAG(int, repeat, 5, "runs per measurement; the best (and median) count");
ABSL_FLAG(uint32_t, seed, 1, "seed of the random instances");
ABSL_FLAG(std::string, python, "python3",
          "the Python with numpy and scipy (falls back to /usr/bin/python3, "
          "where Debian's python3-scipy lives)");
ABSL_FLAG(std::string, only, "", "dense or sparse: run only that part");
ABSL_FLAG(std::string, scipy_script, KEPU_SCIPY_SCRIPT,
          "path of scipy_assignment.py");

namespace kepu::matching {
namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Runs `run` `repeat` times; returns the sorted seconds.
template <typename Run>
std::vector<double> Time(int repeat, Run run) {
  std::vector<double> seconds;
  for (int index = 0; index < repeat; ++index) {
    const Clock::time_point start = Clock::now();
    run();
    seconds.push_back(SecondsSince(start));
  }
  std::sort(seconds.begin(), seconds.end());
  return seconds;
}

std::string Milliseconds(double seconds) {
  return absl::StrFormat("%.3f ms", seconds * 1e3);
}

long PeakRssKb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

// The first Python that imports scipy, or nothing.
std::optional<std::string> FindPythonWithScipy() {
  std::vector<std::string> pythons = {absl::GetFlag(FLAGS_python)};
  if (pythons[0] != "/usr/bin/python3") pythons.push_back("/usr/bin/python3");
  for (const std::string& python : pythons) {
    const std::string command = absl::StrCat(
        python, " -c 'import numpy, scipy.optimize' >/dev/null 2>&1");
    if (std::system(command.c_str()) == 0) return python;
  }
  return std::nullopt;
}

struct ScipyResult {
  double cost = 0;
  double seconds = 0;
};

std::optional<ScipyResult> RunScipy(const std::string& python,
                                    const std::vector<double>& matrix, int rows,
                                    int columns, int repeat) {
  char path[] = "/tmp/matching_bench_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return std::nullopt;
  const auto bytes = static_cast<ssize_t>(matrix.size() * sizeof(double));
  const bool written = write(fd, matrix.data(), bytes) == bytes;
  close(fd);
  std::optional<ScipyResult> result;
  if (written) {
    const std::string command =
        absl::StrCat(python, " ", absl::GetFlag(FLAGS_scipy_script), " ", path,
                     " ", rows, " ", columns, " ", repeat);
    if (FILE* pipe = popen(command.c_str(), "r")) {
      ScipyResult parsed;
      if (std::fscanf(pipe, "%lf %lf", &parsed.cost, &parsed.seconds) == 2) {
        result = parsed;
      }
      pclose(pipe);
    }
  }
  unlink(path);
  return result;
}

// The sum of the assigned rows' edge costs of a full matrix.
double AssignedCost(const std::vector<double>& matrix, int columns,
                    const AssignmentSolution& solution) {
  double sum = 0;
  for (int row = 0; row < static_cast<int>(solution.column_of_row.size());
       ++row) {
    const int column = solution.column_of_row[row];
    if (column >= 0) sum += matrix[static_cast<size_t>(row) * columns + column];
  }
  return sum;
}

void BenchDense(const std::optional<std::string>& python, int repeat,
                uint32_t seed) {
  std::printf(
      "| dense rows x cols | solver | greedy | greedy cost gap | scipy | "
      "equal cost | solver / scipy |\n|---|---|---|---|---|---|---|\n");
  const std::pair<int, int> sizes[] = {{100, 50}, {1000, 300}, {2000, 2000}};
  for (const auto& [rows, columns] : sizes) {
    std::mt19937_64 random(seed);
    std::uniform_real_distribution<double> uniform(0.0, 100.0);
    std::vector<double> matrix(static_cast<size_t>(rows) * columns);
    for (double& cost : matrix) cost = uniform(random);
    AssignmentProblem problem;
    problem.rows = rows;
    problem.columns = columns;
    problem.capacity.assign(columns, 1);
    problem.unassigned_cost = 1000;
    problem.edges.reserve(matrix.size());
    for (int row = 0; row < rows; ++row) {
      for (int column = 0; column < columns; ++column) {
        problem.edges.push_back(
            {row, column, matrix[static_cast<size_t>(row) * columns + column]});
      }
    }
    AssignmentSolution solved;
    AssignmentSolution greedy;
    const double solver_seconds =
        Time(repeat, [&] { solved = SolveAssignment(problem); })[0];
    const double greedy_seconds =
        Time(repeat, [&] { greedy = SolveGreedy(problem); })[0];
    const double solved_cost = AssignedCost(matrix, columns, solved);
    const double greedy_cost = AssignedCost(matrix, columns, greedy);
    std::string scipy_time = "n/a";
    std::string equal = "n/a";
    std::string ratio = "n/a";
    if (python.has_value()) {
      if (const std::optional<ScipyResult> scipy =
              RunScipy(*python, matrix, rows, columns, repeat)) {
        scipy_time = Milliseconds(scipy->seconds);
        const bool same = std::abs(scipy->cost - solved_cost) <=
                          1e-9 * std::max(1.0, std::abs(scipy->cost));
        equal = same ? "yes"
                     : absl::StrFormat("NO (%.9g vs %.9g)", solved_cost,
                                       scipy->cost);
        ratio = absl::StrFormat("%.2f", solver_seconds / scipy->seconds);
      } else {
        scipy_time = "failed";
      }
    }
    std::printf("| %d x %d | %s | %s | %.1f %% | %s | %s | %s |\n", rows,
                columns, Milliseconds(solver_seconds).c_str(),
                Milliseconds(greedy_seconds).c_str(),
                100.0 * (greedy_cost - solved_cost) / solved_cost,
                scipy_time.c_str(), equal.c_str(), ratio.c_str());
    std::fflush(stdout);
  }
}

// A synthetic Jining: counties, their communities, teams and orders.
struct City {
  std::vector<TeamInput> teams;
  std::vector<OrderInput> orders;
};

City MakeJining(uint32_t seed, int team_count, int order_count) {
  constexpr int kCounties = 11;
  constexpr int kCommunitiesPerCounty = 14;  // ~150 in all
  constexpr int kLines = 10;
  constexpr int64_t kHour = 3600 * 1000;
  std::mt19937_64 random(seed);
  auto pick = [&](int low, int high) {
    return std::uniform_int_distribution(low, high)(random);
  };
  auto jitter = [&](double spread) {
    return std::uniform_real_distribution(-spread, spread)(random);
  };
  std::vector<LatLng> county_centre;
  std::vector<LatLng> community_centre;
  for (int county = 0; county < kCounties; ++county) {
    county_centre.push_back({35.4 + jitter(0.45), 116.6 + jitter(0.55)});
    for (int index = 0; index < kCommunitiesPerCounty; ++index) {
      community_centre.push_back({county_centre[county].lat + jitter(0.08),
                                  county_centre[county].lng + jitter(0.08)});
    }
  }
  auto county_id = [](int county) { return absl::StrCat("county-", county); };
  auto community_id = [](int community) {
    return absl::StrCat("community-", community);
  };
  auto line_id = [](int line) { return absl::StrCat("line-", line); };
  // A 2-hour window starting on the hour, 8:00 to 17:00, in the next 14 days.
  auto window = [&]() {
    const int64_t start = (pick(0, 13) * 24 + pick(8, 17)) * kHour;
    return Window{start, start + 2 * kHour};
  };

  City city;
  for (int index = 0; index < team_count; ++index) {
    TeamInput team;
    team.id = absl::StrCat("team-", index);
    const int first_line = pick(0, kLines - 1);
    const int lines = pick(1, 3);
    for (int offset = 0; offset < lines; ++offset) {
      team.service_line_ids.push_back(line_id((first_line + offset) % kLines));
    }
    const int county = pick(0, kCounties - 1);
    team.base = LatLng{county_centre[county].lat + jitter(0.08),
                       county_centre[county].lng + jitter(0.08)};
    if (pick(0, 9) < 6) {
      team.service_area_ids = {county_id(county)};
    } else {
      const int communities = pick(2, 5);
      for (int offset = 0; offset < communities; ++offset) {
        team.service_area_ids.push_back(
            community_id(county * kCommunitiesPerCounty +
                         (pick(0, kCommunitiesPerCounty - 1) + offset) %
                             kCommunitiesPerCounty));
      }
    }
    team.free_capacity = pick(1, 5);
    for (int busy = pick(0, 2); busy > 0; --busy) team.busy.push_back(window());
    team.recent_orders = pick(0, 10);
    team.ratings = pick(0, 30);
    team.mean_rating = 3.0 + pick(0, 20) / 10.0;
    team.offers_received = pick(0, 40);
    team.offers_accepted = pick(0, team.offers_received);
    city.teams.push_back(team);
  }
  for (int index = 0; index < order_count; ++index) {
    OrderInput order;
    order.id = absl::StrCat("order-", index);
    order.service_line_id = line_id(pick(0, kLines - 1));
    const int community = pick(0, kCounties * kCommunitiesPerCounty - 1);
    order.area_ids = {community_id(community),
                      county_id(community / kCommunitiesPerCounty), "jining"};
    if (pick(0, 9) > 0) {
      order.location = LatLng{community_centre[community].lat + jitter(0.01),
                              community_centre[community].lng + jitter(0.01)};
    }
    for (int windows = pick(1, 3); windows > 0; --windows) {
      const Window candidate = window();
      const bool overlaps = std::any_of(
          order.windows.begin(), order.windows.end(), [&](const Window& w) {
            return w.start_ms < candidate.end_ms &&
                   candidate.start_ms < w.end_ms;
          });
      if (!overlaps) order.windows.push_back(candidate);
    }
    std::sort(order.windows.begin(), order.windows.end(),
              [](const Window& a, const Window& b) {
                return a.start_ms < b.start_ms;
              });
    order.waited_ms = pick(0, 100) * kHour;
    if (pick(0, 19) == 0) {
      order.excluded_team_ids = {
          absl::StrCat("team-", pick(0, team_count - 1))};
    }
    city.orders.push_back(order);
  }
  return city;
}

// Every order's number of candidates (IsCandidate).
std::vector<int> CandidatesPerOrder(const City& city) {
  std::vector<int> count;
  for (const OrderInput& order : city.orders) {
    count.push_back(static_cast<int>(std::count_if(
        city.teams.begin(), city.teams.end(),
        [&](const TeamInput& team) { return IsCandidate(order, team); })));
  }
  return count;
}

void BenchSparse(int repeat, uint32_t seed) {
  constexpr int kTeams = 2000;
  constexpr int kOrders = 10000;
  const City city = MakeJining(seed, kTeams, kOrders);
  const std::vector<int> candidates_of_order = CandidatesPerOrder(city);
  int64_t candidates = 0;
  for (int count : candidates_of_order) candidates += count;
  int64_t capacity = 0;
  for (const TeamInput& team : city.teams) capacity += team.free_capacity;
  std::printf(
      "Sparse: a synthetic Jining, %d orders x %d teams (free capacity "
      "%lld), %lld candidate pairs (%.1f per order).\n\n",
      kOrders, kTeams, static_cast<long long>(capacity),
      static_cast<long long>(candidates),
      static_cast<double>(candidates) / kOrders);
  std::printf(
      "| MatchBatch, candidates kept per order | best | median | edges in "
      "the graph | assigned | unassigned | objective | peak RSS growth |\n"
      "|---|---|---|---|---|---|---|---|\n");
  for (const int kept : {0, 30}) {
    Weights weights;
    weights.max_candidates_per_order = kept;
    BatchResult result;
    const long rss_before = PeakRssKb();
    const std::vector<double> seconds = Time(
        repeat, [&] { result = MatchBatch(city.orders, city.teams, weights); });
    const long rss_growth = PeakRssKb() - rss_before;
    int64_t edges = 0;
    for (int count : candidates_of_order) {
      edges += kept > 0 ? std::min(count, kept) : count;
    }
    std::printf("| %s | %s | %s | %lld | %zu | %zu | %.1f | %.1f MB |\n",
                kept == 0 ? "all" : absl::StrCat(kept).c_str(),
                Milliseconds(seconds[0]).c_str(),
                Milliseconds(seconds[seconds.size() / 2]).c_str(),
                static_cast<long long>(edges), result.assignments.size(),
                result.unassigned.size(), result.total_cost,
                rss_growth / 1024.0);
    std::fflush(stdout);
  }
  std::printf("\n");
}

}  // namespace
}  // namespace kepu::matching

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  const int repeat = std::max(1, absl::GetFlag(FLAGS_repeat));
  const uint32_t seed = absl::GetFlag(FLAGS_seed);
  const std::optional<std::string> python =
      kepu::matching::FindPythonWithScipy();
  std::printf("matching_bench --repeat=%d --seed=%u\n\n", repeat, seed);
  if (!python.has_value()) {
    std::printf(
        "scipy: no python3 with numpy and scipy found (Debian: apt-get "
        "install python3-scipy); its columns say n/a.\n\n");
  }
  const std::string only = absl::GetFlag(FLAGS_only);
  if (only != "dense") kepu::matching::BenchSparse(repeat, seed);
  if (only != "sparse") kepu::matching::BenchDense(python, repeat, seed);
  return 0;
}
