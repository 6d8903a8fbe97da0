#include "services/matching_worker/matching_service.h"

#include "absl/strings/str_cat.h"
#include "services/core/field_checks.h"
#include "services/core/fingerprint.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;

}  // namespace

grpc::ServerUnaryReactor* MatchingServiceImpl::ExplainOffer(
    grpc::CallbackServerContext* context,
    const v1::ExplainOfferRequest* request,
    v1::ExplainOfferResponse* response) {
  return ServeUnary(
      context, "kepu.v1.MatchingService/ExplainOffer", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        ASSIGN_OR_RETURN(OrderDomain * domain,
                         orders_.Get(caller.principal.tenant()));
        ASSIGN_OR_RETURN(
            v1::Order order,
            domain->workflow.Get(caller.principal, request->order_id()));
        if (!order.has_offer()) {
          return absl::FailedPreconditionError(absl::StrCat(
              "order ", order.id(), " has not been offered to a team"));
        }
        response->set_order_id(order.id());
        *response->mutable_offer() = order.offer();
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::GetMatchingStatus(
    grpc::CallbackServerContext* context,
    const v1::GetMatchingStatusRequest* request, v1::MatchingStatus* response) {
  return ServeUnary(context, "kepu.v1.MatchingService/GetMatchingStatus",
                    *request, env_,
                    [this, response](const Caller& caller) -> absl::Status {
                      ASSIGN_OR_RETURN(MatchingQueue * queue,
                                       queues_.Get(caller.principal.tenant()));
                      ASSIGN_OR_RETURN(*response, queue->Status());
                      return absl::OkStatus();
                    });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::ListDeadLetters(
    grpc::CallbackServerContext* context,
    const v1::ListDeadLettersRequest* request,
    v1::ListDeadLettersResponse* response) {
  return ServeUnary(
      context, "kepu.v1.MatchingService/ListDeadLetters", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        const std::string& token = request->page().page_token();
        if (!CheckEventId(token, "page.page_token").ok()) {
          return FieldError("page.page_token", "is not a page token");
        }
        ASSIGN_OR_RETURN(MatchingQueue * queue,
                         queues_.Get(caller.principal.tenant()));
        const int size = request->page().page_size() > 0
                             ? request->page().page_size()
                             : kDefaultPageSize;
        ASSIGN_OR_RETURN(*response, queue->ListDeadLetters(size, token));
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* MatchingServiceImpl::RetryDeadLetter(
    grpc::CallbackServerContext* context,
    const v1::RetryDeadLetterRequest* request,
    v1::RetryDeadLetterResponse* response) {
  return ServeUnary(
      context, "kepu.v1.MatchingService/RetryDeadLetter", *request, env_,
      [this, request, response](const Caller& caller) -> absl::Status {
        ASSIGN_OR_RETURN(MatchingQueue * queue,
                         queues_.Get(caller.principal.tenant()));
        const RequestKey key{caller.principal.user_id(), request->request_id(),
                             Fingerprint(*request)};
        ASSIGN_OR_RETURN(std::string entry,
                         queue->RetryDeadLetter(key, request->entry_id()));
        response->set_entry_id(entry);
        return absl::OkStatus();
      });
}

}  // namespace kepu
