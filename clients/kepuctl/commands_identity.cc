// Accounts and sessions: register, login, logout, whoami, password change,
// sessions revoke, user create|grant|revoke|get|list|deactivate.
#include <termios.h>
#include <unistd.h>

#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

// Reads a secret from stdin: without echo after a prompt on a terminal, else
// one line (so scripts can pipe it in).
absl::StatusOr<std::string> ReadSecret(Cli& cli, absl::string_view prompt) {
  const bool terminal = isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (terminal) {
    cli.err() << prompt << std::flush;
    tcgetattr(STDIN_FILENO, &saved);
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  std::string line;
  const bool read = static_cast<bool>(std::getline(std::cin, line));
  if (terminal) {
    tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    cli.err() << "\n";
  }
  if (!read || line.empty()) {
    return UsageError(absl::StrCat(prompt, " no password given"));
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

absl::StatusOr<std::string> PasswordFlag(Cli& cli, const Args& args,
                                         absl::string_view flag,
                                         absl::string_view prompt) {
  if (std::optional<std::string> value = args.Get(flag); value.has_value()) {
    return *value;
  }
  return ReadSecret(cli, prompt);
}

std::string GrantsText(const v1::User& user) {
  std::vector<std::string> grants;
  for (const v1::RoleGrant& grant : user.grants()) {
    grants.push_back(GrantText(grant));
  }
  return absl::StrJoin(grants, ", ");
}

void PrintUser(Cli& cli, const v1::User& user) {
  if (cli.json()) {
    cli.PrintJson(user);
    return;
  }
  Table table({});
  table.AddRow({"user", user.id()});
  table.AddRow({"name", user.display_name()});
  table.AddRow({"phone", user.phone()});
  table.AddRow({"roles", GrantsText(user)});
  table.AddRow({"active", user.active() ? "yes" : "no"});
  table.AddRow({"version", absl::StrCat(user.version())});
  table.AddRow({"created", TimeText(user.created_at())});
  cli.out() << table.Render();
}

// Stores the session's token (and the tenant and server used) in the profile
// and prints who signed in; the token itself is never printed.
absl::Status KeepSession(Cli& cli, const Args& args, v1::Session session) {
  Profile& profile = cli.profile();
  profile.token = session.token();
  if (std::optional<std::string> tenant = args.Get("tenant")) {
    profile.tenant = *tenant;
  }
  if (cli.options().server_given) profile.server = cli.options().server;
  RETURN_IF_ERROR(cli.SaveConfig());
  session.clear_token();
  if (cli.json()) {
    cli.PrintJson(session);
    return absl::OkStatus();
  }
  cli.out() << "signed in as " << session.user().display_name() << " ("
            << session.user().phone()
            << ")  roles: " << GrantsText(session.user()) << "\n"
            << "profile '" << cli.options().profile << "' until "
            << TimeText(session.expires_at()) << "\n";
  return absl::OkStatus();
}

absl::Status Register(Cli& cli, const Args& args) {
  v1::RegisterRequest request;
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(*request.mutable_phone(), args.Require("phone"));
  ASSIGN_OR_RETURN(*request.mutable_password(),
                   PasswordFlag(cli, args, "password", "password:"));
  request.set_display_name(args.GetOr("name", ""));
  if (std::optional<std::string> tenant = args.Get("tenant")) {
    cli.profile().tenant = *tenant;
  }
  ASSIGN_OR_RETURN(
      v1::Session session,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::Register, request));
  return KeepSession(cli, args, std::move(session));
}

absl::Status Login(Cli& cli, const Args& args) {
  v1::LoginRequest request;
  ASSIGN_OR_RETURN(*request.mutable_phone(), args.Require("phone"));
  ASSIGN_OR_RETURN(*request.mutable_password(),
                   PasswordFlag(cli, args, "password", "password:"));
  if (std::optional<std::string> tenant = args.Get("tenant")) {
    cli.profile().tenant = *tenant;
  }
  // Signing in replaces the profile's session: do not send the old token.
  cli.profile().token.clear();
  ASSIGN_OR_RETURN(
      v1::Session session,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::Login, request));
  return KeepSession(cli, args, std::move(session));
}

absl::Status Logout(Cli& cli, const Args&) {
  Profile& profile = cli.profile();
  absl::Status status;
  if (!profile.token.empty()) {
    status = cli.Call(cli.identity(), &v1::IdentityService::Stub::Logout,
                      v1::LogoutRequest())
                 .status();
  }
  profile.token.clear();
  RETURN_IF_ERROR(cli.SaveConfig());
  // An unknown or expired session is as signed out as it gets.
  if (!status.ok() && status.code() != absl::StatusCode::kUnauthenticated) {
    return status;
  }
  if (!cli.json()) {
    cli.out() << "signed out of profile '" << cli.options().profile << "'\n";
  } else {
    cli.PrintJson(v1::LogoutResponse());
  }
  return absl::OkStatus();
}

absl::Status WhoAmI(Cli& cli, const Args&) {
  ASSIGN_OR_RETURN(const v1::User user,
                   cli.Call(cli.identity(), &v1::IdentityService::Stub::WhoAmI,
                            v1::WhoAmIRequest()));
  PrintUser(cli, user);
  return absl::OkStatus();
}

absl::Status ChangePassword(Cli& cli, const Args& args) {
  v1::ChangePasswordRequest request;
  ASSIGN_OR_RETURN(*request.mutable_current_password(),
                   PasswordFlag(cli, args, "current", "current password:"));
  ASSIGN_OR_RETURN(*request.mutable_new_password(),
                   PasswordFlag(cli, args, "new", "new password:"));
  ASSIGN_OR_RETURN(
      const v1::ChangePasswordResponse response,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::ChangePassword,
               request));
  if (cli.json()) {
    cli.PrintJson(response);
  } else {
    cli.out() << "password changed\n";
  }
  return absl::OkStatus();
}

absl::Status RevokeSessions(Cli& cli, const Args& args) {
  v1::RevokeSessionsRequest request;
  request.set_user_id(args.GetOr("user", ""));
  ASSIGN_OR_RETURN(
      const v1::RevokeSessionsResponse response,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::RevokeSessions,
               request));
  if (cli.json()) {
    cli.PrintJson(response);
  } else {
    cli.out() << response.revoked() << " sessions ended\n";
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<v1::RoleGrant>> GrantsFrom(const Args& args) {
  std::vector<v1::RoleGrant> grants;
  for (const std::string& text : args.GetAll("grant")) {
    ASSIGN_OR_RETURN(v1::RoleGrant grant, ParseGrant(text));
    grants.push_back(std::move(grant));
  }
  if (grants.empty()) return UsageError("--grant is required");
  return grants;
}

absl::Status CreateUser(Cli& cli, const Args& args) {
  v1::CreateStaffAccountRequest request;
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(*request.mutable_phone(), args.Require("phone"));
  ASSIGN_OR_RETURN(*request.mutable_display_name(), args.Require("name"));
  ASSIGN_OR_RETURN(*request.mutable_initial_password(),
                   PasswordFlag(cli, args, "password", "initial password:"));
  ASSIGN_OR_RETURN(const std::vector<v1::RoleGrant> grants, GrantsFrom(args));
  for (const v1::RoleGrant& grant : grants) *request.add_grants() = grant;
  ASSIGN_OR_RETURN(
      const v1::User user,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::CreateStaffAccount,
               request));
  PrintUser(cli, user);
  return absl::OkStatus();
}

absl::StatusOr<int64_t> UserVersion(Cli& cli, const Args& args,
                                    const std::string& user_id) {
  ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                   args.GetInt("version", 1, INT64_MAX));
  if (given.has_value()) return *given;
  v1::GetUserRequest request;
  request.set_user_id(user_id);
  ASSIGN_OR_RETURN(
      const v1::User user,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::GetUser, request));
  return user.version();
}

// grant and revoke: one role grant added to or taken from a user.
template <typename Request>
absl::Status ChangeGrant(Cli& cli, const Args& args,
                         grpc::Status (v1::IdentityService::Stub::*method)(
                             grpc::ClientContext*, const Request&, v1::User*)) {
  Request request;
  const std::string& user_id = args.positional()[0];
  request.set_user_id(user_id);
  ASSIGN_OR_RETURN(const std::string text, args.Require("grant"));
  ASSIGN_OR_RETURN(*request.mutable_grant(), ParseGrant(text));
  ASSIGN_OR_RETURN(const int64_t version, UserVersion(cli, args, user_id));
  request.set_expected_version(version);
  request.set_request_id(cli.RequestId(args));
  cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
  ASSIGN_OR_RETURN(const v1::User user,
                   cli.Call(cli.identity(), method, request));
  PrintUser(cli, user);
  return absl::OkStatus();
}

absl::Status GetUser(Cli& cli, const Args& args) {
  v1::GetUserRequest request;
  request.set_user_id(args.positional()[0]);
  ASSIGN_OR_RETURN(
      const v1::User user,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::GetUser, request));
  PrintUser(cli, user);
  return absl::OkStatus();
}

absl::Status ListUsers(Cli& cli, const Args& args) {
  v1::ListUsersRequest request;
  if (std::optional<std::string> role = args.Get("role")) {
    ASSIGN_OR_RETURN(const v1::Role parsed, ParseRole(*role));
    request.set_role(parsed);
  }
  request.set_scope_id(args.GetOr("scope", ""));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(
      const v1::ListUsersResponse response,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::ListUsers, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"USER", "NAME", "PHONE", "ROLES", "ACTIVE"});
  for (const v1::User& user : response.users()) {
    table.AddRow({user.id(), user.display_name(), user.phone(),
                  GrantsText(user), user.active() ? "yes" : "no"});
  }
  cli.out() << (table.rows() == 0 ? "no users\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status DeactivateUser(Cli& cli, const Args& args) {
  v1::DeactivateUserRequest request;
  const std::string& user_id = args.positional()[0];
  request.set_user_id(user_id);
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  ASSIGN_OR_RETURN(const int64_t version, UserVersion(cli, args, user_id));
  request.set_expected_version(version);
  request.set_request_id(cli.RequestId(args));
  cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
  ASSIGN_OR_RETURN(
      const v1::User user,
      cli.Call(cli.identity(), &v1::IdentityService::Stub::DeactivateUser,
               request));
  PrintUser(cli, user);
  return absl::OkStatus();
}

}  // namespace

void AddIdentityCommands(std::vector<Command>& commands) {
  const std::string group = "Account";
  const FlagSpec phone{"phone", FlagKind::kValue, "<mobile>",
                       "mainland mobile number"};
  const FlagSpec password{"password", FlagKind::kValue, "<password>",
                          "read from stdin (without echo) when not given"};
  const FlagSpec tenant{"tenant", FlagKind::kValue, "<tenant>",
                        "the city, stored in the profile (default jining)"};
  commands.push_back(
      {group,
       {"register"},
       "",
       0,
       0,
       "create a resident account and sign in (the profile keeps the token)",
       {phone,
        password,
        {"name", FlagKind::kValue, "<name>", "display name"},
        tenant,
        RequestIdFlag()},
       Register});
  commands.push_back({group,
                      {"login"},
                      "",
                      0,
                      0,
                      "sign in; the profile keeps the token (file mode 0600)",
                      {phone, password, tenant},
                      Login});
  commands.push_back({group,
                      {"logout"},
                      "",
                      0,
                      0,
                      "end the session and forget the profile's token",
                      {},
                      Logout});
  commands.push_back({group,
                      {"whoami"},
                      "",
                      0,
                      0,
                      "the signed-in account and its roles",
                      {},
                      WhoAmI});
  commands.push_back(
      {group,
       {"password", "change"},
       "",
       0,
       0,
       "change the own password",
       {{"current", FlagKind::kValue, "<password>",
         "read from stdin if absent"},
        {"new", FlagKind::kValue, "<password>",
         "8+ characters with a letter and a digit; stdin if absent"}},
       ChangePassword});
  commands.push_back(
      {group,
       {"sessions", "revoke"},
       "",
       0,
       0,
       "end every session of an account (admins: anyone's)",
       {{"user", FlagKind::kValue, "<user>", "default: the own account"}},
       RevokeSessions});

  const std::string admin = "Accounts (admin)";
  const FlagSpec grant{"grant", FlagKind::kRepeated, "<role>[:<scope>]",
                       "e.g. worker:<community>, department:<dept>, "
                       "leader:<team>, volunteer:<team>, admin:<region>"};
  commands.push_back({admin,
                      {"user", "create"},
                      "",
                      0,
                      0,
                      "create a staff account with one or more role grants",
                      {phone,
                       {"name", FlagKind::kValue, "<name>", "display name"},
                       {"password", FlagKind::kValue, "<password>",
                        "the first password; stdin if absent"},
                       grant,
                       RequestIdFlag()},
                      CreateUser});
  commands.push_back(
      {admin,
       {"user", "grant"},
       "<user>",
       1,
       1,
       "add a role grant",
       {{"grant", FlagKind::kValue, "<role>[:<scope>]", "the grant to add"},
        VersionFlag(),
        RequestIdFlag()},
       [](Cli& cli, const Args& args) {
         return ChangeGrant<v1::GrantRoleRequest>(
             cli, args, &v1::IdentityService::Stub::GrantRole);
       }});
  commands.push_back(
      {admin,
       {"user", "revoke"},
       "<user>",
       1,
       1,
       "take a role grant away",
       {{"grant", FlagKind::kValue, "<role>[:<scope>]", "the grant to remove"},
        VersionFlag(),
        RequestIdFlag()},
       [](Cli& cli, const Args& args) {
         return ChangeGrant<v1::RevokeRoleRequest>(
             cli, args, &v1::IdentityService::Stub::RevokeRole);
       }});
  commands.push_back(
      {admin, {"user", "get"}, "<user>", 1, 1, "one account", {}, GetUser});
  commands.push_back(
      {admin,
       {"user", "list"},
       "",
       0,
       0,
       "accounts, optionally by role/scope",
       Concat(
           {{"role", FlagKind::kValue, "<role>", "only this role"},
            {"scope", FlagKind::kValue, "<id>", "only grants on this scope"}},
           PageFlags()),
       ListUsers});
  commands.push_back({admin,
                      {"user", "deactivate"},
                      "<user>",
                      1,
                      1,
                      "deactivate an account (never deleted)",
                      {{"reason", FlagKind::kValue, "<text>", "why (required)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      DeactivateUser});
}

}  // namespace kepu::ctl
