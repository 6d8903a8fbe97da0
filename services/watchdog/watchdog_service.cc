#include "services/watchdog/watchdog_service.h"

#include <utility>

#include "services/watchdog/escalations.h"
#include "services/watchdog/watchdog.h"

namespace kepu {
namespace {

// Serves a call answered from the caller's tenant's order domain:
// `answer(OrderDomain&, const Caller&)` returns an absl::StatusOr of the
// response.
template <typename Request, typename Response, typename Answer>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                absl::string_view method,
                                const Request* request, Response* response,
                                const ServiceEnv& env, OrderDomains& orders,
                                Answer answer) {
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

}  // namespace

grpc::ServerUnaryReactor* WatchdogServiceImpl::GetSlaPolicy(
    grpc::CallbackServerContext* context,
    const v1::GetSlaPolicyRequest* request, v1::SlaPolicy* response) {
  return Serve(
      context, "kepu.v1.WatchdogService/GetSlaPolicy", request, response, env_,
      orders_,
      [](OrderDomain& domain, const Caller&) -> absl::StatusOr<v1::SlaPolicy> {
        return SlaPolicyOf(domain.workflow.policy());
      });
}

grpc::ServerUnaryReactor* WatchdogServiceImpl::ListEscalations(
    grpc::CallbackServerContext* context,
    const v1::ListEscalationsRequest* request,
    v1::ListEscalationsResponse* response) {
  return Serve(context, "kepu.v1.WatchdogService/ListEscalations", request,
               response, env_, orders_,
               [request](OrderDomain& domain, const Caller& caller) {
                 return Escalations(domain.store, domain.directory)
                     .List(caller.principal, *request);
               });
}

grpc::ServerUnaryReactor* WatchdogServiceImpl::AcknowledgeEscalation(
    grpc::CallbackServerContext* context,
    const v1::AcknowledgeEscalationRequest* request, v1::Escalation* response) {
  return Serve(context, "kepu.v1.WatchdogService/AcknowledgeEscalation",
               request, response, env_, orders_,
               [request](OrderDomain& domain, const Caller& caller) {
                 return Escalations(domain.store, domain.directory)
                     .Acknowledge(caller.principal, *request);
               });
}

}  // namespace kepu
