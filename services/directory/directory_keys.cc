#include "services/directory/directory_keys.h"

namespace kepu {

DirectoryKeys::DirectoryKeys(absl::string_view tenant)
    : tenant_keys_(tenant),
      prefix_(absl::StrCat(tenant_keys_.prefix(), "dir:")) {}

std::string DirectoryKeys::RegionsByParent(absl::string_view parent_id) const {
  return absl::StrCat(prefix_, "regions:parent:", parent_id);
}
std::string DirectoryKeys::RegionsByLevel(v1::RegionLevel level) const {
  return absl::StrCat(prefix_, "regions:level:", static_cast<int>(level));
}
std::string DirectoryKeys::TeamsByLine(
    absl::string_view service_line_id) const {
  return absl::StrCat(prefix_, "teams:line:", service_line_id);
}
std::string DirectoryKeys::TeamsByRegion(absl::string_view region_id) const {
  return absl::StrCat(prefix_, "teams:region:", region_id);
}
std::string DirectoryKeys::TeamsByDepartment(
    absl::string_view department_id) const {
  return absl::StrCat(prefix_, "teams:department:", department_id);
}
std::string DirectoryKeys::VolunteersByTeam(absl::string_view team_id) const {
  return absl::StrCat(prefix_, "volunteers:team:", team_id);
}

std::string DirectoryKeys::Audit() const {
  return absl::StrCat(tenant_keys_.prefix(), "audit");
}

}  // namespace kepu
