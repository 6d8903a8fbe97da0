// ClaimService over gRPC: the department's side (领单). A thin adapter over
// OrderWorkflow.
#pragma once

#include "kepu/v1/claims.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/orders/watch.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class ClaimServiceImpl final : public v1::ClaimService::CallbackService {
 public:
  ClaimServiceImpl(const ServiceEnv& env, OrderDomains& orders,
                   EventFeeds& feeds)
      : env_(env), orders_(orders), feeds_(feeds) {}

  grpc::ServerUnaryReactor* ListPool(grpc::CallbackServerContext* context,
                                     const v1::ListPoolRequest* request,
                                     v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* ClaimOrder(grpc::CallbackServerContext* context,
                                       const v1::ClaimOrderRequest* request,
                                       v1::Order* response) override;
  grpc::ServerUnaryReactor* ReturnOrder(grpc::CallbackServerContext* context,
                                        const v1::ReturnOrderRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* ListEligibleTeams(
      grpc::CallbackServerContext* context,
      const v1::ListEligibleTeamsRequest* request,
      v1::ListEligibleTeamsResponse* response) override;
  grpc::ServerUnaryReactor* AssignTeam(grpc::CallbackServerContext* context,
                                       const v1::AssignTeamRequest* request,
                                       v1::Order* response) override;
  grpc::ServerUnaryReactor* ReleaseToMatching(
      grpc::CallbackServerContext* context,
      const v1::ReleaseToMatchingRequest* request,
      v1::Order* response) override;

  grpc::ServerWriteReactor<v1::OrderEvent>* WatchPool(
      grpc::CallbackServerContext* context,
      const v1::WatchPoolRequest* request) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
  EventFeeds& feeds_;
};

}  // namespace kepu
