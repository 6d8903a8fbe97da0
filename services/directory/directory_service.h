// DirectoryService over gRPC: a thin adapter over Directory, one tenant's
// domain per call (the caller's tenant).
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "services/directory/directory_domain.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

// Serves all 26 RPCs of kepu.v1.DirectoryService; see Directory for what each
// answers.
class DirectoryServiceImpl final
    : public v1::DirectoryService::CallbackService {
 public:
  // `env` and `domains` must outlive the service.
  DirectoryServiceImpl(const ServiceEnv& env, DirectoryDomains& domains)
      : env_(env), domains_(domains) {}

  grpc::ServerUnaryReactor* ListPrograms(
      grpc::CallbackServerContext* context,
      const v1::ListProgramsRequest* request,
      v1::ListProgramsResponse* response) override;
  grpc::ServerUnaryReactor* ListServiceLines(
      grpc::CallbackServerContext* context,
      const v1::ListServiceLinesRequest* request,
      v1::ListServiceLinesResponse* response) override;
  grpc::ServerUnaryReactor* GetServiceLine(
      grpc::CallbackServerContext* context,
      const v1::GetServiceLineRequest* request,
      v1::ServiceLine* response) override;
  grpc::ServerUnaryReactor* CreateServiceLine(
      grpc::CallbackServerContext* context,
      const v1::CreateServiceLineRequest* request,
      v1::ServiceLine* response) override;
  grpc::ServerUnaryReactor* UpdateServiceLine(
      grpc::CallbackServerContext* context,
      const v1::UpdateServiceLineRequest* request,
      v1::ServiceLine* response) override;
  grpc::ServerUnaryReactor* DeactivateServiceLine(
      grpc::CallbackServerContext* context,
      const v1::DeactivateRequest* request, v1::ServiceLine* response) override;
  grpc::ServerUnaryReactor* ListRegions(
      grpc::CallbackServerContext* context,
      const v1::ListRegionsRequest* request,
      v1::ListRegionsResponse* response) override;
  grpc::ServerUnaryReactor* GetRegion(grpc::CallbackServerContext* context,
                                      const v1::GetRegionRequest* request,
                                      v1::Region* response) override;
  grpc::ServerUnaryReactor* CreateRegion(grpc::CallbackServerContext* context,
                                         const v1::CreateRegionRequest* request,
                                         v1::Region* response) override;
  grpc::ServerUnaryReactor* UpdateRegion(grpc::CallbackServerContext* context,
                                         const v1::UpdateRegionRequest* request,
                                         v1::Region* response) override;
  grpc::ServerUnaryReactor* DeactivateRegion(
      grpc::CallbackServerContext* context,
      const v1::DeactivateRequest* request, v1::Region* response) override;
  grpc::ServerUnaryReactor* ListDepartments(
      grpc::CallbackServerContext* context,
      const v1::ListDepartmentsRequest* request,
      v1::ListDepartmentsResponse* response) override;
  grpc::ServerUnaryReactor* GetDepartment(
      grpc::CallbackServerContext* context,
      const v1::GetDepartmentRequest* request,
      v1::Department* response) override;
  grpc::ServerUnaryReactor* CreateDepartment(
      grpc::CallbackServerContext* context,
      const v1::CreateDepartmentRequest* request,
      v1::Department* response) override;
  grpc::ServerUnaryReactor* UpdateDepartment(
      grpc::CallbackServerContext* context,
      const v1::UpdateDepartmentRequest* request,
      v1::Department* response) override;
  grpc::ServerUnaryReactor* DeactivateDepartment(
      grpc::CallbackServerContext* context,
      const v1::DeactivateRequest* request, v1::Department* response) override;
  grpc::ServerUnaryReactor* ListTeams(grpc::CallbackServerContext* context,
                                      const v1::ListTeamsRequest* request,
                                      v1::ListTeamsResponse* response) override;
  grpc::ServerUnaryReactor* GetTeam(grpc::CallbackServerContext* context,
                                    const v1::GetTeamRequest* request,
                                    v1::Team* response) override;
  grpc::ServerUnaryReactor* CreateTeam(grpc::CallbackServerContext* context,
                                       const v1::CreateTeamRequest* request,
                                       v1::Team* response) override;
  grpc::ServerUnaryReactor* UpdateTeam(grpc::CallbackServerContext* context,
                                       const v1::UpdateTeamRequest* request,
                                       v1::Team* response) override;
  grpc::ServerUnaryReactor* DeactivateTeam(grpc::CallbackServerContext* context,
                                           const v1::DeactivateRequest* request,
                                           v1::Team* response) override;
  grpc::ServerUnaryReactor* ListVolunteers(
      grpc::CallbackServerContext* context,
      const v1::ListVolunteersRequest* request,
      v1::ListVolunteersResponse* response) override;
  grpc::ServerUnaryReactor* GetVolunteer(grpc::CallbackServerContext* context,
                                         const v1::GetVolunteerRequest* request,
                                         v1::Volunteer* response) override;
  grpc::ServerUnaryReactor* CreateVolunteer(
      grpc::CallbackServerContext* context,
      const v1::CreateVolunteerRequest* request,
      v1::Volunteer* response) override;
  grpc::ServerUnaryReactor* UpdateVolunteer(
      grpc::CallbackServerContext* context,
      const v1::UpdateVolunteerRequest* request,
      v1::Volunteer* response) override;
  grpc::ServerUnaryReactor* DeactivateVolunteer(
      grpc::CallbackServerContext* context,
      const v1::DeactivateRequest* request, v1::Volunteer* response) override;

 private:
  // Serves `method` by running `handler` of the caller's tenant's Directory.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Serve(
      grpc::CallbackServerContext* context, absl::string_view method,
      const Request* request, Response* response,
      absl::StatusOr<Response> (Directory::*handler)(const v1::Principal&,
                                                     const Request&));

  const ServiceEnv env_;
  DirectoryDomains& domains_;
};

}  // namespace kepu
