#include "services/rpc/rpc_policy.h"

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace kepu {
namespace {

using v1::Role;

constexpr Role kResident = v1::ROLE_RESIDENT;
constexpr Role kWorker = v1::ROLE_COMMUNITY_WORKER;
constexpr Role kDepartment = v1::ROLE_DEPARTMENT_STAFF;
constexpr Role kLeader = v1::ROLE_TEAM_LEADER;
constexpr Role kVolunteer = v1::ROLE_VOLUNTEER;
constexpr Role kAdmin = v1::ROLE_ADMIN;

const RpcPolicy kPublic{true, {}};
const RpcPolicy kSignedIn{false, {}};

RpcPolicy Roles(std::vector<Role> roles) {
  return RpcPolicy{false, std::move(roles)};
}

// The columns beside who may call.
RpcPolicy HashesPassword(RpcPolicy policy) {
  policy.hashes_password = true;
  return policy;
}
RpcPolicy ChangesSessions(RpcPolicy policy) {
  policy.changes_sessions = true;
  return policy;
}

std::map<std::string, RpcPolicy, std::less<>> BuildTable() {
  const RpcPolicy admin = Roles({kAdmin});
  const RpcPolicy ordering = Roles({kResident, kWorker});
  const RpcPolicy worker = Roles({kWorker});
  const RpcPolicy department = Roles({kDepartment});
  const RpcPolicy leader = Roles({kLeader});
  std::map<std::string, RpcPolicy, std::less<>> table;
  auto add = [&table](absl::string_view service,
                      std::vector<absl::string_view> methods,
                      const RpcPolicy& policy) {
    for (absl::string_view method : methods) {
      table[absl::StrCat("kepu.v1.", service, "/", method)] = policy;
    }
  };

  add("IdentityService", {"Register", "Login"}, HashesPassword(kPublic));
  add("IdentityService", {"Authenticate"}, kPublic);
  add("IdentityService", {"WhoAmI"}, kSignedIn);
  add("IdentityService", {"Logout", "RevokeSessions"},
      ChangesSessions(kSignedIn));
  add("IdentityService", {"ChangePassword"},
      ChangesSessions(HashesPassword(kSignedIn)));
  add("IdentityService", {"CreateStaffAccount"}, HashesPassword(admin));
  add("IdentityService", {"GrantRole", "RevokeRole", "DeactivateUser"},
      ChangesSessions(admin));
  add("IdentityService", {"GetUser", "ListUsers"}, admin);

  add("DirectoryService",
      {"ListPrograms", "ListServiceLines", "GetServiceLine", "ListRegions",
       "GetRegion", "ListDepartments", "GetDepartment", "ListTeams", "GetTeam",
       "ListVolunteers", "GetVolunteer"},
      kSignedIn);
  add("DirectoryService",
      {"CreateServiceLine", "UpdateServiceLine", "DeactivateServiceLine",
       "CreateRegion", "UpdateRegion", "DeactivateRegion", "CreateDepartment",
       "UpdateDepartment", "DeactivateDepartment", "CreateTeam", "UpdateTeam",
       "DeactivateTeam", "CreateVolunteer", "UpdateVolunteer",
       "DeactivateVolunteer"},
      admin);

  add("OrderService",
      {"CreateOrder", "UpdateOrder", "ResubmitOrder", "CancelOrder",
       "RateOrder", "ReopenOrder"},
      ordering);
  add("OrderService", {"GetOrder", "GetOrderHistory", "WatchOrder"}, kSignedIn);
  add("OrderService", {"ListMyOrders", "WatchMyOrders"}, Roles({kResident}));

  add("DispatchService",
      {"ListQueue", "SuggestDepartments", "RequestInfo", "RejectOrder",
       "MarkDuplicate", "DispatchOrder", "ListFollowUps", "RecordFollowUp",
       "WatchQueue"},
      worker);

  add("ClaimService",
      {"ListPool", "ClaimOrder", "ReturnOrder", "ListEligibleTeams",
       "AssignTeam", "ReleaseToMatching", "WatchPool"},
      department);

  add("FulfilmentService",
      {"ListOffers", "AcceptOffer", "DeclineOffer", "ScheduleService",
       "CheckIn", "CompleteService", "WithdrawOrder", "DeclineHours",
       "CorrectHours", "ResolveDispute", "GetSignInCode"},
      leader);
  // A volunteer signs in and disputes their own hours; a team leader may be
  // a volunteer of the team too.
  add("FulfilmentService", {"SignInVolunteer", "DisputeHours"},
      Roles({kVolunteer, kLeader}));
  add("FulfilmentService", {"ListSignIns"},
      Roles({kLeader, kVolunteer, kWorker}));
  add("FulfilmentService", {"ListTasks", "WatchTeam"},
      Roles({kLeader, kVolunteer}));
  add("FulfilmentService", {"ListHours"}, Roles({kLeader, kVolunteer, kAdmin}));
  add("FulfilmentService", {"GetMyVolunteerSummary"},
      Roles({kVolunteer, kLeader}));

  add("MatchingService", {"ExplainOffer"},
      Roles({kDepartment, kLeader, kAdmin}));
  add("MatchingService",
      {"GetMatchingStatus", "ListDeadLetters", "RetryDeadLetter"}, admin);

  add("WatchdogService", {"GetSlaPolicy"}, kSignedIn);
  add("WatchdogService", {"ListEscalations"}, Roles({kAdmin, kWorker}));
  add("WatchdogService", {"AcknowledgeEscalation"}, admin);

  add("NotificationService",
      {"ListNotifications", "MarkRead", "GetUnreadCount", "WatchNotifications",
       "GetPreferences", "UpdatePreferences"},
      kSignedIn);

  add("ReportService",
      {"GetSummary", "ExportServiceRecords", "ListAuditEvents"}, admin);
  return table;
}

const std::map<std::string, RpcPolicy, std::less<>>& Table() {
  static const auto* const kTable =
      new std::map<std::string, RpcPolicy, std::less<>>(BuildTable());
  return *kTable;
}

}  // namespace

absl::string_view MethodName(absl::string_view method) {
  return method.substr(method.rfind('/') + 1);
}

const RpcPolicy* PolicyFor(absl::string_view method) {
  auto it = Table().find(method);
  return it == Table().end() ? nullptr : &it->second;
}

absl::Status CheckCallAllowed(absl::string_view method, const RpcPolicy& policy,
                              const v1::Principal& principal) {
  if (policy.is_public || policy.roles.empty()) return absl::OkStatus();
  for (const v1::RoleGrant& grant : principal.grants()) {
    for (v1::Role role : policy.roles) {
      if (grant.role() == role) return absl::OkStatus();
    }
  }
  std::vector<std::string> names;
  for (v1::Role role : policy.roles) names.push_back(v1::Role_Name(role));
  return absl::PermissionDeniedError(
      absl::StrCat(MethodName(method), " is for ", absl::StrJoin(names, ", ")));
}

std::vector<std::string> PolicyMethods() {
  std::vector<std::string> methods;
  for (const auto& [method, policy] : Table()) methods.push_back(method);
  return methods;
}

}  // namespace kepu
