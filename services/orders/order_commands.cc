#include "services/orders/order_commands.h"

#include "services/core/text.h"

namespace kepu {

Command CommandOf(const v1::UpdateOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_EDIT, request);
  command.draft = request.draft();
  if (auto phone = NormalizeMainlandMobile(command.draft.contact().phone())) {
    command.draft.mutable_contact()->set_phone(*phone);
  }
  return command;
}

Command CommandOf(const v1::ResubmitOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_RESUBMIT, request);
  command.reason = request.answer();
  return command;
}

Command CommandOf(const v1::CancelOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_CANCEL, request);
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::RateOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_RATE, request);
  command.rating = request.rating();
  return command;
}

Command CommandOf(const v1::ReopenOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_REOPEN, request);
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::RequestInfoRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_REQUEST_INFO, request);
  command.reason = request.question();
  return command;
}

Command CommandOf(const v1::RejectOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_REJECT, request);
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::MarkDuplicateRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_MARK_DUPLICATE, request);
  command.duplicate_of = request.duplicate_of_order_id();
  command.reason = request.note();
  return command;
}

Command CommandOf(const v1::DispatchOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_DISPATCH, request);
  command.department_id = request.department_id();
  command.other_department_ids.assign(request.other_department_ids().begin(),
                                      request.other_department_ids().end());
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::ClaimOrderRequest& request) {
  return MoveOf(v1::ORDER_ACTION_CLAIM, request);
}

Command CommandOf(const v1::ReturnOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_RETURN, request);
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::AssignTeamRequest& request, absl::Time now) {
  Command command = MoveOf(v1::ORDER_ACTION_ASSIGN_TEAM, request);
  command.team_id = request.team_id();
  command.other_team_ids.assign(request.other_team_ids().begin(),
                                request.other_team_ids().end());
  if (request.has_offer_ttl())
    command.offer_expires_at = now + FromProto(request.offer_ttl());
  return command;
}

Command CommandOf(const v1::ReleaseToMatchingRequest& request) {
  return MoveOf(v1::ORDER_ACTION_RELEASE_TO_MATCHING, request);
}

Command CommandOf(const v1::AcceptOfferRequest& request) {
  return MoveOf(v1::ORDER_ACTION_ACCEPT, request);
}

Command CommandOf(const v1::DeclineOfferRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_DECLINE, request);
  command.reason = request.reason();
  return command;
}

Command CommandOf(const v1::ScheduleServiceRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_SCHEDULE, request);
  command.schedule = request.schedule();
  return command;
}

Command CommandOf(const v1::CheckInRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_CHECK_IN, request);
  if (request.has_location()) command.check_in_location = request.location();
  return command;
}

Command CommandOf(const v1::CompleteServiceRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_COMPLETE, request);
  command.completion.set_actual_attendees(request.actual_attendees());
  command.completion.set_summary(request.summary());
  for (const v1::HoursEntry& entry : request.hours()) {
    v1::VolunteerHours* hours = command.completion.add_hours();
    hours->set_volunteer_id(entry.volunteer_id());
    hours->set_hours(entry.hours());
    hours->set_reason(entry.reason());
  }
  return command;
}

Command CommandOf(const v1::WithdrawOrderRequest& request) {
  Command command = MoveOf(v1::ORDER_ACTION_WITHDRAW, request);
  command.reason = request.reason();
  return command;
}

}  // namespace kepu
