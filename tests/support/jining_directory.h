// A small Jining directory for tests: a few departments, service lines,
// regions, teams and volunteers, loadable into the FakeDirectory view (domain
// tests) or through DirectoryRecords (RedisDirectory in integration tests).
//
//   departments  kexie 市科协, minzheng 市民政局, weijian 市卫生健康委, jiaoyu
//   市教育局 lines        elderly-smart-help (orderable; minzheng, kexie),
//   elderly-health (orderable;
//                weijian, kexie), officials-theory (not orderable)
//   regions      jining > rencheng > rencheng-guhuai >
//   {rencheng-guhuai-zhuyuan,
//                rencheng-guhuai-tiexi}; jining > yanzhou > yanzhou-gulou >
//                yanzhou-gulou-xinglong
//   teams        team-a (both lines, serves rencheng, capacity 2, vol-a1
//   vol-a2)
//                team-b (both lines, serves rencheng-guhuai, capacity 1,
//                vol-b1) team-c (elderly-health, serves rencheng, capacity 3,
//                vol-c1) team-d (both lines, serves yanzhou, capacity 2,
//                vol-d1) team-e (elderly-health, serves the whole city,
//                capacity 2, vol-e1)
//   volunteers   vol-<team><n>, user ids "user-vol-<team><n>"
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "kepu/v1/directory.pb.h"
#include "services/core/testing/fake_directory.h"
#include "services/directory/redis_directory.h"

namespace kepu::testing {

struct DirectoryData {
  std::vector<v1::Department> departments;
  std::vector<v1::ServiceLine> lines;
  std::vector<v1::Region> regions;  // parents before children
  std::vector<v1::Team> teams;
  std::vector<v1::Volunteer> volunteers;
};

DirectoryData SmallJining();

// Records as SmallJining makes them (active; regions and teams named after
// their ids), for directories of other shapes.
v1::Department MakeDepartment(const std::string& id, const std::string& name);
v1::ServiceLine MakeLine(const std::string& id, const std::string& program,
                         bool orderable, std::vector<std::string> departments);
v1::Region MakeRegion(const std::string& id, v1::RegionLevel level,
                      const std::string& parent, double lat, double lng);
// A team serving one area, with a contact.
v1::Team MakeTeam(const std::string& id, std::vector<std::string> lines,
                  const std::string& area, int capacity,
                  std::vector<std::string> members, double lat, double lng);

// Puts every record into `directory` (version 1, active, county ids derived).
void Load(const DirectoryData& data, FakeDirectory& directory);

// Creates every record through DirectoryRecords (as the city admin
// "test-admin"), e.g. a RedisDirectory; records that exist already are left as
// they are.
absl::Status Load(const DirectoryData& data, DirectoryRecords& directory);

}  // namespace kepu::testing
