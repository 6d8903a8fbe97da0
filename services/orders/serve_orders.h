// The two shapes of order RPC, on ServeUnary: a move (the domain's Act) and a
// query.
#pragma once

#include <vector>

#include "google/protobuf/repeated_field.h"
#include "services/orders/order_domain.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

// Serves an RPC that moves an order: `make()` builds the Command, the tenant's
// workflow acts.
template <typename Request, typename MakeCommand>
grpc::ServerUnaryReactor* ServeMove(grpc::CallbackServerContext* context,
                                    absl::string_view method,
                                    const Request* request, v1::Order* response,
                                    const ServiceEnv& env, OrderDomains& orders,
                                    MakeCommand make) {
  return ServeUnary(
      context, method, *request, env,
      [&orders, response, make](const Caller& caller) -> absl::Status {
        absl::StatusOr<OrderDomain*> domain =
            orders.Get(caller.principal.tenant());
        if (!domain.ok()) return domain.status();
        absl::StatusOr<v1::Order> order =
            (*domain)->workflow.Act(caller.principal, make());
        if (!order.ok()) return order.status();
        *response = *std::move(order);
        return absl::OkStatus();
      });
}

// Serves a query of the tenant's order domain: `answer(OrderDomain&, const
// Caller&)` answers an absl::StatusOr of the response message.
template <typename Request, typename Response, typename Answer>
grpc::ServerUnaryReactor* ServeDomainQuery(
    grpc::CallbackServerContext* context, absl::string_view method,
    const Request* request, Response* response, const ServiceEnv& env,
    OrderDomains& orders, Answer answer) {
  return ServeUnary(
      context, method, *request, env,
      [&orders, response, answer](const Caller& caller) -> absl::Status {
        absl::StatusOr<OrderDomain*> domain =
            orders.Get(caller.principal.tenant());
        if (!domain.ok()) return domain.status();
        absl::StatusOr<Response> result = answer(**domain, caller);
        if (!result.ok()) return result.status();
        *response = *std::move(result);
        return absl::OkStatus();
      });
}

// Serves a query: `query(OrderWorkflow&, const Caller&)` answers an
// absl::StatusOr of the response message.
template <typename Request, typename Response, typename Query>
grpc::ServerUnaryReactor* ServeQuery(grpc::CallbackServerContext* context,
                                     absl::string_view method,
                                     const Request* request, Response* response,
                                     const ServiceEnv& env,
                                     OrderDomains& orders, Query query) {
  return ServeDomainQuery(context, method, request, response, env, orders,
                          [query](OrderDomain& domain, const Caller& caller) {
                            return query(domain.workflow, caller);
                          });
}

// The order states of a request's filter.
inline std::vector<v1::OrderState> StatesOf(
    const google::protobuf::RepeatedField<int>& states) {
  std::vector<v1::OrderState> out;
  for (int state : states) out.push_back(static_cast<v1::OrderState>(state));
  return out;
}

inline PageSpec PageOf(const v1::PageRequest& page) {
  return PageSpec{page.page_size(), page.page_token()};
}

}  // namespace kepu
