// WatchdogService over gRPC: the SLA policy and the escalations. A thin adapter
// over the tenant's order domain and Escalations.
#pragma once

#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class WatchdogServiceImpl final : public v1::WatchdogService::CallbackService {
 public:
  WatchdogServiceImpl(const ServiceEnv& env, OrderDomains& orders)
      : env_(env), orders_(orders) {}

  grpc::ServerUnaryReactor* GetSlaPolicy(grpc::CallbackServerContext* context,
                                         const v1::GetSlaPolicyRequest* request,
                                         v1::SlaPolicy* response) override;
  grpc::ServerUnaryReactor* ListEscalations(
      grpc::CallbackServerContext* context,
      const v1::ListEscalationsRequest* request,
      v1::ListEscalationsResponse* response) override;
  grpc::ServerUnaryReactor* AcknowledgeEscalation(
      grpc::CallbackServerContext* context,
      const v1::AcknowledgeEscalationRequest* request,
      v1::Escalation* response) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
};

}  // namespace kepu
