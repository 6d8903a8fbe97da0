// The order domain: every move of every role goes through here. Adapters (the
// gRPC services) turn requests into Commands and queries; this class checks who
// may do what to which order, checks what the move refers to against the
// directory, plans the move and has the store apply it, with the records it
// creates (volunteer hours, follow-up visits).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/claims.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/order.pb.h"
#include "kepu/v1/orders.pb.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/ids.h"
#include "services/core/order_rules.h"
#include "services/core/order_store.h"
#include "services/core/sign_in_code.h"

namespace kepu {

// A page of a listing, as the RPCs take it.
struct PageSpec {
  // 1 to 100; 0 means 20.
  int size = 0;
  std::string token;
};

// Thread-safe (as thread-safe as the store and directory). Requests are assumed
// validated (validation.h). Orders returned are as the principal may see them
// (AsSeenBy: phone numbers masked unless the principal may see them).
//
// Errors, for every method: kNotFound for an order or record the principal may
// not see (its existence is not revealed) or that does not exist;
// kPermissionDenied when the principal's roles may never do it; kUnavailable
// when the store or directory is down (retry with the same request id).
class OrderWorkflow {
 public:
  // `sign_in_key`: the secret of the volunteers' sign-in codes (SignInCodes);
  // empty: a random one (codes then work only on this process).
  OrderWorkflow(OrderStore& store, DirectoryView& directory, const Clock& clock,
                IdGenerator& ids, LifecyclePolicy policy = {},
                std::string sign_in_key = {});

  // Places an order: for the principal as a resident, or, with on_behalf_of, as
  // a worker of the draft's community. The service line must be orderable and
  // active, the community an active community (kFailedPrecondition naming the
  // field otherwise). Open orders of the same line and community placed in the
  // last 14 days are noted as possible duplicates.
  absl::StatusOr<v1::Order> Create(const v1::Principal& principal,
                                   const v1::CreateOrderRequest& request);

  absl::StatusOr<v1::Order> Get(const v1::Principal& principal,
                                absl::string_view order_id);

  // The order's history, oldest first, after `after_event_id`, at most `limit`
  // entries.
  absl::StatusOr<std::vector<v1::OrderEvent>> History(
      const v1::Principal& principal, absl::string_view order_id,
      absl::string_view after_event_id, int limit);

  // Makes `command` on an existing order as the principal. A request applied
  // before returns its first result. Besides the errors above:
  //   kAborted:            the order is no longer at command.expected_version;
  //   kFailedPrecondition: the move is not possible from the order's state (or
  //   now), or what
  //                        it refers to does not fit (an inactive department, a
  //                        team that does not cover the line or area, a team at
  //                        capacity);
  //   kInvalidArgument:    the command lacks what the move needs, or the
  //   request id was used
  //                        for other content.
  absl::StatusOr<v1::Order> Act(const v1::Principal& principal,
                                const Command& command);

  // The principal's own orders, newest first, optionally only in `states`.
  absl::StatusOr<v1::ListOrdersResponse> ListMine(
      const v1::Principal& principal, const std::vector<v1::OrderState>& states,
      const PageSpec& page);

  // The orders of a community (role COMMUNITY_WORKER), department
  // (DEPARTMENT_STAFF) or team (TEAM_LEADER or VOLUNTEER), oldest first in the
  // given states (`default_states` when none are given). `scope_id` may be
  // empty when the principal holds the role over exactly one scope
  // (kInvalidArgument naming `scope_field` when it holds several).
  absl::StatusOr<v1::ListOrdersResponse> ListScope(
      const v1::Principal& principal, OrderIndex index,
      absl::string_view scope_id, absl::string_view scope_field,
      const std::vector<v1::OrderState>& states,
      const std::vector<v1::OrderState>& default_states, const PageSpec& page);

  //   // The community, department or team (by `index`) the principal means:
  //   `scope_id`, which it
  // must hold the role over (kNotFound otherwise), or the single one it holds
  // (kInvalidArgument naming `scope_field` when it holds several).
  absl::StatusOr<std::string> ScopeOf(const v1::Principal& principal,
                                      OrderIndex index,
                                      absl::string_view scope_id,
                                      absl::string_view scope_field) const;

  // The departments responsible for the order's service line (suggested) and
  // then the others.
  absl::StatusOr<std::vector<v1::DepartmentSuggestion>> SuggestDepartments(
      const v1::Principal& principal, absl::string_view order_id);

  // Teams that cover the order's line, serve its area, are active and have free
  // capacity, nearest first (those without a known distance last).
  absl::StatusOr<std::vector<v1::EligibleTeam>> EligibleTeams(
      const v1::Principal& principal, absl::string_view order_id);

  // Volunteer hours of a volunteer (the volunteer, a leader of one of their
  // teams, an admin of all their teams), a team (its leader and volunteers, an
  // admin of the team) or an order (who may see the order). A city admin
  // administers every team, a county admin a team whose service areas all lie
  // in its counties (as for directory writes). Anyone else: kNotFound. Status
  // as it stands now: pending hours older than the auto-approval period are
  // approved.
  absl::StatusOr<v1::ListHoursResponse> ListHours(
      const v1::Principal& principal, const v1::ListHoursRequest& request);

  // A team leader declines hours of the team with a reason (records are never
  // deleted).
  absl::StatusOr<v1::VolunteerHours> DeclineHours(
      const v1::Principal& principal, const v1::DeclineHoursRequest& request);

  // The hours ledger (order.proto, VolunteerHours). A team leader of the
  // entry's team corrects a current entry (not superseded, disputed or
  // declined): a new entry, bounded like the completion's hours (a reason is
  // required), and the corrected one marked superseded. Answers the new entry.
  absl::StatusOr<v1::VolunteerHours> CorrectHours(
      const v1::Principal& principal, const v1::CorrectHoursRequest& request);
  // The volunteer whose entry it is disputes a current entry: it is DISPUTED
  // (and does not count) until a team leader resolves it.
  absl::StatusOr<v1::VolunteerHours> DisputeHours(
      const v1::Principal& principal, const v1::DisputeHoursRequest& request);
  // A team leader resolves a dispute: KEEP restores the entry's status; CORRECT
  // appends a correction (answered) as CorrectHours does.
  absl::StatusOr<v1::VolunteerHours> ResolveDispute(
      const v1::Principal& principal, const v1::ResolveDisputeRequest& request);

  // Volunteers' sign-in (service_record.h). A team leader of the order's team
  // gets the order's current code, from the check-in window's opening
  // (ACCEPTED) and while IN_SERVICE (kFailedPrecondition otherwise).
  absl::StatusOr<v1::SignInCode> GetSignInCode(
      const v1::Principal& principal, const v1::GetSignInCodeRequest& request);
  // The caller signs in or out at the code's order, as the volunteer record of
  // the order's team whose user is the caller (kPermissionDenied: none). In:
  // in the check-in window (ACCEPTED) or IN_SERVICE, once. Out: after signing
  // in, once. The code must be genuine (kInvalidArgument naming `token`) and
  // current (kFailedPrecondition naming `token`). Idempotent under request_id.
  absl::StatusOr<v1::VolunteerSignIn> SignInVolunteer(
      const v1::Principal& principal,
      const v1::SignInVolunteerRequest& request);
  // The order's sign-ins with their proposed hours, for a leader or volunteer
  // of the order's team or a worker of its community.
  absl::StatusOr<v1::ListSignInsResponse> ListSignIns(
      const v1::Principal& principal, const v1::ListSignInsRequest& request);

  // The calling volunteer's record, current tasks and hours.
  absl::StatusOr<v1::VolunteerSummary> VolunteerSummary(
      const v1::Principal& principal);

  // Follow-up visits the principal's community owes.
  absl::StatusOr<v1::ListFollowUpsResponse> ListFollowUps(
      const v1::Principal& principal, const v1::ListFollowUpsRequest& request);
  absl::StatusOr<v1::FollowUp> RecordFollowUp(
      const v1::Principal& principal, const v1::RecordFollowUpRequest& request);

  const LifecyclePolicy& policy() const { return policy_; }

 private:
  // Checks what `command` refers to (the rule's references) against the
  // directory and fills what the move derives from it (outside_suggested, the
  // default offer expiry). `order` is the order as read.
  absl::Status CheckReferences(const TransitionRule& rule,
                               const v1::Order& order, Command& command);
  // `code` with a message saying which department or team took `order` (the
  // principal can only read it now).
  absl::Status Taken(const v1::Principal& principal, const v1::Order& order,
                     absl::StatusCode code);
  // The team as an order may use it: active, covering the line and serving the
  // area.
  absl::StatusOr<v1::Team> UsableTeam(const v1::Order& order,
                                      absl::string_view team_id,
                                      absl::string_view field);
  // The ids of the order's community and the regions above it.
  absl::StatusOr<std::vector<std::string>> AreaOf(const v1::Order& order);
  // How many orders the team holds ACCEPTED or IN_SERVICE.
  absl::StatusOr<int64_t> HeldBy(absl::string_view team_id);
  // `hours` with the status it has now.
  v1::VolunteerHours Effective(v1::VolunteerHours hours) const;
  // A correction of `stored` to `hours` with `reason`, checked against the
  // order's schedule and the volunteer's sign-in (`hours_field`,
  // `reason_field` name the request's fields).
  absl::StatusOr<v1::VolunteerHours> Correction(
      const v1::Principal& principal, const v1::VolunteerHours& stored,
      double hours, const std::string& reason, absl::string_view hours_field,
      absl::string_view reason_field);
  // The volunteer's sign-in at the order; nullopt when they never signed in.
  absl::StatusOr<std::optional<v1::VolunteerSignIn>> SignInOf(
      absl::string_view order_id, absl::string_view volunteer_id);

  OrderStore& store_;
  DirectoryView& directory_;
  const Clock& clock_;
  IdGenerator& ids_;
  const LifecyclePolicy policy_;
  const SignInCodes codes_;
};

}  // namespace kepu
