#include "services/dispatch/dispatch_service.h"

#include "services/orders/order_commands.h"
#include "services/orders/serve_orders.h"

namespace kepu {

grpc::ServerUnaryReactor* DispatchServiceImpl::ListQueue(
    grpc::CallbackServerContext* context, const v1::ListQueueRequest* request,
    v1::ListOrdersResponse* response) {
  return ServeQuery(
      context, "kepu.v1.DispatchService/ListQueue", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ListScope(
            caller.principal, OrderIndex::kCommunity, request->community_id(),
            "community_id", StatesOf(request->states()),
            {v1::ORDER_STATE_SUBMITTED, v1::ORDER_STATE_NEEDS_INFO},
            PageOf(request->page()));
      });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::SuggestDepartments(
    grpc::CallbackServerContext* context,
    const v1::SuggestDepartmentsRequest* request,
    v1::SuggestDepartmentsResponse* response) {
  return ServeQuery(
      context, "kepu.v1.DispatchService/SuggestDepartments", request, response,
      env_, orders_,
      [request](OrderWorkflow& workflow, const Caller& caller)
          -> absl::StatusOr<v1::SuggestDepartmentsResponse> {
        absl::StatusOr<std::vector<v1::DepartmentSuggestion>> suggestions =
            workflow.SuggestDepartments(caller.principal, request->order_id());
        if (!suggestions.ok()) return suggestions.status();
        v1::SuggestDepartmentsResponse answer;
        for (v1::DepartmentSuggestion& s : *suggestions)
          *answer.add_departments() = std::move(s);
        return answer;
      });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::RequestInfo(
    grpc::CallbackServerContext* context, const v1::RequestInfoRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.DispatchService/RequestInfo", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::RejectOrder(
    grpc::CallbackServerContext* context, const v1::RejectOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.DispatchService/RejectOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::MarkDuplicate(
    grpc::CallbackServerContext* context,
    const v1::MarkDuplicateRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.DispatchService/MarkDuplicate", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::DispatchOrder(
    grpc::CallbackServerContext* context,
    const v1::DispatchOrderRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.DispatchService/DispatchOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::ListFollowUps(
    grpc::CallbackServerContext* context,
    const v1::ListFollowUpsRequest* request,
    v1::ListFollowUpsResponse* response) {
  return ServeQuery(context, "kepu.v1.DispatchService/ListFollowUps", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.ListFollowUps(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* DispatchServiceImpl::RecordFollowUp(
    grpc::CallbackServerContext* context,
    const v1::RecordFollowUpRequest* request, v1::FollowUp* response) {
  return ServeQuery(
      context, "kepu.v1.DispatchService/RecordFollowUp", request, response,
      env_, orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.RecordFollowUp(caller.principal, *request);
      });
}

grpc::ServerWriteReactor<v1::OrderEvent>* DispatchServiceImpl::WatchQueue(
    grpc::CallbackServerContext* context,
    const v1::WatchQueueRequest* request) {
  return ServeWatch(context, "kepu.v1.DispatchService/WatchQueue", *request,
                    request->after_event_id(), env_, orders_, feeds_,
                    [request](OrderWorkflow& workflow, const Caller& caller)
                        -> absl::StatusOr<RedisEventFeed::Filter> {
                      absl::StatusOr<std::string> community = workflow.ScopeOf(
                          caller.principal, OrderIndex::kCommunity,
                          request->community_id(), "community_id");
                      if (!community.ok()) return community.status();
                      return [id = *community](const v1::OrderEvent& event) {
                        return event.community_id() == id;
                      };
                    });
}

}  // namespace kepu
