// FulfilmentService over gRPC: the volunteer team's side (接单). A thin adapter
// over OrderWorkflow.
#pragma once

#include "kepu/v1/fulfilment.grpc.pb.h"
#include "services/orders/order_domain.h"
#include "services/orders/watch.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

class FulfilmentServiceImpl final
    : public v1::FulfilmentService::CallbackService {
 public:
  FulfilmentServiceImpl(const ServiceEnv& env, OrderDomains& orders,
                        EventFeeds& feeds)
      : env_(env), orders_(orders), feeds_(feeds) {}

  grpc::ServerUnaryReactor* ListOffers(
      grpc::CallbackServerContext* context,
      const v1::ListOffersRequest* request,
      v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* ListTasks(
      grpc::CallbackServerContext* context, const v1::ListTasksRequest* request,
      v1::ListOrdersResponse* response) override;
  grpc::ServerUnaryReactor* AcceptOffer(grpc::CallbackServerContext* context,
                                        const v1::AcceptOfferRequest* request,
                                        v1::Order* response) override;
  grpc::ServerUnaryReactor* DeclineOffer(grpc::CallbackServerContext* context,
                                         const v1::DeclineOfferRequest* request,
                                         v1::Order* response) override;
  grpc::ServerUnaryReactor* ScheduleService(
      grpc::CallbackServerContext* context,
      const v1::ScheduleServiceRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* CheckIn(grpc::CallbackServerContext* context,
                                    const v1::CheckInRequest* request,
                                    v1::Order* response) override;
  grpc::ServerUnaryReactor* CompleteService(
      grpc::CallbackServerContext* context,
      const v1::CompleteServiceRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* WithdrawOrder(
      grpc::CallbackServerContext* context,
      const v1::WithdrawOrderRequest* request, v1::Order* response) override;
  grpc::ServerUnaryReactor* ListHours(grpc::CallbackServerContext* context,
                                      const v1::ListHoursRequest* request,
                                      v1::ListHoursResponse* response) override;
  grpc::ServerUnaryReactor* DeclineHours(grpc::CallbackServerContext* context,
                                         const v1::DeclineHoursRequest* request,
                                         v1::VolunteerHours* response) override;
  grpc::ServerUnaryReactor* CorrectHours(grpc::CallbackServerContext* context,
                                         const v1::CorrectHoursRequest* request,
                                         v1::VolunteerHours* response) override;
  grpc::ServerUnaryReactor* DisputeHours(grpc::CallbackServerContext* context,
                                         const v1::DisputeHoursRequest* request,
                                         v1::VolunteerHours* response) override;
  grpc::ServerUnaryReactor* ResolveDispute(
      grpc::CallbackServerContext* context,
      const v1::ResolveDisputeRequest* request,
      v1::VolunteerHours* response) override;
  grpc::ServerUnaryReactor* GetSignInCode(
      grpc::CallbackServerContext* context,
      const v1::GetSignInCodeRequest* request,
      v1::SignInCode* response) override;
  grpc::ServerUnaryReactor* SignInVolunteer(
      grpc::CallbackServerContext* context,
      const v1::SignInVolunteerRequest* request,
      v1::VolunteerSignIn* response) override;
  grpc::ServerUnaryReactor* ListSignIns(
      grpc::CallbackServerContext* context,
      const v1::ListSignInsRequest* request,
      v1::ListSignInsResponse* response) override;
  grpc::ServerUnaryReactor* GetMyVolunteerSummary(
      grpc::CallbackServerContext* context,
      const v1::GetMyVolunteerSummaryRequest* request,
      v1::VolunteerSummary* response) override;

  grpc::ServerWriteReactor<v1::OrderEvent>* WatchTeam(
      grpc::CallbackServerContext* context,
      const v1::WatchTeamRequest* request) override;

 private:
  const ServiceEnv env_;
  OrderDomains& orders_;
  EventFeeds& feeds_;
};

}  // namespace kepu
