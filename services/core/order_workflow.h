// The order domain: every move of every role goes through here. Adapters (the
// gRPC services) turn requests into Commands; this class checks who may do what
// to which order, plans the move and has the store apply it.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/order.pb.h"
#include "kepu/v1/orders.pb.h"
#include "services/core/clock.h"
#include "services/core/ids.h"
#include "services/core/order_rules.h"
#include "services/core/order_store.h"

namespace kepu {

// Thread-safe (as thread-safe as the store). Requests are assumed validated
// (validation.h).
class OrderWorkflow {
 public:
  OrderWorkflow(OrderStore& store, const Clock& clock, IdGenerator& ids,
                LifecyclePolicy policy = {});

  // Places an order: for the principal as a resident, or, with on_behalf_of, as
  // a worker of the draft's community.
  //   kPermissionDenied: the principal is not a resident (or not a worker of
  //   that community); kInvalidArgument:  the request id was used before for
  //   other content; kUnavailable:      the store is down (retry with the same
  //   request id).
  absl::StatusOr<v1::Order> Create(const v1::Principal& principal,
                                   const v1::CreateOrderRequest& request);

  // The order, if the principal may see it; kNotFound otherwise (and when there
  // is none).
  absl::StatusOr<v1::Order> Get(const v1::Principal& principal,
                                absl::string_view order_id);

  // The order's history, oldest first, after `after_event_id`, at most `limit`
  // entries.
  absl::StatusOr<std::vector<v1::OrderEvent>> History(
      const v1::Principal& principal, absl::string_view order_id,
      absl::string_view after_event_id, int limit);

  // Makes `command` on an existing order as the principal. A request applied
  // before returns its first result.
  //   kNotFound:           no such order, or not one the principal may see;
  //   kPermissionDenied:   the principal's roles may not make this move;
  //   kAborted:            the order is no longer at command.expected_version;
  //   kFailedPrecondition: the move is not possible from the order's state (or
  //   now); kInvalidArgument:    the command lacks what the move needs, or the
  //   request id was used
  //                        for other content;
  //   kUnavailable:        the store is down (retry with the same request id).
  absl::StatusOr<v1::Order> Act(const v1::Principal& principal,
                                const Command& command);

 private:
  OrderStore& store_;
  const Clock& clock_;
  IdGenerator& ids_;
  const LifecyclePolicy policy_;
};

}  // namespace kepu
