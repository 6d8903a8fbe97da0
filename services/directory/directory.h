// The directory's rules over a DirectoryStore: who may write which record, and
// what readers see. One method per DirectoryService RPC, taking the request
// and answering the response; no gRPC types. What a record may refer to and
// what a write derives are DirectoryRecords' (directory_records.h), which this
// class reads and writes through.
#pragma once

#include "absl/status/statusor.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/clock.h"
#include "services/directory/directory_records.h"

namespace kepu {

// Thread-safe. Requests arrive validated (services/core/validation.h).
//
// Reads are for any signed-in principal. Lists are in id order and paged
// (page_size 0 means 20); include_inactive = false hides inactive records.
// Phone numbers (Team.contact.phone, Volunteer.phone) are masked
// ("138****5678") except for admins; a team's own for principals with a grant
// over the team (its leader and volunteers); a volunteer's own for the
// volunteer (user_id) and the leaders of the volunteer's teams.
//
// Writes need an admin grant. A city admin (scope_id = the tenant) writes
// everything. A county admin (scope_id = a county or zone id) writes regions
// inside a county it holds (county_id), teams all of whose service-area
// regions lie inside such counties, and volunteers of at least one team, all of
// whose teams are such teams; the record must qualify as stored and as
// written. Service lines and departments are for city admins.
// kPermissionDenied: out of scope. Everything else as DirectoryRecords' writes:
// kAlreadyExists, kNotFound, kAborted (stale expected_version),
// kFailedPrecondition (a missing or inactive reference, a record inactive
// already), kInvalidArgument naming request_id (reused for other content).
// Every write records the RPC's full name as its audit action.
class Directory {
 public:
  // `store` and `clock` must outlive the directory; `tenant` must pass
  // CheckTenant.
  Directory(DirectoryStore& store, absl::string_view tenant, const Clock& clock)
      : records_(store, tenant), clock_(clock) {}

  // The records of the store, as this directory reads them (what the order
  // and identity domains read, through a CachedDirectory).
  DirectoryRecords& records() { return records_; }

  // Catalog.
  absl::StatusOr<v1::ListProgramsResponse> ListPrograms(
      const v1::Principal& principal, const v1::ListProgramsRequest& request);
  // Filters: program_id; audience (of the line's program); orderable_only.
  absl::StatusOr<v1::ListServiceLinesResponse> ListServiceLines(
      const v1::Principal& principal,
      const v1::ListServiceLinesRequest& request);
  absl::StatusOr<v1::ServiceLine> GetServiceLine(
      const v1::Principal& principal, const v1::GetServiceLineRequest& request);
  absl::StatusOr<v1::ServiceLine> CreateServiceLine(
      const v1::Principal& principal,
      const v1::CreateServiceLineRequest& request);
  absl::StatusOr<v1::ServiceLine> UpdateServiceLine(
      const v1::Principal& principal,
      const v1::UpdateServiceLineRequest& request);
  absl::StatusOr<v1::ServiceLine> DeactivateServiceLine(
      const v1::Principal& principal, const v1::DeactivateRequest& request);

  // Regions.
  absl::StatusOr<v1::ListRegionsResponse> ListRegions(
      const v1::Principal& principal, const v1::ListRegionsRequest& request);
  absl::StatusOr<v1::Region> GetRegion(const v1::Principal& principal,
                                       const v1::GetRegionRequest& request);
  absl::StatusOr<v1::Region> CreateRegion(
      const v1::Principal& principal, const v1::CreateRegionRequest& request);
  absl::StatusOr<v1::Region> UpdateRegion(
      const v1::Principal& principal, const v1::UpdateRegionRequest& request);
  absl::StatusOr<v1::Region> DeactivateRegion(
      const v1::Principal& principal, const v1::DeactivateRequest& request);

  // Departments (not paged: a city has a few dozen).
  absl::StatusOr<v1::ListDepartmentsResponse> ListDepartments(
      const v1::Principal& principal,
      const v1::ListDepartmentsRequest& request);
  absl::StatusOr<v1::Department> GetDepartment(
      const v1::Principal& principal, const v1::GetDepartmentRequest& request);
  absl::StatusOr<v1::Department> CreateDepartment(
      const v1::Principal& principal,
      const v1::CreateDepartmentRequest& request);
  absl::StatusOr<v1::Department> UpdateDepartment(
      const v1::Principal& principal,
      const v1::UpdateDepartmentRequest& request);
  absl::StatusOr<v1::Department> DeactivateDepartment(
      const v1::Principal& principal, const v1::DeactivateRequest& request);

  // Teams. Filters: service line, region (serving it directly or through a
  // region above it), department.
  absl::StatusOr<v1::ListTeamsResponse> ListTeams(
      const v1::Principal& principal, const v1::ListTeamsRequest& request);
  absl::StatusOr<v1::Team> GetTeam(const v1::Principal& principal,
                                   const v1::GetTeamRequest& request);
  absl::StatusOr<v1::Team> CreateTeam(const v1::Principal& principal,
                                      const v1::CreateTeamRequest& request);
  absl::StatusOr<v1::Team> UpdateTeam(const v1::Principal& principal,
                                      const v1::UpdateTeamRequest& request);
  absl::StatusOr<v1::Team> DeactivateTeam(const v1::Principal& principal,
                                          const v1::DeactivateRequest& request);

  // Volunteers. Filter: team.
  absl::StatusOr<v1::ListVolunteersResponse> ListVolunteers(
      const v1::Principal& principal, const v1::ListVolunteersRequest& request);
  absl::StatusOr<v1::Volunteer> GetVolunteer(
      const v1::Principal& principal, const v1::GetVolunteerRequest& request);
  absl::StatusOr<v1::Volunteer> CreateVolunteer(
      const v1::Principal& principal,
      const v1::CreateVolunteerRequest& request);
  absl::StatusOr<v1::Volunteer> UpdateVolunteer(
      const v1::Principal& principal,
      const v1::UpdateVolunteerRequest& request);
  absl::StatusOr<v1::Volunteer> DeactivateVolunteer(
      const v1::Principal& principal, const v1::DeactivateRequest& request);

 private:
  class Scope;

  // The audit and idempotency data of a write of `request` by `principal`.
  DirectoryWrite WriteOf(const v1::Principal& principal,
                         const google::protobuf::Message& request,
                         absl::string_view request_id, absl::string_view rpc,
                         absl::string_view reason) const;

  DirectoryRecords records_;
  const Clock& clock_;
};

}  // namespace kepu
