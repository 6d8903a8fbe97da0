// How every unary RPC is served: validate, authenticate, run the domain on the
// work pool, finish. Adapters only convert messages and call the domain.
#pragma once

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/authenticator.h"
#include "services/core/clock.h"
#include "services/core/validation.h"
#include "services/rpc/call_tracker.h"
#include "services/rpc/grpc_status.h"
#include "services/rpc/tenants.h"
#include "services/rpc/work_pool.h"

namespace kepu {

// What every service adapter is built with. Everything outlives the services.
struct ServiceEnv {
  WorkPool& pool;
  Authenticator& auth;
  Tenants& tenants;
  const Clock& clock;
  // Unary calls in progress (shutdown waits for them).
  CallTracker& calls;
};

// The token of "authorization: Bearer <token>"; empty when there is none.
std::string BearerToken(const grpc::CallbackServerContext& context);

// Serves one unary call. Validates `request` at once (INVALID_ARGUMENT naming
// the field), then on the work pool authenticates the caller (UNAUTHENTICATED,
// or UNAVAILABLE when the session store is down), runs `handler(const
// v1::Principal&) -> absl::Status` — which fills the response — and finishes
// the call with its status. A full pool answers RESOURCE_EXHAUSTED; a call
// whose deadline passed while it waited answers DEADLINE_EXCEEDED without
// running.
template <typename Request, typename Handler>
grpc::ServerUnaryReactor* ServeUnary(grpc::CallbackServerContext* context,
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
      [context, reactor, &env, handler = std::move(handler)]() mutable {
        grpc::Status status;
        if (context->deadline() < std::chrono::system_clock::now()) {
          status = grpc::Status(
              grpc::StatusCode::DEADLINE_EXCEEDED,
              "the deadline passed before the server got to the call");
        } else {
          absl::StatusOr<v1::Principal> principal =
              env.auth.Authenticate(BearerToken(*context));
          status = ToGrpcStatus(principal.ok() ? handler(*principal)
                                               : principal.status());
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
