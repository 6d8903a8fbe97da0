// The rules that make a service record true (issue 12): the agreed service
// time lies inside the resident's windows, check-in and volunteers' sign-ins
// happen only around it, and volunteer hours are bounded by the time on site.
// Pure: no I/O, the time is given. Times in messages are China Standard Time
// (UTC+8), as residents and volunteers read them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/order.pb.h"

namespace kepu {

// The parts of LifecyclePolicy these rules read (order_rules.h fills it).
struct ServiceRecordPolicy {
  // Check-in (and volunteers' sign-in) opens this long before the confirmed
  // start.
  absl::Duration check_in_lead = absl::Minutes(60);
  // A check-in farther than this from the order's location is off-site.
  double check_in_radius_m = 500;
  // Hours may exceed the time on site (and the schedule's length) by this.
  absl::Duration hours_tolerance = absl::Minutes(30);
};

// "2026-12-14 08:00" in China Standard Time.
std::string LocalTimeText(absl::Time t);

// Great-circle distance in metres.
double DistanceMeters(const v1::GeoPoint& a, const v1::GeoPoint& b);

// kFailedPrecondition naming `schedule` unless `schedule` lies inside one of
// the draft's preferred windows (the message lists them).
absl::Status CheckScheduleInWindows(const v1::TimeWindow& schedule,
                                    const v1::OrderDraft& draft);

// kFailedPrecondition unless `now` lies in the order's check-in window: from
// check_in_lead before the confirmed start (order.schedule) to its end. The
// message says the window in plain words with its times; without a schedule,
// "confirm the service time first (ScheduleService)". `what` names the act
// ("check-in", "sign-in").
absl::Status CheckInWindow(const v1::Order& order, absl::Time now,
                           const ServiceRecordPolicy& policy,
                           absl::string_view what = "check-in");

// The check-in the leader makes at `now`, from `location` (when known): off
// site when farther than the radius from the order's draft.location.
v1::CheckIn MakeCheckIn(const v1::Order& order, absl::Time now,
                        const std::optional<v1::GeoPoint>& location,
                        const ServiceRecordPolicy& policy);

// A volunteer's time on site: from signing in to signing out, or to `until`
// (the completion, or now) when not signed out; zero when not signed in.
absl::Duration TimeOnSite(const v1::VolunteerSignIn& sign_in, absl::Time until);

// The hours a sign-in proposes: its time on site, at most the schedule's
// length (when the order has one), rounded down to 0.5.
double ProposedHours(const v1::Order& order, const v1::VolunteerSignIn& sign_in,
                     absl::Time until);

// Checks one hours entry of the order's record (`hours_field` and
// `reason_field` name its fields, e.g. "hours[2].hours"): `sign_in` is the
// volunteer's (nullopt: never signed in), `until` the completion time. Never
// more than the schedule's length plus the tolerance; with a sign-in, never
// more than the time on site plus the tolerance (kFailedPrecondition naming
// the hours field, the bound in the message). A reason is required
// (kInvalidArgument naming the reason field) without a sign-in, and when the
// hours differ from ProposedHours by more than half an hour, or when
// `always_reason` (corrections).
absl::Status CheckHours(const v1::Order& order, absl::string_view hours_field,
                        absl::string_view reason_field, double hours,
                        absl::string_view reason,
                        const std::optional<v1::VolunteerSignIn>& sign_in,
                        absl::Time until, const ServiceRecordPolicy& policy,
                        bool always_reason = false);

// Whether an hours entry counts (in totals and approvals): not superseded by a
// correction and not disputed.
bool IsCurrent(const v1::VolunteerHours& hours);

}  // namespace kepu
