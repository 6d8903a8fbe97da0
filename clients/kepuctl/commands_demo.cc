// demo load: fills a tenant with the demo data of deploy/seed/, idempotently
// (deterministic request ids; ALREADY_EXISTS counts as done), with a progress
// bar on stderr, then prints the demo accounts.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/demo.h"
#include "clients/kepuctl/output.h"
#include "google/protobuf/struct.pb.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace kepu::ctl {
namespace {

using Directory = v1::DirectoryService::Stub;
using Identity = v1::IdentityService::Stub;

struct Tally {
  int created = 0;
  int existing = 0;
};

// OK and ALREADY_EXISTS are both done; anything else stops the load, naming
// the record.
absl::Status Done(const absl::Status& status, Tally& tally,
                  absl::string_view what) {
  if (status.ok()) {
    ++tally.created;
    return absl::OkStatus();
  }
  if (status.code() == absl::StatusCode::kAlreadyExists) {
    ++tally.existing;
    return absl::OkStatus();
  }
  return absl::Status(status.code(),
                      absl::StrCat(what, ": ", status.message()));
}

std::string AccountWhat(const DemoAccount& account) {
  return absl::StrCat("account ", RoleName(account.role), " ",
                      absl::StrJoin(account.scopes, ";"), " ", account.phone);
}

// The id of an existing staff account (for a second run after its request
// key expired): found among the accounts of its role and first scope.
absl::StatusOr<std::string> FindAccount(Cli& cli, const DemoAccount& account) {
  v1::ListUsersRequest request;
  request.set_role(account.role);
  if (!account.scopes.empty()) request.set_scope_id(account.scopes[0]);
  request.mutable_page()->set_page_size(100);
  const std::string masked = MaskPhone(account.phone);
  for (int page = 0; page < 100; ++page) {
    ASSIGN_OR_RETURN(const v1::ListUsersResponse response,
                     cli.Call(cli.identity(), &Identity::ListUsers, request));
    for (const v1::User& user : response.users()) {
      if (user.phone() == account.phone || user.phone() == masked) {
        return user.id();
      }
    }
    if (response.next_page_token().empty()) break;
    request.mutable_page()->set_page_token(response.next_page_token());
  }
  return absl::NotFoundError(absl::StrCat(
      AccountWhat(account), ": exists, but is not listed under its role"));
}

template <typename Request, typename Record>
absl::Status Create(Cli& cli, Progress& progress, Tally& tally,
                    absl::string_view label, absl::string_view kind,
                    const Record& record,
                    grpc::Status (Directory::*method)(grpc::ClientContext*,
                                                      const Request&, Record*),
                    Record* (Request::*mutable_record)()) {
  Request request;
  *(request.*mutable_record)() = record;
  request.set_request_id(DemoRequestId(kind, record.id(), record));
  RETURN_IF_ERROR(Done(cli.Call(cli.directory(), method, request).status(),
                       tally, absl::StrCat(kind, " ", record.id())));
  progress.Advance(label);
  return absl::OkStatus();
}

// Creates an account; returns its user id (empty for a resident that already
// existed: nothing refers to residents).
absl::StatusOr<std::string> CreateAccount(Cli& cli, const DemoAccount& account,
                                          Tally& tally) {
  if (account.role == v1::ROLE_RESIDENT) {
    v1::RegisterRequest request;
    request.set_phone(account.phone);
    request.set_display_name(account.name);
    v1::RegisterRequest fingerprint = request;
    request.set_password(account.password);
    request.set_request_id(
        DemoRequestId("resident", account.phone, fingerprint));
    absl::StatusOr<v1::Session> session =
        cli.Call(cli.identity(), &Identity::Register, request);
    RETURN_IF_ERROR(Done(session.status(), tally, AccountWhat(account)));
    return session.ok() ? session->user().id() : "";
  }
  v1::CreateStaffAccountRequest request;
  request.set_phone(account.phone);
  request.set_display_name(account.name);
  for (const std::string& scope : account.scopes) {
    v1::RoleGrant* grant = request.add_grants();
    grant->set_role(account.role);
    grant->set_scope_id(scope);
  }
  // The password is left out of the request id's hash.
  request.set_request_id(DemoRequestId("account", account.phone, request));
  request.set_initial_password(account.password);
  absl::StatusOr<v1::User> user =
      cli.Call(cli.identity(), &Identity::CreateStaffAccount, request);
  RETURN_IF_ERROR(Done(user.status(), tally, AccountWhat(account)));
  if (user.ok()) return user->id();
  return FindAccount(cli, account);
}

// Sets a team's leader and members when they differ from what it has.
absl::Status LinkTeam(Cli& cli, const v1::Team& seed,
                      const std::string& leader_id,
                      const std::vector<std::string>& members, Tally& tally) {
  v1::GetTeamRequest get;
  get.set_id(seed.id());
  ASSIGN_OR_RETURN(v1::Team team,
                   cli.Call(cli.directory(), &Directory::GetTeam, get));
  std::set<std::string> have(team.member_volunteer_ids().begin(),
                             team.member_volunteer_ids().end());
  bool changed = team.leader_user_id() != leader_id ||
                 team.contact().name() != seed.contact().name() ||
                 team.contact().phone() != seed.contact().phone();
  for (const std::string& member : members) {
    if (have.insert(member).second) {
      team.add_member_volunteer_ids(member);
      changed = true;
    }
  }
  if (!changed) {
    ++tally.existing;
    return absl::OkStatus();
  }
  team.set_leader_user_id(leader_id);
  // The leader's phone as the seed has it (a read may show it masked).
  *team.mutable_contact() = seed.contact();
  v1::UpdateTeamRequest request;
  request.set_expected_version(team.version());
  team.clear_stats();
  *request.mutable_team() = team;
  request.set_request_id(DemoRequestId("team-link", team.id(), request));
  return Done(
      cli.Call(cli.directory(), &Directory::UpdateTeam, request).status(),
      tally, absl::StrCat("team ", team.id(), " (leader and members)"));
}

void PrintAccounts(Cli& cli, const DemoData& data, const Tally& tally,
                   absl::string_view admin_phone) {
  if (cli.json()) {
    google::protobuf::Struct root;
    auto& fields = *root.mutable_fields();
    fields["records"].set_number_value(tally.created + tally.existing);
    google::protobuf::ListValue* list = fields["accounts"].mutable_list_value();
    for (const DemoAccount& account : data.accounts) {
      auto& row = *list->add_values()->mutable_struct_value()->mutable_fields();
      row["role"].set_string_value(RoleName(account.role));
      row["scope"].set_string_value(absl::StrJoin(account.scopes, ";"));
      row["phone"].set_string_value(account.phone);
      row["password"].set_string_value(account.password);
      row["name"].set_string_value(account.name);
    }
    cli.PrintJson(root);
    return;
  }
  Table table({"ROLE", "SCOPE", "PHONE", "PASSWORD", "NAME", "NOTE"});
  table.AddRow(
      {"admin", "jining", std::string(admin_phone), "(yours)", "", ""});
  for (const DemoAccount& account : data.accounts) {
    table.AddRow({RoleName(account.role), absl::StrJoin(account.scopes, ";"),
                  account.phone, account.password, account.name, account.note});
  }
  cli.out() << table.Render();
}

absl::Status DemoLoad(Cli& cli, const Args& args) {
  ASSIGN_OR_RETURN(const std::string admin_phone, args.Require("admin-phone"));
  ASSIGN_OR_RETURN(const std::string admin_password,
                   args.Require("admin-password"));
  const std::string dir = args.GetOr("seed-dir", "deploy/seed");
  ASSIGN_OR_RETURN(const DemoData data, LoadDemoData(dir));
  if (std::vector<std::string> problems = CheckDemoData(data);
      !problems.empty()) {
    if (problems.size() > 5) {
      problems.resize(5);
      problems.push_back("...");
    }
    return absl::FailedPreconditionError(
        absl::StrCat(dir, " is inconsistent: ", absl::StrJoin(problems, "; ")));
  }

  // Sign in as the admin for this run only: the token is not stored.
  v1::LoginRequest login;
  login.set_phone(admin_phone);
  login.set_password(admin_password);
  // Sent without the profile's token (not saved: the profile keeps it).
  cli.profile().token.clear();
  ASSIGN_OR_RETURN(const v1::Session session,
                   cli.Call(cli.identity(), &Identity::Login, login));
  cli.set_token_override(session.token());

  const int64_t total =
      static_cast<int64_t>(data.regions.size() + data.departments.size() +
                           data.service_lines.size() + 2 * data.teams.size() +
                           data.accounts.size() + data.volunteers.size());
  Progress progress(cli.err(), cli.err_is_terminal(), total);
  Tally tally;
  absl::Status status = [&]() -> absl::Status {
    for (const v1::Region& region : data.regions) {
      RETURN_IF_ERROR(Create(cli, progress, tally, "regions", "region", region,
                             &Directory::CreateRegion,
                             &v1::CreateRegionRequest::mutable_region));
    }
    for (const v1::Department& department : data.departments) {
      RETURN_IF_ERROR(Create(cli, progress, tally, "departments", "department",
                             department, &Directory::CreateDepartment,
                             &v1::CreateDepartmentRequest::mutable_department));
    }
    for (const v1::ServiceLine& line : data.service_lines) {
      RETURN_IF_ERROR(
          Create(cli, progress, tally, "service lines", "line", line,
                 &Directory::CreateServiceLine,
                 &v1::CreateServiceLineRequest::mutable_service_line));
    }
    for (const v1::Team& team : data.teams) {
      RETURN_IF_ERROR(Create(cli, progress, tally, "teams", "team", team,
                             &Directory::CreateTeam,
                             &v1::CreateTeamRequest::mutable_team));
    }
    std::map<std::string, std::string> user_by_phone;
    for (const DemoAccount& account : data.accounts) {
      ASSIGN_OR_RETURN(user_by_phone[account.phone],
                       CreateAccount(cli, account, tally));
      progress.Advance("accounts");
    }
    std::set<std::string> volunteer_accounts;
    for (const DemoAccount& account : data.accounts) {
      if (account.role == v1::ROLE_VOLUNTEER) {
        volunteer_accounts.insert(account.phone);
      }
    }
    std::map<std::string, std::vector<std::string>> members;
    for (v1::Volunteer volunteer : data.volunteers) {
      if (volunteer_accounts.count(volunteer.phone()) > 0) {
        volunteer.set_user_id(user_by_phone[volunteer.phone()]);
      }
      for (const std::string& team : volunteer.team_ids()) {
        members[team].push_back(volunteer.id());
      }
      RETURN_IF_ERROR(Create(cli, progress, tally, "volunteers", "volunteer",
                             volunteer, &Directory::CreateVolunteer,
                             &v1::CreateVolunteerRequest::mutable_volunteer));
    }
    for (const v1::Team& team : data.teams) {
      RETURN_IF_ERROR(LinkTeam(
          cli, team, user_by_phone[data.team_leader_phones.at(team.id())],
          members[team.id()], tally));
      progress.Advance("team leaders");
    }
    return absl::OkStatus();
  }();
  progress.Finish();
  RETURN_IF_ERROR(status);
  // A replay of an earlier run answers OK like a fresh write, so the count
  // is of records in place, not of records written now.
  cli.err() << "demo data loaded: " << tally.created + tally.existing
            << " records in place\n";
  PrintAccounts(cli, data, tally, admin_phone);
  return absl::OkStatus();
}

}  // namespace

void AddDemoCommands(std::vector<Command>& commands) {
  commands.push_back(
      {"Demo",
       {"demo", "load"},
       "",
       0,
       0,
       "fill the tenant with Jining's demo data (safe to run again) and "
       "print the demo accounts",
       {{"admin-phone", FlagKind::kValue, "<mobile>",
         "an admin of the city (required)"},
        {"admin-password", FlagKind::kValue, "<password>",
         "its password (required)"},
        {"seed-dir", FlagKind::kValue, "<dir>",
         "the demo data files (default deploy/seed)"}},
       DemoLoad});
}

}  // namespace kepu::ctl
