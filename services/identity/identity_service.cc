#include "services/identity/identity_service.h"

#include <type_traits>
#include <utility>

#include "services/core/status_macros.h"

namespace kepu {

template <typename Request, typename Handler>
grpc::ServerUnaryReactor* IdentityServiceImpl::Serve(
    grpc::CallbackServerContext* context, absl::string_view rpc,
    const Request& request, Handler handler) {
  static_assert(
      std::is_invocable_r_v<absl::Status, Handler, Accounts&, const Caller&>);
  // Calls that may end or change sessions (the policy table says which):
  // afterwards this process checks every token with Redis again (other
  // replicas within their session cache's TTL).
  const RpcPolicy* policy = PolicyFor(rpc);
  const bool changes_sessions = policy != nullptr && policy->changes_sessions;
  return ServeUnary(context, rpc, request, env_,
                    [this, handler = std::move(handler), changes_sessions](
                        const Caller& caller) mutable -> absl::Status {
                      ASSIGN_OR_RETURN(IdentityDomain * domain,
                                       domains_.Get(caller.principal.tenant()));
                      absl::Status status = handler(domain->accounts, caller);
                      if (changes_sessions) domain->sessions.ForgetCached();
                      return status;
                    });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::Register(
    grpc::CallbackServerContext* context, const v1::RegisterRequest* request,
    v1::Session* response) {
  return Serve(context, "kepu.v1.IdentityService/Register", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(*response,
                                  accounts.Register(*request, caller.peer));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::Login(
    grpc::CallbackServerContext* context, const v1::LoginRequest* request,
    v1::Session* response) {
  return Serve(context, "kepu.v1.IdentityService/Login", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(*response,
                                  accounts.Login(*request, caller.peer));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::Logout(
    grpc::CallbackServerContext* context, const v1::LogoutRequest* request,
    v1::LogoutResponse*) {
  return Serve(context, "kepu.v1.IdentityService/Logout", *request,
               [](Accounts& accounts, const Caller& caller) {
                 return accounts.Logout(caller.token);
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::RevokeSessions(
    grpc::CallbackServerContext* context,
    const v1::RevokeSessionsRequest* request,
    v1::RevokeSessionsResponse* response) {
  return Serve(context, "kepu.v1.IdentityService/RevokeSessions", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(const int revoked,
                                  accounts.RevokeSessions(caller.principal,
                                                          request->user_id()));
                 response->set_revoked(revoked);
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::ChangePassword(
    grpc::CallbackServerContext* context,
    const v1::ChangePasswordRequest* request, v1::ChangePasswordResponse*) {
  return Serve(context, "kepu.v1.IdentityService/ChangePassword", *request,
               [request](Accounts& accounts, const Caller& caller) {
                 return accounts.ChangePassword(caller.principal, caller.token,
                                                *request, caller.peer);
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::WhoAmI(
    grpc::CallbackServerContext* context, const v1::WhoAmIRequest* request,
    v1::User* response) {
  return Serve(
      context, "kepu.v1.IdentityService/WhoAmI", *request,
      [response](Accounts& accounts, const Caller& caller) -> absl::Status {
        ASSIGN_OR_RETURN(*response, accounts.WhoAmI(caller.principal));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::Authenticate(
    grpc::CallbackServerContext* context,
    const v1::AuthenticateRequest* request, v1::Principal* response) {
  return Serve(
      context, "kepu.v1.IdentityService/Authenticate", *request,
      [this, request, response](Accounts& accounts,
                                const Caller& caller) -> absl::Status {
        RETURN_IF_ERROR(CheckTokenTenant(env_.tenants, request->token()));
        // Services of the platform check tokens freely; anyone else's
        // unknown tokens count against its address, like wrong passwords.
        ASSIGN_OR_RETURN(
            *response, caller.trusted ? accounts.Authenticate(request->token())
                                      : accounts.AuthenticateLimited(
                                            request->token(), caller.peer));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::CreateStaffAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateStaffAccountRequest* request, v1::User* response) {
  return Serve(context, "kepu.v1.IdentityService/CreateStaffAccount", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(*response, accounts.CreateStaffAccount(
                                                 caller.principal, *request));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::GrantRole(
    grpc::CallbackServerContext* context, const v1::GrantRoleRequest* request,
    v1::User* response) {
  return Serve(context, "kepu.v1.IdentityService/GrantRole", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(
                     *response, accounts.GrantRole(caller.principal, *request));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::RevokeRole(
    grpc::CallbackServerContext* context, const v1::RevokeRoleRequest* request,
    v1::User* response) {
  return Serve(context, "kepu.v1.IdentityService/RevokeRole", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(*response, accounts.RevokeRole(
                                                 caller.principal, *request));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::GetUser(
    grpc::CallbackServerContext* context, const v1::GetUserRequest* request,
    v1::User* response) {
  return Serve(context, "kepu.v1.IdentityService/GetUser", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(
                     *response,
                     accounts.GetUser(caller.principal, request->user_id()));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::ListUsers(
    grpc::CallbackServerContext* context, const v1::ListUsersRequest* request,
    v1::ListUsersResponse* response) {
  return Serve(context, "kepu.v1.IdentityService/ListUsers", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(
                     *response, accounts.ListUsers(caller.principal, *request));
                 return absl::OkStatus();
               });
}

grpc::ServerUnaryReactor* IdentityServiceImpl::DeactivateUser(
    grpc::CallbackServerContext* context,
    const v1::DeactivateUserRequest* request, v1::User* response) {
  return Serve(context, "kepu.v1.IdentityService/DeactivateUser", *request,
               [request, response](Accounts& accounts,
                                   const Caller& caller) -> absl::Status {
                 ASSIGN_OR_RETURN(*response, accounts.DeactivateUser(
                                                 caller.principal, *request));
                 return absl::OkStatus();
               });
}

}  // namespace kepu
