#include "services/gateway/http_gateway.h"

#include <utility>

#include "grpc/health/v1/health.pb.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/method_table.h"

namespace kepu::gateway {

HttpGateway::HttpGateway(std::unique_ptr<GatewayServer> server)
    : server_(std::move(server)) {}

HttpGateway::~HttpGateway() { Stop(absl::Now()); }

std::string HttpGateway::address() const { return server_->address(); }

void HttpGateway::Stop(absl::Time deadline) { server_->Stop(deadline); }

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    GatewayOptions options, std::shared_ptr<grpc::Channel> backend) {
  std::vector<std::string> services = options.services;
  // Referenced so the health service's descriptor is linked in.
  services.push_back(grpc::health::v1::HealthCheckRequest::descriptor()
                         ->file()
                         ->service(0)
                         ->full_name());
  absl::StatusOr<MethodTable> methods = MethodTable::ForServices(services);
  if (!methods.ok()) return methods.status();
  if (options.threads < 1) {
    return absl::InvalidArgumentError("the gateway needs at least one thread");
  }
  auto server = std::make_unique<GatewayServer>(
      std::move(options), std::move(backend), *std::move(methods));
  if (absl::Status listening = server->Listen(); !listening.ok()) {
    return listening;
  }
  server->Run();
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(server)));
}

}  // namespace kepu::gateway
