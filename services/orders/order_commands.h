// Turning the order-moving requests of every service into domain Commands.
#pragma once

#include "kepu/v1/claims.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/orders.pb.h"
#include "services/core/fingerprint.h"
#include "services/core/order_rules.h"
#include "services/core/time_util.h"

namespace kepu {

// The part every moving request shares: action, order, request id, fingerprint,
// version.
template <typename Request>
Command MoveOf(OrderAction action, const Request& request) {
  Command command;
  command.action = action;
  command.order_id = request.order_id();
  command.request_id = request.request_id();
  command.fingerprint = Fingerprint(request);
  command.expected_version = request.expected_version();
  return command;
}

Command CommandOf(const v1::UpdateOrderRequest& request);
Command CommandOf(const v1::ResubmitOrderRequest& request);
Command CommandOf(const v1::CancelOrderRequest& request);
Command CommandOf(const v1::RateOrderRequest& request);
Command CommandOf(const v1::ReopenOrderRequest& request);
Command CommandOf(const v1::RequestInfoRequest& request);
Command CommandOf(const v1::RejectOrderRequest& request);
Command CommandOf(const v1::MarkDuplicateRequest& request);
Command CommandOf(const v1::DispatchOrderRequest& request);
Command CommandOf(const v1::ClaimOrderRequest& request);
Command CommandOf(const v1::ReturnOrderRequest& request);
// `now` turns the request's offer TTL into an expiry (unset: the workflow's
// default).
Command CommandOf(const v1::AssignTeamRequest& request, absl::Time now);
Command CommandOf(const v1::ReleaseToMatchingRequest& request);
Command CommandOf(const v1::AcceptOfferRequest& request);
Command CommandOf(const v1::DeclineOfferRequest& request);
Command CommandOf(const v1::ScheduleServiceRequest& request);
Command CommandOf(const v1::CheckInRequest& request);
Command CommandOf(const v1::CompleteServiceRequest& request);
Command CommandOf(const v1::WithdrawOrderRequest& request);

}  // namespace kepu
