#include "services/orders/orders_service.h"

#include <utility>
#include <vector>

#include "services/core/field_checks.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;

}  // namespace

grpc::ServerUnaryReactor* OrdersService::CreateOrder(
    grpc::CallbackServerContext* context, const v1::CreateOrderRequest* request,
    v1::Order* response) {
  return ServeUnary(
      context, "kepu.v1.OrderService/CreateOrder", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        ASSIGN_OR_RETURN(OrderDomain * orders,
                         orders_.Get(caller.principal.tenant()));
        ASSIGN_OR_RETURN(*response,
                         orders->workflow.Create(caller.principal, *request));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrdersService::GetOrder(
    grpc::CallbackServerContext* context, const v1::GetOrderRequest* request,
    v1::Order* response) {
  return ServeUnary(
      context, "kepu.v1.OrderService/GetOrder", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        ASSIGN_OR_RETURN(OrderDomain * orders,
                         orders_.Get(caller.principal.tenant()));
        ASSIGN_OR_RETURN(*response, orders->workflow.Get(caller.principal,
                                                         request->order_id()));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* OrdersService::GetOrderHistory(
    grpc::CallbackServerContext* context,
    const v1::GetOrderHistoryRequest* request,
    v1::GetOrderHistoryResponse* response) {
  return ServeUnary(
      context, "kepu.v1.OrderService/GetOrderHistory", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        // The page token of a history is the id of the last event of the
        // previous page.
        RETURN_IF_ERROR(
            CheckEventId(request->page().page_token(), "page.page_token"));
        const int size = request->page().page_size() > 0
                             ? request->page().page_size()
                             : kDefaultPageSize;
        ASSIGN_OR_RETURN(OrderDomain * orders,
                         orders_.Get(caller.principal.tenant()));
        ASSIGN_OR_RETURN(
            std::vector<v1::OrderEvent> events,
            orders->workflow.History(caller.principal, request->order_id(),
                                     request->page().page_token(), size + 1));
        const bool more = static_cast<int>(events.size()) > size;
        if (more) events.resize(size);
        for (v1::OrderEvent& event : events)
          *response->add_events() = std::move(event);
        if (more)
          response->set_next_page_token(
              response->events().rbegin()->event_id());
        return absl::OkStatus();
      });
}

}  // namespace kepu
