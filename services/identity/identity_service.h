// IdentityService over gRPC: a thin adapter over Accounts (accounts.h), one
// tenant's domain per call (the caller's tenant; for the public Register, Login
// and Authenticate the "x-kepu-tenant" metadata or the server's default). The
// calls that hash passwords run on the sign-in pool (RpcPolicy). Authenticate
// is free for trusted gateways (Caller::trusted) and limited per address like
// sign-ins for everyone else.
#pragma once

#include <string>

#include "kepu/v1/identity.grpc.pb.h"
#include "services/identity/identity_domain.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class IdentityServiceImpl final : public v1::IdentityService::CallbackService {
 public:
  // `env` and `domains` must outlive the service.
  IdentityServiceImpl(const ServiceEnv& env, IdentityDomains& domains)
      : env_(env), domains_(domains) {}

  grpc::ServerUnaryReactor* Register(grpc::CallbackServerContext* context,
                                     const v1::RegisterRequest* request,
                                     v1::Session* response) override;
  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::Session* response) override;
  grpc::ServerUnaryReactor* Logout(grpc::CallbackServerContext* context,
                                   const v1::LogoutRequest* request,
                                   v1::LogoutResponse* response) override;
  grpc::ServerUnaryReactor* RevokeSessions(
      grpc::CallbackServerContext* context,
      const v1::RevokeSessionsRequest* request,
      v1::RevokeSessionsResponse* response) override;
  grpc::ServerUnaryReactor* ChangePassword(
      grpc::CallbackServerContext* context,
      const v1::ChangePasswordRequest* request,
      v1::ChangePasswordResponse* response) override;
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::User* response) override;
  grpc::ServerUnaryReactor* Authenticate(grpc::CallbackServerContext* context,
                                         const v1::AuthenticateRequest* request,
                                         v1::Principal* response) override;
  grpc::ServerUnaryReactor* CreateStaffAccount(
      grpc::CallbackServerContext* context,
      const v1::CreateStaffAccountRequest* request,
      v1::User* response) override;
  grpc::ServerUnaryReactor* GrantRole(grpc::CallbackServerContext* context,
                                      const v1::GrantRoleRequest* request,
                                      v1::User* response) override;
  grpc::ServerUnaryReactor* RevokeRole(grpc::CallbackServerContext* context,
                                       const v1::RevokeRoleRequest* request,
                                       v1::User* response) override;
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context,
                                    const v1::GetUserRequest* request,
                                    v1::User* response) override;
  grpc::ServerUnaryReactor* ListUsers(grpc::CallbackServerContext* context,
                                      const v1::ListUsersRequest* request,
                                      v1::ListUsersResponse* response) override;
  grpc::ServerUnaryReactor* DeactivateUser(
      grpc::CallbackServerContext* context,
      const v1::DeactivateUserRequest* request, v1::User* response) override;

 private:
  // ServeUnary for "kepu.v1.IdentityService/<rpc>", with the caller's tenant's
  // Accounts: handler(Accounts&, const Caller&) -> absl::Status.
  template <typename Request, typename Handler>
  grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                  absl::string_view rpc, const Request& request,
                                  Handler handler);

  const ServiceEnv env_;
  IdentityDomains& domains_;
};

}  // namespace kepu
