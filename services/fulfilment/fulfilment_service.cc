#include "services/fulfilment/fulfilment_service.h"

#include <algorithm>

#include "services/orders/order_commands.h"
#include "services/orders/serve_orders.h"

namespace kepu {

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ListOffers(
    grpc::CallbackServerContext* context, const v1::ListOffersRequest* request,
    v1::ListOrdersResponse* response) {
  return ServeQuery(
      context, "kepu.v1.FulfilmentService/ListOffers", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ListScope(
            caller.principal, OrderIndex::kTeam, request->team_id(), "team_id",
            {}, {v1::ORDER_STATE_OFFERED}, PageOf(request->page()));
      });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ListTasks(
    grpc::CallbackServerContext* context, const v1::ListTasksRequest* request,
    v1::ListOrdersResponse* response) {
  return ServeQuery(
      context, "kepu.v1.FulfilmentService/ListTasks", request, response, env_,
      orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ListScope(
            caller.principal, OrderIndex::kTeam, request->team_id(), "team_id",
            StatesOf(request->states()),
            {v1::ORDER_STATE_ACCEPTED, v1::ORDER_STATE_IN_SERVICE},
            PageOf(request->page()));
      });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::AcceptOffer(
    grpc::CallbackServerContext* context, const v1::AcceptOfferRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/AcceptOffer", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::DeclineOffer(
    grpc::CallbackServerContext* context,
    const v1::DeclineOfferRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/DeclineOffer", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ScheduleService(
    grpc::CallbackServerContext* context,
    const v1::ScheduleServiceRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/ScheduleService",
                   request, response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::CheckIn(
    grpc::CallbackServerContext* context, const v1::CheckInRequest* request,
    v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/CheckIn", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::CompleteService(
    grpc::CallbackServerContext* context,
    const v1::CompleteServiceRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/CompleteService",
                   request, response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::WithdrawOrder(
    grpc::CallbackServerContext* context,
    const v1::WithdrawOrderRequest* request, v1::Order* response) {
  return ServeMove(context, "kepu.v1.FulfilmentService/WithdrawOrder", request,
                   response, env_, orders_,
                   [request] { return CommandOf(*request); });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ListHours(
    grpc::CallbackServerContext* context, const v1::ListHoursRequest* request,
    v1::ListHoursResponse* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/ListHours", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.ListHours(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::DeclineHours(
    grpc::CallbackServerContext* context,
    const v1::DeclineHoursRequest* request, v1::VolunteerHours* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/DeclineHours", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.DeclineHours(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::CorrectHours(
    grpc::CallbackServerContext* context,
    const v1::CorrectHoursRequest* request, v1::VolunteerHours* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/CorrectHours", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.CorrectHours(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::DisputeHours(
    grpc::CallbackServerContext* context,
    const v1::DisputeHoursRequest* request, v1::VolunteerHours* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/DisputeHours", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.DisputeHours(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ResolveDispute(
    grpc::CallbackServerContext* context,
    const v1::ResolveDisputeRequest* request, v1::VolunteerHours* response) {
  return ServeQuery(
      context, "kepu.v1.FulfilmentService/ResolveDispute", request, response,
      env_, orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.ResolveDispute(caller.principal, *request);
      });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::GetSignInCode(
    grpc::CallbackServerContext* context,
    const v1::GetSignInCodeRequest* request, v1::SignInCode* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/GetSignInCode", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.GetSignInCode(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::SignInVolunteer(
    grpc::CallbackServerContext* context,
    const v1::SignInVolunteerRequest* request, v1::VolunteerSignIn* response) {
  return ServeQuery(
      context, "kepu.v1.FulfilmentService/SignInVolunteer", request, response,
      env_, orders_, [request](OrderWorkflow& workflow, const Caller& caller) {
        return workflow.SignInVolunteer(caller.principal, *request);
      });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::ListSignIns(
    grpc::CallbackServerContext* context, const v1::ListSignInsRequest* request,
    v1::ListSignInsResponse* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/ListSignIns", request,
                    response, env_, orders_,
                    [request](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.ListSignIns(caller.principal, *request);
                    });
}

grpc::ServerUnaryReactor* FulfilmentServiceImpl::GetMyVolunteerSummary(
    grpc::CallbackServerContext* context,
    const v1::GetMyVolunteerSummaryRequest* request,
    v1::VolunteerSummary* response) {
  return ServeQuery(context, "kepu.v1.FulfilmentService/GetMyVolunteerSummary",
                    request, response, env_, orders_,
                    [](OrderWorkflow& workflow, const Caller& caller) {
                      return workflow.VolunteerSummary(caller.principal);
                    });
}

grpc::ServerWriteReactor<v1::OrderEvent>* FulfilmentServiceImpl::WatchTeam(
    grpc::CallbackServerContext* context, const v1::WatchTeamRequest* request) {
  return ServeWatch(
      context, "kepu.v1.FulfilmentService/WatchTeam", *request,
      request->after_event_id(), env_, orders_, feeds_,
      [request](OrderWorkflow& workflow, const Caller& caller)
          -> absl::StatusOr<RedisEventFeed::Filter> {
        absl::StatusOr<std::string> team = workflow.ScopeOf(
            caller.principal, OrderIndex::kTeam, request->team_id(), "team_id");
        if (!team.ok()) return team.status();
        return [id = *team](const v1::OrderEvent& event) {
          return event.team_id() == id ||
                 std::find(event.team_ids().begin(), event.team_ids().end(),
                           id) != event.team_ids().end();
        };
      });
}

}  // namespace kepu
