// Deadlines and escalations (WatchdogService): sla, escalations list|ack.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu::ctl {
namespace {

using Stub = v1::WatchdogService::Stub;

std::string DurationText(const google::protobuf::Duration& d) {
  return absl::FormatDuration(absl::Seconds(d.seconds()) +
                              absl::Nanoseconds(d.nanos()));
}

std::string LevelText(int32_t level) {
  switch (level) {
    case 1:
      return "1 county";
    case 2:
      return "2 city";
    default:
      return absl::StrCat(level);
  }
}

absl::Status Sla(Cli& cli, const Args&) {
  ASSIGN_OR_RETURN(
      const v1::SlaPolicy policy,
      cli.Call(cli.watchdog(), &Stub::GetSlaPolicy, v1::GetSlaPolicyRequest()));
  if (cli.json()) {
    cli.PrintJson(policy);
    return absl::OkStatus();
  }
  Table stages({"STAGE", "ALLOWED"});
  for (const v1::StageDeadline& stage : policy.stages()) {
    stages.AddRow({StageName(stage.stage()), DurationText(stage.allowed())});
  }
  cli.out() << stages.Render() << "\n";
  Table rest({});
  rest.AddRow({"default offer ttl", DurationText(policy.default_offer_ttl())});
  rest.AddRow(
      {"max offer attempts", absl::StrCat(policy.max_offer_attempts())});
  rest.AddRow({"auto-close after", DurationText(policy.auto_close_after())});
  rest.AddRow({"reopen window", DurationText(policy.reopen_window())});
  cli.out() << rest.Render();
  return absl::OkStatus();
}

absl::Status ListEscalations(Cli& cli, const Args& args) {
  v1::ListEscalationsRequest request;
  request.set_region_id(args.GetOr("region", ""));
  request.set_include_acknowledged(args.GetBool("all"));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListEscalationsResponse response,
                   cli.Call(cli.watchdog(), &Stub::ListEscalations, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"ESCALATION", "ORDER", "STAGE", "LEVEL", "DUE", "ESCALATED",
               "COMMUNITY", "ACK", "V"});
  for (const v1::Escalation& escalation : response.escalations()) {
    table.AddRow(
        {escalation.id(), escalation.order_id(), StageName(escalation.stage()),
         LevelText(escalation.level()), TimeText(escalation.due_at()),
         TimeText(escalation.escalated_at()), escalation.community_id(),
         escalation.acknowledged()
             ? absl::StrCat("yes (",
                            escalation.acknowledged_by().display_name(), ")")
             : "",
         absl::StrCat(escalation.version())});
  }
  cli.out() << (table.rows() == 0 ? "no escalations\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status Acknowledge(Cli& cli, const Args& args) {
  v1::AcknowledgeEscalationRequest request;
  request.set_escalation_id(args.positional()[0]);
  ASSIGN_OR_RETURN(*request.mutable_note(), args.Require("note"));
  ASSIGN_OR_RETURN(const std::optional<int64_t> version,
                   args.GetInt("version", 1, INT64_MAX));
  if (!version.has_value()) {
    return UsageError(
        "--version is required (the V column of `kepuctl escalations list`)");
  }
  request.set_expected_version(*version);
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(
      const v1::Escalation escalation,
      cli.Call(cli.watchdog(), &Stub::AcknowledgeEscalation, request));
  if (cli.json()) {
    cli.PrintJson(escalation);
  } else {
    cli.out() << "escalation " << escalation.id() << "  acknowledged  version "
              << escalation.version() << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddWatchdogCommands(std::vector<Command>& commands) {
  const std::string group = "Deadlines and escalations (督办)";
  commands.push_back({group,
                      {"sla"},
                      "",
                      0,
                      0,
                      "the deadline of every waiting stage, offers, auto-close",
                      {},
                      Sla});
  commands.push_back(
      {group,
       {"escalations", "list"},
       "",
       0,
       0,
       "orders that missed a deadline, newest first (admins, workers)",
       Concat({{"region", FlagKind::kValue, "<region>",
                "a county or community within your scope"},
               {"all", FlagKind::kBool, "", "include acknowledged ones"}},
              PageFlags()),
       ListEscalations});
  commands.push_back(
      {group,
       {"escalations", "ack"},
       "<escalation>",
       1,
       1,
       "acknowledge an escalation with a note (admins)",
       {{"note", FlagKind::kValue, "<text>", "what was done (required)"},
        {"version", FlagKind::kValue, "<n>", "the version listed (required)"},
        RequestIdFlag()},
       Acknowledge});
}

}  // namespace kepu::ctl
