#include "services/orders/orders_service.h"

#include <utility>
#include <vector>

#include "services/core/field_checks.h"
#include "services/core/status_macros.h"
#include "services/orders/order_commands.h"
#include "services/orders/serve_orders.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;

}  // namespace

grpc::ServerUnaryReactor* OrdersService::CreateOrder(
    grpc::CallbackServerContext* context, const v1::CreateOrderRequest* request,
    v1::Order* response) {
  return ServeQuery(context, "kepu.v1.OrderService/CreateOrder", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.Create(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* OrdersService::UpdateOrder(
    grpc::CallbackServerContext* context, const v1::UpdateOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.OrderService/UpdateOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* OrdersService::ResubmitOrder(
    grpc::CallbackServerContext* context,
    const v1::ResubmitOrderRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.OrderService/ResubmitOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* OrdersService::CancelOrder(
    grpc::CallbackServerContext* context, const v1::CancelOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.OrderService/CancelOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* OrdersService::RateOrder(
    grpc::CallbackServerContext* context, const v1::RateOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.OrderService/RateOrder", request, response,
                   env_, orders_, [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* OrdersService::ReopenOrder(
    grpc::CallbackServerContext* context, const v1::ReopenOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.OrderService/ReopenOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* OrdersService::GetOrder(
    grpc::CallbackServerContext* context, const v1::GetOrderRequest* request,
    v1::Order* response) {
  return ServeQuery(
      context, "kepu.v1.OrderService/GetOrder", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.Get(caller.principal, request->order_id());
      });
}

grpc::ServerUnaryReactor* OrdersService::GetOrderHistory(
    grpc::CallbackServerContext* context,
    const v1::GetOrderHistoryRequest* request,
    v1::GetOrderHistoryResponse* response) {
  return ServeQuery(
      context, "kepu.v1.OrderService/GetOrderHistory", request, response, env_,
      orders_,
      [request](OrderWorkflow& workflow, const Caller& caller)
          -> absl::StatusOr<v1::GetOrderHistoryResponse> {
        // The page token of a history is the id of the last event of the
        // previous page.
        RETURN_IF_ERROR(
            CheckEventId(request->page().page_token(), "page.page_token"));
        const int size = request->page().page_size() > 0
                             ? request->page().page_size()
                             : kDefaultPageSize;
        ASSIGN_OR_RETURN(
            std::vector<v1::OrderEvent> events,
            workflow.History(caller.principal, request->order_id(),
                             request->page().page_token(), size + 1));
        v1::GetOrderHistoryResponse answer;
        const bool more = static_cast<int>(events.size()) > size;
        if (more) events.resize(size);
        for (v1::OrderEvent& event : events)
          *answer.add_events() = std::move(event);
        if (more)
          answer.set_next_page_token(answer.events().rbegin()->event_id());
        return answer;
      });
}

grpc::ServerUnaryReactor* OrdersService::ListMyOrders(
    grpc::CallbackServerContext* context,
    const v1::ListMyOrdersRequest* request, v1::ListOrdersResponse* response) {
  return ServeQuery(
      context, "kepu.v1.OrderService/ListMyOrders", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ListMine(caller.principal, StatesOf(request->states()),
                                 PageOf(request->page()));
      });
}

grpc::ServerWriteReactor<v1::OrderEvent>* OrdersService::WatchMyOrders(
    grpc::CallbackServerContext* context,
    const v1::WatchMyOrdersRequest* request) {
  return ServeWatch(context, "kepu.v1.OrderService/WatchMyOrders", *request,
                    request->after_event_id(), env_, orders_, feeds_,
                    [request](OrderWorkflow& workflow, const Caller& caller)
                        -> absl::StatusOr<RedisEventFeed::Filter> {
                      (void)workflow;
                      const std::string user = caller.principal.user_id();
                      return [user](const v1::OrderEvent& event) {
                        return event.resident_id() == user;
                      };
                    });
}

grpc::ServerWriteReactor<v1::OrderEvent>* OrdersService::WatchOrder(
    grpc::CallbackServerContext* context,
    const v1::WatchOrderRequest* request) {
  return ServeWatch(
      context, "kepu.v1.OrderService/WatchOrder", *request,
      request->after_event_id(), env_, orders_, feeds_,
      [request](OrderWorkflow& workflow, const Caller& caller)
          -> absl::StatusOr<RedisEventFeed::Filter> {
        absl::Status visible =
            workflow.Get(caller.principal, request->order_id()).status();
        if (!visible.ok()) return visible;
        const std::string order = request->order_id();
        return [order](const v1::OrderEvent& event) {
          return event.order_id() == order;
        };
      });
}

}  // namespace kepu
