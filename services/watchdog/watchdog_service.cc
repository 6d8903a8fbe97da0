#include "services/watchdog/watchdog_service.h"

#include <utility>

#include "services/orders/serve_orders.h"
#include "services/watchdog/escalations.h"
#include "services/watchdog/watchdog.h"

namespace kepu {

grpc::ServerUnaryReactor* WatchdogServiceImpl::GetSlaPolicy(
    grpc::CallbackServerContext* context,
    const v1::GetSlaPolicyRequest* request, v1::SlaPolicy* response) {
  return ServeDomainQuery(
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
  return ServeDomainQuery(context, "kepu.v1.WatchdogService/ListEscalations",
                          request, response, env_, orders_,
                          [request](OrderDomain& domain, const Caller& caller) {
                            return Escalations(domain.store, domain.directory)
                                .List(caller.principal, *request);
                          });
}

grpc::ServerUnaryReactor* WatchdogServiceImpl::AcknowledgeEscalation(
    grpc::CallbackServerContext* context,
    const v1::AcknowledgeEscalationRequest* request, v1::Escalation* response) {
  return ServeDomainQuery(context,
                          "kepu.v1.WatchdogService/AcknowledgeEscalation",
                          request, response, env_, orders_,
                          [request](OrderDomain& domain, const Caller& caller) {
                            return Escalations(domain.store, domain.directory)
                                .Acknowledge(caller.principal, *request);
                          });
}

}  // namespace kepu
