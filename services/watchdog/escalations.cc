#include "services/watchdog/escalations.h"

#include <algorithm>
#include <set>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/admin_scope.h"
#include "services/core/authorization.h"
#include "services/core/field_checks.h"
#include "services/core/fingerprint.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;

absl::Status RegionNotFound(absl::string_view region_id) {
  return absl::NotFoundError(
      absl::StrCat("region_id: ", region_id, " not found"));
}

// The scopes the principal holds `role` over.
std::set<std::string> ScopesOf(const v1::Principal& principal, v1::Role role) {
  std::set<std::string> scopes;
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() == role && !grant.scope_id().empty()) {
      scopes.insert(grant.scope_id());
    }
  }
  return scopes;
}

bool IsCounty(const v1::Region& region) {
  return region.level() == v1::REGION_LEVEL_COUNTY ||
         region.level() == v1::REGION_LEVEL_ZONE;
}

}  // namespace

Escalations::Escalations(OrderStore& store, DirectoryView& directory)
    : store_(store), directory_(directory) {}

absl::StatusOr<v1::ListEscalationsResponse> Escalations::List(
    const v1::Principal& principal, const v1::ListEscalationsRequest& request) {
  const AdminScope admin(principal, directory_);
  const std::set<std::string> workers =
      ScopesOf(principal, v1::ROLE_COMMUNITY_WORKER);
  const bool city = admin.is_city_admin();
  const std::vector<std::string>& counties = admin.counties();
  const std::string& region_id = request.region_id();

  EscalationQuery query;
  if (region_id.empty()) {
    if (city) {
      query.scope = EscalationQuery::Scope::kCity;
    } else if (counties.size() + workers.size() == 1) {
      query.scope = counties.empty() ? EscalationQuery::Scope::kCommunity
                                     : EscalationQuery::Scope::kCounty;
      query.scope_id = counties.empty() ? *workers.begin() : counties.front();
    } else if (counties.empty() && workers.empty()) {
      return absl::PermissionDeniedError(
          "only admins and community workers list escalations");
    } else {
      return FieldError("region_id",
                        "you work for several regions: name the one you mean");
    }
  } else {
    absl::StatusOr<v1::Region> region = directory_.GetRegion(region_id);
    if (absl::IsNotFound(region.status())) return RegionNotFound(region_id);
    RETURN_IF_ERROR(region.status());
    if (region->level() == v1::REGION_LEVEL_CITY) {
      if (!city) return RegionNotFound(region_id);
      query.scope = EscalationQuery::Scope::kCity;
    } else if (IsCounty(*region)) {
      if (!admin.CoversCounty(region->county_id())) {
        return RegionNotFound(region_id);
      }
      query.scope = EscalationQuery::Scope::kCounty;
      query.scope_id = region_id;
    } else if (region->level() == v1::REGION_LEVEL_COMMUNITY) {
      if (!admin.CoversCounty(region->county_id()) &&
          workers.count(region_id) == 0) {
        return RegionNotFound(region_id);
      }
      query.scope = EscalationQuery::Scope::kCommunity;
      query.scope_id = region_id;
    } else {
      return FieldError("region_id",
                        "must be the city, a county or a community");
    }
  }
  query.include_acknowledged = request.include_acknowledged();
  query.limit = request.page().page_size() > 0 ? request.page().page_size()
                                               : kDefaultPageSize;
  query.cursor = request.page().page_token();
  ASSIGN_OR_RETURN(EscalationPage page, store_.ListEscalations(query));
  v1::ListEscalationsResponse response;
  for (v1::Escalation& escalation : page.escalations) {
    *response.add_escalations() = std::move(escalation);
  }
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::Escalation> Escalations::Acknowledge(
    const v1::Principal& principal,
    const v1::AcknowledgeEscalationRequest& request) {
  ASSIGN_OR_RETURN(v1::Escalation stored,
                   store_.GetEscalation(request.escalation_id()));
  // The grant it acts under: its county's, else the city's.
  const AdminScope admin(principal, directory_);
  std::string scope;
  if (!admin.CoversCounty(stored.county_id())) {
    return absl::NotFoundError(
        absl::StrCat("escalation ", request.escalation_id(), " not found"));
  }
  if (std::find(admin.counties().begin(), admin.counties().end(),
                stored.county_id()) != admin.counties().end()) {
    scope = stored.county_id();
  } else if (admin.is_city_admin()) {
    scope = principal.tenant();
  } else {
    return absl::NotFoundError(
        absl::StrCat("escalation ", request.escalation_id(), " not found"));
  }
  const RequestKey key{principal.user_id(), request.request_id(),
                       Fingerprint(request)};
  ASSIGN_OR_RETURN(std::optional<std::string> first, store_.FindResult(key));
  if (first.has_value()) {
    v1::Escalation replay;
    if (!replay.ParseFromString(*first))
      return absl::DataLossError("unreadable result");
    return replay;
  }
  if (stored.version() != request.expected_version()) {
    return absl::AbortedError(absl::StrCat("escalation ", stored.id(),
                                           " is at version ", stored.version(),
                                           ": read it again and retry"));
  }
  if (stored.acknowledged()) {
    return absl::FailedPreconditionError(
        "this escalation is acknowledged already");
  }
  v1::Escalation acknowledged = stored;
  acknowledged.set_acknowledged(true);
  v1::RoleGrant grant;
  grant.set_role(v1::ROLE_ADMIN);
  grant.set_scope_id(scope);
  *acknowledged.mutable_acknowledged_by() = ActorOf(principal, grant);
  acknowledged.set_note(request.note());
  acknowledged.set_version(stored.version() + 1);
  return store_.UpdateEscalation(key, stored, acknowledged);
}

}  // namespace kepu
