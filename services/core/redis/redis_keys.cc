#include "services/core/redis/redis_keys.h"

#include "absl/strings/str_cat.h"

namespace kepu {

absl::Status CheckTenant(absl::string_view tenant) {
  if (tenant.empty() || tenant.size() > 32) {
    return absl::InvalidArgumentError("tenant: must be 1 to 32 characters");
  }
  for (char c : tenant) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
      return absl::InvalidArgumentError(
          "tenant: may only hold a-z, 0-9 and '-'");
    }
  }
  return absl::OkStatus();
}

RedisKeys::RedisKeys(absl::string_view tenant)
    : prefix_(absl::StrCat("kepu:{", tenant, "}:")) {}

std::string RedisKeys::Order(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "order:", order_id);
}

std::string RedisKeys::History(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "order:", order_id, ":history");
}

std::string RedisKeys::Events() const {
  return absl::StrCat(prefix_, "events");
}

std::string RedisKeys::Request(absl::string_view actor_id,
                               absl::string_view request_id) const {
  return absl::StrCat(prefix_, "request:", actor_id, ":", request_id);
}

std::string RedisKeys::MatchingQueue() const {
  return absl::StrCat(prefix_, "queue:matching");
}

std::string RedisKeys::CommunityIndex(absl::string_view community_id) const {
  return absl::StrCat(prefix_, "index:community:", community_id);
}

std::string RedisKeys::DepartmentIndex(absl::string_view department_id) const {
  return absl::StrCat(prefix_, "index:department:", department_id);
}

std::string RedisKeys::TeamIndex(absl::string_view team_id) const {
  return absl::StrCat(prefix_, "index:team:", team_id);
}

std::string RedisKeys::ResidentIndex(absl::string_view user_id) const {
  return absl::StrCat(prefix_, "index:resident:", user_id);
}

std::string RedisKeys::Session(absl::string_view token_hash) const {
  return absl::StrCat(prefix_, "session:", token_hash);
}

std::string RedisKeys::OpenOrders(absl::string_view community_id,
                                  absl::string_view service_line_id) const {
  return absl::StrCat(prefix_, "index:open:", community_id, ":",
                      service_line_id);
}

std::string RedisKeys::TeamHistory(absl::string_view team_id) const {
  return absl::StrCat(prefix_, "team:", team_id, ":history");
}

std::string RedisKeys::Outbox() const {
  return absl::StrCat(prefix_, "outbox");
}

std::string RedisKeys::Deadlines() const {
  return absl::StrCat(prefix_, "deadlines");
}

std::string RedisKeys::Hours(absl::string_view hours_id) const {
  return absl::StrCat(prefix_, "hours:", hours_id);
}

std::string RedisKeys::HoursByVolunteer(absl::string_view volunteer_id) const {
  return absl::StrCat(prefix_, "index:hours:volunteer:", volunteer_id);
}

std::string RedisKeys::HoursByTeam(absl::string_view team_id) const {
  return absl::StrCat(prefix_, "index:hours:team:", team_id);
}

std::string RedisKeys::HoursByOrder(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "index:hours:order:", order_id);
}

std::string RedisKeys::SignIn(absl::string_view order_id,
                              absl::string_view volunteer_id) const {
  return absl::StrCat(prefix_, "sign-in:", order_id, ":", volunteer_id);
}

std::string RedisKeys::SignInsByOrder(absl::string_view order_id) const {
  return absl::StrCat(prefix_, "index:sign-ins:order:", order_id);
}

std::string RedisKeys::FollowUp(absl::string_view follow_up_id) const {
  return absl::StrCat(prefix_, "followup:", follow_up_id);
}

std::string RedisKeys::FollowUpsByCommunity(
    absl::string_view community_id) const {
  return absl::StrCat(prefix_, "index:followups:community:", community_id);
}

std::string RedisKeys::Escalation(absl::string_view escalation_id) const {
  return absl::StrCat(prefix_, "escalation:", escalation_id);
}

std::string RedisKeys::Escalations() const {
  return absl::StrCat(prefix_, "index:escalations");
}

std::string RedisKeys::EscalationsByCounty(absl::string_view county_id) const {
  return absl::StrCat(prefix_, "index:escalations:county:", county_id);
}

std::string RedisKeys::EscalationsByCommunity(
    absl::string_view community_id) const {
  return absl::StrCat(prefix_, "index:escalations:community:", community_id);
}

}  // namespace kepu
