// DispatchService over gRPC: the community worker's side (派单). A thin adapter
// over OrderWorkflow.
#pragma once

#include "kepu/v1/dispatch.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/orders/watch.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class DispatchServiceImpl final : public v1::DispatchService::CallbackService {
 public:
  DispatchServiceImpl(const ServiceEnv& env, OrderDomains& orders,
                      EventFeeds& feeds)
      : env_(env), orders_(orders), feeds_(feeds) {}

  grpc::ServerUnaryReactor* ListQueue(
      grpc::CallbackServerContext* context, const v1::ListQueueRequest* request,
      v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* SuggestDepartments(
      grpc::CallbackServerContext* context,
      const v1::SuggestDepartmentsRequest* request,
      v1::SuggestDepartmentsResponse* response) override;
  grpc::ServerUnaryReactor* RequestInfo(grpc::CallbackServerContext* context,
                                        const v1::RequestInfoRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* RejectOrder(grpc::CallbackServerContext* context,
                                        const v1::RejectOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* MarkDuplicate(
      grpc::CallbackServerContext* context,
      const v1::MarkDuplicateRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* DispatchOrder(
      grpc::CallbackServerContext* context,
      const v1::DispatchOrderRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* ListFollowUps(
      grpc::CallbackServerContext* context,
      const v1::ListFollowUpsRequest* request,
      v1::ListFollowUpsResponse* response) override;
  grpc::ServerUnaryReactor* RecordFollowUp(
      grpc::CallbackServerContext* context,
      const v1::RecordFollowUpRequest* request,
      v1::FollowUp* response) override;

  grpc::ServerWriteReactor<v1::OrderEvent>* WatchQueue(
      grpc::CallbackServerContext* context,
      const v1::WatchQueueRequest* request) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
  EventFeeds& feeds_;
};

}  // namespace kepu
