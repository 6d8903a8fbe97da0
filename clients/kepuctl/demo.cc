#include "clients/kepuctl/demo.h"

#include <cstdint>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "clients/kepuctl/args.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace kepu::ctl {
namespace {

// One TSV file: its rows as column name -> cell.
struct TsvRow {
  int line = 0;
  std::map<std::string, std::string> cells;
  const std::string& operator[](const std::string& column) const {
    static const std::string* const kEmpty = new std::string;
    auto it = cells.find(column);
    return it == cells.end() ? *kEmpty : it->second;
  }
};

struct Tsv {
  std::string path;
  std::vector<TsvRow> rows;

  absl::Status Error(const TsvRow& row, absl::string_view problem) const {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ":", row.line, ": ", problem));
  }
};

absl::StatusOr<Tsv> ReadTsv(const std::string& dir, absl::string_view name,
                            const std::vector<std::string>& required) {
  Tsv tsv;
  tsv.path = absl::StrCat(dir, "/", name);
  std::ifstream in(tsv.path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", tsv.path));
  std::string text;
  std::vector<std::string> header;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (!text.empty() && text.back() == '\r') text.pop_back();
    if (text.empty()) continue;
    std::vector<std::string> cells = absl::StrSplit(text, '\t');
    if (header.empty()) {
      header = std::move(cells);
      for (const std::string& column : required) {
        if (std::find(header.begin(), header.end(), column) == header.end()) {
          return absl::InvalidArgumentError(
              absl::StrCat(tsv.path, ": no column '", column, "'"));
        }
      }
      continue;
    }
    if (cells.size() > header.size()) {
      return absl::InvalidArgumentError(
          absl::StrCat(tsv.path, ":", number, ": ", cells.size(),
                       " cells, the header has ", header.size()));
    }
    TsvRow row;
    row.line = number;
    for (size_t i = 0; i < header.size(); ++i) {
      row.cells[header[i]] =
          i < cells.size() ? std::string(absl::StripAsciiWhitespace(cells[i]))
                           : std::string();
    }
    tsv.rows.push_back(std::move(row));
  }
  if (header.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(tsv.path, ": empty"));
  }
  return tsv;
}

std::vector<std::string> SplitCell(absl::string_view cell) {
  std::vector<std::string> out;
  for (absl::string_view item : absl::StrSplit(cell, ';')) {
    item = absl::StripAsciiWhitespace(item);
    if (!item.empty()) out.emplace_back(item);
  }
  return out;
}

absl::StatusOr<v1::GeoPoint> PointOf(const Tsv& tsv, const TsvRow& row) {
  v1::GeoPoint point;
  double lat = 0;
  double lng = 0;
  if (!absl::SimpleAtod(row["lat"], &lat) ||
      !absl::SimpleAtod(row["lng"], &lng)) {
    return tsv.Error(row, "lat and lng must be numbers");
  }
  point.set_lat(lat);
  point.set_lng(lng);
  return point;
}

absl::StatusOr<bool> YesNo(const Tsv& tsv, const TsvRow& row,
                           const std::string& column) {
  const std::string& value = row[column];
  if (value == "yes") return true;
  if (value == "no" || value.empty()) return false;
  return tsv.Error(row, absl::StrCat(column, " must be yes or no"));
}

// FNV-1a, 64 bits: stable across runs and machines (absl::Hash is not).
uint64_t Fnv1a(absl::string_view data, uint64_t hash = 0xcbf29ce484222325u) {
  for (char c : data) {
    hash ^= static_cast<uint8_t>(c);
    hash *= 0x100000001b3u;
  }
  return hash;
}

}  // namespace

absl::StatusOr<DemoData> LoadDemoData(const std::string& dir) {
  DemoData data;

  ASSIGN_OR_RETURN(
      const Tsv programs,
      ReadTsv(dir, "programs.tsv", {"id", "program", "name_en", "audience"}));
  std::map<std::string, std::string> program_by_name;
  for (const TsvRow& row : programs.rows) {
    v1::Program program;
    program.set_id(row["id"]);
    program.set_name(row["program"]);
    program.set_name_en(row["name_en"]);
    absl::StatusOr<v1::Audience> audience = ParseAudience(row["audience"]);
    if (!audience.ok()) {
      return programs.Error(row, audience.status().message());
    }
    program.set_audience(*audience);
    program.set_active(true);
    program_by_name[program.name()] = program.id();
    data.programs[program.id()] = program;
  }

  ASSIGN_OR_RETURN(const Tsv line_ids,
                   ReadTsv(dir, "line-ids.tsv", {"id", "line"}));
  std::map<std::string, std::string> line_by_name;
  for (const TsvRow& row : line_ids.rows) {
    if (!line_by_name.emplace(row["line"], row["id"]).second) {
      return line_ids.Error(
          row, absl::StrCat("line '", row["line"], "' is listed twice"));
    }
  }

  ASSIGN_OR_RETURN(const Tsv departments,
                   ReadTsv(dir, "departments.tsv", {"id", "name", "name_en"}));
  std::map<std::string, std::string> department_by_name;
  for (const TsvRow& row : departments.rows) {
    v1::Department department;
    department.set_id(row["id"]);
    department.set_name(row["name"]);
    department.set_name_en(row["name_en"]);
    department.set_active(true);
    department_by_name[department.name()] = department.id();
    data.departments.push_back(std::move(department));
  }

  ASSIGN_OR_RETURN(const Tsv lines,
                   ReadTsv(dir, "service-lines.tsv",
                           {"program", "line", "line_en", "orderable",
                            "example_services", "responsible_departments"}));
  for (const TsvRow& row : lines.rows) {
    v1::ServiceLine line;
    auto id = line_by_name.find(row["line"]);
    if (id == line_by_name.end()) {
      return lines.Error(row, absl::StrCat("line '", row["line"],
                                           "' has no id in line-ids.tsv"));
    }
    line.set_id(id->second);
    auto program = program_by_name.find(row["program"]);
    if (program == program_by_name.end()) {
      return lines.Error(row, absl::StrCat("program '", row["program"],
                                           "' has no id in programs.tsv"));
    }
    line.set_program_id(program->second);
    line.set_name(row["line"]);
    line.set_name_en(row["line_en"]);
    ASSIGN_OR_RETURN(const bool orderable, YesNo(lines, row, "orderable"));
    line.set_orderable(orderable);
    for (std::string& service : SplitCell(row["example_services"])) {
      line.add_example_services(std::move(service));
    }
    for (const std::string& name : SplitCell(row["responsible_departments"])) {
      auto department = department_by_name.find(name);
      if (department == department_by_name.end()) {
        return lines.Error(row, absl::StrCat("department '", name,
                                             "' has no id in departments.tsv"));
      }
      line.add_responsible_department_ids(department->second);
    }
    line.set_active(true);
    data.service_lines.push_back(std::move(line));
  }

  ASSIGN_OR_RETURN(const Tsv regions,
                   ReadTsv(dir, "regions.tsv",
                           {"id", "level", "parent_id", "name", "name_en",
                            "lat", "lng", "invented"}));
  std::map<std::string, const v1::Region*> region_by_id;
  data.regions.reserve(regions.rows.size());
  for (const TsvRow& row : regions.rows) {
    v1::Region region;
    region.set_id(row["id"]);
    absl::StatusOr<v1::RegionLevel> level = ParseRegionLevel(row["level"]);
    if (!level.ok()) return regions.Error(row, level.status().message());
    region.set_level(*level);
    region.set_parent_id(row["parent_id"]);
    region.set_name(row["name"]);
    region.set_name_en(row["name_en"]);
    ASSIGN_OR_RETURN(*region.mutable_center(), PointOf(regions, row));
    RETURN_IF_ERROR(YesNo(regions, row, "invented").status());
    // The county-level region: itself for a county or zone, its parent's
    // for a town or community; the parent must come first.
    if (region.level() == v1::REGION_LEVEL_COUNTY ||
        region.level() == v1::REGION_LEVEL_ZONE) {
      region.set_county_id(region.id());
    } else if (region.level() != v1::REGION_LEVEL_CITY) {
      auto parent = region_by_id.find(region.parent_id());
      if (parent == region_by_id.end()) {
        return regions.Error(row, absl::StrCat("parent '", region.parent_id(),
                                               "' must come before"));
      }
      region.set_county_id(parent->second->county_id());
    }
    region.set_active(true);
    data.regions.push_back(std::move(region));
    region_by_id[data.regions.back().id()] = &data.regions.back();
  }

  ASSIGN_OR_RETURN(const Tsv accounts,
                   ReadTsv(dir, "accounts.tsv",
                           {"role", "scope", "phone", "password", "name"}));
  for (const TsvRow& row : accounts.rows) {
    DemoAccount account;
    absl::StatusOr<v1::Role> role = ParseRole(row["role"]);
    if (!role.ok()) return accounts.Error(row, role.status().message());
    account.role = *role;
    account.scopes = SplitCell(row["scope"]);
    account.phone = row["phone"];
    account.password = row["password"];
    account.name = row["name"];
    account.note = row["note"];
    data.accounts.push_back(std::move(account));
  }

  ASSIGN_OR_RETURN(const Tsv teams,
                   ReadTsv(dir, "teams.tsv",
                           {"id", "name", "department_id", "service_line_ids",
                            "service_area_region_ids", "lat", "lng", "capacity",
                            "leader_phone"}));
  for (const TsvRow& row : teams.rows) {
    v1::Team team;
    team.set_id(row["id"]);
    team.set_name(row["name"]);
    team.set_department_id(row["department_id"]);
    for (std::string& id : SplitCell(row["service_line_ids"])) {
      team.add_service_line_ids(std::move(id));
    }
    for (std::string& id : SplitCell(row["service_area_region_ids"])) {
      team.add_service_area_region_ids(std::move(id));
    }
    ASSIGN_OR_RETURN(*team.mutable_base(), PointOf(teams, row));
    int capacity = 0;
    if (!absl::SimpleAtoi(row["capacity"], &capacity)) {
      return teams.Error(row, "capacity must be a whole number");
    }
    team.set_capacity(capacity);
    const std::string& phone = row["leader_phone"];
    const DemoAccount* leader = nullptr;
    for (const DemoAccount& account : data.accounts) {
      if (account.phone == phone && account.role == v1::ROLE_TEAM_LEADER) {
        leader = &account;
      }
    }
    if (leader == nullptr) {
      return teams.Error(row, absl::StrCat("leader_phone ", phone,
                                           " is no leader in accounts.tsv"));
    }
    team.mutable_contact()->set_name(leader->name);
    team.mutable_contact()->set_phone(phone);
    team.set_active(true);
    data.team_leader_phones[team.id()] = phone;
    data.teams.push_back(std::move(team));
  }

  ASSIGN_OR_RETURN(
      const Tsv volunteers,
      ReadTsv(dir, "volunteers.tsv",
              {"id", "name", "phone", "team_ids", "skill_service_line_ids"}));
  for (const TsvRow& row : volunteers.rows) {
    v1::Volunteer volunteer;
    volunteer.set_id(row["id"]);
    volunteer.set_name(row["name"]);
    volunteer.set_phone(row["phone"]);
    for (std::string& id : SplitCell(row["team_ids"])) {
      volunteer.add_team_ids(std::move(id));
    }
    for (std::string& id : SplitCell(row["skill_service_line_ids"])) {
      volunteer.add_skill_service_line_ids(std::move(id));
    }
    volunteer.set_active(true);
    data.volunteers.push_back(std::move(volunteer));
  }
  return data;
}

std::vector<std::string> CheckDemoData(const DemoData& data) {
  std::vector<std::string> problems;
  auto check = [&problems](const absl::Status& status) {
    if (!status.ok()) problems.emplace_back(status.message());
  };
  auto unique = [&problems](std::set<std::string>& seen, const std::string& id,
                            absl::string_view kind) {
    if (!seen.insert(id).second) {
      problems.push_back(absl::StrCat(kind, " ", id, " is listed twice"));
    }
  };

  std::set<std::string> programs;
  for (const auto& [id, program] : data.programs) {
    check(CheckId(id, absl::StrCat("program ", id)));
    programs.insert(id);
  }

  std::map<std::string, v1::RegionLevel> levels;
  std::set<std::string> region_ids;
  for (const v1::Region& region : data.regions) {
    const std::string what = absl::StrCat("region ", region.id());
    check(CheckId(region.id(), what));
    unique(region_ids, region.id(), "region");
    levels[region.id()] = region.level();
    v1::RegionLevel parent_level = v1::REGION_LEVEL_UNSPECIFIED;
    if (!region.parent_id().empty()) {
      auto parent = levels.find(region.parent_id());
      if (parent == levels.end()) {
        problems.push_back(absl::StrCat(what, ": parent ", region.parent_id(),
                                        " is not an earlier region"));
        continue;
      }
      parent_level = parent->second;
    }
    bool parent_ok = false;
    switch (region.level()) {
      case v1::REGION_LEVEL_CITY:
        parent_ok = region.parent_id().empty();
        break;
      case v1::REGION_LEVEL_COUNTY:
      case v1::REGION_LEVEL_ZONE:
        parent_ok = parent_level == v1::REGION_LEVEL_CITY;
        break;
      case v1::REGION_LEVEL_TOWN:
        parent_ok = parent_level == v1::REGION_LEVEL_COUNTY ||
                    parent_level == v1::REGION_LEVEL_ZONE;
        break;
      case v1::REGION_LEVEL_COMMUNITY:
        parent_ok = parent_level == v1::REGION_LEVEL_TOWN;
        break;
      default:
        break;
    }
    if (!parent_ok) {
      problems.push_back(absl::StrCat(what, ": a ",
                                      v1::RegionLevel_Name(region.level()),
                                      " cannot lie in ", region.parent_id()));
    }
    check(CheckGeoPoint(region.center(), what));
  }

  std::set<std::string> departments;
  for (const v1::Department& department : data.departments) {
    check(
        CheckId(department.id(), absl::StrCat("department ", department.id())));
    unique(departments, department.id(), "department");
  }

  std::set<std::string> lines;
  std::set<std::string> orderable;
  for (const v1::ServiceLine& line : data.service_lines) {
    const std::string what = absl::StrCat("service line ", line.id());
    check(CheckId(line.id(), what));
    unique(lines, line.id(), "service line");
    if (line.orderable()) orderable.insert(line.id());
    if (programs.count(line.program_id()) == 0) {
      problems.push_back(
          absl::StrCat(what, ": unknown program ", line.program_id()));
    }
    for (const std::string& department : line.responsible_department_ids()) {
      if (departments.count(department) == 0) {
        problems.push_back(
            absl::StrCat(what, ": unknown department ", department));
      }
    }
  }

  // Accounts: valid, unique phones; scopes of the right kind.
  std::set<std::string> team_ids;
  for (const v1::Team& team : data.teams) team_ids.insert(team.id());
  std::set<std::string> account_phones;
  std::map<std::string, int> leaders_per_team;
  for (const DemoAccount& account : data.accounts) {
    const std::string what = absl::StrCat("account ", account.phone);
    check(CheckMobile(account.phone, what));
    unique(account_phones, account.phone, "account");
    check(CheckPassword(account.password, absl::StrCat(what, " password")));
    check(CheckText(account.name, absl::StrCat(what, " name"), 1, 32));
    if (account.role == v1::ROLE_RESIDENT) {
      if (!account.scopes.empty()) {
        problems.push_back(absl::StrCat(what, ": a resident has no scope"));
      }
      continue;
    }
    if (account.scopes.empty()) {
      problems.push_back(absl::StrCat(what, ": needs a scope"));
    }
    for (const std::string& scope : account.scopes) {
      bool ok = false;
      switch (account.role) {
        case v1::ROLE_COMMUNITY_WORKER:
          ok = levels.count(scope) > 0 &&
               levels[scope] == v1::REGION_LEVEL_COMMUNITY;
          break;
        case v1::ROLE_DEPARTMENT_STAFF:
          ok = departments.count(scope) > 0;
          break;
        case v1::ROLE_TEAM_LEADER:
          ok = team_ids.count(scope) > 0;
          if (ok) ++leaders_per_team[scope];
          break;
        case v1::ROLE_VOLUNTEER:
          ok = team_ids.count(scope) > 0;
          break;
        case v1::ROLE_ADMIN:
          ok = levels.count(scope) > 0 &&
               (levels[scope] == v1::REGION_LEVEL_CITY ||
                levels[scope] == v1::REGION_LEVEL_COUNTY ||
                levels[scope] == v1::REGION_LEVEL_ZONE);
          break;
        default:
          break;
      }
      if (!ok) {
        problems.push_back(absl::StrCat(what, ": scope ", scope,
                                        " does not fit role ",
                                        v1::Role_Name(account.role)));
      }
    }
  }

  std::map<std::string, int> members;
  std::set<std::string> volunteer_ids;
  std::set<std::string> volunteer_phones;
  for (const v1::Volunteer& volunteer : data.volunteers) {
    const std::string what = absl::StrCat("volunteer ", volunteer.id());
    check(CheckId(volunteer.id(), what));
    unique(volunteer_ids, volunteer.id(), "volunteer");
    check(CheckMobile(volunteer.phone(), what));
    unique(volunteer_phones, volunteer.phone(), "volunteer phone");
    for (const std::string& team : volunteer.team_ids()) {
      if (team_ids.count(team) == 0) {
        problems.push_back(absl::StrCat(what, ": unknown team ", team));
      }
      ++members[team];
    }
    for (const std::string& line : volunteer.skill_service_line_ids()) {
      if (lines.count(line) == 0) {
        problems.push_back(absl::StrCat(what, ": unknown service line ", line));
      }
    }
  }
  // A volunteer account belongs to a volunteer of that team.
  for (const DemoAccount& account : data.accounts) {
    if (account.role != v1::ROLE_VOLUNTEER) continue;
    bool found = false;
    for (const v1::Volunteer& volunteer : data.volunteers) {
      if (volunteer.phone() != account.phone) continue;
      for (const std::string& scope : account.scopes) {
        for (const std::string& team : volunteer.team_ids()) {
          found = found || team == scope;
        }
      }
    }
    if (!found) {
      problems.push_back(absl::StrCat("account ", account.phone,
                                      ": no volunteer of its team has this "
                                      "phone"));
    }
  }

  std::set<std::string> seen_teams;
  for (const v1::Team& team : data.teams) {
    const std::string what = absl::StrCat("team ", team.id());
    check(CheckId(team.id(), what));
    unique(seen_teams, team.id(), "team");
    if (!team.department_id().empty() &&
        departments.count(team.department_id()) == 0) {
      problems.push_back(
          absl::StrCat(what, ": unknown department ", team.department_id()));
    }
    if (team.service_line_ids().empty()) {
      problems.push_back(absl::StrCat(what, ": covers no service line"));
    }
    for (const std::string& line : team.service_line_ids()) {
      if (orderable.count(line) == 0) {
        problems.push_back(
            absl::StrCat(what, ": ", line, " is no orderable service line"));
      }
    }
    if (team.service_area_region_ids().empty()) {
      problems.push_back(absl::StrCat(what, ": serves no region"));
    }
    for (const std::string& area : team.service_area_region_ids()) {
      if (region_ids.count(area) == 0) {
        problems.push_back(absl::StrCat(what, ": unknown region ", area));
      }
    }
    if (team.capacity() < 2 || team.capacity() > 6) {
      problems.push_back(
          absl::StrCat(what, ": capacity ", team.capacity(), " is not 2 to 6"));
    }
    if (members[team.id()] < 3 || members[team.id()] > 6) {
      problems.push_back(absl::StrCat(what, ": ", members[team.id()],
                                      " volunteers, not 3 to 6"));
    }
    if (leaders_per_team[team.id()] != 1) {
      problems.push_back(absl::StrCat(what, ": ", leaders_per_team[team.id()],
                                      " leader accounts, not 1"));
    }
    check(CheckGeoPoint(team.base(), what));
  }
  return problems;
}

std::string DemoRequestId(absl::string_view kind, absl::string_view id,
                          const google::protobuf::Message& content) {
  std::string bytes;
  content.SerializeToString(&bytes);
  uint64_t hash = Fnv1a(kind);
  hash = Fnv1a(absl::StrCat("/", id, "/"), hash);
  hash = Fnv1a(bytes, hash);
  std::string safe(id);
  for (char& c : safe) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      c = '_';
    }
  }
  const std::string suffix = absl::StrFormat("-%016x", hash);
  const std::string prefix = absl::StrCat("demo-", kind, "-");
  const size_t room = 64 - prefix.size() - suffix.size();
  if (safe.size() > room) safe.resize(room);
  return absl::StrCat(prefix, safe, suffix);
}

}  // namespace kepu::ctl
