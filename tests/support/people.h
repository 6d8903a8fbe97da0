// Principals and order drafts for domain tests that build them by hand.
#pragma once

#include <string>

#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/time_util.h"

namespace kepu::testing {

// A principal of tenant "jining" holding `role` over `scope`.
inline v1::Principal Person(const std::string& id, v1::Role role,
                            const std::string& scope = "") {
  v1::Principal principal;
  principal.set_user_id(id);
  principal.set_tenant("jining");
  principal.set_display_name(id);
  v1::RoleGrant* grant = principal.add_grants();
  grant->set_role(role);
  grant->set_scope_id(scope);
  return principal;
}

// A valid draft of `line` for `community` in the small Jining, its one
// window two days after `now`.
inline v1::OrderDraft SmallJiningDraft(
    absl::Time now, const std::string& community = "rencheng-guhuai-zhuyuan",
    const std::string& line = "elderly-smart-help") {
  v1::OrderDraft draft;
  draft.set_service_line_id(line);
  draft.set_service_name("防范电信诈骗");
  draft.set_community_id(community);
  draft.set_address("任城区古槐街道竹竿巷社区党群服务中心");
  draft.set_audience(v1::AUDIENCE_ELDERLY);
  draft.set_expected_attendees(30);
  v1::TimeWindow& window = *draft.add_preferred_windows();
  *window.mutable_start() = ToProto(now + absl::Hours(48));
  *window.mutable_end() = ToProto(now + absl::Hours(50));
  draft.mutable_contact()->set_name("王阿姨");
  draft.mutable_contact()->set_phone("13812345678");
  return draft;
}

}  // namespace kepu::testing
