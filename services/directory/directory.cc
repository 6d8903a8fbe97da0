#include "services/directory/directory.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/admin_scope.h"
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/directory/programs.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;

std::string Rpc(absl::string_view method) {
  return absl::StrCat("kepu.v1.DirectoryService/", method);
}

ListOptions OptionsOf(const v1::PageRequest& page, bool include_inactive) {
  ListOptions options;
  options.include_inactive = include_inactive;
  options.limit = page.page_size() > 0 ? page.page_size() : kDefaultPageSize;
  options.cursor = page.page_token();
  return options;
}

bool IsAdmin(const v1::Principal& principal) {
  return HasRole(principal, v1::ROLE_ADMIN) ||
         HasRole(principal, v1::ROLE_SYSTEM);
}

// Whether the principal holds any grant over `scope_id`.
bool HasGrantOver(const v1::Principal& principal, absl::string_view scope_id) {
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (!scope_id.empty() && grant.scope_id() == scope_id) return true;
  }
  return false;
}

void MaskFor(const v1::Principal& principal, v1::Team& team) {
  if (!team.has_contact() || team.contact().phone().empty()) return;
  if (IsAdmin(principal) || HasGrantOver(principal, team.id())) return;
  team.mutable_contact()->set_phone(MaskPhone(team.contact().phone()));
}

void MaskFor(const v1::Principal& principal, v1::Volunteer& volunteer) {
  if (volunteer.phone().empty() || IsAdmin(principal)) return;
  if (!volunteer.user_id().empty() &&
      volunteer.user_id() == principal.user_id()) {
    return;
  }
  for (const std::string& team : volunteer.team_ids()) {
    if (HasRole(principal, v1::ROLE_TEAM_LEADER, team)) return;
  }
  volunteer.set_phone(MaskPhone(volunteer.phone()));
}

}  // namespace

// What an admin may write (AdminScope decides what it administers): everything
// for a city admin; for a county admin, the regions, teams and volunteers it
// administers, as stored and as written.
class Directory::Scope {
 public:
  Scope(const v1::Principal& principal, DirectoryView& view)
      : admin_(principal, view) {}

  // Any write at all.
  absl::Status RequireAdmin() const {
    if (admin_.is_admin()) return absl::OkStatus();
    return absl::PermissionDeniedError(
        "directory writes need an admin grant for the city or a county");
  }

  // Writes of `what` (e.g. "service lines") for city admins only.
  absl::Status RequireCity(absl::string_view what) const {
    RETURN_IF_ERROR(RequireAdmin());
    if (admin_.is_city_admin()) return absl::OkStatus();
    return absl::PermissionDeniedError(
        absl::StrCat("only a city admin may write ", what));
  }

  absl::Status Check(const v1::Region* before, const v1::Region& after) {
    RETURN_IF_ERROR(RequireAdmin());
    for (const v1::Region* region : {before, &after}) {
      if (region != nullptr && !admin_.CoversCounty(region->county_id())) {
        return absl::PermissionDeniedError(absl::StrCat(
            "region ", region->id(), " lies outside ", admin_.Describe()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Check(const v1::Team* before, const v1::Team& after) {
    RETURN_IF_ERROR(RequireAdmin());
    for (const v1::Team* team : {before, &after}) {
      if (team == nullptr) continue;
      ASSIGN_OR_RETURN(const bool covered, admin_.CoversTeam(*team));
      if (!covered) {
        return absl::PermissionDeniedError(
            absl::StrCat("team ", team->id(), " serves regions outside ",
                         admin_.Describe()));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Check(const v1::Volunteer* before, const v1::Volunteer& after) {
    RETURN_IF_ERROR(RequireAdmin());
    for (const v1::Volunteer* volunteer : {before, &after}) {
      if (volunteer == nullptr) continue;
      ASSIGN_OR_RETURN(const bool covered, admin_.CoversVolunteer(*volunteer));
      if (!covered) {
        return absl::PermissionDeniedError(absl::StrCat(
            "volunteer ", volunteer->id(),
            volunteer->team_ids().empty()
                ? " belongs to no team: only a city admin may write it"
                : absl::StrCat(" belongs to a team that serves beyond ",
                               admin_.Describe())));
      }
    }
    return absl::OkStatus();
  }

 private:
  AdminScope admin_;
};

DirectoryWrite Directory::WriteOf(const v1::Principal& principal,
                                  const google::protobuf::Message& request,
                                  absl::string_view request_id,
                                  absl::string_view rpc,
                                  absl::string_view reason) const {
  DirectoryWrite write;
  write.request = {principal.user_id(), std::string(request_id),
                   Fingerprint(request)};
  write.actor = ActorOf(principal, v1::ROLE_ADMIN);
  write.action = Rpc(rpc);
  write.at = clock_.Now();
  write.reason = std::string(reason);
  return write;
}

// Catalog.

absl::StatusOr<v1::ListProgramsResponse> Directory::ListPrograms(
    const v1::Principal&, const v1::ListProgramsRequest&) {
  v1::ListProgramsResponse response;
  for (const v1::Program& program : Programs()) {
    *response.add_programs() = program;
  }
  return response;
}

absl::StatusOr<v1::ListServiceLinesResponse> Directory::ListServiceLines(
    const v1::Principal&, const v1::ListServiceLinesRequest& request) {
  ASSIGN_OR_RETURN(std::vector<v1::ServiceLine> lines,
                   records_.ListServiceLines());
  v1::ListServiceLinesResponse response;
  for (v1::ServiceLine& line : lines) {
    if (!request.include_inactive() && !line.active()) continue;
    if (request.orderable_only() && !line.orderable()) continue;
    if (!request.program_id().empty() &&
        line.program_id() != request.program_id()) {
      continue;
    }
    if (request.audience() != v1::AUDIENCE_UNSPECIFIED) {
      const v1::Program* program = FindProgram(line.program_id());
      if (program == nullptr || program->audience() != request.audience()) {
        continue;
      }
    }
    *response.add_service_lines() = std::move(line);
  }
  return response;
}

absl::StatusOr<v1::ServiceLine> Directory::GetServiceLine(
    const v1::Principal&, const v1::GetServiceLineRequest& request) {
  return records_.GetServiceLine(request.id());
}

absl::StatusOr<v1::ServiceLine> Directory::CreateServiceLine(
    const v1::Principal& principal,
    const v1::CreateServiceLineRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("service lines"));
  return records_.Create<v1::ServiceLine>(
      WriteOf(principal, request, request.request_id(), "CreateServiceLine",
              ""),
      request.service_line(),
      [](const v1::ServiceLine*, const v1::ServiceLine&) {
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ServiceLine> Directory::UpdateServiceLine(
    const v1::Principal& principal,
    const v1::UpdateServiceLineRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("service lines"));
  return records_.Update<v1::ServiceLine>(
      WriteOf(principal, request, request.request_id(), "UpdateServiceLine",
              ""),
      request.service_line(), request.expected_version(),
      [](const v1::ServiceLine*, const v1::ServiceLine&) {
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::ServiceLine> Directory::DeactivateServiceLine(
    const v1::Principal& principal, const v1::DeactivateRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("service lines"));
  return records_.Deactivate<v1::ServiceLine>(
      WriteOf(principal, request, request.request_id(), "DeactivateServiceLine",
              request.reason()),
      request.id(), request.expected_version(),
      [](const v1::ServiceLine*, const v1::ServiceLine&) {
        return absl::OkStatus();
      });
}

// Regions.

absl::StatusOr<v1::ListRegionsResponse> Directory::ListRegions(
    const v1::Principal&, const v1::ListRegionsRequest& request) {
  ASSIGN_OR_RETURN(RecordPage<v1::Region> page,
                   records_.ListRegions(
                       request.parent_id(), request.level(),
                       OptionsOf(request.page(), request.include_inactive())));
  v1::ListRegionsResponse response;
  for (v1::Region& region : page.records) {
    *response.add_regions() = std::move(region);
  }
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::Region> Directory::GetRegion(
    const v1::Principal&, const v1::GetRegionRequest& request) {
  return records_.GetRegion(request.id());
}

absl::StatusOr<v1::Region> Directory::CreateRegion(
    const v1::Principal& principal, const v1::CreateRegionRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Create<v1::Region>(
      WriteOf(principal, request, request.request_id(), "CreateRegion", ""),
      request.region(),
      [&scope](const v1::Region* before, const v1::Region& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Region> Directory::UpdateRegion(
    const v1::Principal& principal, const v1::UpdateRegionRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Update<v1::Region>(
      WriteOf(principal, request, request.request_id(), "UpdateRegion", ""),
      request.region(), request.expected_version(),
      [&scope](const v1::Region* before, const v1::Region& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Region> Directory::DeactivateRegion(
    const v1::Principal& principal, const v1::DeactivateRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Deactivate<v1::Region>(
      WriteOf(principal, request, request.request_id(), "DeactivateRegion",
              request.reason()),
      request.id(), request.expected_version(),
      [&scope](const v1::Region* before, const v1::Region& after) {
        return scope.Check(before, after);
      });
}

// Departments.

absl::StatusOr<v1::ListDepartmentsResponse> Directory::ListDepartments(
    const v1::Principal&, const v1::ListDepartmentsRequest& request) {
  ASSIGN_OR_RETURN(std::vector<v1::Department> departments,
                   records_.ListDepartments());
  v1::ListDepartmentsResponse response;
  for (v1::Department& department : departments) {
    if (!request.include_inactive() && !department.active()) continue;
    *response.add_departments() = std::move(department);
  }
  return response;
}

absl::StatusOr<v1::Department> Directory::GetDepartment(
    const v1::Principal&, const v1::GetDepartmentRequest& request) {
  return records_.GetDepartment(request.id());
}

absl::StatusOr<v1::Department> Directory::CreateDepartment(
    const v1::Principal& principal,
    const v1::CreateDepartmentRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("departments"));
  return records_.Create<v1::Department>(
      WriteOf(principal, request, request.request_id(), "CreateDepartment", ""),
      request.department(), [](const v1::Department*, const v1::Department&) {
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Department> Directory::UpdateDepartment(
    const v1::Principal& principal,
    const v1::UpdateDepartmentRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("departments"));
  return records_.Update<v1::Department>(
      WriteOf(principal, request, request.request_id(), "UpdateDepartment", ""),
      request.department(), request.expected_version(),
      [](const v1::Department*, const v1::Department&) {
        return absl::OkStatus();
      });
}

absl::StatusOr<v1::Department> Directory::DeactivateDepartment(
    const v1::Principal& principal, const v1::DeactivateRequest& request) {
  RETURN_IF_ERROR(Scope(principal, records_).RequireCity("departments"));
  return records_.Deactivate<v1::Department>(
      WriteOf(principal, request, request.request_id(), "DeactivateDepartment",
              request.reason()),
      request.id(), request.expected_version(),
      [](const v1::Department*, const v1::Department&) {
        return absl::OkStatus();
      });
}

// Teams.

absl::StatusOr<v1::ListTeamsResponse> Directory::ListTeams(
    const v1::Principal& principal, const v1::ListTeamsRequest& request) {
  TeamFilter filter;
  filter.service_line_id = request.service_line_id();
  filter.region_id = request.region_id();
  filter.department_id = request.department_id();
  ASSIGN_OR_RETURN(
      RecordPage<v1::Team> page,
      records_.ListTeams(
          filter, OptionsOf(request.page(), request.include_inactive())));
  v1::ListTeamsResponse response;
  for (v1::Team& team : page.records) {
    MaskFor(principal, team);
    *response.add_teams() = std::move(team);
  }
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::Team> Directory::GetTeam(const v1::Principal& principal,
                                            const v1::GetTeamRequest& request) {
  ASSIGN_OR_RETURN(v1::Team team, records_.GetTeam(request.id()));
  MaskFor(principal, team);
  return team;
}

absl::StatusOr<v1::Team> Directory::CreateTeam(
    const v1::Principal& principal, const v1::CreateTeamRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Create<v1::Team>(
      WriteOf(principal, request, request.request_id(), "CreateTeam", ""),
      request.team(), [&scope](const v1::Team* before, const v1::Team& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Team> Directory::UpdateTeam(
    const v1::Principal& principal, const v1::UpdateTeamRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Update<v1::Team>(
      WriteOf(principal, request, request.request_id(), "UpdateTeam", ""),
      request.team(), request.expected_version(),
      [&scope](const v1::Team* before, const v1::Team& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Team> Directory::DeactivateTeam(
    const v1::Principal& principal, const v1::DeactivateRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Deactivate<v1::Team>(
      WriteOf(principal, request, request.request_id(), "DeactivateTeam",
              request.reason()),
      request.id(), request.expected_version(),
      [&scope](const v1::Team* before, const v1::Team& after) {
        return scope.Check(before, after);
      });
}

// Volunteers.

absl::StatusOr<v1::ListVolunteersResponse> Directory::ListVolunteers(
    const v1::Principal& principal, const v1::ListVolunteersRequest& request) {
  ASSIGN_OR_RETURN(RecordPage<v1::Volunteer> page,
                   records_.ListVolunteers(
                       request.team_id(),
                       OptionsOf(request.page(), request.include_inactive())));
  v1::ListVolunteersResponse response;
  for (v1::Volunteer& volunteer : page.records) {
    MaskFor(principal, volunteer);
    *response.add_volunteers() = std::move(volunteer);
  }
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::Volunteer> Directory::GetVolunteer(
    const v1::Principal& principal, const v1::GetVolunteerRequest& request) {
  ASSIGN_OR_RETURN(v1::Volunteer volunteer,
                   records_.GetVolunteer(request.id()));
  MaskFor(principal, volunteer);
  return volunteer;
}

absl::StatusOr<v1::Volunteer> Directory::CreateVolunteer(
    const v1::Principal& principal, const v1::CreateVolunteerRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Create<v1::Volunteer>(
      WriteOf(principal, request, request.request_id(), "CreateVolunteer", ""),
      request.volunteer(),
      [&scope](const v1::Volunteer* before, const v1::Volunteer& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Volunteer> Directory::UpdateVolunteer(
    const v1::Principal& principal, const v1::UpdateVolunteerRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Update<v1::Volunteer>(
      WriteOf(principal, request, request.request_id(), "UpdateVolunteer", ""),
      request.volunteer(), request.expected_version(),
      [&scope](const v1::Volunteer* before, const v1::Volunteer& after) {
        return scope.Check(before, after);
      });
}

absl::StatusOr<v1::Volunteer> Directory::DeactivateVolunteer(
    const v1::Principal& principal, const v1::DeactivateRequest& request) {
  Scope scope(principal, records_);
  RETURN_IF_ERROR(scope.RequireAdmin());
  return records_.Deactivate<v1::Volunteer>(
      WriteOf(principal, request, request.request_id(), "DeactivateVolunteer",
              request.reason()),
      request.id(), request.expected_version(),
      [&scope](const v1::Volunteer* before, const v1::Volunteer& after) {
        return scope.Check(before, after);
      });
}

}  // namespace kepu
