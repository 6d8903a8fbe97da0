#include "services/directory/directory_service.h"

#include "absl/strings/match.h"
#include "services/core/status_macros.h"

namespace kepu {

template <typename Request, typename Response>
grpc::ServerUnaryReactor* DirectoryServiceImpl::Serve(
    grpc::CallbackServerContext* context, absl::string_view method,
    const Request* request, Response* response,
    absl::StatusOr<Response> (Directory::*handler)(const v1::Principal&,
                                                   const Request&)) {
  const absl::string_view name = MethodName(method);
  const bool writes =
      !absl::StartsWith(name, "List") && !absl::StartsWith(name, "Get");
  return ServeUnary(context, method, *request, env_,
                    [this, request, response, handler,
                     writes](const Caller& caller) -> absl::Status {
                      ASSIGN_OR_RETURN(DirectoryDomain * domain,
                                       domains_.Get(caller.principal.tenant()));
                      absl::StatusOr<Response> answer =
                          (domain->directory.*handler)(caller.principal,
                                                       *request);
                      // After a write, this process's next reads see it.
                      if (writes) domain->cache.Clear();
                      RETURN_IF_ERROR(answer.status());
                      *response = *std::move(answer);
                      return absl::OkStatus();
                    });
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListPrograms(
    grpc::CallbackServerContext* context,
    const v1::ListProgramsRequest* request,
    v1::ListProgramsResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListPrograms", request,
               response, &Directory::ListPrograms);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListServiceLines(
    grpc::CallbackServerContext* context,
    const v1::ListServiceLinesRequest* request,
    v1::ListServiceLinesResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListServiceLines", request,
               response, &Directory::ListServiceLines);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::GetServiceLine(
    grpc::CallbackServerContext* context,
    const v1::GetServiceLineRequest* request, v1::ServiceLine* response) {
  return Serve(context, "kepu.v1.DirectoryService/GetServiceLine", request,
               response, &Directory::GetServiceLine);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::CreateServiceLine(
    grpc::CallbackServerContext* context,
    const v1::CreateServiceLineRequest* request, v1::ServiceLine* response) {
  return Serve(context, "kepu.v1.DirectoryService/CreateServiceLine", request,
               response, &Directory::CreateServiceLine);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::UpdateServiceLine(
    grpc::CallbackServerContext* context,
    const v1::UpdateServiceLineRequest* request, v1::ServiceLine* response) {
  return Serve(context, "kepu.v1.DirectoryService/UpdateServiceLine", request,
               response, &Directory::UpdateServiceLine);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::DeactivateServiceLine(
    grpc::CallbackServerContext* context, const v1::DeactivateRequest* request,
    v1::ServiceLine* response) {
  return Serve(context, "kepu.v1.DirectoryService/DeactivateServiceLine",
               request, response, &Directory::DeactivateServiceLine);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListRegions(
    grpc::CallbackServerContext* context, const v1::ListRegionsRequest* request,
    v1::ListRegionsResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListRegions", request,
               response, &Directory::ListRegions);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::GetRegion(
    grpc::CallbackServerContext* context, const v1::GetRegionRequest* request,
    v1::Region* response) {
  return Serve(context, "kepu.v1.DirectoryService/GetRegion", request, response,
               &Directory::GetRegion);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::CreateRegion(
    grpc::CallbackServerContext* context,
    const v1::CreateRegionRequest* request, v1::Region* response) {
  return Serve(context, "kepu.v1.DirectoryService/CreateRegion", request,
               response, &Directory::CreateRegion);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::UpdateRegion(
    grpc::CallbackServerContext* context,
    const v1::UpdateRegionRequest* request, v1::Region* response) {
  return Serve(context, "kepu.v1.DirectoryService/UpdateRegion", request,
               response, &Directory::UpdateRegion);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::DeactivateRegion(
    grpc::CallbackServerContext* context, const v1::DeactivateRequest* request,
    v1::Region* response) {
  return Serve(context, "kepu.v1.DirectoryService/DeactivateRegion", request,
               response, &Directory::DeactivateRegion);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListDepartments(
    grpc::CallbackServerContext* context,
    const v1::ListDepartmentsRequest* request,
    v1::ListDepartmentsResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListDepartments", request,
               response, &Directory::ListDepartments);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::GetDepartment(
    grpc::CallbackServerContext* context,
    const v1::GetDepartmentRequest* request, v1::Department* response) {
  return Serve(context, "kepu.v1.DirectoryService/GetDepartment", request,
               response, &Directory::GetDepartment);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::CreateDepartment(
    grpc::CallbackServerContext* context,
    const v1::CreateDepartmentRequest* request, v1::Department* response) {
  return Serve(context, "kepu.v1.DirectoryService/CreateDepartment", request,
               response, &Directory::CreateDepartment);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::UpdateDepartment(
    grpc::CallbackServerContext* context,
    const v1::UpdateDepartmentRequest* request, v1::Department* response) {
  return Serve(context, "kepu.v1.DirectoryService/UpdateDepartment", request,
               response, &Directory::UpdateDepartment);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::DeactivateDepartment(
    grpc::CallbackServerContext* context, const v1::DeactivateRequest* request,
    v1::Department* response) {
  return Serve(context, "kepu.v1.DirectoryService/DeactivateDepartment",
               request, response, &Directory::DeactivateDepartment);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListTeams(
    grpc::CallbackServerContext* context, const v1::ListTeamsRequest* request,
    v1::ListTeamsResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListTeams", request, response,
               &Directory::ListTeams);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::GetTeam(
    grpc::CallbackServerContext* context, const v1::GetTeamRequest* request,
    v1::Team* response) {
  return Serve(context, "kepu.v1.DirectoryService/GetTeam", request, response,
               &Directory::GetTeam);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::CreateTeam(
    grpc::CallbackServerContext* context, const v1::CreateTeamRequest* request,
    v1::Team* response) {
  return Serve(context, "kepu.v1.DirectoryService/CreateTeam", request,
               response, &Directory::CreateTeam);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::UpdateTeam(
    grpc::CallbackServerContext* context, const v1::UpdateTeamRequest* request,
    v1::Team* response) {
  return Serve(context, "kepu.v1.DirectoryService/UpdateTeam", request,
               response, &Directory::UpdateTeam);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::DeactivateTeam(
    grpc::CallbackServerContext* context, const v1::DeactivateRequest* request,
    v1::Team* response) {
  return Serve(context, "kepu.v1.DirectoryService/DeactivateTeam", request,
               response, &Directory::DeactivateTeam);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::ListVolunteers(
    grpc::CallbackServerContext* context,
    const v1::ListVolunteersRequest* request,
    v1::ListVolunteersResponse* response) {
  return Serve(context, "kepu.v1.DirectoryService/ListVolunteers", request,
               response, &Directory::ListVolunteers);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::GetVolunteer(
    grpc::CallbackServerContext* context,
    const v1::GetVolunteerRequest* request, v1::Volunteer* response) {
  return Serve(context, "kepu.v1.DirectoryService/GetVolunteer", request,
               response, &Directory::GetVolunteer);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::CreateVolunteer(
    grpc::CallbackServerContext* context,
    const v1::CreateVolunteerRequest* request, v1::Volunteer* response) {
  return Serve(context, "kepu.v1.DirectoryService/CreateVolunteer", request,
               response, &Directory::CreateVolunteer);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::UpdateVolunteer(
    grpc::CallbackServerContext* context,
    const v1::UpdateVolunteerRequest* request, v1::Volunteer* response) {
  return Serve(context, "kepu.v1.DirectoryService/UpdateVolunteer", request,
               response, &Directory::UpdateVolunteer);
}

grpc::ServerUnaryReactor* DirectoryServiceImpl::DeactivateVolunteer(
    grpc::CallbackServerContext* context, const v1::DeactivateRequest* request,
    v1::Volunteer* response) {
  return Serve(context, "kepu.v1.DirectoryService/DeactivateVolunteer", request,
               response, &Directory::DeactivateVolunteer);
}

}  // namespace kepu
