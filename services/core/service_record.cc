#include "services/core/service_record.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "services/core/field_checks.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

// Whole minutes, for messages ("90 minutes").
int64_t Minutes(absl::Duration d) { return absl::ToInt64Minutes(d); }

// "1 h 59 min", "45 min".
std::string DurationText(absl::Duration d) {
  const int64_t minutes = std::max<int64_t>(0, Minutes(d));
  if (minutes < 60) return absl::StrCat(minutes, " min");
  if (minutes % 60 == 0) return absl::StrCat(minutes / 60, " h");
  return absl::StrCat(minutes / 60, " h ", minutes % 60, " min");
}

// `d` in hours, rounded down to 0.5.
double HalfHoursIn(absl::Duration d) {
  if (d <= absl::ZeroDuration()) return 0;
  return std::floor(absl::ToDoubleHours(d) * 2) / 2;
}

std::string WindowText(const v1::TimeWindow& window) {
  return absl::StrCat(LocalTimeText(FromProto(window.start())), " to ",
                      LocalTimeText(FromProto(window.end())));
}

absl::Duration ScheduleLength(const v1::Order& order) {
  return FromProto(order.schedule().end()) -
         FromProto(order.schedule().start());
}

}  // namespace

std::string LocalTimeText(absl::Time t) {
  static const absl::TimeZone kChinaStandardTime =
      absl::FixedTimeZone(8 * 60 * 60);
  return absl::FormatTime("%Y-%m-%d %H:%M", t, kChinaStandardTime);
}

double DistanceMeters(const v1::GeoPoint& a, const v1::GeoPoint& b) {
  constexpr double kEarthRadiusM = 6371000.0;
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  const double dlat = (b.lat() - a.lat()) * kRadians;
  const double dlng = (b.lng() - a.lng()) * kRadians;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.lat() * kRadians) * std::cos(b.lat() * kRadians) *
                       std::sin(dlng / 2) * std::sin(dlng / 2);
  return 2 * kEarthRadiusM * std::asin(std::min(1.0, std::sqrt(h)));
}

absl::Status CheckScheduleInWindows(const v1::TimeWindow& schedule,
                                    const v1::OrderDraft& draft) {
  const absl::Time start = FromProto(schedule.start());
  const absl::Time end = FromProto(schedule.end());
  std::vector<std::string> windows;
  for (const v1::TimeWindow& window : draft.preferred_windows()) {
    if (FromProto(window.start()) <= start && end <= FromProto(window.end())) {
      return absl::OkStatus();
    }
    windows.push_back(WindowText(window));
  }
  if (windows.empty()) {
    return absl::FailedPreconditionError(
        "schedule: the order names no time the resident can attend");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "schedule: must lie inside one of the times the resident asked for: ",
      absl::StrJoin(windows, "; ")));
}

absl::Status CheckInWindow(const v1::Order& order, absl::Time now,
                           const ServiceRecordPolicy& policy,
                           absl::string_view what) {
  if (!order.has_schedule()) {
    return absl::FailedPreconditionError(
        "confirm the service time first (ScheduleService)");
  }
  const absl::Time start = FromProto(order.schedule().start());
  const absl::Time opens = start - policy.check_in_lead;
  const absl::Time closes = FromProto(order.schedule().end());
  if (now >= opens && now <= closes) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(
      what, " opens at ", LocalTimeText(opens), " (",
      Minutes(policy.check_in_lead),
      " minutes before the service) and closes at ", LocalTimeText(closes),
      now < opens ? ": too early" : ": too late"));
}

v1::CheckIn MakeCheckIn(const v1::Order& order, absl::Time now,
                        const std::optional<v1::GeoPoint>& location,
                        const ServiceRecordPolicy& policy) {
  v1::CheckIn check_in;
  *check_in.mutable_at() = ToProto(now);
  if (!location.has_value()) return check_in;
  *check_in.mutable_location() = *location;
  if (order.draft().has_location()) {
    const double distance = DistanceMeters(order.draft().location(), *location);
    check_in.set_distance_m(std::round(distance));
    check_in.set_off_site(distance > policy.check_in_radius_m);
  }
  return check_in;
}

absl::Duration TimeOnSite(const v1::VolunteerSignIn& sign_in,
                          absl::Time until) {
  if (!sign_in.has_signed_in_at()) return absl::ZeroDuration();
  const absl::Time end =
      sign_in.has_signed_out_at() ? FromProto(sign_in.signed_out_at()) : until;
  return std::max(absl::ZeroDuration(),
                  end - FromProto(sign_in.signed_in_at()));
}

double ProposedHours(const v1::Order& order, const v1::VolunteerSignIn& sign_in,
                     absl::Time until) {
  absl::Duration on_site = TimeOnSite(sign_in, until);
  if (order.has_schedule()) on_site = std::min(on_site, ScheduleLength(order));
  return HalfHoursIn(on_site);
}

absl::Status CheckHours(const v1::Order& order, absl::string_view hours_field,
                        absl::string_view reason_field, double hours,
                        absl::string_view reason,
                        const std::optional<v1::VolunteerSignIn>& sign_in,
                        absl::Time until, const ServiceRecordPolicy& policy,
                        bool always_reason) {
  const absl::Duration given = absl::Minutes(std::round(hours * 60));
  if (order.has_schedule()) {
    const absl::Duration bound = ScheduleLength(order) + policy.hours_tolerance;
    if (given > bound) {
      return absl::FailedPreconditionError(
          absl::StrCat(hours_field, ": at most ", HalfHoursIn(bound),
                       " hours: the service was scheduled for ",
                       DurationText(ScheduleLength(order)), ", plus ",
                       DurationText(policy.hours_tolerance), " tolerance"));
    }
  }
  const bool signed_in = sign_in.has_value() && sign_in->has_signed_in_at();
  if (signed_in) {
    const absl::Duration on_site = TimeOnSite(*sign_in, until);
    const absl::Duration bound = on_site + policy.hours_tolerance;
    if (given > bound) {
      return absl::FailedPreconditionError(absl::StrCat(
          hours_field, ": at most ", HalfHoursIn(bound), " hours: ",
          sign_in->volunteer_id(), " was on site ", DurationText(on_site),
          " (signed in at ", LocalTimeText(FromProto(sign_in->signed_in_at())),
          "), plus ", DurationText(policy.hours_tolerance), " tolerance"));
    }
  }
  if (!reason.empty()) return absl::OkStatus();
  if (always_reason) return FieldError(reason_field, "is required");
  if (!signed_in) {
    return FieldError(reason_field,
                      "is required for a volunteer who did not sign in");
  }
  const double proposed = ProposedHours(order, *sign_in, until);
  if (std::abs(hours - proposed) > 0.5) {
    return FieldError(
        reason_field,
        absl::StrCat("is required when the hours differ from the signed time (",
                     proposed, " hours) by more than half an hour"));
  }
  return absl::OkStatus();
}

bool IsCurrent(const v1::VolunteerHours& hours) {
  return hours.superseded_by_id().empty() &&
         hours.status() != v1::VolunteerHours::STATUS_DISPUTED;
}

}  // namespace kepu
