#include "services/rpc/serve_unary.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

absl::string_view Metadata(const grpc::CallbackServerContext& context,
                           absl::string_view key) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find(grpc::string_ref(key.data(), key.size()));
  if (it == metadata.end()) return {};
  return absl::string_view(it->second.data(), it->second.size());
}

}  // namespace

std::string BearerToken(const grpc::CallbackServerContext& context) {
  absl::string_view value = Metadata(context, "authorization");
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) return "";
  value.remove_prefix(7);
  return std::string(value);
}

std::string TenantOf(const grpc::CallbackServerContext& context,
                     absl::string_view fallback) {
  absl::string_view tenant = Metadata(context, "x-kepu-tenant");
  return std::string(tenant.empty() ? fallback : tenant);
}

absl::StatusOr<Caller> Admit(grpc::CallbackServerContext& context,
                             absl::string_view method, const ServiceEnv& env) {
  const RpcPolicy* policy = PolicyFor(method);
  if (policy == nullptr) {
    return absl::InternalError(absl::StrCat("no call policy for ", method));
  }
  Caller caller;
  caller.token = BearerToken(context);
  caller.peer = context.peer();
  if (policy->is_public) {
    caller.principal.set_tenant(TenantOf(context, env.default_tenant));
    return caller;
  }
  ASSIGN_OR_RETURN(caller.principal, env.auth.Authenticate(caller.token));
  RETURN_IF_ERROR(CheckCallAllowed(method, *policy, caller.principal));
  return caller;
}

}  // namespace kepu
