#include "services/rpc/serve_unary.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/redis/redis_sessions.h"
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

struct Peer {
  std::string address;
  // See Caller::trusted.
  bool trusted = false;
};

// Who the call is from: the gateway forwards the browser's address, and is
// believed when it is in this process or at a trusted address.
Peer ClientPeer(const grpc::CallbackServerContext& context,
                const ServiceEnv& env) {
  std::string peer = context.peer();
  // gRPC names no peer for a call on the server's in-process channel.
  const bool in_process = peer.empty() || peer == "unknown";
  const bool trusted =
      in_process ||
      std::find(env.trusted_gateways.begin(), env.trusted_gateways.end(),
                HostOf(peer)) != env.trusted_gateways.end();
  absl::string_view forwarded = Metadata(context, "x-kepu-client-address");
  if (forwarded.empty()) return Peer{std::move(peer), trusted};
  return trusted ? Peer{std::string(forwarded), false}
                 : Peer{std::move(peer), false};
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

absl::Status CheckTokenTenant(const Tenants& tenants, absl::string_view token) {
  absl::StatusOr<std::string> tenant = RedisSessions::TenantOf(token);
  if (!tenant.ok()) return absl::OkStatus();
  return tenants.Check(*tenant);
}

absl::StatusOr<Caller> Admit(grpc::CallbackServerContext& context,
                             absl::string_view method, const ServiceEnv& env,
                             const absl::Status& valid) {
  const RpcPolicy* policy = PolicyFor(method);
  if (policy == nullptr) {
    return absl::InternalError(absl::StrCat("no call policy for ", method));
  }
  Caller caller;
  caller.token = BearerToken(context);
  Peer peer = ClientPeer(context, env);
  caller.peer = std::move(peer.address);
  caller.trusted = peer.trusted;
  if (policy->is_public) {
    const std::string tenant = TenantOf(context, env.tenants.default_tenant());
    RETURN_IF_ERROR(env.tenants.Check(tenant));
    RETURN_IF_ERROR(valid);
    caller.principal.set_tenant(tenant);
    return caller;
  }
  // The token's tenant is checked before the session store is asked.
  RETURN_IF_ERROR(CheckTokenTenant(env.tenants, caller.token));
  ASSIGN_OR_RETURN(caller.principal, env.auth.Authenticate(caller.token));
  RETURN_IF_ERROR(env.tenants.Check(caller.principal.tenant()));
  RETURN_IF_ERROR(CheckCallAllowed(method, *policy, caller.principal));
  RETURN_IF_ERROR(valid);
  return caller;
}

grpc::ServerUnaryReactor* StartUnary(
    grpc::CallbackServerContext* context, absl::string_view method,
    absl::Status valid, const ServiceEnv& env,
    absl::AnyInvocable<absl::Status(const Caller&)> handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  const RpcPolicy* policy = PolicyFor(method);
  // A public call has no token to check first: its fields are judged at once,
  // before it takes a place in a pool.
  if (policy != nullptr && policy->is_public && !valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  const bool sign_in = policy != nullptr && policy->hashes_password;
  env.calls.Begin();
  const bool queued =
      (sign_in ? env.sign_in_pool : env.pool)
          // `calls` is taken apart from `env`: a service holds its ServiceEnv
          // by value, and once Finish has answered, the service may be
          // destroyed (a test tearing down) before this task's last line; the
          // tracker outlives the pool.
          .TrySubmit([context, reactor, method, &env, &calls = env.calls,
                      valid = std::move(valid),
                      handler = std::move(handler)]() mutable {
            grpc::Status status;
            if (context->deadline() < std::chrono::system_clock::now()) {
              status = grpc::Status(grpc::StatusCode::DEADLINE_EXCEEDED,
                                    "the deadline passed before the server got "
                                    "to the call");
            } else {
              absl::StatusOr<Caller> caller =
                  Admit(*context, method, env, valid);
              status = ToGrpcStatus(caller.ok() ? handler(*caller)
                                                : caller.status());
            }
            reactor->Finish(status);
            calls.End();  // not env: see above
          });
  if (!queued) {
    reactor->Finish(
        grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                     sign_in ? "too many sign-ins at once: retry shortly"
                             : "the server is busy: retry shortly"));
    env.calls.End();
  }
  return reactor;
}

}  // namespace kepu
