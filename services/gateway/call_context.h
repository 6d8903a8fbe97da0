// What every call the gateway makes takes from its HTTP request: the Connect
// headers checked (Connect-Protocol-Version, Connect-Timeout-Ms), the
// deadline, and the metadata the services read (authorization, x-kepu-tenant,
// x-kepu-client-address). Pure: no I/O.
#ifndef KEPU_SERVICES_GATEWAY_CALL_CONTEXT_H_
#define KEPU_SERVICES_GATEWAY_CALL_CONTEXT_H_

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "boost/beast/http.hpp"
#include "grpcpp/client_context.h"
#include "services/gateway/http_gateway.h"

namespace kepu::gateway {

// Fills `context` for a call made for `request`: its deadline (the client's
// Connect-Timeout-Ms, at most options.max_call_timeout; options.call_timeout
// for a unary call without one; none for a stream without one) and its
// metadata. INVALID_ARGUMENT names the header that is wrong (a version other
// than 1, a timeout that is not a positive number of milliseconds, bytes gRPC
// metadata cannot carry); `context` must then not be used.
absl::Status PrepareCall(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    const GatewayOptions& options, absl::string_view client_address,
    bool streaming, grpc::ClientContext& context);

// Whether gRPC takes `value` as text metadata: printable ASCII only (other
// bytes abort the process inside gRPC).
bool IsMetadataText(absl::string_view value);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_CALL_CONTEXT_H_
