#include "services/claims/claims_service.h"

#include <algorithm>

#include "services/orders/order_commands.h"
#include "services/orders/serve_orders.h"

namespace kepu {

grpc::ServerUnaryReactor* ClaimServiceImpl::ListPool(
    grpc::CallbackServerContext* context, const v1::ListPoolRequest* request,
    v1::ListOrdersResponse* response) {
  return ServeQuery(
      context, "kepu.v1.ClaimService/ListPool", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ListScope(
            caller.principal, OrderIndex::kDepartment, request->department_id(),
            "department_id", StatesOf(request->states()),
            {v1::ORDER_STATE_DISPATCHED}, PageOf(request->page()));
      });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ClaimOrder(
    grpc::CallbackServerContext* context, const v1::ClaimOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.ClaimService/ClaimOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ReturnOrder(
    grpc::CallbackServerContext* context, const v1::ReturnOrderRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.ClaimService/ReturnOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ListEligibleTeams(
    grpc::CallbackServerContext* context,
    const v1::ListEligibleTeamsRequest* request,
    v1::ListEligibleTeamsResponse* response) {
  return ServeQuery(context, "kepu.v1.ClaimService/ListEligibleTeams", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller)
                        -> absl::StatusOr<v1::ListEligibleTeamsResponse> {
                      absl::StatusOr<std::vector<v1::EligibleTeam>> teams =
                          workflow.EligibleTeams(caller.principal,
                                                 request->order_id());
                      if (!teams.ok()) return teams.status();
                      // Eligible teams are few (those serving one community):
                      // one page holds them all.
                      v1::ListEligibleTeamsResponse answer;
                      for (v1::EligibleTeam& team : *teams)
                        *answer.add_teams() = std::move(team);
                      return answer;
                    });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::AssignTeam(
    grpc::CallbackServerContext* context, const v1::AssignTeamRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.ClaimService/AssignTeam", request,
                   response, env_, orders_, [this, request] {
                     return CommandOf(*request, env_.clock.Now());
                   });
}

grpc::ServerUnaryReactor* ClaimServiceImpl::ReleaseToMatching(
    grpc::CallbackServerContext* context,
    const v1::ReleaseToMatchingRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.ClaimService/ReleaseToMatching", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerWriteReactor<v1::OrderEvent>* ClaimServiceImpl::WatchPool(
    grpc::CallbackServerContext* context, const v1::WatchPoolRequest* request) {
  return ServeWatch(context, "kepu.v1.ClaimService/WatchPool", *request,
                    request->after_event_id(), env_, orders_, feeds_,
                    [request](OrderWorkflow& workflow, const Caller& caller)
                        -> absl::StatusOr<RedisEventFeed::Filter> {
                      absl::StatusOr<std::string> department = workflow.ScopeOf(
                          caller.principal, OrderIndex::kDepartment,
                          request->department_id(), "department_id");
                      if (!department.ok()) return department.status();
                      return [id = *department](const v1::OrderEvent& event) {
                        return event.department_id() == id ||
                               std::find(event.department_ids().begin(),
                                         event.department_ids().end(),
                                         id) != event.department_ids().end();
                      };
                    });
}

}  // namespace kepu
