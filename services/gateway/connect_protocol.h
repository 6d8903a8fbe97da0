// The Connect protocol's unary wire rules (connectrpc.com/docs/protocol) that
// the gateway needs: code names, the HTTP status each code maps to, the error
// body, and the Connect-Timeout-Ms header. Pure functions, no I/O.
#ifndef KEPU_SERVICES_GATEWAY_CONNECT_PROTOCOL_H_
#define KEPU_SERVICES_GATEWAY_CONNECT_PROTOCOL_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "grpcpp/support/status.h"

namespace kepu::gateway {

// Connect's name for a gRPC code: "invalid_argument", "not_found", ...
// OK has no Connect name; it returns "unknown" like any code out of range.
absl::string_view ConnectCodeName(grpc::StatusCode code);

// The HTTP status Connect gives a unary error with this code (400 for
// invalid_argument, 503 for unavailable, ...).
int HttpStatusOf(grpc::StatusCode code);

// The error body {"code": ..., "message": ...}; the message is omitted when
// empty. Always valid JSON, whatever bytes the message holds.
std::string ErrorBody(grpc::StatusCode code, absl::string_view message);

// The media type of a Content-Type, without parameters, in lower case
// ("Application/JSON; charset=utf-8" -> "application/json").
std::string MediaType(absl::string_view content_type);

// A Connect-Timeout-Ms value: 1 to 10 positive ASCII digits. Anything else is
// nullopt (the caller answers invalid_argument).
std::optional<absl::Duration> ParseTimeoutMs(absl::string_view header);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_CONNECT_PROTOCOL_H_
