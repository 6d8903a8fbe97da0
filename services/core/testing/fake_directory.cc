#include "services/core/testing/fake_directory.h"

#include <algorithm>

#include "absl/strings/str_cat.h"

namespace kepu {

void FakeDirectory::Put(const v1::ServiceLine& line) {
  absl::MutexLock lock(&mu_);
  lines_[line.id()] = line;
}
void FakeDirectory::Put(const v1::Region& region) {
  absl::MutexLock lock(&mu_);
  regions_[region.id()] = region;
}
void FakeDirectory::Put(const v1::Department& department) {
  absl::MutexLock lock(&mu_);
  departments_[department.id()] = department;
}
void FakeDirectory::Put(const v1::Team& team) {
  absl::MutexLock lock(&mu_);
  teams_[team.id()] = team;
}
void FakeDirectory::Put(const v1::Volunteer& volunteer) {
  absl::MutexLock lock(&mu_);
  volunteers_[volunteer.id()] = volunteer;
}

void FakeDirectory::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

template <typename T>
absl::StatusOr<T> FakeDirectory::Find(
    const std::map<std::string, T, std::less<>>& records, absl::string_view id,
    absl::string_view kind) const {
  if (unavailable_) return absl::UnavailableError("fake directory is down");
  auto it = records.find(id);
  if (it == records.end())
    return absl::NotFoundError(absl::StrCat(kind, " ", id, " not found"));
  return it->second;
}

absl::StatusOr<v1::ServiceLine> FakeDirectory::GetServiceLine(
    absl::string_view id) {
  absl::MutexLock lock(&mu_);
  return Find(lines_, id, "service line");
}
absl::StatusOr<v1::Region> FakeDirectory::GetRegion(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  return Find(regions_, id, "region");
}
absl::StatusOr<v1::Department> FakeDirectory::GetDepartment(
    absl::string_view id) {
  absl::MutexLock lock(&mu_);
  return Find(departments_, id, "department");
}
absl::StatusOr<v1::Team> FakeDirectory::GetTeam(absl::string_view id) {
  absl::MutexLock lock(&mu_);
  return Find(teams_, id, "team");
}
absl::StatusOr<v1::Volunteer> FakeDirectory::GetVolunteer(
    absl::string_view id) {
  absl::MutexLock lock(&mu_);
  return Find(volunteers_, id, "volunteer");
}

absl::StatusOr<std::vector<v1::Region>> FakeDirectory::RegionChain(
    absl::string_view region_id) {
  absl::MutexLock lock(&mu_);
  std::vector<v1::Region> chain;
  std::string id(region_id);
  while (!id.empty() && chain.size() < 10) {
    absl::StatusOr<v1::Region> region = Find(regions_, id, "region");
    if (!region.ok()) return region.status();
    chain.push_back(*region);
    id = region->parent_id();
  }
  return chain;
}

absl::StatusOr<std::vector<v1::Team>> FakeDirectory::TeamsServing(
    absl::string_view service_line_id,
    const std::vector<std::string>& region_ids) {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return absl::UnavailableError("fake directory is down");
  std::vector<v1::Team> teams;
  for (const auto& [id, team] : teams_) {
    if (!team.active()) continue;
    const auto& lines = team.service_line_ids();
    if (std::find(lines.begin(), lines.end(), service_line_id) == lines.end())
      continue;
    const auto& areas = team.service_area_region_ids();
    const bool serves =
        std::any_of(areas.begin(), areas.end(), [&](const std::string& area) {
          return std::find(region_ids.begin(), region_ids.end(), area) !=
                 region_ids.end();
        });
    if (serves) teams.push_back(team);
  }
  return teams;
}

absl::StatusOr<std::vector<v1::Department>> FakeDirectory::ListDepartments() {
  absl::MutexLock lock(&mu_);
  if (unavailable_) return absl::UnavailableError("fake directory is down");
  std::vector<v1::Department> departments;
  for (const auto& [id, department] : departments_)
    departments.push_back(department);
  return departments;
}

}  // namespace kepu
