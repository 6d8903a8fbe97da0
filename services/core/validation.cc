#include "services/core/validation.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/repeated_field.h"
#include "services/core/field_checks.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace kepu {
namespace {

using google::protobuf::RepeatedField;
using google::protobuf::RepeatedPtrField;
using google::protobuf::Timestamp;

// Free text: reasons, questions, answers, notes (proto: "1 to 500 characters").
constexpr size_t kReasonChars = 500;
// Longer free text: follow-up notes and completion summaries.
constexpr size_t kLongTextChars = 1000;
// Names of people (accounts, contacts, volunteers).
constexpr size_t kPersonNameChars = 32;
// Names of directory records, and their English names.
constexpr size_t kRecordNameChars = 60;
constexpr size_t kRecordNameEnChars = 120;
constexpr size_t kExampleServiceChars = 40;
constexpr size_t kAuditTargetChars = 200;
constexpr size_t kSecretChars = 128;
constexpr size_t kTokenChars = 512;
constexpr int kMaxStates = 12;
constexpr int kMaxGrants = 10;
constexpr int kMaxHoursEntries = 50;
constexpr int64_t kMaxAttendees = 5000;
constexpr double kMinHours = 0.5;
constexpr double kMaxHours = 24;

// Free text of 1 to 500 characters, line breaks allowed.
absl::Status CheckReason(absl::string_view value, absl::string_view path) {
  return CheckText(value, path, 1, kReasonChars, /*multiline=*/true);
}

// Volunteer hours: 0.5 to 24 in steps of 0.5 (written so that NaN fails too).
absl::Status CheckHoursValue(double value, absl::string_view path) {
  if (!(value >= kMinHours && value <= kMaxHours) ||
      std::floor(value * 2) != value * 2) {
    return FieldError(path, "must be 0.5 to 24 in steps of 0.5");
  }
  return absl::OkStatus();
}

// A sign-in code as SignInCodes makes them: 1 to 128 characters of
// [A-Za-z0-9.].
absl::Status CheckSignInToken(absl::string_view value, absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  if (value.size() > 128 ||
      !std::all_of(value.begin(), value.end(), [](char c) {
        return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.';
      })) {
    return FieldError(path, "is not a valid sign-in code");
  }
  return absl::OkStatus();
}

// Whether element `i` of `values` equals an earlier one.
template <typename Container>
bool RepeatsEarlier(const Container& values, int i) {
  const auto begin = values.begin();
  return std::find(begin, begin + i, values[i]) != begin + i;
}

// `min_count` to `max_count` ids, each CheckId, none twice.
absl::Status CheckIdList(const RepeatedPtrField<std::string>& ids,
                         absl::string_view path, int min_count, int max_count) {
  if (ids.size() < min_count) {
    return FieldError(path, "needs at least one id");
  }
  if (ids.size() > max_count) {
    return FieldError(path,
                      absl::StrCat("may hold at most ", max_count, " ids"));
  }
  for (int i = 0; i < ids.size(); ++i) {
    const std::string element = FieldPath(path, i);
    RETURN_IF_ERROR(CheckId(ids[i], element));
    if (RepeatsEarlier(ids, i)) return FieldError(element, "is listed twice");
  }
  return absl::OkStatus();
}

// `primary` does not appear again in `others`.
absl::Status CheckNotRepeated(const RepeatedPtrField<std::string>& others,
                              absl::string_view primary,
                              absl::string_view path) {
  for (int i = 0; i < others.size(); ++i) {
    if (others[i] == primary) {
      return FieldError(FieldPath(path, i), "repeats the first one");
    }
  }
  return absl::OkStatus();
}

// An optional filter of order states: each specified and known, at most one
// of each.
absl::Status CheckStates(const RepeatedField<int>& states,
                         absl::string_view path) {
  if (states.size() > kMaxStates) {
    return FieldError(path,
                      absl::StrCat("may hold at most ", kMaxStates, " states"));
  }
  for (int i = 0; i < states.size(); ++i) {
    const std::string element = FieldPath(path, i);
    RETURN_IF_ERROR(CheckEnum(states[i], v1::OrderState_IsValid, element));
    if (RepeatsEarlier(states, i)) {
      return FieldError(element, "is listed twice");
    }
  }
  return absl::OkStatus();
}

// A password as presented at login: its strength was checked when it was set,
// so only its presence and size matter here.
absl::Status CheckPresentedPassword(absl::string_view value,
                                    absl::string_view path) {
  if (value.empty()) return FieldError(path, "is required");
  const std::optional<size_t> length = Utf8Length(value);
  if (!length.has_value()) return FieldError(path, "is not valid UTF-8");
  if (*length > kSecretChars) {
    return FieldError(
        path, absl::StrCat("must be at most ", kSecretChars, " characters"));
  }
  return absl::OkStatus();
}

// A role granted to a person over a scope.
absl::Status CheckGrant(const v1::RoleGrant& grant, absl::string_view path) {
  const std::string role = FieldPath(path, "role");
  RETURN_IF_ERROR(CheckEnum(grant.role(), v1::Role_IsValid, role));
  if (grant.role() == v1::ROLE_SYSTEM) {
    return FieldError(role, "cannot be granted");
  }
  const std::string scope = FieldPath(path, "scope_id");
  if (grant.role() == v1::ROLE_RESIDENT) {
    if (!grant.scope_id().empty()) {
      return FieldError(scope, "must be empty for ROLE_RESIDENT");
    }
    return absl::OkStatus();
  }
  return CheckId(grant.scope_id(), scope);
}

// An optional period [from, to): each bound a valid time when set, from
// before to when both are.
absl::Status CheckPeriod(const Timestamp& from, bool has_from,
                         const Timestamp& to, bool has_to) {
  if (has_from) RETURN_IF_ERROR(CheckTimestamp(from, true, "from"));
  if (has_to) RETURN_IF_ERROR(CheckTimestamp(to, true, "to"));
  if (has_from && has_to &&
      std::make_pair(to.seconds(), to.nanos()) <=
          std::make_pair(from.seconds(), from.nanos())) {
    return FieldError("to", "must be after from");
  }
  return absl::OkStatus();
}

// request_id, order_id and expected_version: the head of every request that
// moves an order.
template <typename Request>
absl::Status CheckOrderMove(const Request& request) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckOrderId(request.order_id(), "order_id"));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

// An order move whose only other field is a required reason of 1 to 500
// characters.
template <typename Request>
absl::Status CheckOrderMoveWithReason(const Request& request) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  return CheckReason(request.reason(), "reason");
}

// Directory records. Server-maintained fields (version, stats,
// approved_hours, joined_at) are ignored.

absl::Status CheckServiceLine(const v1::ServiceLine& line,
                              absl::string_view path) {
  RETURN_IF_ERROR(CheckId(line.id(), FieldPath(path, "id")));
  RETURN_IF_ERROR(CheckId(line.program_id(), FieldPath(path, "program_id")));
  RETURN_IF_ERROR(
      CheckText(line.name(), FieldPath(path, "name"), 1, kRecordNameChars));
  RETURN_IF_ERROR(CheckText(line.name_en(), FieldPath(path, "name_en"), 0,
                            kRecordNameEnChars));
  const std::string examples = FieldPath(path, "example_services");
  if (line.example_services_size() > 30) {
    return FieldError(examples, "may hold at most 30 services");
  }
  for (int i = 0; i < line.example_services_size(); ++i) {
    const std::string element = FieldPath(examples, i);
    RETURN_IF_ERROR(
        CheckText(line.example_services(i), element, 1, kExampleServiceChars));
    if (RepeatsEarlier(line.example_services(), i)) {
      return FieldError(element, "is listed twice");
    }
  }
  return CheckIdList(line.responsible_department_ids(),
                     FieldPath(path, "responsible_department_ids"), 0, 30);
}

absl::Status CheckRegion(const v1::Region& region, absl::string_view path) {
  RETURN_IF_ERROR(CheckId(region.id(), FieldPath(path, "id")));
  RETURN_IF_ERROR(CheckEnum(region.level(), v1::RegionLevel_IsValid,
                            FieldPath(path, "level")));
  const std::string parent = FieldPath(path, "parent_id");
  if (region.level() == v1::REGION_LEVEL_CITY) {
    if (!region.parent_id().empty()) {
      return FieldError(parent, "must be empty for a city");
    }
  } else {
    RETURN_IF_ERROR(CheckId(region.parent_id(), parent));
  }
  RETURN_IF_ERROR(
      CheckText(region.name(), FieldPath(path, "name"), 1, kRecordNameChars));
  RETURN_IF_ERROR(CheckText(region.name_en(), FieldPath(path, "name_en"), 0,
                            kRecordNameEnChars));
  if (region.has_center()) {
    RETURN_IF_ERROR(CheckGeoPoint(region.center(), FieldPath(path, "center")));
  }
  return CheckOptionalId(region.county_id(), FieldPath(path, "county_id"));
}

absl::Status CheckDepartment(const v1::Department& department,
                             absl::string_view path) {
  RETURN_IF_ERROR(CheckId(department.id(), FieldPath(path, "id")));
  RETURN_IF_ERROR(CheckText(department.name(), FieldPath(path, "name"), 1,
                            kRecordNameChars));
  return CheckText(department.name_en(), FieldPath(path, "name_en"), 0,
                   kRecordNameEnChars);
}

absl::Status CheckTeam(const v1::Team& team, absl::string_view path) {
  RETURN_IF_ERROR(CheckId(team.id(), FieldPath(path, "id")));
  RETURN_IF_ERROR(
      CheckText(team.name(), FieldPath(path, "name"), 1, kRecordNameChars));
  RETURN_IF_ERROR(
      CheckOptionalId(team.department_id(), FieldPath(path, "department_id")));
  RETURN_IF_ERROR(CheckIdList(team.service_line_ids(),
                              FieldPath(path, "service_line_ids"), 1, 30));
  RETURN_IF_ERROR(CheckIdList(team.service_area_region_ids(),
                              FieldPath(path, "service_area_region_ids"), 1,
                              50));
  if (team.has_base()) {
    RETURN_IF_ERROR(CheckGeoPoint(team.base(), FieldPath(path, "base")));
  }
  RETURN_IF_ERROR(
      CheckRange(team.capacity(), FieldPath(path, "capacity"), 1, 100));
  RETURN_IF_ERROR(CheckOptionalId(team.leader_user_id(),
                                  FieldPath(path, "leader_user_id")));
  RETURN_IF_ERROR(CheckIdList(team.member_volunteer_ids(),
                              FieldPath(path, "member_volunteer_ids"), 0, 200));
  if (team.has_contact()) {
    const std::string contact = FieldPath(path, "contact");
    RETURN_IF_ERROR(CheckText(team.contact().name(), FieldPath(contact, "name"),
                              1, kPersonNameChars));
    RETURN_IF_ERROR(
        CheckMobile(team.contact().phone(), FieldPath(contact, "phone")));
  }
  return absl::OkStatus();
}

absl::Status CheckVolunteer(const v1::Volunteer& volunteer,
                            absl::string_view path) {
  RETURN_IF_ERROR(CheckId(volunteer.id(), FieldPath(path, "id")));
  RETURN_IF_ERROR(
      CheckOptionalId(volunteer.user_id(), FieldPath(path, "user_id")));
  RETURN_IF_ERROR(CheckText(volunteer.name(), FieldPath(path, "name"), 1,
                            kPersonNameChars));
  if (!volunteer.phone().empty()) {
    RETURN_IF_ERROR(CheckMobile(volunteer.phone(), FieldPath(path, "phone")));
  }
  RETURN_IF_ERROR(CheckIdList(volunteer.skill_service_line_ids(),
                              FieldPath(path, "skill_service_line_ids"), 0,
                              30));
  return CheckIdList(volunteer.team_ids(), FieldPath(path, "team_ids"), 0, 10);
}

// The request_id and the record (required, checked by `check`) of a directory
// write; updates check expected_version after this.
template <typename Request, typename Record>
absl::Status CheckDirectoryWrite(const Request& request, bool has_record,
                                 const Record& record, absl::string_view path,
                                 absl::Status (*check)(const Record&,
                                                       absl::string_view)) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  if (!has_record) return FieldError(path, "is required");
  return check(record, path);
}

}  // namespace

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
                             FieldPath(path, "expected_attendees"), 1,
                             kMaxAttendees));
  RETURN_IF_ERROR(CheckPreferredWindows(draft.preferred_windows(),
                                        FieldPath(path, "preferred_windows"),
                                        context.now));
  RETURN_IF_ERROR(CheckText(draft.description(), FieldPath(path, "description"),
                            0, kLongTextChars, /*multiline=*/true));
  const std::string contact = FieldPath(path, "contact");
  if (!draft.has_contact()) return FieldError(contact, "is required");
  RETURN_IF_ERROR(CheckText(draft.contact().name(), FieldPath(contact, "name"),
                            1, kPersonNameChars));
  return CheckMobile(draft.contact().phone(), FieldPath(contact, "phone"));
}

// IdentityService.

absl::Status Validate(const v1::RegisterRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckMobile(request.phone(), "phone"));
  RETURN_IF_ERROR(CheckPassword(request.password(), "password"));
  return CheckText(request.display_name(), "display_name", 1, kPersonNameChars);
}

absl::Status Validate(const v1::LoginRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckMobile(request.phone(), "phone"));
  return CheckPresentedPassword(request.password(), "password");
}

absl::Status Validate(const v1::LogoutRequest&, const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::RevokeSessionsRequest& request,
                      const ValidationContext&) {
  return CheckId(request.user_id(), "user_id");
}

absl::Status Validate(const v1::ChangePasswordRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(
      CheckPresentedPassword(request.current_password(), "current_password"));
  RETURN_IF_ERROR(CheckPassword(request.new_password(), "new_password"));
  if (request.new_password() == request.current_password()) {
    return FieldError("new_password", "must differ from the current password");
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::WhoAmIRequest&, const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::AuthenticateRequest& request,
                      const ValidationContext&) {
  const std::string& token = request.token();
  if (token.empty()) return FieldError("token", "is required");
  if (token.size() > kTokenChars) {
    return FieldError(
        "token", absl::StrCat("must be at most ", kTokenChars, " characters"));
  }
  for (char c : token) {
    if (c < 0x21 || c > 0x7E) {
      return FieldError("token", "must be printable ASCII without spaces");
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::CreateStaffAccountRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckMobile(request.phone(), "phone"));
  RETURN_IF_ERROR(
      CheckText(request.display_name(), "display_name", 1, kPersonNameChars));
  RETURN_IF_ERROR(
      CheckPassword(request.initial_password(), "initial_password"));
  if (request.grants().empty()) {
    return FieldError("grants", "needs at least one grant");
  }
  if (request.grants_size() > kMaxGrants) {
    return FieldError("grants",
                      absl::StrCat("may hold at most ", kMaxGrants, " grants"));
  }
  for (int i = 0; i < request.grants_size(); ++i) {
    const std::string element = FieldPath("grants", i);
    const v1::RoleGrant& grant = request.grants(i);
    RETURN_IF_ERROR(CheckGrant(grant, element));
    for (int j = 0; j < i; ++j) {
      if (request.grants(j).role() == grant.role() &&
          request.grants(j).scope_id() == grant.scope_id()) {
        return FieldError(element, "is listed twice");
      }
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::GrantRoleRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.user_id(), "user_id"));
  if (!request.has_grant()) return FieldError("grant", "is required");
  RETURN_IF_ERROR(CheckGrant(request.grant(), "grant"));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::RevokeRoleRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.user_id(), "user_id"));
  if (!request.has_grant()) return FieldError("grant", "is required");
  RETURN_IF_ERROR(CheckGrant(request.grant(), "grant"));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::GetUserRequest& request,
                      const ValidationContext&) {
  return CheckId(request.user_id(), "user_id");
}

absl::Status Validate(const v1::ListUsersRequest& request,
                      const ValidationContext&) {
  if (request.role() != v1::ROLE_UNSPECIFIED) {
    RETURN_IF_ERROR(CheckEnum(request.role(), v1::Role_IsValid, "role"));
    if (request.role() == v1::ROLE_SYSTEM) {
      return FieldError("role", "is never held by a person");
    }
  }
  RETURN_IF_ERROR(CheckOptionalId(request.scope_id(), "scope_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::DeactivateUserRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.user_id(), "user_id"));
  RETURN_IF_ERROR(
      CheckExpectedVersion(request.expected_version(), "expected_version"));
  return CheckReason(request.reason(), "reason");
}

// DirectoryService.

absl::Status Validate(const v1::ListProgramsRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListServiceLinesRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.program_id(), "program_id"));
  if (request.audience() != v1::AUDIENCE_UNSPECIFIED) {
    RETURN_IF_ERROR(
        CheckEnum(request.audience(), v1::Audience_IsValid, "audience"));
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::GetServiceLineRequest& request,
                      const ValidationContext&) {
  return CheckId(request.id(), "id");
}

absl::Status Validate(const v1::CreateServiceLineRequest& request,
                      const ValidationContext&) {
  return CheckDirectoryWrite(request, request.has_service_line(),
                             request.service_line(), "service_line",
                             &CheckServiceLine);
}

absl::Status Validate(const v1::UpdateServiceLineRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckDirectoryWrite(request, request.has_service_line(),
                                      request.service_line(), "service_line",
                                      &CheckServiceLine));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::DeactivateRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.id(), "id"));
  RETURN_IF_ERROR(
      CheckExpectedVersion(request.expected_version(), "expected_version"));
  return CheckReason(request.reason(), "reason");
}

absl::Status Validate(const v1::ListRegionsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.parent_id(), "parent_id"));
  if (request.level() != v1::REGION_LEVEL_UNSPECIFIED) {
    RETURN_IF_ERROR(
        CheckEnum(request.level(), v1::RegionLevel_IsValid, "level"));
  }
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::GetRegionRequest& request,
                      const ValidationContext&) {
  return CheckId(request.id(), "id");
}

absl::Status Validate(const v1::CreateRegionRequest& request,
                      const ValidationContext&) {
  return CheckDirectoryWrite(request, request.has_region(), request.region(),
                             "region", &CheckRegion);
}

absl::Status Validate(const v1::UpdateRegionRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckDirectoryWrite(
      request, request.has_region(), request.region(), "region", &CheckRegion));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::ListDepartmentsRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::GetDepartmentRequest& request,
                      const ValidationContext&) {
  return CheckId(request.id(), "id");
}

absl::Status Validate(const v1::CreateDepartmentRequest& request,
                      const ValidationContext&) {
  return CheckDirectoryWrite(request, request.has_department(),
                             request.department(), "department",
                             &CheckDepartment);
}

absl::Status Validate(const v1::UpdateDepartmentRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckDirectoryWrite(request, request.has_department(),
                                      request.department(), "department",
                                      &CheckDepartment));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::ListTeamsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(
      CheckOptionalId(request.service_line_id(), "service_line_id"));
  RETURN_IF_ERROR(CheckOptionalId(request.region_id(), "region_id"));
  RETURN_IF_ERROR(CheckOptionalId(request.department_id(), "department_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::GetTeamRequest& request,
                      const ValidationContext&) {
  return CheckId(request.id(), "id");
}

absl::Status Validate(const v1::CreateTeamRequest& request,
                      const ValidationContext&) {
  return CheckDirectoryWrite(request, request.has_team(), request.team(),
                             "team", &CheckTeam);
}

absl::Status Validate(const v1::UpdateTeamRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckDirectoryWrite(request, request.has_team(),
                                      request.team(), "team", &CheckTeam));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

absl::Status Validate(const v1::ListVolunteersRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.team_id(), "team_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::GetVolunteerRequest& request,
                      const ValidationContext&) {
  return CheckId(request.id(), "id");
}

absl::Status Validate(const v1::CreateVolunteerRequest& request,
                      const ValidationContext&) {
  return CheckDirectoryWrite(request, request.has_volunteer(),
                             request.volunteer(), "volunteer", &CheckVolunteer);
}

absl::Status Validate(const v1::UpdateVolunteerRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckDirectoryWrite(request, request.has_volunteer(),
                                      request.volunteer(), "volunteer",
                                      &CheckVolunteer));
  return CheckExpectedVersion(request.expected_version(), "expected_version");
}

// OrderService.

absl::Status Validate(const v1::CreateOrderRequest& request,
                      const ValidationContext& context) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  if (!request.has_draft()) return FieldError("draft", "is required");
  RETURN_IF_ERROR(ValidateDraft(request.draft(), "draft", context));
  if (request.has_on_behalf_of()) {
    RETURN_IF_ERROR(CheckText(request.on_behalf_of().name(),
                              "on_behalf_of.name", 1, kPersonNameChars));
    if (!request.on_behalf_of().phone().empty()) {
      RETURN_IF_ERROR(
          CheckMobile(request.on_behalf_of().phone(), "on_behalf_of.phone"));
    }
    RETURN_IF_ERROR(CheckText(request.assist_note(), "assist_note", 0, 200,
                              /*multiline=*/true));
  } else if (!request.assist_note().empty()) {
    return FieldError("assist_note",
                      "is only for orders placed on behalf of a resident");
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::UpdateOrderRequest& request,
                      const ValidationContext& context) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  if (!request.has_draft()) return FieldError("draft", "is required");
  return ValidateDraft(request.draft(), "draft", context);
}

absl::Status Validate(const v1::ResubmitOrderRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  return CheckReason(request.answer(), "answer");
}

absl::Status Validate(const v1::CancelOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
}

absl::Status Validate(const v1::RateOrderRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  if (!request.has_rating()) return FieldError("rating", "is required");
  const v1::Rating& rating = request.rating();
  RETURN_IF_ERROR(CheckRange(rating.overall(), "rating.overall", 1, 5));
  RETURN_IF_ERROR(CheckRange(rating.punctuality(), "rating.punctuality", 1, 5));
  RETURN_IF_ERROR(CheckRange(rating.content(), "rating.content", 1, 5));
  RETURN_IF_ERROR(CheckRange(rating.attitude(), "rating.attitude", 1, 5));
  RETURN_IF_ERROR(CheckText(rating.comment(), "rating.comment", 0, kReasonChars,
                            /*multiline=*/true));
  if (rating.has_at()) return FieldError("rating.at", "is set by the server");
  return absl::OkStatus();
}

absl::Status Validate(const v1::ReopenOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
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

absl::Status Validate(const v1::ListMyOrdersRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckStates(request.states(), "states"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::WatchMyOrdersRequest& request,
                      const ValidationContext&) {
  return CheckEventId(request.after_event_id(), "after_event_id");
}

absl::Status Validate(const v1::WatchOrderRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderId(request.order_id(), "order_id"));
  return CheckEventId(request.after_event_id(), "after_event_id");
}

// DispatchService.

absl::Status Validate(const v1::ListQueueRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.community_id(), "community_id"));
  RETURN_IF_ERROR(CheckStates(request.states(), "states"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::SuggestDepartmentsRequest& request,
                      const ValidationContext&) {
  return CheckOrderId(request.order_id(), "order_id");
}

absl::Status Validate(const v1::RequestInfoRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  return CheckReason(request.question(), "question");
}

absl::Status Validate(const v1::RejectOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
}

absl::Status Validate(const v1::MarkDuplicateRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  RETURN_IF_ERROR(
      CheckOrderId(request.duplicate_of_order_id(), "duplicate_of_order_id"));
  // Order ids are Crockford base32, which reads lower case as upper case.
  if (absl::EqualsIgnoreCase(request.duplicate_of_order_id(),
                             request.order_id())) {
    return FieldError("duplicate_of_order_id", "must be another order");
  }
  return CheckText(request.note(), "note", 0, kReasonChars,
                   /*multiline=*/true);
}

absl::Status Validate(const v1::DispatchOrderRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  RETURN_IF_ERROR(CheckId(request.department_id(), "department_id"));
  // Whether a reason is needed depends on the catalog: the domain decides.
  RETURN_IF_ERROR(CheckText(request.reason(), "reason", 0, kReasonChars,
                            /*multiline=*/true));
  RETURN_IF_ERROR(CheckIdList(request.other_department_ids(),
                              "other_department_ids", 0, 9));
  return CheckNotRepeated(request.other_department_ids(),
                          request.department_id(), "other_department_ids");
}

absl::Status Validate(const v1::ListFollowUpsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.community_id(), "community_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::RecordFollowUpRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.follow_up_id(), "follow_up_id"));
  RETURN_IF_ERROR(
      CheckExpectedVersion(request.expected_version(), "expected_version"));
  return CheckText(request.note(), "note", 1, kLongTextChars,
                   /*multiline=*/true);
}

absl::Status Validate(const v1::WatchQueueRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.community_id(), "community_id"));
  return CheckEventId(request.after_event_id(), "after_event_id");
}

// ClaimService.

absl::Status Validate(const v1::ListPoolRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.department_id(), "department_id"));
  RETURN_IF_ERROR(CheckStates(request.states(), "states"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::ClaimOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMove(request);
}

absl::Status Validate(const v1::ReturnOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
}

absl::Status Validate(const v1::ListEligibleTeamsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderId(request.order_id(), "order_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::AssignTeamRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  RETURN_IF_ERROR(CheckId(request.team_id(), "team_id"));
  RETURN_IF_ERROR(CheckDuration(request.offer_ttl(), "offer_ttl",
                                absl::Minutes(10), absl::Hours(24 * 7),
                                /*optional=*/true));
  RETURN_IF_ERROR(
      CheckIdList(request.other_team_ids(), "other_team_ids", 0, 9));
  return CheckNotRepeated(request.other_team_ids(), request.team_id(),
                          "other_team_ids");
}

absl::Status Validate(const v1::ReleaseToMatchingRequest& request,
                      const ValidationContext&) {
  return CheckOrderMove(request);
}

absl::Status Validate(const v1::WatchPoolRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.department_id(), "department_id"));
  return CheckEventId(request.after_event_id(), "after_event_id");
}

// FulfilmentService.

absl::Status Validate(const v1::ListOffersRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.team_id(), "team_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::ListTasksRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.team_id(), "team_id"));
  RETURN_IF_ERROR(CheckStates(request.states(), "states"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::AcceptOfferRequest& request,
                      const ValidationContext&) {
  return CheckOrderMove(request);
}

absl::Status Validate(const v1::DeclineOfferRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
}

absl::Status Validate(const v1::ScheduleServiceRequest& request,
                      const ValidationContext& context) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  return CheckServiceWindow(request.schedule(), request.has_schedule(),
                            "schedule", context.now);
}

absl::Status Validate(const v1::CheckInRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  if (request.has_location()) {
    RETURN_IF_ERROR(CheckGeoPoint(request.location(), "location"));
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::CompleteServiceRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOrderMove(request));
  RETURN_IF_ERROR(CheckRange(request.actual_attendees(), "actual_attendees", 0,
                             kMaxAttendees));
  RETURN_IF_ERROR(CheckText(request.summary(), "summary", 1, kLongTextChars,
                            /*multiline=*/true));
  if (request.hours_size() > kMaxHoursEntries) {
    return FieldError("hours", absl::StrCat("may hold at most ",
                                            kMaxHoursEntries, " entries"));
  }
  for (int i = 0; i < request.hours_size(); ++i) {
    const std::string entry = FieldPath("hours", i);
    const std::string volunteer = FieldPath(entry, "volunteer_id");
    const v1::HoursEntry& hours = request.hours(i);
    RETURN_IF_ERROR(CheckId(hours.volunteer_id(), volunteer));
    for (int j = 0; j < i; ++j) {
      if (request.hours(j).volunteer_id() == hours.volunteer_id()) {
        return FieldError(volunteer, "is listed twice");
      }
    }
    RETURN_IF_ERROR(CheckHoursValue(hours.hours(), FieldPath(entry, "hours")));
    if (!hours.reason().empty()) {
      RETURN_IF_ERROR(CheckReason(hours.reason(), FieldPath(entry, "reason")));
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::WithdrawOrderRequest& request,
                      const ValidationContext&) {
  return CheckOrderMoveWithReason(request);
}

absl::Status Validate(const v1::ListHoursRequest& request,
                      const ValidationContext&) {
  const int owners = static_cast<int>(!request.volunteer_id().empty()) +
                     static_cast<int>(!request.team_id().empty()) +
                     static_cast<int>(!request.order_id().empty());
  if (owners != 1) {
    return FieldError("volunteer_id",
                      "set exactly one of volunteer_id, team_id, order_id");
  }
  RETURN_IF_ERROR(CheckOptionalId(request.volunteer_id(), "volunteer_id"));
  RETURN_IF_ERROR(CheckOptionalId(request.team_id(), "team_id"));
  if (!request.order_id().empty()) {
    RETURN_IF_ERROR(CheckOrderId(request.order_id(), "order_id"));
  }
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::DeclineHoursRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.hours_id(), "hours_id"));
  return CheckReason(request.reason(), "reason");
}

absl::Status Validate(const v1::CorrectHoursRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.hours_id(), "hours_id"));
  RETURN_IF_ERROR(CheckHoursValue(request.hours(), "hours"));
  return CheckReason(request.reason(), "reason");
}

absl::Status Validate(const v1::DisputeHoursRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.hours_id(), "hours_id"));
  return CheckReason(request.reason(), "reason");
}

absl::Status Validate(const v1::ResolveDisputeRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.hours_id(), "hours_id"));
  RETURN_IF_ERROR(CheckEnum(request.resolution(),
                            v1::HoursDispute::Resolution_IsValid,
                            "resolution"));
  if (request.resolution() == v1::HoursDispute::RESOLUTION_CORRECT) {
    RETURN_IF_ERROR(CheckHoursValue(request.hours(), "hours"));
  } else if (request.hours() != 0) {
    return FieldError("hours", "is set only to correct the entry");
  }
  return CheckReason(request.reason(), "reason");
}

absl::Status Validate(const v1::GetSignInCodeRequest& request,
                      const ValidationContext&) {
  return CheckOrderId(request.order_id(), "order_id");
}

absl::Status Validate(const v1::SignInVolunteerRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckSignInToken(request.token(), "token"));
  RETURN_IF_ERROR(
      CheckEnum(request.direction(), v1::SignInDirection_IsValid, "direction"));
  if (request.has_location()) {
    RETURN_IF_ERROR(CheckGeoPoint(request.location(), "location"));
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListSignInsRequest& request,
                      const ValidationContext&) {
  return CheckOrderId(request.order_id(), "order_id");
}

absl::Status Validate(const v1::GetMyVolunteerSummaryRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::WatchTeamRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.team_id(), "team_id"));
  return CheckEventId(request.after_event_id(), "after_event_id");
}

// MatchingService.

absl::Status Validate(const v1::ExplainOfferRequest& request,
                      const ValidationContext&) {
  return CheckOrderId(request.order_id(), "order_id");
}

absl::Status Validate(const v1::GetMatchingStatusRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListDeadLettersRequest& request,
                      const ValidationContext&) {
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::RetryDeadLetterRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  if (request.entry_id().empty()) return FieldError("entry_id", "is required");
  return CheckEventId(request.entry_id(), "entry_id");
}

// WatchdogService.

absl::Status Validate(const v1::GetSlaPolicyRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::ListEscalationsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.region_id(), "region_id"));
  return CheckPage(request.page(), "page");
}

absl::Status Validate(const v1::AcknowledgeEscalationRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  RETURN_IF_ERROR(CheckId(request.escalation_id(), "escalation_id"));
  RETURN_IF_ERROR(
      CheckExpectedVersion(request.expected_version(), "expected_version"));
  return CheckReason(request.note(), "note");
}

// NotificationService.

namespace {

absl::Status CheckLanguage(absl::string_view language, absl::string_view path) {
  if (language.empty() || language == "zh-CN" || language == "zh" ||
      language == "en") {
    return absl::OkStatus();
  }
  return FieldError(path, "must be zh-CN or en");
}

// "HH:MM", 00:00 to 23:59.
absl::Status CheckClockTime(absl::string_view value, absl::string_view path) {
  const bool shaped =
      value.size() == 5 && value[2] == ':' && absl::ascii_isdigit(value[0]) &&
      absl::ascii_isdigit(value[1]) && absl::ascii_isdigit(value[3]) &&
      absl::ascii_isdigit(value[4]);
  if (!shaped || (value[0] - '0') * 10 + (value[1] - '0') > 23 ||
      value[3] > '5') {
    return FieldError(path, "must be a time of day as HH:MM, e.g. 21:00");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status Validate(const v1::ListNotificationsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckPage(request.page(), "page"));
  return CheckLanguage(request.language(), "language");
}

absl::Status Validate(const v1::MarkReadRequest& request,
                      const ValidationContext&) {
  if (request.all() && request.notification_ids_size() > 0) {
    return FieldError("notification_ids", "must be empty when all is set");
  }
  if (!request.all() && request.notification_ids_size() == 0) {
    return FieldError("notification_ids", "name at least one, or set all");
  }
  if (request.notification_ids_size() > 100) {
    return FieldError("notification_ids", "at most 100");
  }
  for (int i = 0; i < request.notification_ids_size(); ++i) {
    const std::string& id = request.notification_ids(i);
    const std::string path = absl::StrCat("notification_ids[", i, "]");
    if (id.empty() || id.size() > 64 ||
        id.find_first_not_of("0123456789-") != std::string::npos) {
      return FieldError(path, "is not a notification id");
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const v1::GetUnreadCountRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::WatchNotificationsRequest& request,
                      const ValidationContext&) {
  return CheckLanguage(request.language(), "language");
}

absl::Status Validate(const v1::GetPreferencesRequest&,
                      const ValidationContext&) {
  return absl::OkStatus();
}

absl::Status Validate(const v1::UpdatePreferencesRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckRequestId(request.request_id(), "request_id"));
  if (request.expected_version() < 0) {
    return FieldError("expected_version", "must not be negative");
  }
  const v1::NotificationPreferences& preferences = request.preferences();
  std::set<int> seen;
  for (int i = 0; i < preferences.categories_size(); ++i) {
    const auto category = preferences.categories(i).category();
    const std::string path =
        absl::StrCat("preferences.categories[", i, "].category");
    if (category == v1::NOTICE_CATEGORY_UNSPECIFIED ||
        !v1::NoticeCategory_IsValid(category)) {
      return FieldError(path, "must name a category");
    }
    if (!seen.insert(category).second) {
      return FieldError(path, "is named twice");
    }
  }
  if (preferences.quiet_start().empty() != preferences.quiet_end().empty()) {
    return FieldError("preferences.quiet_end",
                      "quiet hours need both a start and an end");
  }
  if (!preferences.quiet_start().empty()) {
    RETURN_IF_ERROR(
        CheckClockTime(preferences.quiet_start(), "preferences.quiet_start"));
    RETURN_IF_ERROR(
        CheckClockTime(preferences.quiet_end(), "preferences.quiet_end"));
  }
  return absl::OkStatus();
}

// ReportService.

absl::Status Validate(const v1::GetSummaryRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.region_id(), "region_id"));
  return CheckPeriod(request.from(), request.has_from(), request.to(),
                     request.has_to());
}

absl::Status Validate(const v1::ExportServiceRecordsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.region_id(), "region_id"));
  return CheckPeriod(request.from(), request.has_from(), request.to(),
                     request.has_to());
}

absl::Status Validate(const v1::ListAuditEventsRequest& request,
                      const ValidationContext&) {
  RETURN_IF_ERROR(CheckOptionalId(request.actor_user_id(), "actor_user_id"));
  RETURN_IF_ERROR(CheckText(request.target(), "target", 0, kAuditTargetChars));
  RETURN_IF_ERROR(CheckPeriod(request.from(), request.has_from(), request.to(),
                              request.has_to()));
  return CheckPage(request.page(), "page");
}

}  // namespace kepu
