// OrderService over gRPC: the resident's side. A thin adapter over
// OrderWorkflow.
#pragma once

#include "kepu/v1/orders.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/orders/watch.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class OrdersService final : public v1::OrderService::CallbackService {
 public:
  OrdersService(const ServiceEnv& env, OrderDomains& orders, EventFeeds& feeds)
      : env_(env), orders_(orders), feeds_(feeds) {}

  grpc::ServerUnaryReactor* CreateOrder(grpc::CallbackServerContext* context,
                                        const v1::CreateOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* UpdateOrder(grpc::CallbackServerContext* context,
                                        const v1::UpdateOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* ResubmitOrder(
      grpc::CallbackServerContext* context,
      const v1::ResubmitOrderRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* CancelOrder(grpc::CallbackServerContext* context,
                                        const v1::CancelOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* RateOrder(grpc::CallbackServerContext* context,
                                      const v1::RateOrderRequest* request,
                                      v1::Order* response) override;
  grpc::ServerUnaryReactor* ReopenOrder(grpc::CallbackServerContext* context,
                                        const v1::ReopenOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* context,
                                     const v1::GetOrderRequest* request,
                                     v1::Order* response) override;
  grpc::ServerUnaryReactor* GetOrderHistory(
      grpc::CallbackServerContext* context,
      const v1::GetOrderHistoryRequest* request,
      v1::GetOrderHistoryResponse* response) override;
  grpc::ServerUnaryReactor* ListMyOrders(
      grpc::CallbackServerContext* context,
      const v1::ListMyOrdersRequest* request,
      v1::ListOrdersResponse* response) override;

  grpc::ServerWriteReactor<v1::OrderEvent>* WatchMyOrders(
      grpc::CallbackServerContext* context,
      const v1::WatchMyOrdersRequest* request) override;
  grpc::ServerWriteReactor<v1::OrderEvent>* WatchOrder(
      grpc::CallbackServerContext* context,
      const v1::WatchOrderRequest* request) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
  EventFeeds& feeds_;
};

}  // namespace kepu
