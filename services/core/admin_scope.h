// Who administers what: the one answer, used by every domain (orders,
// directory writes, accounts, hours, escalations).
//
// A city admin (ROLE_ADMIN over the tenant) administers everything of the
// tenant. A county admin (ROLE_ADMIN over a county or functional zone)
// administers:
//   a region:    whose county_id is the county (the county itself and every
//                region below it; the directory derives county_id);
//   an order:    placed in the county (Order.county_id, its community's county
//                when it was placed);
//   a team:      every one of whose service areas it administers (a team with
//                none: the city's only);
//   a volunteer: every one of whose teams it administers (one with none: the
//                city's only);
//   a grant:     a community worker's of a region it administers, a team
//                leader's or volunteer's of a team it administers, an admin's
//                of the county itself; department staff and residents never
//                (city admins only).
// A region or team the directory does not know is no county admin's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/directory_view.h"

namespace kepu {

// How much of an account an admin reaches.
enum class Reach {
  // None of its grants (or it holds none and the admin is not a city admin).
  kNone,
  // Some of its grants, not all.
  kPartly,
  // Every grant (any account for a city admin).
  kWhole,
};

// Whether one grant makes an admin of the county: an admin grant over the city
// (the tenant) or over that county.
bool AdminGrantCoversCounty(const v1::RoleGrant& grant,
                            absl::string_view tenant,
                            absl::string_view county_id);

// Whether the principal administers the county (or the city, for an empty
// county_id: only a city admin): the part of AdminScope that needs no
// directory.
bool AdministersCounty(const v1::Principal& principal,
                       absl::string_view county_id);

// The admin grants of one principal, for one call: remembers what it read of
// the directory. Not thread-safe. Methods that read the directory answer
// kUnavailable when it cannot be read.
class AdminScope {
 public:
  // `principal` is the caller (its tenant set); `directory` must outlive this.
  AdminScope(const v1::Principal& principal, DirectoryView& directory);

  bool is_admin() const { return city_ || !counties_.empty(); }
  bool is_city_admin() const { return city_; }
  const std::vector<std::string>& counties() const { return counties_; }

  bool CoversCounty(absl::string_view county_id) const;
  bool CoversOrder(const v1::Order& order) const;
  absl::StatusOr<bool> CoversRegion(absl::string_view region_id);
  absl::StatusOr<bool> CoversTeam(const v1::Team& team);
  // False for a team the directory does not know (a city admin: true).
  absl::StatusOr<bool> CoversTeamId(absl::string_view team_id);
  absl::StatusOr<bool> CoversVolunteer(const v1::Volunteer& volunteer);
  absl::StatusOr<bool> Covers(const v1::RoleGrant& grant);

  // How much of `user` the admin reaches.
  absl::StatusOr<Reach> ReachOf(const v1::User& user);

  // For messages: "the counties you administer (a, b)".
  std::string Describe() const;

 private:
  absl::StatusOr<bool> CoversUncached(const v1::RoleGrant& grant);

  DirectoryView& directory_;
  bool city_ = false;
  std::vector<std::string> counties_;
  // Region id -> its county_id ("" for an unknown region).
  std::map<std::string, std::string, std::less<>> county_of_;
  std::map<std::string, bool, std::less<>> covered_;  // "<role>/<scope>"
};

}  // namespace kepu
