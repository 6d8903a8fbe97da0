// The client context of a test's gRPC call: a deadline, so a call that hangs
// fails the test instead of hanging it, and the metadata a client of Kepu
// sends. Header-only, for unit tests that link no test support library.
#pragma once

#include <grpcpp/client_context.h>

#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"

namespace kepu::testing {

// `token`: `authorization: Bearer <token>`; `tenant`: `x-kepu-tenant`;
// `client_address`: `x-kepu-client-address` (the browser's address a trusted
// gateway forwards). Each is sent only when not empty.
inline std::unique_ptr<grpc::ClientContext> CallContext(
    const std::string& token, const std::string& tenant = "",
    const std::string& client_address = "",
    std::chrono::seconds deadline = std::chrono::seconds(10)) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + deadline);
  if (!token.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  if (!tenant.empty()) context->AddMetadata("x-kepu-tenant", tenant);
  if (!client_address.empty()) {
    context->AddMetadata("x-kepu-client-address", client_address);
  }
  return context;
}

}  // namespace kepu::testing
