#include "services/core/validation.h"

#include <string>

#include "services/core/field_checks.h"
#include "services/core/status_macros.h"

namespace kepu {

absl::Status ValidateDraft(const v1::OrderDraft& draft, absl::string_view path,
                           const ValidationContext& context) {
  RETURN_IF_ERROR(
      CheckId(draft.service_line_id(), FieldPath(path, "service_line_id")));
  RETURN_IF_ERROR(
      CheckText(draft.service_name(), FieldPath(path, "service_name"), 0, 40));
  RETURN_IF_ERROR(
      CheckId(draft.community_id(), FieldPath(path, "community_id")));
  RETURN_IF_ERROR(
      CheckText(draft.address(), FieldPath(path, "address"), 1, 200));
  if (draft.has_location()) {
    RETURN_IF_ERROR(
        CheckGeoPoint(draft.location(), FieldPath(path, "location")));
  }
  RETURN_IF_ERROR(CheckEnum(draft.audience(), v1::Audience_IsValid,
                            FieldPath(path, "audience")));
  RETURN_IF_ERROR(CheckRange(draft.expected_attendees(),
                             FieldPath(path, "expected_attendees"), 1, 5000));
  RETURN_IF_ERROR(CheckPreferredWindows(draft.preferred_windows(),
                                        FieldPath(path, "preferred_windows"),
                                        context.now));
  RETURN_IF_ERROR(CheckText(draft.description(), FieldPath(path, "description"),
                            0, 1000, true));
  const std::string contact = FieldPath(path, "contact");
  if (!draft.has_contact()) return FieldError(contact, "is required");
  RETURN_IF_ERROR(
      CheckText(draft.contact().name(), FieldPath(contact, "name"), 1, 32));
  RETURN_IF_ERROR(
      CheckMobile(draft.contact().phone(), FieldPath(contact, "phone")));
  return absl::OkStatus();
}

absl::Status Validate(const v1::CreateOrderRequest& request,
                      const ValidationContext& context) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  if (!request.has_draft()) return FieldError("draft", "is required");
  RETURN_IF_ERROR(ValidateDraft(request.draft(), "draft", context));
  if (request.has_on_behalf_of()) {
    RETURN_IF_ERROR(
        CheckText(request.on_behalf_of().name(), "on_behalf_of.name", 1, 32));
    if (!request.on_behalf_of().phone().empty()) {
      RETURN_IF_ERROR(
          CheckMobile(request.on_behalf_of().phone(), "on_behalf_of.phone"));
    }
    RETURN_IF_ERROR(CheckText(request.assist_note(), "assist_note", 0, 200));
  } else if (!request.assist_note().empty()) {
    return FieldError("assist_note",
                      "is only for orders placed on behalf of a resident");
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::GetOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderId(request.order_id(), "order_id");
}

absl::Status Validate(const v1::GetOrderHistoryRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderId(request.order_id(), "order_id"));
  return CheckPage(request.page(), "page");
}

}  // namespace kepu
