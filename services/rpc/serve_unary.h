// How every unary RPC is served: validate, authenticate, check the caller's
// role against the RPC's policy, run the domain on the work pool, finish.
// Adapters only convert messages and call the domain.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/authenticator.h"
#include "services/core/clock.h"
#include "services/core/validation.h"
#include "services/rpc/call_tracker.h"
#include "services/rpc/grpc_status.h"
#include "services/rpc/rpc_policy.h"
#include "services/rpc/work_pool.h"

namespace kepu {

// What every service adapter is built with. Everything outlives the services.
struct ServiceEnv {
  WorkPool& pool;
  Authenticator& auth;
  const Clock& clock;
  // Unary calls in progress (shutdown waits for them).
  CallTracker& calls;
  // The tenant of public calls (register, sign in) that name none in
  // "x-kepu-tenant".
  std::string default_tenant;
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
};

// The token of "authorization: Bearer <token>"; empty when there is none.
std::string BearerToken(const grpc::CallbackServerContext& context);

// The tenant a public call names in "x-kepu-tenant", or `fallback`.
std::string TenantOf(const grpc::CallbackServerContext& context,
                     absl::string_view fallback);

// Establishes the caller of `method` (e.g. "kepu.v1.OrderService/CreateOrder"):
// checks the token (UNAUTHENTICATED; UNAVAILABLE when sessions cannot be read)
// and the RPC's role policy (PERMISSION_DENIED). INTERNAL for a method without
// a policy.
absl::StatusOr<Caller> Admit(grpc::CallbackServerContext& context,
                             absl::string_view method, const ServiceEnv& env);

// Serves one unary call of `method`. Validates `request` at once
// (INVALID_ARGUMENT naming the field), then on the work pool admits the caller
// (Admit), runs `handler(const Caller&) -> absl::Status` — which fills the
// response — and finishes the call with its status. A full pool answers
// RESOURCE_EXHAUSTED; a call whose deadline passed while it waited answers
// DEADLINE_EXCEEDED without running.
template <typename Request, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
                                     absl::string_view method,
                                     const Request& request,
                                     const ServiceEnv& env, Handler handler) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (absl::Status valid =
          Validate(request, ValidationContext{env.clock.Now()});
      !valid.ok()) {
    reactor->Finish(ToGrpcStatus(valid));
    return reactor;
  }
  env.calls.Begin();
  const bool queued = env.pool.TrySubmit(
      [context, reactor, method, &env, handler = std::move(handler)]() mutable {
        grpc::Status status;
        if (context->deadline() < std::chrono::system_clock::now()) {
          status = grpc::Status(
              grpc::StatusCode::DEADLINE_EXCEEDED,
              "the deadline passed before the server got to the call");
        } else {
          absl::StatusOr<Caller> caller = Admit(*context, method, env);
          status =
              ToGrpcStatus(caller.ok() ? handler(*caller) : caller.status());
        }
        reactor->Finish(status);
        env.calls.End();
      });
  if (!queued) {
    reactor->Finish(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                 "the server is busy: retry shortly"));
    env.calls.End();
  }
  return reactor;
}

}  // namespace kepu
