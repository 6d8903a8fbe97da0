// Validation of every request message of kepu.v1. Each Validate returns OK or
// INVALID_ARGUMENT whose message starts with the path of the first bad field,
// e.g. "draft.contact.phone: must be a mainland mobile number: 11 digits
// starting 13 to 19". Validation looks at the message alone (and the time);
// whether referenced records exist, and whether the caller may touch them, is
// decided by the domain.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/claims.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/matching.pb.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/order.pb.h"
#include "kepu/v1/orders.pb.h"
#include "kepu/v1/report.pb.h"
#include "kepu/v1/watchdog.pb.h"

namespace kepu {

struct ValidationContext {
  // Time windows must lie after this.
  absl::Time now;
};

// Shared parts.
absl::Status ValidateDraft(const v1::OrderDraft& draft, absl::string_view path,
                           const ValidationContext& context);

// IdentityService.
absl::Status Validate(const v1::RegisterRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::LoginRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::LogoutRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RevokeSessionsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ChangePasswordRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WhoAmIRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::AuthenticateRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateStaffAccountRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GrantRoleRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RevokeRoleRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetUserRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListUsersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DeactivateUserRequest& request,
                      const ValidationContext& context);

// DirectoryService.
absl::Status Validate(const v1::ListProgramsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListServiceLinesRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetServiceLineRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateServiceLineRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateServiceLineRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DeactivateRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListRegionsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetRegionRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateRegionRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateRegionRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListDepartmentsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetDepartmentRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateDepartmentRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateDepartmentRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListTeamsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetTeamRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateTeamRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateTeamRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListVolunteersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetVolunteerRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CreateVolunteerRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateVolunteerRequest& request,
                      const ValidationContext& context);

// OrderService.
absl::Status Validate(const v1::CreateOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdateOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ResubmitOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CancelOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RateOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ReopenOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetOrderHistoryRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListMyOrdersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchMyOrdersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchOrderRequest& request,
                      const ValidationContext& context);

// DispatchService.
absl::Status Validate(const v1::ListQueueRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::SuggestDepartmentsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RequestInfoRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RejectOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::MarkDuplicateRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DispatchOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListFollowUpsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RecordFollowUpRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchQueueRequest& request,
                      const ValidationContext& context);

// ClaimService.
absl::Status Validate(const v1::ListPoolRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ClaimOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ReturnOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListEligibleTeamsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::AssignTeamRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ReleaseToMatchingRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchPoolRequest& request,
                      const ValidationContext& context);

// FulfilmentService.
absl::Status Validate(const v1::ListOffersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListTasksRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::AcceptOfferRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DeclineOfferRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ScheduleServiceRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CheckInRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CompleteServiceRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WithdrawOrderRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListHoursRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DeclineHoursRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::CorrectHoursRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::DisputeHoursRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ResolveDisputeRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetSignInCodeRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::SignInVolunteerRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListSignInsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetMyVolunteerSummaryRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchTeamRequest& request,
                      const ValidationContext& context);

// MatchingService.
absl::Status Validate(const v1::ExplainOfferRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetMatchingStatusRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListDeadLettersRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::RetryDeadLetterRequest& request,
                      const ValidationContext& context);

// WatchdogService.
absl::Status Validate(const v1::GetSlaPolicyRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListEscalationsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::AcknowledgeEscalationRequest& request,
                      const ValidationContext& context);

// NotificationService.
absl::Status Validate(const v1::ListNotificationsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::MarkReadRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetUnreadCountRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::WatchNotificationsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::GetPreferencesRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::UpdatePreferencesRequest& request,
                      const ValidationContext& context);

// ReportService.
absl::Status Validate(const v1::GetSummaryRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ExportServiceRecordsRequest& request,
                      const ValidationContext& context);
absl::Status Validate(const v1::ListAuditEventsRequest& request,
                      const ValidationContext& context);

}  // namespace kepu
