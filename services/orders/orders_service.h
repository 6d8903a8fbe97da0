// OrderService over gRPC: the resident's side. A thin adapter over
// OrderWorkflow.
#pragma once

#include "kepu/v1/orders.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

// RPCs not overridden here answer UNIMPLEMENTED until their issue lands (see
// README).
class OrdersService final : public v1::OrderService::CallbackService {
 public:
  OrdersService(const ServiceEnv& env, OrderDomains& orders)
      : env_(env), orders_(orders) {}

  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* context,
                                        const v1::CreateOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* context,
                                     const v1::GetOrderRequest* request,
                                     v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrderHistory(
      grpc::CallbackServerContext* context,
      const v1::GetOrderHistoryRequest* request,
      v1::GetOrderHistoryResponse* response) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
};

}  // namespace kepu
