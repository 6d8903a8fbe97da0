#include "services/rpc/serve_unary.h"

#include <algorithm>

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

// "ipv4:10.0.0.5:51234" -> "10.0.0.5"; "ipv6:[::1]:5" -> "::1".
absl::string_view HostOf(absl::string_view peer) {
  const size_t scheme = peer.find(':');
  if (scheme == absl::string_view::npos) return peer;
  absl::string_view rest = peer.substr(scheme + 1);
  if (absl::StartsWith(rest, "[")) {
    return rest.substr(1, rest.find(']') - 1);
  }
  return rest.substr(0, rest.rfind(':'));
}

// Who the call is from: the gateway forwards the browser's address, and is
// believed when it is in this process or at a trusted address.
std::string ClientPeer(const grpc::CallbackServerContext& context,
                       const ServiceEnv& env) {
  std::string peer = context.peer();
  absl::string_view forwarded = Metadata(context, "x-kepu-client-address");
  if (forwarded.empty()) return peer;
  // gRPC names no peer for a call on the server's in-process channel.
  const bool in_process = peer.empty() || peer == "unknown";
  const bool trusted =
      in_process ||
      std::find(env.trusted_gateways.begin(), env.trusted_gateways.end(),
                HostOf(peer)) != env.trusted_gateways.end();
  return trusted ? std::string(forwarded) : peer;
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
  caller.peer = ClientPeer(context, env);
  if (policy->is_public) {
    caller.principal.set_tenant(TenantOf(context, env.default_tenant));
    return caller;
  }
  ASSIGN_OR_RETURN(caller.principal, env.auth.Authenticate(caller.token));
  RETURN_IF_ERROR(CheckCallAllowed(method, *policy, caller.principal));
  return caller;
}

}  // namespace kepu
