#include "tests/support/jining_directory.h"

#include <map>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/core/clock.h"

namespace kepu::testing {

v1::Department MakeDepartment(const std::string& id, const std::string& name) {
  v1::Department department;
  department.set_id(id);
  department.set_name(name);
  department.set_active(true);
  return department;
}

v1::ServiceLine MakeLine(const std::string& id, const std::string& program,
                         bool orderable, std::vector<std::string> departments) {
  v1::ServiceLine line;
  line.set_id(id);
  line.set_program_id(program);
  line.set_name(id);
  line.set_orderable(orderable);
  for (const std::string& department : departments) {
    line.add_responsible_department_ids(department);
  }
  line.set_active(true);
  return line;
}

v1::Region MakeRegion(const std::string& id, v1::RegionLevel level,
                      const std::string& parent, double lat, double lng) {
  v1::Region region;
  region.set_id(id);
  region.set_level(level);
  region.set_parent_id(parent);
  region.set_name(id);
  region.mutable_center()->set_lat(lat);
  region.mutable_center()->set_lng(lng);
  region.set_active(true);
  return region;
}

v1::Team MakeTeam(const std::string& id, std::vector<std::string> lines,
                  const std::string& area, int capacity,
                  std::vector<std::string> members, double lat, double lng) {
  v1::Team team;
  team.set_id(id);
  team.set_name(absl::StrCat("服务队 ", id));
  for (const std::string& line : lines) team.add_service_line_ids(line);
  team.add_service_area_region_ids(area);
  team.set_capacity(capacity);
  for (const std::string& member : members)
    team.add_member_volunteer_ids(member);
  team.mutable_base()->set_lat(lat);
  team.mutable_base()->set_lng(lng);
  team.mutable_contact()->set_name("队长");
  team.mutable_contact()->set_phone("13900000001");
  team.set_active(true);
  return team;
}

DirectoryData SmallJining() {
  DirectoryData data;
  data.departments = {MakeDepartment("kexie", "市科协"),
                      MakeDepartment("minzheng", "市民政局"),
                      MakeDepartment("weijian", "市卫生健康委"),
                      MakeDepartment("jiaoyu", "市教育局")};
  data.lines = {
      MakeLine("elderly-smart-help", "elderly", true, {"minzheng", "kexie"}),
      MakeLine("elderly-health", "elderly", true, {"weijian", "kexie"}),
      MakeLine("officials-theory", "officials", false, {})};
  data.regions = {
      MakeRegion("jining", v1::REGION_LEVEL_CITY, "", 35.41, 116.59),
      MakeRegion("rencheng", v1::REGION_LEVEL_COUNTY, "jining", 35.40, 116.60),
      MakeRegion("rencheng-guhuai", v1::REGION_LEVEL_TOWN, "rencheng", 35.41,
                 116.58),
      MakeRegion("rencheng-guhuai-zhuyuan", v1::REGION_LEVEL_COMMUNITY,
                 "rencheng-guhuai", 35.412, 116.583),
      MakeRegion("rencheng-guhuai-tiexi", v1::REGION_LEVEL_COMMUNITY,
                 "rencheng-guhuai", 35.405, 116.570),
      MakeRegion("yanzhou", v1::REGION_LEVEL_COUNTY, "jining", 35.55, 116.78),
      MakeRegion("yanzhou-gulou", v1::REGION_LEVEL_TOWN, "yanzhou", 35.55,
                 116.79),
      MakeRegion("yanzhou-gulou-xinglong", v1::REGION_LEVEL_COMMUNITY,
                 "yanzhou-gulou", 35.551, 116.792)};
  const std::vector<std::string> both = {"elderly-smart-help",
                                         "elderly-health"};
  data.teams = {
      MakeTeam("team-a", both, "rencheng", 2, {"vol-a1", "vol-a2"}, 35.40,
               116.60),
      MakeTeam("team-b", both, "rencheng-guhuai", 1, {"vol-b1"}, 35.41, 116.58),
      MakeTeam("team-c", {"elderly-health"}, "rencheng", 3, {"vol-c1"}, 35.42,
               116.62),
      MakeTeam("team-d", both, "yanzhou", 2, {"vol-d1"}, 35.55, 116.79),
      MakeTeam("team-e", {"elderly-health"}, "jining", 2, {"vol-e1"}, 35.30,
               116.50)};
  for (const v1::Team& team : data.teams) {
    for (const std::string& member : team.member_volunteer_ids()) {
      v1::Volunteer volunteer;
      volunteer.set_id(member);
      volunteer.set_user_id(absl::StrCat("user-", member));
      volunteer.set_name(absl::StrCat("志愿者 ", member));
      volunteer.add_team_ids(team.id());
      volunteer.set_active(true);
      data.volunteers.push_back(volunteer);
    }
  }
  return data;
}

void Load(const DirectoryData& data, FakeDirectory& directory) {
  for (v1::Department department : data.departments) {
    department.set_version(1);
    directory.Put(department);
  }
  for (v1::ServiceLine line : data.lines) {
    line.set_version(1);
    directory.Put(line);
  }
  std::map<std::string, std::string> counties;
  for (v1::Region region : data.regions) {
    region.set_version(1);
    if (region.level() == v1::REGION_LEVEL_COUNTY ||
        region.level() == v1::REGION_LEVEL_ZONE) {
      region.set_county_id(region.id());
    } else if (region.level() != v1::REGION_LEVEL_CITY) {
      region.set_county_id(counties[region.parent_id()]);
    }
    counties[region.id()] = region.county_id();
    directory.Put(region);
  }
  for (v1::Team team : data.teams) {
    team.set_version(1);
    directory.Put(team);
  }
  for (v1::Volunteer volunteer : data.volunteers) {
    volunteer.set_version(1);
    directory.Put(volunteer);
  }
}

absl::Status Load(const DirectoryData& data, DirectoryRecords& directory) {
  // One request id per record, so loading again (or loading more records
  // later) never replays an earlier record's request.
  auto write = [](absl::string_view kind, absl::string_view id) {
    DirectoryWrite made;
    made.request = {"test-admin", absl::StrCat("load-", kind, "-", id),
                    std::string(32, 'l')};
    made.actor.set_user_id("test-admin");
    made.actor.set_role(v1::ROLE_ADMIN);
    made.action = "test/load";
    made.at = Clock::Real().Now();
    return made;
  };
  auto allow = [](const auto*, const auto&) { return absl::OkStatus(); };
  for (const v1::Department& department : data.departments) {
    absl::Status status =
        directory
            .Create<v1::Department>(write("Department", department.id()),
                                    department, allow)
            .status();
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists)
      return status;
  }
  for (const v1::ServiceLine& line : data.lines) {
    absl::Status status = directory
                              .Create<v1::ServiceLine>(
                                  write("ServiceLine", line.id()), line, allow)
                              .status();
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists)
      return status;
  }
  for (const v1::Region& region : data.regions) {
    absl::Status status =
        directory
            .Create<v1::Region>(write("Region", region.id()), region, allow)
            .status();
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists)
      return status;
  }
  for (const v1::Team& team : data.teams) {
    absl::Status status =
        directory.Create<v1::Team>(write("Team", team.id()), team, allow)
            .status();
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists)
      return status;
  }
  for (const v1::Volunteer& volunteer : data.volunteers) {
    absl::Status status =
        directory
            .Create<v1::Volunteer>(write("Volunteer", volunteer.id()),
                                   volunteer, allow)
            .status();
    if (!status.ok() && status.code() != absl::StatusCode::kAlreadyExists)
      return status;
  }
  return absl::OkStatus();
}

}  // namespace kepu::testing
