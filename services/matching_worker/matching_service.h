// MatchingService over gRPC: a look inside the matching engine (why an offer
// went to its team, the queue, the dead letters). A thin adapter over the
// order workflow and the tenant's MatchingQueue; the matching itself runs in
// MatchingWorker.
#pragma once

#include "kepu/v1/matching.grpc.pb.h"
#include "services/matching_worker/matching_queue.h"
#include "services/orders/order_domain.h"
#include "services/rpc/per_tenant.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

using MatchingQueues = PerTenant<MatchingQueue>;

class MatchingServiceImpl final : public v1::MatchingService::CallbackService {
 public:
  MatchingServiceImpl(const ServiceEnv& env, OrderDomains& orders,
                      MatchingQueues& queues)
      : env_(env), orders_(orders), queues_(queues) {}

  // The order's current (or last) offer with its explanation.
  // FAILED_PRECONDITION when the order was never offered to a team.
  grpc::ServerUnaryReactor* ExplainOffer(
      grpc::CallbackServerContext* context,
      const v1::ExplainOfferRequest* request,
      v1::ExplainOfferResponse* response) override;
  grpc::ServerUnaryReactor* GetMatchingStatus(
      grpc::CallbackServerContext* context,
      const v1::GetMatchingStatusRequest* request,
      v1::MatchingStatus* response) override;
  grpc::ServerUnaryReactor* ListDeadLetters(
      grpc::CallbackServerContext* context,
      const v1::ListDeadLettersRequest* request,
      v1::ListDeadLettersResponse* response) override;
  grpc::ServerUnaryReactor* RetryDeadLetter(
      grpc::CallbackServerContext* context,
      const v1::RetryDeadLetterRequest* request,
      v1::RetryDeadLetterResponse* response) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
  MatchingQueues& queues_;
};

}  // namespace kepu
