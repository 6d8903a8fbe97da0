// kepuctl without a server: command-line parsing, flag values (times, windows,
// durations, enums), tables with Chinese text, the config file, the progress
// bar, and the demo data files.
#include "clients/kepuctl/kepuctl.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "clients/kepuctl/args.h"
#include "clients/kepuctl/config.h"
#include "clients/kepuctl/demo.h"
#include "clients/kepuctl/output.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/field_checks.h"
#include "services/core/time_util.h"
#include "services/core/validation.h"

namespace kepu::ctl {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<FlagSpec> Specs() {
  return {{"line", FlagKind::kValue, "<line>", ""},
          {"window", FlagKind::kRepeated, "<w>", ""},
          {"orderable", FlagKind::kBool, "", ""},
          {"attendees", FlagKind::kValue, "<n>", ""},
          {"lat", FlagKind::kValue, "<deg>", ""}};
}

TEST(ArgsTest, ParsesOperandsValuesRepeatsAndBools) {
  absl::StatusOr<Args> args = Args::Parse(
      {"01JD8X3Q4M7Y2K9V5T6R1W0ZPN", "--line=elderly-health", "--window",
       "2026-12-01T09:00/11:00", "--window=2026-12-02T09:00/11:00",
       "--orderable", "--line=youth-teachers", "--", "--not-a-flag"},
      Specs());
  ASSERT_TRUE(args.ok()) << args.status();
  EXPECT_THAT(args->positional(),
              ElementsAre("01JD8X3Q4M7Y2K9V5T6R1W0ZPN", "--not-a-flag"));
  // The last value of a single-valued flag counts.
  EXPECT_EQ(args->Get("line"), "youth-teachers");
  EXPECT_THAT(args->GetAll("window"),
              ElementsAre("2026-12-01T09:00/11:00", "2026-12-02T09:00/11:00"));
  EXPECT_TRUE(args->GetBool("orderable"));
  EXPECT_FALSE(args->Has("attendees"));
  EXPECT_EQ(args->GetOr("attendees", "5"), "5");
}

TEST(ArgsTest, NegatedAndExplicitBools) {
  absl::StatusOr<Args> args = Args::Parse({"--noorderable"}, Specs());
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(args->Has("orderable"));
  EXPECT_FALSE(args->GetBool("orderable"));
  args = Args::Parse({"--orderable=yes"}, Specs());
  ASSERT_TRUE(args.ok());
  EXPECT_TRUE(args->GetBool("orderable"));
  EXPECT_TRUE(
      IsUsageError(Args::Parse({"--orderable=maybe"}, Specs()).status()));
}

TEST(ArgsTest, UnknownFlagsAndMissingValuesAreUsageErrors) {
  absl::Status unknown = Args::Parse({"--colour=red"}, Specs()).status();
  EXPECT_TRUE(IsUsageError(unknown));
  EXPECT_THAT(unknown.message(), HasSubstr("--colour"));
  absl::Status missing = Args::Parse({"--line"}, Specs()).status();
  EXPECT_TRUE(IsUsageError(missing));
  EXPECT_THAT(missing.message(), HasSubstr("--line needs a value"));
}

TEST(ArgsTest, NumbersAreCheckedWithTheFlagName) {
  absl::StatusOr<Args> args =
      Args::Parse({"--attendees=30", "--lat=35.41"}, Specs());
  ASSERT_TRUE(args.ok());
  EXPECT_EQ(*args->GetInt("attendees", 1, 5000), 30);
  EXPECT_DOUBLE_EQ(**args->GetDouble("lat"), 35.41);
  args = Args::Parse({"--attendees=thirty"}, Specs());
  ASSERT_TRUE(args.ok());
  absl::Status bad = args->GetInt("attendees", 1, 5000).status();
  EXPECT_TRUE(IsUsageError(bad));
  EXPECT_THAT(bad.message(), HasSubstr("--attendees"));
  args = Args::Parse({"--attendees=0"}, Specs());
  EXPECT_THAT(args->GetInt("attendees", 1, 5000).status().message(),
              HasSubstr("must be 1 to 5000"));
  EXPECT_THAT(Args().Require("line").status().message(),
              HasSubstr("--line is required"));
}

TEST(SplitGlobalFlagsTest, TakesGlobalFlagsFromAnywhere) {
  absl::StatusOr<SplitArgs> split = SplitGlobalFlags(
      {"kepuctl", "--server", "10.0.0.1:7070", "order", "get", "X", "--json",
       "--profile=worker", "--line=a", "--timeout=3s"});
  ASSERT_TRUE(split.ok()) << split.status();
  EXPECT_THAT(split->command, ElementsAre("order", "get", "X", "--line=a"));
  ASSERT_EQ(split->globals.size(), 4u);
  EXPECT_EQ(split->globals[0],
            (std::pair<std::string, std::string>("server", "10.0.0.1:7070")));
  EXPECT_EQ(split->globals[1].second, "true");
  EXPECT_EQ(split->globals[2].second, "worker");
  EXPECT_EQ(split->globals[3].second, "3s");
  EXPECT_FALSE(split->help);

  split = SplitGlobalFlags({"kepuctl", "queue", "--nojson", "-h"});
  ASSERT_TRUE(split.ok());
  EXPECT_THAT(split->command, ElementsAre("queue"));
  EXPECT_EQ(split->globals[0].second, "false");
  EXPECT_TRUE(split->help);

  // "--version" is a command flag (the expected version), not absl's.
  split = SplitGlobalFlags({"kepuctl", "claim", "X", "--version=3"});
  EXPECT_THAT(split->command, ElementsAre("claim", "X", "--version=3"));
  EXPECT_TRUE(IsUsageError(SplitGlobalFlags({"kepuctl", "--server"}).status()));
}

TEST(TimeTest, LocalTimesAreShanghaiTime) {
  absl::StatusOr<absl::Time> time = ParseTime("2026-12-01T09:00", LocalZone());
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(*time, absl::FromCivil(absl::CivilMinute(2026, 12, 1, 1, 0),
                                   absl::UTCTimeZone()));
  EXPECT_EQ(*ParseTime("2026-12-01 09:00:30", LocalZone()),
            *time + absl::Seconds(30));
  EXPECT_EQ(*ParseTime("2026-12-01T01:00Z", LocalZone()), *time);
  EXPECT_EQ(*ParseTime("2026-12-01T10:00+09:00", LocalZone()), *time);
  EXPECT_TRUE(IsUsageError(ParseTime("tomorrow", LocalZone()).status()));
  EXPECT_TRUE(
      IsUsageError(ParseTime("2026-13-01T09:00", LocalZone()).status()));
  EXPECT_EQ(TimeText(*time), "2026-12-01T09:00");
  EXPECT_EQ(TimeText(*time + absl::Seconds(5)), "2026-12-01T09:00:05");
  EXPECT_EQ(TimeText(google::protobuf::Timestamp()), "");
}

TEST(TimeTest, WindowsTakeAnEndTimeOrJustTheHour) {
  absl::StatusOr<v1::TimeWindow> window =
      ParseWindow("2026-12-01T09:00/11:00", LocalZone());
  ASSERT_TRUE(window.ok()) << window.status();
  EXPECT_EQ(FromProto(window->start()),
            absl::FromCivil(absl::CivilMinute(2026, 12, 1, 1, 0),
                            absl::UTCTimeZone()));
  EXPECT_EQ(FromProto(window->end()) - FromProto(window->start()),
            absl::Hours(2));
  EXPECT_EQ(FormatWindow(*window), "2026-12-01T09:00/11:00");

  window = ParseWindow("2026-12-01T22:00/2026-12-02T01:30", LocalZone());
  ASSERT_TRUE(window.ok());
  EXPECT_EQ(FromProto(window->end()) - FromProto(window->start()),
            absl::Minutes(210));
  EXPECT_EQ(FormatWindow(*window), "2026-12-01T22:00/2026-12-02T01:30");

  EXPECT_THAT(ParseWindow("2026-12-01T09:00", LocalZone()).status().message(),
              HasSubstr("not a window"));
  EXPECT_THAT(
      ParseWindow("2026-12-01T09:00/08:00", LocalZone()).status().message(),
      HasSubstr("must end after it starts"));
}

TEST(ValueTest, DurationsHoursGrantsAndEnums) {
  EXPECT_EQ(*ParseDurationText("2h"), absl::Hours(2));
  EXPECT_EQ(*ParseDurationText("1h30m"), absl::Minutes(90));
  EXPECT_EQ(*ParseDurationText("3d"), absl::Hours(72));
  EXPECT_TRUE(IsUsageError(ParseDurationText("soon").status()));
  EXPECT_TRUE(IsUsageError(ParseDurationText("-2h").status()));

  absl::StatusOr<v1::HoursEntry> hours = ParseHours("rencheng-health-v1:2.5");
  ASSERT_TRUE(hours.ok());
  EXPECT_EQ(hours->volunteer_id(), "rencheng-health-v1");
  EXPECT_DOUBLE_EQ(hours->hours(), 2.5);
  EXPECT_TRUE(IsUsageError(ParseHours("v1").status()));
  EXPECT_TRUE(IsUsageError(ParseHours("v1:lots").status()));
  hours = ParseHours("v1:2:签到表: 纸质");
  ASSERT_TRUE(hours.ok()) << hours.status();
  EXPECT_EQ(hours->volunteer_id(), "v1");
  EXPECT_EQ(hours->hours(), 2);
  EXPECT_EQ(hours->reason(), "签到表: 纸质");

  absl::StatusOr<v1::RoleGrant> grant =
      ParseGrant("worker:rencheng-guhuai-zhuyuan");
  ASSERT_TRUE(grant.ok());
  EXPECT_EQ(grant->role(), v1::ROLE_COMMUNITY_WORKER);
  EXPECT_EQ(grant->scope_id(), "rencheng-guhuai-zhuyuan");
  EXPECT_EQ(ParseGrant("resident")->scope_id(), "");

  EXPECT_EQ(*ParseRole("team-leader"), v1::ROLE_TEAM_LEADER);
  EXPECT_EQ(*ParseRole("leader"), v1::ROLE_TEAM_LEADER);
  EXPECT_EQ(*ParseRole("dept"), v1::ROLE_DEPARTMENT_STAFF);
  EXPECT_EQ(*ParseRole("ROLE_ADMIN"), v1::ROLE_ADMIN);
  EXPECT_EQ(*ParseAudience("elderly"), v1::AUDIENCE_ELDERLY);
  EXPECT_EQ(*ParseAudience("workers"), v1::AUDIENCE_INDUSTRIAL_WORKERS);
  EXPECT_EQ(*ParseAudience("Public"), v1::AUDIENCE_GENERAL_PUBLIC);
  EXPECT_EQ(*ParseState("needs-info"), v1::ORDER_STATE_NEEDS_INFO);
  EXPECT_EQ(*ParseState("in_service"), v1::ORDER_STATE_IN_SERVICE);
  EXPECT_EQ(*ParseRegionLevel("community"), v1::REGION_LEVEL_COMMUNITY);
  absl::Status unknown = ParseState("lost").status();
  EXPECT_TRUE(IsUsageError(unknown));
  EXPECT_THAT(unknown.message(), HasSubstr("needs-info"));
  EXPECT_TRUE(IsUsageError(ParseRole("unspecified").status()));

  EXPECT_EQ(StateName(v1::ORDER_STATE_NEEDS_INFO), "needs-info");
  EXPECT_EQ(RoleName(v1::ROLE_COMMUNITY_WORKER), "community-worker");
  EXPECT_EQ(StateLabel(v1::ORDER_STATE_DISPATCHED), "已派单");
  EXPECT_THAT(SplitList(" a, b,,c "), ElementsAre("a", "b", "c"));
}

TEST(DisplayWidthTest, ChineseCountsTwoColumns) {
  EXPECT_EQ(DisplayWidth("abc"), 3);
  EXPECT_EQ(DisplayWidth("济宁"), 4);
  EXPECT_EQ(DisplayWidth("任城区 rencheng"), 15);
  EXPECT_EQ(DisplayWidth("（市科协）"), 10);
  EXPECT_EQ(DisplayWidth("Lümeng"), 6);
  EXPECT_EQ(DisplayWidth(""), 0);
  EXPECT_EQ(DisplayWidth("\xff"
                         "a"),
            2);  // a stray byte counts one
  EXPECT_EQ(PadRight("济宁", 6), "济宁  ");
  EXPECT_EQ(Truncate("智慧助老志愿服务队", 9), "智慧助老…");
  EXPECT_EQ(DisplayWidth(Truncate("智慧助老志愿服务队", 9)), 9);
  EXPECT_EQ(Truncate("short", 9), "short");
}

// The display column where `needle` starts in `line`.
int ColumnOf(const std::string& line, absl::string_view needle) {
  const size_t at = absl::string_view(line).find(needle);
  return at == std::string::npos ? -1 : DisplayWidth(line.substr(0, at));
}

TEST(TableTest, AlignsColumnsByDisplayWidth) {
  Table table({"TEAM", "NAME", "LOAD"});
  table.AddRow({"rencheng-health", "任城区健康科普志愿服务队", "1/6"});
  table.AddRow({"qufu-culture", "曲阜市文旅科普志愿服务队", "0/2"});
  table.AddRow({"x", "Lab", "3/3"});
  const std::vector<std::string> lines =
      absl::StrSplit(table.Render(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(ColumnOf(lines[0], "NAME"), ColumnOf(lines[1], "任城区"));
  EXPECT_EQ(ColumnOf(lines[0], "NAME"), ColumnOf(lines[3], "Lab"));
  EXPECT_EQ(ColumnOf(lines[0], "LOAD"), ColumnOf(lines[1], "1/6"));
  EXPECT_EQ(ColumnOf(lines[0], "LOAD"), ColumnOf(lines[2], "0/2"));
  EXPECT_EQ(ColumnOf(lines[0], "LOAD"), ColumnOf(lines[3], "3/3"));
  // Two spaces between columns: the widest name is 24 columns.
  EXPECT_EQ(ColumnOf(lines[0], "LOAD"), ColumnOf(lines[0], "NAME") + 24 + 2);
  for (const std::string& line : lines) EXPECT_NE(line.back(), ' ');
}

TEST(TableTest, CutsLongCellsAndFlattensLineBreaks) {
  Table table({"A", "B"});
  table.SetMaxWidth(0, 6);
  table.AddRow({"科普进社区活动", "x\ny"});
  const std::string text = table.Render();
  EXPECT_THAT(text, HasSubstr("科普…  x y"));
  Table keys({});
  keys.AddRow({"state", "submitted"});
  EXPECT_EQ(keys.Render(), "state  submitted\n");
}

TEST(ProgressTest, RendersTheBar) {
  EXPECT_EQ(RenderProgress(0, 10, "regions", 10), "[..........] 0/10 regions");
  EXPECT_EQ(RenderProgress(120, 260, "teams", 10),
            "[####......] 120/260 teams");
  EXPECT_EQ(RenderProgress(5, 10, "teams", 10), "[#####.....] 5/10 teams");
  EXPECT_EQ(RenderProgress(10, 10, "", 10), "[##########] 10/10");
  EXPECT_EQ(RenderProgress(0, 0, "x", 4), "[####] 0/0 x");
  EXPECT_EQ(RenderProgress(12, 10, "x", 4), "[####] 12/10 x");
}

TEST(ProgressTest, OnAPipeOneLinePerStage) {
  std::ostringstream out;
  Progress progress(out, /*terminal=*/false, 3);
  progress.Advance("regions");
  progress.Advance("regions");
  progress.Advance("teams");
  progress.Finish();
  progress.Finish();
  EXPECT_EQ(out.str(),
            "[####################..........] 2/3 regions\n"
            "[##############################] 3/3 teams\n");
}

TEST(ProgressTest, OnATerminalRedrawsOneLine) {
  std::ostringstream out;
  Progress progress(out, /*terminal=*/true, 2);
  progress.Advance("teams");
  progress.Advance("teams");
  progress.Finish();
  EXPECT_EQ(out.str(),
            "\r[###############...............] 1/2 teams\x1b[K"
            "\r[##############################] 2/2 teams\x1b[K\n");
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/kepuctl_test_XXXXXX";
    ASSERT_NE(mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    std::system(absl::StrCat("rm -rf '", dir_, "'").c_str());
  }
  static int Mode(const std::string& path) {
    struct stat info;
    if (stat(path.c_str(), &info) != 0) return -1;
    return static_cast<int>(info.st_mode & 0777);
  }
  std::string dir_;
};

TEST_F(ConfigTest, RoundTripsWithMode0600) {
  const std::string path = absl::StrCat(dir_, "/new/kepu/kepuctl.json");
  Config config;
  config.profile("default").token = "tok-default";
  config.profile("worker") = {"10.0.0.2:7070", "jining", "tok-worker"};
  ASSERT_TRUE(config.Save(path).ok());
  EXPECT_EQ(Mode(path), 0600);
  EXPECT_EQ(Mode(absl::StrCat(dir_, "/new/kepu")), 0700);

  absl::StatusOr<Config> loaded = Config::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_NE(loaded->Find("worker"), nullptr);
  EXPECT_EQ(loaded->Find("worker")->server, "10.0.0.2:7070");
  EXPECT_EQ(loaded->Find("worker")->tenant, "jining");
  EXPECT_EQ(loaded->Find("worker")->token, "tok-worker");
  EXPECT_EQ(loaded->Find("default")->token, "tok-default");
  EXPECT_EQ(loaded->Find("default")->server, "");
  EXPECT_EQ(loaded->Find("nobody"), nullptr);
}

TEST_F(ConfigTest, SavingTightensAWideFile) {
  const std::string path = absl::StrCat(dir_, "/kepuctl.json");
  std::ofstream(path) << "{}";
  ASSERT_EQ(chmod(path.c_str(), 0644), 0);
  Config config;
  config.profile("default").token = "secret";
  ASSERT_TRUE(config.Save(path).ok());
  EXPECT_EQ(Mode(path), 0600);
  // No temporary file is left behind.
  EXPECT_EQ(Mode(absl::StrCat(path, ".tmp.", getpid())), -1);
}

TEST_F(ConfigTest, MissingIsEmptyAndGarbageIsAnError) {
  absl::StatusOr<Config> missing =
      Config::Load(absl::StrCat(dir_, "/none.json"));
  ASSERT_TRUE(missing.ok());
  EXPECT_TRUE(missing->profiles().empty());
  const std::string path = absl::StrCat(dir_, "/bad.json");
  std::ofstream(path) << "{not json";
  EXPECT_EQ(Config::Load(path).status().code(),
            absl::StatusCode::kInvalidArgument);
  std::ofstream(path) << R"({"profiles": []})";
  EXPECT_EQ(Config::Load(path).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HelpTest, ListsEveryCommandAndItsFlags) {
  const std::string help = HelpText();
  for (const char* command : {"register",
                              "login",
                              "logout",
                              "whoami",
                              "password change",
                              "user create",
                              "catalog lines",
                              "region create",
                              "team update",
                              "volunteer list",
                              "order create",
                              "order rate <order>",
                              "queue",
                              "dispatch <order>",
                              "followup record",
                              "pool",
                              "assign <order>",
                              "offer accept <order>",
                              "complete <order>",
                              "hours decline",
                              "watch team",
                              "demo load",
                              "health"}) {
    EXPECT_THAT(help, HasSubstr(command));
  }
  const std::string create = CommandHelp({"order", "create"});
  EXPECT_THAT(create, HasSubstr("--window=<start>/<end>"));
  EXPECT_THAT(create, HasSubstr("--request-id=<id>"));
  EXPECT_EQ(CommandHelp({"no", "such"}), "");
}

// The demo data files ---------------------------------------------------------

DemoData Seed() {
  absl::StatusOr<DemoData> data = LoadDemoData(KEPU_SEED_DIR);
  EXPECT_TRUE(data.ok()) << data.status();
  return data.ok() ? *std::move(data) : DemoData();
}

TEST(DemoDataTest, IsConsistent) {
  const DemoData data = Seed();
  EXPECT_THAT(CheckDemoData(data), IsEmpty());
}

TEST(DemoDataTest, HasJiningsDivisionsAndZones) {
  const DemoData data = Seed();
  std::set<std::string> counties;
  std::set<std::string> zones;
  std::map<std::string, int> towns;
  std::map<std::string, int> communities;
  std::map<std::string, std::string> parent;
  for (const v1::Region& region : data.regions) {
    parent[region.id()] = region.parent_id();
    if (region.level() == v1::REGION_LEVEL_COUNTY)
      counties.insert(region.name());
    if (region.level() == v1::REGION_LEVEL_ZONE) zones.insert(region.name());
    if (region.level() == v1::REGION_LEVEL_TOWN) ++towns[region.parent_id()];
    if (region.level() == v1::REGION_LEVEL_COMMUNITY) {
      ++communities[region.parent_id()];
      EXPECT_EQ(region.county_id(), parent[region.parent_id()]) << region.id();
    }
  }
  EXPECT_EQ(counties,
            (std::set<std::string>{"任城区", "兖州区", "曲阜市", "邹城市",
                                   "微山县", "鱼台县", "金乡县", "嘉祥县",
                                   "汶上县", "泗水县", "梁山县"}));
  EXPECT_EQ(zones, (std::set<std::string>{"济宁高新区", "太白湖新区",
                                          "济宁经济技术开发区",
                                          "曲阜文化建设示范区"}));
  ASSERT_EQ(data.regions.front().id(), "jining");
  for (const auto& [county, n] : towns) {
    EXPECT_GE(n, 1) << county;
    EXPECT_LE(n, 3) << county;
  }
  for (const auto& [town, n] : communities) {
    EXPECT_GE(n, 2) << town;
    EXPECT_LE(n, 3) << town;
  }
  EXPECT_EQ(towns.size(), 15u);  // every county-level region has towns
}

TEST(DemoDataTest, EveryDepartmentOfTheCatalogHasAnId) {
  const DemoData data = Seed();
  std::ifstream in(absl::StrCat(KEPU_SEED_DIR, "/service-lines.tsv"));
  std::string line;
  std::getline(in, line);  // header
  std::set<std::string> named;
  int lines = 0;
  int not_orderable_in_tsv = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    ++lines;
    const std::vector<std::string> cells = absl::StrSplit(line, '\t');
    ASSERT_EQ(cells.size(), 7u) << line;
    if (cells[4] == "no") ++not_orderable_in_tsv;
    for (const std::string& name :
         std::vector<std::string>(absl::StrSplit(cells[6], ';'))) {
      if (!name.empty()) named.insert(name);
    }
  }
  std::set<std::string> with_id;
  for (const v1::Department& department : data.departments) {
    with_id.insert(department.name());
    EXPECT_TRUE(CheckId(department.id(), "id").ok()) << department.id();
    EXPECT_FALSE(department.name_en().empty()) << department.id();
  }
  EXPECT_EQ(named, with_id);
  EXPECT_EQ(static_cast<int>(data.service_lines.size()), lines);
  std::set<std::string> programs;
  for (const auto& [id, program] : data.programs) programs.insert(id);
  EXPECT_EQ(programs,
            (std::set<std::string>{"youth", "farmers", "workers", "elderly",
                                   "officials", "resources", "digital",
                                   "infrastructure", "grassroots"}));
  int not_orderable = 0;
  for (const v1::ServiceLine& service_line : data.service_lines) {
    if (!service_line.orderable()) ++not_orderable;
  }
  EXPECT_EQ(not_orderable, not_orderable_in_tsv);
  EXPECT_GT(not_orderable, 0);
}

TEST(DemoDataTest, TeamsAndAccountsCoverEveryRole) {
  const DemoData data = Seed();
  EXPECT_GE(data.teams.size(), 35u);
  EXPECT_LE(data.teams.size(), 45u);
  std::map<std::string, std::string> county_of;
  for (const v1::Region& region : data.regions) {
    county_of[region.id()] = region.county_id();
  }
  std::set<std::string> counties_with_teams;
  for (const v1::Team& team : data.teams) {
    counties_with_teams.insert(county_of[team.service_area_region_ids(0)]);
  }
  EXPECT_EQ(counties_with_teams.size(), 15u);
  std::map<v1::Role, int> roles;
  for (const DemoAccount& account : data.accounts) ++roles[account.role];
  EXPECT_GE(roles[v1::ROLE_ADMIN], 1);
  EXPECT_GE(roles[v1::ROLE_COMMUNITY_WORKER], 3);
  EXPECT_EQ(roles[v1::ROLE_DEPARTMENT_STAFF],
            static_cast<int>(data.departments.size()));
  EXPECT_EQ(roles[v1::ROLE_TEAM_LEADER], static_cast<int>(data.teams.size()));
  EXPECT_GE(roles[v1::ROLE_VOLUNTEER], 3);
  EXPECT_GE(roles[v1::ROLE_RESIDENT], 3);
}

// Every record passes the server's validation of the request that creates it.
TEST(DemoDataTest, EveryRecordPassesValidation) {
  const DemoData data = Seed();
  const ValidationContext context{absl::Now()};
  for (const v1::Region& region : data.regions) {
    v1::CreateRegionRequest request;
    *request.mutable_region() = region;
    request.set_request_id(DemoRequestId("region", region.id(), region));
    EXPECT_TRUE(Validate(request, context).ok())
        << region.id() << ": " << Validate(request, context);
  }
  for (const v1::Department& department : data.departments) {
    v1::CreateDepartmentRequest request;
    *request.mutable_department() = department;
    request.set_request_id(
        DemoRequestId("department", department.id(), department));
    EXPECT_TRUE(Validate(request, context).ok()) << department.id();
  }
  for (const v1::ServiceLine& line : data.service_lines) {
    v1::CreateServiceLineRequest request;
    *request.mutable_service_line() = line;
    request.set_request_id(DemoRequestId("line", line.id(), line));
    EXPECT_TRUE(Validate(request, context).ok())
        << line.id() << ": " << Validate(request, context);
  }
  for (const v1::Team& team : data.teams) {
    v1::CreateTeamRequest request;
    *request.mutable_team() = team;
    request.set_request_id(DemoRequestId("team", team.id(), team));
    EXPECT_TRUE(Validate(request, context).ok())
        << team.id() << ": " << Validate(request, context);
  }
  for (const v1::Volunteer& volunteer : data.volunteers) {
    v1::CreateVolunteerRequest request;
    *request.mutable_volunteer() = volunteer;
    request.set_request_id(
        DemoRequestId("volunteer", volunteer.id(), volunteer));
    EXPECT_TRUE(Validate(request, context).ok()) << volunteer.id();
  }
  for (const DemoAccount& account : data.accounts) {
    if (account.role == v1::ROLE_RESIDENT) {
      v1::RegisterRequest request;
      request.set_request_id(DemoRequestId("resident", account.phone, request));
      request.set_phone(account.phone);
      request.set_password(account.password);
      request.set_display_name(account.name);
      EXPECT_TRUE(Validate(request, context).ok()) << account.phone;
      continue;
    }
    v1::CreateStaffAccountRequest request;
    request.set_request_id(DemoRequestId("account", account.phone, request));
    request.set_phone(account.phone);
    request.set_display_name(account.name);
    request.set_initial_password(account.password);
    for (const std::string& scope : account.scopes) {
      v1::RoleGrant* grant = request.add_grants();
      grant->set_role(account.role);
      grant->set_scope_id(scope);
    }
    EXPECT_TRUE(Validate(request, context).ok())
        << account.phone << ": " << Validate(request, context);
  }
}

TEST(DemoDataTest, CheckFindsBrokenReferences) {
  DemoData data = Seed();
  ASSERT_FALSE(data.teams.empty());
  data.teams[0].add_service_line_ids("no-such-line");
  data.teams[1].add_service_area_region_ids("atlantis");
  data.regions.back().set_parent_id("nowhere");
  data.accounts[1].phone = data.accounts[0].phone;
  data.departments[0].set_id("bad id");
  const std::string problems = absl::StrJoin(CheckDemoData(data), "\n");
  EXPECT_THAT(problems, HasSubstr("no-such-line"));
  EXPECT_THAT(problems, HasSubstr("atlantis"));
  EXPECT_THAT(problems, HasSubstr("nowhere"));
  EXPECT_THAT(problems, HasSubstr("listed twice"));
  EXPECT_THAT(problems, HasSubstr("bad id"));
}

TEST(DemoDataTest, MalformedFilesNameTheLine) {
  char pattern[] = "/tmp/kepuctl_seed_XXXXXX";
  ASSERT_NE(mkdtemp(pattern), nullptr);
  const std::string dir = pattern;
  ASSERT_EQ(
      std::system(absl::StrCat("cp ", KEPU_SEED_DIR, "/*.tsv ", dir).c_str()),
      0);
  std::ofstream(absl::StrCat(dir, "/departments.tsv"), std::ios::app)
      << "extra\t市外星局\tAliens\tone cell too many\n";
  absl::Status status = LoadDemoData(dir).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("departments.tsv:28"));
  std::system(absl::StrCat("rm -rf '", dir, "'").c_str());
}

TEST(DemoRequestIdTest, StableValidAndContentBound) {
  v1::Region region;
  region.set_id("rencheng-guhuai-zhuyuan");
  region.set_name("竹园社区");
  const std::string id = DemoRequestId("region", region.id(), region);
  EXPECT_EQ(id, DemoRequestId("region", region.id(), region));
  EXPECT_TRUE(CheckRequestId(id, "request_id").ok()) << id;
  EXPECT_TRUE(absl::StartsWith(id, "demo-region-rencheng-guhuai-zhuyuan-"));
  v1::Region renamed = region;
  renamed.set_name("竹园新社区");
  EXPECT_NE(id, DemoRequestId("region", region.id(), renamed));
  EXPECT_NE(id, DemoRequestId("team", region.id(), region));
  const std::string long_id(64, 'x');
  const std::string fitted =
      DemoRequestId("volunteer", long_id + ".v1", region);
  EXPECT_LE(fitted.size(), 64u);
  EXPECT_TRUE(CheckRequestId(fitted, "request_id").ok()) << fitted;
}

}  // namespace
}  // namespace kepu::ctl
