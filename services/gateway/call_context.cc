#include "services/gateway/call_context.h"

#include <algorithm>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "services/gateway/connect_protocol.h"

namespace kepu::gateway {

absl::Status PrepareCall(
    const boost::beast::http::request<boost::beast::http::string_body>& request,
    const GatewayOptions& options, absl::string_view client_address,
    bool streaming, grpc::ClientContext& context) {
  const auto version = request.find("connect-protocol-version");
  if (version != request.end() && version->value() != "1") {
    return absl::InvalidArgumentError("connect-protocol-version must be 1");
  }
  std::optional<absl::Duration> timeout;
  if (const auto header = request.find("connect-timeout-ms");
      header != request.end()) {
    timeout = ParseTimeoutMs(
        absl::string_view(header->value().data(), header->value().size()));
    if (!timeout) {
      return absl::InvalidArgumentError(
          "connect-timeout-ms must be a positive number of milliseconds");
    }
  }
  if (!timeout && !streaming) timeout = options.call_timeout;
  if (timeout) {
    timeout = std::min(*timeout, options.max_call_timeout);
    context.set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
  }
  for (const char* key : {"authorization", "x-kepu-tenant"}) {
    const auto header = request.find(key);
    if (header == request.end()) continue;
    const absl::string_view value(header->value().data(),
                                  header->value().size());
    if (!IsMetadataText(value)) {
      return absl::InvalidArgumentError(
          absl::StrCat(key, ": must be printable ASCII"));
    }
    context.AddMetadata(key, std::string(value));
  }
  context.AddMetadata("x-kepu-client-address", std::string(client_address));
  return absl::OkStatus();
}

bool IsMetadataText(absl::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E; });
}

}  // namespace kepu::gateway
