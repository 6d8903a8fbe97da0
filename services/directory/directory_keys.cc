#include "services/directory/directory_keys.h"

#include "absl/strings/str_cat.h"

namespace kepu {
namespace {

// A record's key is "<prefix><singular>:<id>", its kind's index
// "<prefix><plural>".
struct KindNames {
  absl::string_view singular;
  absl::string_view plural;
};

KindNames NamesOf(RecordKind kind) {
  switch (kind) {
    case RecordKind::kServiceLine:
      return {"line", "lines"};
    case RecordKind::kRegion:
      return {"region", "regions"};
    case RecordKind::kDepartment:
      return {"department", "departments"};
    case RecordKind::kTeam:
      return {"team", "teams"};
    case RecordKind::kVolunteer:
      return {"volunteer", "volunteers"};
  }
  return {"record", "records"};
}

}  // namespace

DirectoryKeys::DirectoryKeys(absl::string_view tenant)
    : tenant_keys_(tenant),
      prefix_(absl::StrCat(tenant_keys_.prefix(), "dir:")) {}

std::string DirectoryKeys::RecordOf(RecordKind kind,
                                    absl::string_view id) const {
  return absl::StrCat(prefix_, NamesOf(kind).singular, ":", id);
}

std::string DirectoryKeys::Of(const DirectoryIndex& index) const {
  using Kind = DirectoryIndex::Kind;
  switch (index.kind) {
    case Kind::kServiceLines:
      return AllOf(RecordKind::kServiceLine);
    case Kind::kRegions:
      return AllOf(RecordKind::kRegion);
    case Kind::kDepartments:
      return AllOf(RecordKind::kDepartment);
    case Kind::kTeams:
      return AllOf(RecordKind::kTeam);
    case Kind::kVolunteers:
      return AllOf(RecordKind::kVolunteer);
    case Kind::kRegionsByParent:
      return RegionsByParent(index.of);
    case Kind::kRegionsByLevel:
      return absl::StrCat(prefix_, "regions:level:", index.of);
    case Kind::kTeamsByLine:
      return TeamsByLine(index.of);
    case Kind::kTeamsByRegion:
      return TeamsByRegion(index.of);
    case Kind::kTeamsByDepartment:
      return TeamsByDepartment(index.of);
    case Kind::kVolunteersByTeam:
      return VolunteersByTeam(index.of);
  }
  return absl::StrCat(prefix_, "unknown");
}

std::string DirectoryKeys::AllOf(RecordKind kind) const {
  return absl::StrCat(prefix_, NamesOf(kind).plural);
}
std::string DirectoryKeys::RegionsByParent(absl::string_view parent_id) const {
  return absl::StrCat(prefix_, "regions:parent:", parent_id);
}
std::string DirectoryKeys::RegionsByLevel(v1::RegionLevel level) const {
  return Of({DirectoryIndex::Kind::kRegionsByLevel,
             absl::StrCat(static_cast<int>(level))});
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
