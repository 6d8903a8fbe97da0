// The department's side (ClaimService): pool, claim, return, teams, assign,
// release.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu::ctl {
namespace {

using Stub = v1::ClaimService::Stub;

absl::Status ListPool(Cli& cli, const Args& args) {
  v1::ListPoolRequest request;
  request.set_department_id(args.GetOr("department", ""));
  RETURN_IF_ERROR(AddStates(args, request.mutable_states()));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListOrdersResponse response,
                   cli.Call(cli.claims(), &Stub::ListPool, request));
  PrintOrderList(cli, response);
  return absl::OkStatus();
}

absl::Status Claim(Cli& cli, const Args& args) {
  return RunOrderMove(cli, args, cli.claims(), &Stub::ClaimOrder,
                      v1::ClaimOrderRequest());
}

absl::Status Return(Cli& cli, const Args& args) {
  v1::ReturnOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.claims(), &Stub::ReturnOrder, request);
}

absl::Status EligibleTeams(Cli& cli, const Args& args) {
  v1::ListEligibleTeamsRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListEligibleTeamsResponse response,
                   cli.Call(cli.claims(), &Stub::ListEligibleTeams, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"TEAM", "NAME", "KM", "FREE", "RATING", "LINES"});
  table.SetMaxWidth(1, 30);
  table.SetMaxWidth(5, 40);
  for (const v1::EligibleTeam& eligible : response.teams()) {
    const v1::Team& team = eligible.team();
    table.AddRow(
        {team.id(), team.name(),
         eligible.distance_km() < 0 ? "-"
                                    : FormatNumber(eligible.distance_km()),
         absl::StrCat(eligible.free_capacity(), "/", team.capacity()),
         team.stats().ratings() == 0 ? "-"
                                     : FormatNumber(team.stats().mean_rating()),
         absl::StrJoin(team.service_line_ids(), ",")});
  }
  cli.out() << (table.rows() == 0 ? "no eligible teams\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status Assign(Cli& cli, const Args& args) {
  v1::AssignTeamRequest request;
  std::vector<std::string> teams;
  for (const std::string& value : args.GetAll("team")) {
    for (std::string& id : SplitList(value)) teams.push_back(id);
  }
  if (teams.empty()) return UsageError("--team is required");
  request.set_team_id(teams[0]);
  if (teams.size() > 1) {
    // An offer to several teams (the first to accept wins) where the API has
    // it.
    const google::protobuf::FieldDescriptor* others =
        request.GetDescriptor()->FindFieldByName("other_team_ids");
    if (others == nullptr) {
      return UsageError("this API assigns one --team only");
    }
    for (size_t i = 1; i < teams.size(); ++i) {
      request.GetReflection()->AddString(&request, others, teams[i]);
    }
  }
  if (std::optional<std::string> ttl = args.Get("ttl")) {
    ASSIGN_OR_RETURN(const absl::Duration duration, ParseDurationText(*ttl));
    *request.mutable_offer_ttl() = ToProto(duration);
  }
  return RunOrderMove(cli, args, cli.claims(), &Stub::AssignTeam, request);
}

absl::Status Release(Cli& cli, const Args& args) {
  return RunOrderMove(cli, args, cli.claims(), &Stub::ReleaseToMatching,
                      v1::ReleaseToMatchingRequest());
}

}  // namespace

void AddClaimCommands(std::vector<Command>& commands) {
  const std::string group = "Claims (department staff, 领单)";
  commands.push_back(
      {group,
       {"pool"},
       "",
       0,
       0,
       "orders dispatched to the department, oldest first (default: "
       "dispatched)",
       Concat({{"department", FlagKind::kValue, "<department>",
                "needed when working for several departments"},
               {"state", FlagKind::kRepeated, "<state>",
                "only these states (repeat, or comma-separated)"}},
              PageFlags()),
       ListPool});
  commands.push_back({group,
                      {"claim"},
                      "<order>",
                      1,
                      1,
                      "claim a dispatched order (exclusive)",
                      {VersionFlag(), RequestIdFlag()},
                      Claim});
  commands.push_back({group,
                      {"return"},
                      "<order>",
                      1,
                      1,
                      "send the order back to the community",
                      {{"reason", FlagKind::kValue, "<text>", "why (required)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      Return});
  commands.push_back(
      {group,
       {"teams"},
       "<order>",
       1,
       1,
       "teams that cover the line, serve the area and have room, nearest first",
       PageFlags(),
       EligibleTeams});
  commands.push_back({group,
                      {"assign"},
                      "<order>",
                      1,
                      1,
                      "offer a claimed order to a team directly",
                      {{"team", FlagKind::kRepeated, "<team>",
                        "the team; more than one: the first to accept wins"},
                       {"ttl", FlagKind::kValue, "<duration>",
                        "how long the offer stands, e.g. 2h (10m to 7d)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      Assign});
  commands.push_back({group,
                      {"release"},
                      "<order>",
                      1,
                      1,
                      "hand a claimed order to the matching engine",
                      {VersionFlag(), RequestIdFlag()},
                      Release});
}

}  // namespace kepu::ctl
