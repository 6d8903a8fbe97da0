// The team's side (FulfilmentService): offers, tasks, offer accept|decline,
// schedule, checkin, signin-code, signin, signins, complete, withdraw,
// hours list|decline|correct|dispute|resolve, me.
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

using Stub = v1::FulfilmentService::Stub;

absl::Status ListOffers(Cli& cli, const Args& args) {
  v1::ListOffersRequest request;
  request.set_team_id(args.GetOr("team", ""));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListOrdersResponse response,
                   cli.Call(cli.fulfilment(), &Stub::ListOffers, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"ORDER", "LINE", "COMMUNITY", "WHEN", "PEOPLE", "EXPIRES", "V"});
  table.SetMaxWidth(1, 28);
  for (const v1::Order& order : response.orders()) {
    table.AddRow({order.id(), order.draft().service_line_id(),
                  order.draft().community_id(),
                  order.draft().preferred_windows_size() > 0
                      ? FormatWindow(order.draft().preferred_windows(0))
                      : "",
                  absl::StrCat(order.draft().expected_attendees()),
                  FormatDue(order.offer().expires_at(), cli.Now()),
                  absl::StrCat(order.version())});
  }
  cli.out() << (table.rows() == 0 ? "no offers\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status ListTasks(Cli& cli, const Args& args) {
  v1::ListTasksRequest request;
  request.set_team_id(args.GetOr("team", ""));
  RETURN_IF_ERROR(AddStates(args, request.mutable_states()));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListOrdersResponse response,
                   cli.Call(cli.fulfilment(), &Stub::ListTasks, request));
  PrintOrderList(cli, response);
  return absl::OkStatus();
}

absl::Status Accept(Cli& cli, const Args& args) {
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::AcceptOffer,
                      v1::AcceptOfferRequest());
}

absl::Status Decline(Cli& cli, const Args& args) {
  v1::DeclineOfferRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::DeclineOffer,
                      request);
}

absl::Status Schedule(Cli& cli, const Args& args) {
  v1::ScheduleServiceRequest request;
  ASSIGN_OR_RETURN(const std::string window, args.Require("window"));
  ASSIGN_OR_RETURN(*request.mutable_schedule(),
                   ParseWindow(window, LocalZone()));
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::ScheduleService,
                      request);
}

absl::Status CheckIn(Cli& cli, const Args& args) {
  v1::CheckInRequest request;
  ASSIGN_OR_RETURN(const std::optional<v1::GeoPoint> location,
                   GeoPointFrom(args, "lat", "lng"));
  if (location.has_value()) *request.mutable_location() = *location;
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::CheckIn, request);
}

absl::Status Complete(Cli& cli, const Args& args) {
  v1::CompleteServiceRequest request;
  ASSIGN_OR_RETURN(const std::optional<int64_t> attendees,
                   args.GetInt("attendees", 0, 1000000));
  if (!attendees.has_value()) return UsageError("--attendees is required");
  request.set_actual_attendees(static_cast<int32_t>(*attendees));
  ASSIGN_OR_RETURN(*request.mutable_summary(), args.Require("summary"));
  for (const std::string& value : args.GetAll("hours")) {
    for (const std::string& item : SplitList(value)) {
      ASSIGN_OR_RETURN(*request.add_hours(), ParseHours(item));
    }
  }
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::CompleteService,
                      request);
}

absl::Status Withdraw(Cli& cli, const Args& args) {
  v1::WithdrawOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.fulfilment(), &Stub::WithdrawOrder,
                      request);
}

std::string HoursStatus(const v1::VolunteerHours& hours) {
  switch (hours.status()) {
    case v1::VolunteerHours::STATUS_PENDING:
      return "pending";
    case v1::VolunteerHours::STATUS_APPROVED:
      return "approved";
    case v1::VolunteerHours::STATUS_DECLINED:
      return "declined";
    case v1::VolunteerHours::STATUS_DISPUTED:
      return "disputed";
    default:
      return "";
  }
}

absl::Status ListHours(Cli& cli, const Args& args) {
  v1::ListHoursRequest request;
  request.set_volunteer_id(args.GetOr("volunteer", ""));
  request.set_team_id(args.GetOr("team", ""));
  request.set_order_id(args.GetOr("order", ""));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListHoursResponse response,
                   cli.Call(cli.fulfilment(), &Stub::ListHours, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"HOURS", "ORDER", "VOLUNTEER", "TEAM", "H", "STATUS", "RECORDED",
               "REASON"});
  table.SetMaxWidth(7, 30);
  for (const v1::VolunteerHours& hours : response.hours()) {
    std::string status = HoursStatus(hours);
    if (!hours.superseded_by_id().empty()) {
      status = absl::StrCat("superseded by ", hours.superseded_by_id());
    }
    table.AddRow({hours.id(), hours.order_id(), hours.volunteer_id(),
                  hours.team_id(), FormatNumber(hours.hours()), status,
                  TimeText(hours.recorded_at()),
                  hours.decline_reason().empty() ? hours.reason()
                                                 : hours.decline_reason()});
  }
  cli.out() << (table.rows() == 0 ? "no hours\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

// Sends a request that changes an hours entry (its id the command's argument,
// a reason required) and prints the entry answered.
template <typename Request>
absl::Status RunHoursChange(Cli& cli, const Args& args, Request request,
                            grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                         const Request&,
                                                         v1::VolunteerHours*)) {
  request.set_hours_id(args.positional()[0]);
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(const v1::VolunteerHours hours,
                   cli.Call(cli.fulfilment(), method, request));
  if (cli.json()) {
    cli.PrintJson(hours);
  } else {
    cli.out() << "hours " << hours.id() << "  " << FormatNumber(hours.hours())
              << "  " << HoursStatus(hours) << "\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<double> HoursFlag(const Args& args) {
  ASSIGN_OR_RETURN(const std::string text, args.Require("hours"));
  double hours = 0;
  if (!absl::SimpleAtod(text, &hours) || !std::isfinite(hours)) {
    return UsageError(absl::StrCat("--hours: '", text, "' is not a number"));
  }
  return hours;
}

absl::Status DeclineHours(Cli& cli, const Args& args) {
  return RunHoursChange(cli, args, v1::DeclineHoursRequest(),
                        &Stub::DeclineHours);
}

absl::Status CorrectHours(Cli& cli, const Args& args) {
  v1::CorrectHoursRequest request;
  ASSIGN_OR_RETURN(const double hours, HoursFlag(args));
  request.set_hours(hours);
  return RunHoursChange(cli, args, request, &Stub::CorrectHours);
}

absl::Status DisputeHours(Cli& cli, const Args& args) {
  return RunHoursChange(cli, args, v1::DisputeHoursRequest(),
                        &Stub::DisputeHours);
}

absl::Status ResolveDispute(Cli& cli, const Args& args) {
  v1::ResolveDisputeRequest request;
  if (args.GetBool("keep")) {
    request.set_resolution(v1::HoursDispute::RESOLUTION_KEEP);
  } else {
    ASSIGN_OR_RETURN(const double hours, HoursFlag(args));
    request.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
    request.set_hours(hours);
  }
  return RunHoursChange(cli, args, request, &Stub::ResolveDispute);
}

absl::Status SignInCode(Cli& cli, const Args& args) {
  v1::GetSignInCodeRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::SignInCode code,
                   cli.Call(cli.fulfilment(), &Stub::GetSignInCode, request));
  if (cli.json()) {
    cli.PrintJson(code);
  } else {
    cli.out() << code.token() << "\n"
              << "open " << code.path() << " on the phone; good until "
              << TimeText(code.expires_at()) << "\n";
  }
  return absl::OkStatus();
}

absl::Status SignIn(Cli& cli, const Args& args) {
  v1::SignInVolunteerRequest request;
  request.set_token(args.positional()[0]);
  request.set_direction(args.GetBool("out") ? v1::SIGN_IN_DIRECTION_OUT
                                            : v1::SIGN_IN_DIRECTION_IN);
  ASSIGN_OR_RETURN(const std::optional<v1::GeoPoint> location,
                   GeoPointFrom(args, "lat", "lng"));
  if (location.has_value()) *request.mutable_location() = *location;
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(const v1::VolunteerSignIn sign_in,
                   cli.Call(cli.fulfilment(), &Stub::SignInVolunteer, request));
  if (cli.json()) {
    cli.PrintJson(sign_in);
  } else if (sign_in.has_signed_out_at()) {
    cli.out() << sign_in.volunteer_id() << " signed out at "
              << TimeText(sign_in.signed_out_at()) << "\n";
  } else {
    cli.out() << sign_in.volunteer_id() << " signed in at "
              << TimeText(sign_in.signed_in_at()) << "\n";
  }
  return absl::OkStatus();
}

absl::Status ListSignIns(Cli& cli, const Args& args) {
  v1::ListSignInsRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::ListSignInsResponse response,
                   cli.Call(cli.fulfilment(), &Stub::ListSignIns, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"VOLUNTEER", "IN", "OUT", "PROPOSED H"});
  for (const v1::SignInEntry& entry : response.entries()) {
    const v1::VolunteerSignIn& sign_in = entry.sign_in();
    table.AddRow(
        {sign_in.volunteer_id(), TimeText(sign_in.signed_in_at()),
         sign_in.has_signed_out_at() ? TimeText(sign_in.signed_out_at()) : "",
         FormatNumber(entry.proposed_hours())});
  }
  cli.out() << (table.rows() == 0 ? "no sign-ins\n" : table.Render());
  return absl::OkStatus();
}

absl::Status Me(Cli& cli, const Args&) {
  ASSIGN_OR_RETURN(const v1::VolunteerSummary summary,
                   cli.Call(cli.fulfilment(), &Stub::GetMyVolunteerSummary,
                            v1::GetMyVolunteerSummaryRequest()));
  if (cli.json()) {
    cli.PrintJson(summary);
    return absl::OkStatus();
  }
  Table table({});
  table.AddRow({"volunteer", absl::StrCat(summary.volunteer().id(), "  ",
                                          summary.volunteer().name())});
  std::string teams;
  for (const std::string& team : summary.volunteer().team_ids()) {
    absl::StrAppend(&teams, teams.empty() ? "" : ", ", team);
  }
  table.AddRow({"teams", teams});
  table.AddRow(
      {"hours",
       absl::StrCat(FormatNumber(summary.approved_hours()), " approved, ",
                    FormatNumber(summary.pending_hours()), " pending")});
  table.AddRow(
      {"services", absl::StrCat(summary.completed_services(), " completed")});
  cli.out() << table.Render();
  if (summary.current_tasks_size() > 0) {
    cli.out() << "\ncurrent tasks:\n";
    v1::ListOrdersResponse tasks;
    *tasks.mutable_orders() = summary.current_tasks();
    tasks.set_total(summary.current_tasks_size());
    PrintOrderList(cli, tasks);
  }
  return absl::OkStatus();
}

}  // namespace

void AddFulfilmentCommands(std::vector<Command>& commands) {
  const std::string group = "Fulfilment (team leader, volunteer, 接单)";
  const FlagSpec team{"team", FlagKind::kValue, "<team>",
                      "needed when leading several teams"};
  commands.push_back({group,
                      {"offers"},
                      "",
                      0,
                      0,
                      "orders offered to the team, soonest-expiring first",
                      Concat({team}, PageFlags()),
                      ListOffers});
  commands.push_back(
      {group,
       {"tasks"},
       "",
       0,
       0,
       "the team's orders (default: accepted, in-service)",
       Concat({team,
               {"state", FlagKind::kRepeated, "<state>",
                "only these states (repeat, or comma-separated)"}},
              PageFlags()),
       ListTasks});
  commands.push_back({group,
                      {"offer", "accept"},
                      "<order>",
                      1,
                      1,
                      "accept an offer (exclusive; refused at capacity)",
                      {VersionFlag(), RequestIdFlag()},
                      Accept});
  commands.push_back({group,
                      {"offer", "decline"},
                      "<order>",
                      1,
                      1,
                      "decline an offer; the team is not offered it again",
                      {{"reason", FlagKind::kValue, "<text>", "why (required)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      Decline});
  commands.push_back({group,
                      {"schedule"},
                      "<order>",
                      1,
                      1,
                      "set when the team will deliver",
                      {{"window", FlagKind::kValue, "<start>/<end>",
                        "local time, e.g. 2026-12-01T09:00/11:00 (required)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      Schedule});
  commands.push_back({group,
                      {"checkin"},
                      "<order>",
                      1,
                      1,
                      "the team is on site (accepted -> in-service)",
                      {{"lat", FlagKind::kValue, "<deg>", "where (with --lng)"},
                       {"lng", FlagKind::kValue, "<deg>", "where (with --lat)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      CheckIn});
  commands.push_back({group,
                      {"signin-code"},
                      "<order>",
                      1,
                      1,
                      "the order's current sign-in code for the volunteers "
                      "(leaders; rotates every minute)",
                      {},
                      SignInCode});
  commands.push_back({group,
                      {"signin"},
                      "<code>",
                      1,
                      1,
                      "sign myself in (or --out) at an order with its code",
                      {{"out", FlagKind::kBool, "", "sign out"},
                       {"lat", FlagKind::kValue, "<deg>", "where (with --lng)"},
                       {"lng", FlagKind::kValue, "<deg>", "where (with --lat)"},
                       RequestIdFlag()},
                      SignIn});
  commands.push_back({group,
                      {"signins"},
                      "<order>",
                      1,
                      1,
                      "who signed in and out, with the hours it proposes",
                      {},
                      ListSignIns});
  commands.push_back(
      {group,
       {"complete"},
       "<order>",
       1,
       1,
       "done: attendance, a summary and hours per volunteer",
       {{"attendees", FlagKind::kValue, "<n>", "people who came (required)"},
        {"summary", FlagKind::kValue, "<text>", "what was done (required)"},
        {"hours", FlagKind::kRepeated, "<volunteer>:<hours>[:<reason>]",
         "hours of one volunteer, e.g. v-rc-01:2.5 (repeat); a reason for a "
         "volunteer who did not sign in, or hours off the signed time"},
        VersionFlag(),
        RequestIdFlag()},
       Complete});
  commands.push_back(
      {group,
       {"withdraw"},
       "<order>",
       1,
       1,
       "give an accepted order back; the team is not offered it again",
       {{"reason", FlagKind::kValue, "<text>", "why (required)"},
        VersionFlag(),
        RequestIdFlag()},
       Withdraw});
  commands.push_back(
      {group,
       {"hours", "list"},
       "",
       0,
       0,
       "volunteer hours of one volunteer, team or order",
       Concat({{"volunteer", FlagKind::kValue, "<volunteer>", "this one's"},
               {"team", FlagKind::kValue, "<team>", "this team's"},
               {"order", FlagKind::kValue, "<order>", "this order's"}},
              PageFlags()),
       ListHours});
  commands.push_back({group,
                      {"hours", "decline"},
                      "<hours>",
                      1,
                      1,
                      "decline a volunteer's hours (leaders; never deleted)",
                      {{"reason", FlagKind::kValue, "<text>", "why (required)"},
                       RequestIdFlag()},
                      DeclineHours});
  const FlagSpec reason{"reason", FlagKind::kValue, "<text>", "why (required)"};
  const FlagSpec hours{"hours", FlagKind::kValue, "<hours>",
                       "the corrected hours"};
  commands.push_back({group,
                      {"hours", "correct"},
                      "<hours>",
                      1,
                      1,
                      "correct an entry: a new entry supersedes it (leaders)",
                      {hours, reason, RequestIdFlag()},
                      CorrectHours});
  commands.push_back({group,
                      {"hours", "dispute"},
                      "<hours>",
                      1,
                      1,
                      "dispute my hours entry (volunteers)",
                      {reason, RequestIdFlag()},
                      DisputeHours});
  commands.push_back({group,
                      {"hours", "resolve"},
                      "<hours>",
                      1,
                      1,
                      "resolve a dispute: --keep, or correct with --hours "
                      "(leaders)",
                      {{"keep", FlagKind::kBool, "", "the entry stands"},
                       hours,
                       reason,
                       RequestIdFlag()},
                      ResolveDispute});
  commands.push_back({group,
                      {"me"},
                      "",
                      0,
                      0,
                      "my volunteer record: teams, tasks and hours",
                      {},
                      Me});
}

}  // namespace kepu::ctl
