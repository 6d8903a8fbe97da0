// The command-line flags of the HTTP gateway, shared by kepud (which hosts it)
// and kepu-gateway (which runs it alone in front of remote kepud servers).
#ifndef KEPU_SERVICES_GATEWAY_GATEWAY_FLAGS_H_
#define KEPU_SERVICES_GATEWAY_GATEWAY_FLAGS_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "services/gateway/http_gateway.h"

ABSL_DECLARE_FLAG(std::string, http_listen);
ABSL_DECLARE_FLAG(std::string, http_root);

namespace kepu::gateway {

// The options the --http_* flags give, exposing `services`.
GatewayOptions GatewayOptionsFromFlags(std::vector<std::string> services);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_GATEWAY_FLAGS_H_
