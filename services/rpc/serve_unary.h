// How every unary RPC is served: authenticate, check the caller's role against
// the RPC's policy, validate, run the domain on a work pool, finish. Adapters
// only convert messages and call the domain.
#pragma once

#include <grpcpp/grpcpp.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/authenticator.h"
#include "services/core/clock.h"
#include "services/core/validation.h"
#include "services/rpc/call_tracker.h"
#include "services/rpc/grpc_status.h"
#include "services/rpc/rpc_policy.h"
#include "services/rpc/tenants.h"
#include "services/rpc/work_pool.h"

namespace kepu {

// What every service adapter is built with. Everything outlives the services.
struct ServiceEnv {
  // Runs calls: order moves, reads, everything that waits only on Redis.
  WorkPool& pool;
  // Runs the calls that hash or verify a password (RpcPolicy::
  // hashes_password) from start to end; small, so memory for hashes stays
  // bounded, and apart, so sign-ins never hold a thread of `pool`.
  WorkPool& sign_in_pool;
  Authenticator& auth;
  const Clock& clock;
  // Unary calls in progress (shutdown waits for them).
  CallTracker& calls;
  // The tenants served; a public call (register, sign in) that names none in
  // "x-kepu-tenant" is the default tenant's.
  const Tenants& tenants;
  // IP addresses of kepu-gateway processes whose "x-kepu-client-address" is
  // believed (the gateway kepud hosts itself is always believed).
  std::vector<std::string> trusted_gateways = {};
};

// Who makes a call.
struct Caller {
  // The token's principal; for a public call only `tenant` is set.
  v1::Principal principal;
  // The bearer token, if the call carried one.
  std::string token;
  // The client's address as gRPC reports it (e.g. "ipv4:127.0.0.1:50312"), or
  // for a call the HTTP gateway makes on a browser's behalf, the browser's
  // ("ipv4:203.0.113.7"). Per-address rate limits count this.
  std::string peer;
  // The call comes from a trusted gateway (or the server's in-process
  // channel) on its own behalf, not forwarding anyone's call: a service of
  // the platform, which per-address limits do not count.
  bool trusted = false;
};

// The token of "authorization: Bearer <token>"; empty when there is none.
std::string BearerToken(const grpc::CallbackServerContext& context);

// The tenant a public call names in "x-kepu-tenant", or `fallback`.
std::string TenantOf(const grpc::CallbackServerContext& context,
                     absl::string_view fallback);

// OK unless `token` is well formed and names a tenant that is not served
// (kNotFound naming it; see Tenants::Check). A malformed token is the
// Authenticator's to refuse.
absl::Status CheckTokenTenant(const Tenants& tenants, absl::string_view token);

// Establishes the caller of `method` (e.g. "kepu.v1.OrderService/CreateOrder"),
// in this order:
//   INTERNAL           a method without a policy (a bug);
//   INVALID_ARGUMENT,  a public call naming a malformed tenant, or one not
//   NOT_FOUND          served (Tenants::Check), in "x-kepu-tenant"; any other
//                      call whose token names a tenant not served;
//   UNAUTHENTICATED    no, a malformed, unknown, revoked or expired token
//                      (UNAVAILABLE when sessions cannot be read);
//   PERMISSION_DENIED  the RPC's role policy does not admit the caller;
//   `valid`            the request's own validation status, judged only now
//                      for a call with a token: an anonymous or unknown-token
//                      call answers UNAUTHENTICATED whatever its fields hold.
// Nothing is made or read for a tenant that is not served.
absl::StatusOr<Caller> Admit(grpc::CallbackServerContext& context,
                             absl::string_view method, const ServiceEnv& env,
                             const absl::Status& valid = absl::OkStatus());

// Untemplated core of ServeUnary: `valid` is the request's validation status.
grpc::ServerUnaryReactor* StartUnary(
    grpc::CallbackServerContext* context, absl::string_view method,
    absl::Status valid, const ServiceEnv& env,
    absl::AnyInvocable<absl::Status(const Caller&)> handler);

// Serves one unary call of `method`. A public call's request is judged at once
// (INVALID_ARGUMENT naming the field: there is no token to check first); then,
// on the work pool of the RPC's policy (the sign-in pool for calls that hash
// passwords), the caller is admitted (Admit, which judges the request of any
// other call after its token and role), `handler(const Caller&) ->
// absl::Status` runs — it fills the response — and the call finishes with its
// status. A full pool answers RESOURCE_EXHAUSTED at once; a call whose
// deadline passed while it waited answers DEADLINE_EXCEEDED without running.
// `request` must stay valid until the call finishes (gRPC keeps it so).
template <typename Request, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     absl::string_view method,
                                     const Request& request,
                                     const ServiceEnv& env, Handler handler) {
  return StartUnary(context, method,
                    Validate(request, ValidationContext{env.clock.Now()}), env,
                    std::move(handler));
}

}  // namespace kepu
