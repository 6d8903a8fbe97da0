// The authorization matrix: every RPC of kepu.v1 called by every kind of
// caller — no token, an unknown token, a revoked token, and an account of every
// role, each next to an account of the same role over another scope — against
// a real kepud and Redis. Every call must answer exactly what the rules say:
//
//   no, unknown or revoked token          UNAUTHENTICATED (public RPCs aside)
//   a role that may not call the RPC      PERMISSION_DENIED
//   another scope's object                NOT_FOUND (existence not revealed)
//
// The expectations below are written by hand from those rules and the comments
// of proto/kepu/v1 (the lifecycle in order.proto says who makes which move),
// not from the server's own table (services/rpc/rpc_policy.cc), which this test
// neither reads nor links. Where a row departs from the short list of
// who does what, its comment says why. Every method of the API's descriptors
// must have a row here, and every row must name a method of the API, so no RPC
// goes untested.
//
// Allowed calls are made harmless and still tell themselves apart from
// refusals: moves carry a stale expected_version (an allowed caller gets
// ABORTED, nothing changes), creates name an id or phone number that is taken
// (ALREADY_EXISTS), orders name a service line that does not exist
// (FAILED_PRECONDITION); reads answer OK, and a watch that is admitted replays
// the events it may see from the start of the stream (the first event arriving
// is the proof). Around every call the test reads how many writes Redis has
// applied: a call marked as writing must have written, every other call must
// not have written at all, and a row of calls none of which may write must
// leave Redis's DEBUG DIGEST as it was. The calls that write are few and
// named: sign-ins, sign-outs, failed password checks (they count toward the
// sign-in limits), token checks (Authenticate, limited like sign-ins), admins
// ending sessions (audit entries), and the directory writes that show a
// county admin's reach (made on spare records).
//
// NotificationService's watch streams only what arrives from now on, so it has
// nothing to replay: an admitted one is told by its open initial metadata
// ("x-kepu-watch: open") instead of a first message.
//
// ReportService is a later issue: kepud serves it with the generated base
// class, which answers UNIMPLEMENTED to every caller, before any token is
// looked at — anonymous callers included.
//
// WatchdogService's escalations are made by the watchdog's own move (the
// system principal's ESCALATE, via WatchdogCommand on a clock two days ahead)
// on two fresh orders, one in each county, before the matrix runs.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "kepu/v1/claims.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/matching.pb.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/orders.pb.h"
#include "kepu/v1/report.pb.h"
#include "kepu/v1/watchdog.pb.h"
#include "services/core/redis/redis_order_store.h"
#include "services/core/time_util.h"
#include "services/directory/redis_directory.h"
#include "services/watchdog/watchdog.h"
#include "tests/e2e/world.h"
#include "tests/support/jining_directory.h"

namespace kepu::testing {
namespace {

using ::google::protobuf::Descriptor;
using ::google::protobuf::Message;
using ::google::protobuf::MethodDescriptor;

// ---------------------------------------------------------------------------
// Who calls: the columns of the matrix.

constexpr char kNoToken[] = "no-token";
// Well-formed ("<tenant>.<43 characters>") but never issued.
constexpr char kUnknownToken[] = "unknown-token";
// Issued by Login, then ended by Logout.
constexpr char kRevokedToken[] = "revoked-token";

const std::vector<std::string>& Columns() {
  static const auto* const kColumns = new std::vector<std::string>{
      kNoToken,       kUnknownToken, kRevokedToken,  "resident",
      "resident2",    "worker",      "worker-other", "clerk",
      "clerk2",       "clerk-other", "leader",       "leader2",
      "leader-other", "volunteer",   "admin",        "county-admin"};
  return *kColumns;
}

bool IsSignedIn(const std::string& column) {
  return column != kNoToken && column != kUnknownToken &&
         column != kRevokedToken;
}

// ---------------------------------------------------------------------------
// What a call answers.

// A server stream that delivered an event: the watch was admitted and runs.
constexpr int kStreams = -1;
// A server stream that was admitted and opened (its initial metadata says
// "x-kepu-watch: open") and has nothing to send yet: a watch of what is new
// from now on, with nothing to replay (WatchNotifications).
constexpr int kOpens = -2;

struct Expect {
  // A grpc::StatusCode, kStreams or kOpens.
  int code;
  // Whether the call writes to Redis.
  bool writes = false;
};

constexpr Expect kOk{grpc::StatusCode::OK};
constexpr Expect kStream{kStreams};
constexpr Expect kOpen{kOpens};
constexpr Expect kAborted{grpc::StatusCode::ABORTED};
constexpr Expect kNotFound{grpc::StatusCode::NOT_FOUND};
constexpr Expect kDenied{grpc::StatusCode::PERMISSION_DENIED};
constexpr Expect kExists{grpc::StatusCode::ALREADY_EXISTS};
constexpr Expect kRefused{grpc::StatusCode::FAILED_PRECONDITION};
constexpr Expect kInvalid{grpc::StatusCode::INVALID_ARGUMENT};
constexpr Expect kUnauthenticated{grpc::StatusCode::UNAUTHENTICATED};
constexpr Expect kUnimplemented{grpc::StatusCode::UNIMPLEMENTED};

constexpr Expect Writing(Expect expect) {
  expect.writes = true;
  return expect;
}

using Cells = std::vector<std::pair<std::string, Expect>>;
using Expectations = std::map<std::string, Expect>;

// Every caller alike: public RPCs, and services not built yet.
Expectations Everyone(Expect expect) {
  Expectations row;
  for (const std::string& column : Columns()) row[column] = expect;
  return row;
}

// Callers without a valid token: UNAUTHENTICATED. Signed-in callers: `rest`,
// except those named in `cells`.
Expectations SignedInOr(Expect rest, const Cells& cells) {
  Expectations row;
  for (const std::string& column : Columns()) {
    row[column] = IsSignedIn(column) ? rest : kUnauthenticated;
  }
  for (const auto& [column, expect] : cells) row[column] = expect;
  return row;
}

// Only the callers of `cells` hold a role that may call the RPC: every other
// signed-in caller PERMISSION_DENIED.
Expectations Only(const Cells& cells) { return SignedInOr(kDenied, cells); }

// ---------------------------------------------------------------------------
// The objects the calls name, made by the fixture.

struct Fixture {
  // The resident's order in rencheng-guhuai-zhuyuan: dispatched to kexie and
  // minzheng, claimed by kexie, offered to team-a and team-b, ACCEPTED by
  // team-a. The resident, the community's worker, kexie, team-a and the
  // admins of the city and of rencheng see it; minzheng and team-b, which it
  // was dispatched and offered to before others took it, still read it
  // (claims.proto, fulfilment.proto) but make no move on it.
  std::string order;
  // resident2's order in yanzhou-gulou-xinglong, dispatched to jiaoyu by
  // worker-other, claimed by jiaoyu, OFFERED to team-d.
  std::string other_order;
  // The resident's order done by team-a: vol-a1's hours on it declined by the
  // leader and then disputed by the volunteer, rated 2/5 (so the community
  // owes a follow-up visit).
  std::string done_order;
  std::string hours_id;
  std::string follow_up_id;
  // Escalations (level 1, version 1) of two SUBMITTED orders: the resident's
  // in rencheng-guhuai-zhuyuan, resident2's in yanzhou-gulou-xinglong.
  std::string escalation;
  std::string other_escalation;
  // Staff accounts nobody signs in to: a worker in rencheng, one in yanzhou,
  // one in both.
  std::string victim;
  std::string victim_phone;
  std::string victim_yanzhou;
  std::string victim_yanzhou_phone;
  std::string victim_both;
  // The tokens each column calls with; `second_tokens` are those of the
  // sessions the Login row opens (the Logout row ends them).
  std::map<std::string, std::string> tokens;
  std::map<std::string, std::string> second_tokens;
};

// What a request builder knows about the call it builds.
struct Ctx {
  World* world;
  Fixture* fixture;
  std::string column;
  // Fresh for every call.
  std::string request_id;
};

// A version no record reaches in this test: a move with it is ABORTED once the
// caller is admitted and the record is in its scope.
constexpr int64_t kStale = 999;

// A request type and how to build one for a call.
struct RequestMaker {
  const Descriptor* type;
  std::function<std::unique_ptr<Message>(const Ctx&)> make;
};

template <typename Request, typename Fill>
RequestMaker Make(Fill fill) {
  return {Request::descriptor(), [fill](const Ctx& ctx) {
            auto request = std::make_unique<Request>();
            fill(*request, ctx);
            return std::unique_ptr<Message>(std::move(request));
          }};
}

// A move of the fixture's order `Fixture::*order` at the stale version.
template <typename Request, typename Fill>
RequestMaker StaleMove(std::string Fixture::*order, Fill fill) {
  return Make<Request>([order, fill](Request& request, const Ctx& ctx) {
    request.set_request_id(ctx.request_id);
    request.set_order_id(ctx.fixture->*order);
    request.set_expected_version(kStale);
    fill(request);
  });
}

// When a row runs: most rows in any order; those that change tokens or the
// sign-in counters last, in this order.
enum class Stage {
  kAny,
  // Login (opens the second sessions), failed password checks.
  kSignIns,
  // Logout, with the second sessions' tokens.
  kSecondTokens,
  // RevokeSessions of the caller's own account: ends the main tokens.
  kLast,
};

using OnOk = std::function<void(const Ctx&, const std::string& response)>;

struct Case {
  Case(std::string name, std::string what, RequestMaker make,
       Expectations expected, Stage when = Stage::kAny, OnOk ok = nullptr)
      : method(std::move(name)),
        variant(std::move(what)),
        request(std::move(make)),
        expect(std::move(expected)),
        stage(when),
        on_ok(std::move(ok)) {}

  std::string method;  // "kepu.v1.OrderService/GetOrder"
  std::string variant;
  RequestMaker request;
  Expectations expect;
  Stage stage;
  // Called with the response of every call that answered OK.
  OnOk on_ok;
};

std::string NameOf(const Case& row) {
  return row.variant.empty() ? row.method
                             : absl::StrCat(row.method, " [", row.variant, "]");
}

// ---------------------------------------------------------------------------
// Helpers of the builders.

const DirectoryData& Jining() {
  static const auto* const kData = new DirectoryData(SmallJining());
  return *kData;
}

template <typename Record>
Record Find(const std::vector<Record>& records, const std::string& id) {
  for (const Record& record : records) {
    if (record.id() == id) return record;
  }
  ADD_FAILURE() << "no " << id << " in the small Jining";
  return Record();
}

// The spare record of `base` an admin column writes: "-a" for the city admin,
// "-c" for everyone else (only the county admin gets past the role check).
std::string Spare(const Ctx& ctx, const std::string& base) {
  return absl::StrCat(base, ctx.column == "admin" ? "-a" : "-c");
}

v1::RoleGrant Grant(v1::Role role, const std::string& scope) {
  v1::RoleGrant grant;
  grant.set_role(role);
  grant.set_scope_id(scope);
  return grant;
}

// The directory record `id` as stored, read by the city admin.
template <typename Record>
Record AsAdmin(const Ctx& ctx, const std::string& id) {
  auto stub = ctx.world->directory();
  auto context = ctx.world->As("admin");
  Record record;
  grpc::Status status;
  if constexpr (std::is_same_v<Record, v1::Region>) {
    v1::GetRegionRequest get;
    get.set_id(id);
    status = stub->GetRegion(context.get(), get, &record);
  } else if constexpr (std::is_same_v<Record, v1::Team>) {
    v1::GetTeamRequest get;
    get.set_id(id);
    status = stub->GetTeam(context.get(), get, &record);
  } else {
    v1::GetVolunteerRequest get;
    get.set_id(id);
    status = stub->GetVolunteer(context.get(), get, &record);
  }
  EXPECT_TRUE(status.ok()) << "reading " << id << ": " << Describe(status);
  return record;
}

v1::Region NewRegion(const std::string& id, const std::string& parent) {
  v1::Region region;
  region.set_id(id);
  region.set_level(v1::REGION_LEVEL_COMMUNITY);
  region.set_parent_id(parent);
  region.set_name(id);
  return region;
}

v1::Team NewTeam(const std::string& id, const std::string& area) {
  v1::Team team;
  team.set_id(id);
  team.set_name(id);
  team.add_service_line_ids("elderly-health");
  team.add_service_area_region_ids(area);
  team.set_capacity(1);
  return team;
}

v1::Volunteer NewVolunteer(const std::string& id, const std::string& team) {
  v1::Volunteer volunteer;
  volunteer.set_id(id);
  volunteer.set_name(id);
  volunteer.add_team_ids(team);
  return volunteer;
}

// The directory rows of one county-scoped kind: a stale write (any admin is
// admitted), then writes at the current version of spare records in rencheng
// (the county admin's) and in yanzhou (not its): the county admin's reach.
template <typename Record, typename CreateRequest, typename UpdateRequest>
void AddCountyScopedWrites(
    std::vector<Case>& rows, const std::string& kind, const Record& existing,
    std::function<Record(const std::string& id, bool in_rencheng)> make_new,
    const std::string& spare_rencheng, const std::string& spare_yanzhou,
    Record* (CreateRequest::*create_field)(),
    Record* (UpdateRequest::*update_field)()) {
  const std::string service = "kepu.v1.DirectoryService/";
  rows.push_back(
      {service + "Create" + kind, "an id that is taken",
       Make<CreateRequest>(
           [existing, create_field](CreateRequest& request, const Ctx& ctx) {
             request.set_request_id(ctx.request_id);
             *(request.*create_field)() = existing;
           }),
       Only({{"admin", kExists}, {"county-admin", kExists}})});
  rows.push_back(
      {service + "Update" + kind, "stale version",
       Make<UpdateRequest>(
           [existing, update_field](UpdateRequest& request, const Ctx& ctx) {
             request.set_request_id(ctx.request_id);
             *(request.*update_field)() = existing;
             request.set_expected_version(kStale);
           }),
       Only({{"admin", kAborted}, {"county-admin", kAborted}})});
  rows.push_back(
      {service + "Deactivate" + kind, "stale version",
       Make<v1::DeactivateRequest>(
           [existing](v1::DeactivateRequest& request, const Ctx& ctx) {
             request.set_request_id(ctx.request_id);
             request.set_id(existing.id());
             request.set_expected_version(kStale);
             request.set_reason("授权矩阵测试");
           }),
       Only({{"admin", kAborted}, {"county-admin", kAborted}})});
  for (const bool rencheng : {true, false}) {
    const std::string where = rencheng ? "in rencheng" : "in yanzhou";
    // In rencheng both admins write; in yanzhou the county admin of rencheng
    // is refused. A directory record is public (every signed-in account reads
    // it), so refusing it hides nothing: PERMISSION_DENIED, as the directory
    // documents, not NOT_FOUND.
    const Expectations expect =
        Only({{"admin", Writing(kOk)},
              {"county-admin", rencheng ? Writing(kOk) : kDenied}});
    const std::string spare = rencheng ? spare_rencheng : spare_yanzhou;
    rows.push_back(
        {service + "Create" + kind, absl::StrCat("new, ", where),
         Make<CreateRequest>([make_new, create_field, rencheng, spare](
                                 CreateRequest& request, const Ctx& ctx) {
           request.set_request_id(ctx.request_id);
           *(request.*create_field)() =
               make_new(absl::StrCat(spare, "-new-", ctx.column), rencheng);
         }),
         expect});
    rows.push_back(
        {service + "Update" + kind, absl::StrCat("current version, ", where),
         Make<UpdateRequest>(
             [update_field, spare](UpdateRequest& request, const Ctx& ctx) {
               const Record stored = AsAdmin<Record>(ctx, Spare(ctx, spare));
               request.set_request_id(ctx.request_id);
               *(request.*update_field)() = stored;
               request.set_expected_version(stored.version());
             }),
         expect});
    rows.push_back(
        {service + "Deactivate" + kind,
         absl::StrCat("current version, ", where),
         Make<v1::DeactivateRequest>(
             [spare](v1::DeactivateRequest& request, const Ctx& ctx) {
               const Record stored = AsAdmin<Record>(ctx, Spare(ctx, spare));
               request.set_request_id(ctx.request_id);
               request.set_id(stored.id());
               request.set_expected_version(stored.version());
               request.set_reason("授权矩阵测试");
             }),
         expect});
  }
}

// ---------------------------------------------------------------------------
// The matrix, by service.

void AddIdentity(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.IdentityService/";
  rows.push_back(
      {s + "Register", "a number that has an account",
       Make<v1::RegisterRequest>([](v1::RegisterRequest& r, const Ctx& ctx) {
         r.set_request_id(ctx.request_id);
         r.set_phone(ctx.world->account("resident").phone);
         r.set_password("another2026pass");
         r.set_display_name("重复注册");
       }),
       Everyone(kExists)});
  // Public: every caller signs in (as itself; callers without an account as
  // the resident). Each opens a session: a write.
  rows.push_back(
      {s + "Login", "right password",
       Make<v1::LoginRequest>([](v1::LoginRequest& r, const Ctx& ctx) {
         r.set_phone(
             ctx.world
                 ->account(IsSignedIn(ctx.column) ? ctx.column : "resident")
                 .phone);
         r.set_password(World::kPassword);
       }),
       Everyone(Writing(kOk)), Stage::kSignIns,
       [](const Ctx& ctx, const std::string& response) {
         v1::Session session;
         ASSERT_TRUE(session.ParseFromString(response));
         if (IsSignedIn(ctx.column)) {
           ctx.fixture->second_tokens[ctx.column] = session.token();
         }
       }});
  rows.push_back(
      {s + "Logout", "the session Login opened",
       Make<v1::LogoutRequest>([](v1::LogoutRequest&, const Ctx&) {}),
       SignedInOr(Writing(kOk), {}), Stage::kSecondTokens});
  rows.push_back({s + "RevokeSessions", "the caller's own",
                  Make<v1::RevokeSessionsRequest>(
                      [](v1::RevokeSessionsRequest& r, const Ctx& ctx) {
                        r.set_user_id(ctx.world
                                          ->account(IsSignedIn(ctx.column)
                                                        ? ctx.column
                                                        : "resident")
                                          .user_id);
                      }),
                  SignedInOr(Writing(kOk), {}), Stage::kLast});
  rows.push_back(
      {s + "RevokeSessions", "a worker's in rencheng",
       Make<v1::RevokeSessionsRequest>(
           [](v1::RevokeSessionsRequest& r, const Ctx& ctx) {
             r.set_user_id(ctx.fixture->victim);
           }),
       // An admin's revocation is audited even when no session was open.
       Only({{"admin", Writing(kOk)}, {"county-admin", Writing(kOk)}})});
  rows.push_back(
      {s + "RevokeSessions", "a worker's in yanzhou",
       Make<v1::RevokeSessionsRequest>(
           [](v1::RevokeSessionsRequest& r, const Ctx& ctx) {
             r.set_user_id(ctx.fixture->victim_yanzhou);
           }),
       Only({{"admin", Writing(kOk)}, {"county-admin", kNotFound}})});
  // A wrong current password is refused once the caller is admitted, and
  // counts as a failed sign-in: a write.
  rows.push_back({s + "ChangePassword", "wrong current password",
                  Make<v1::ChangePasswordRequest>(
                      [](v1::ChangePasswordRequest& r, const Ctx&) {
                        r.set_current_password("not-the-password-1");
                        r.set_new_password("kepu2027matrix");
                      }),
                  SignedInOr(Writing(kInvalid), {}), Stage::kSignIns});
  rows.push_back(
      {s + "WhoAmI", "",
       Make<v1::WhoAmIRequest>([](v1::WhoAmIRequest&, const Ctx&) {}),
       SignedInOr(kOk, {})});
  // Public, and limited like sign-ins for callers that are no trusted
  // gateway (this test's): the check counts against the address first and is
  // taken back once the token proves good, a write.
  rows.push_back({s + "Authenticate", "the resident's token",
                  Make<v1::AuthenticateRequest>(
                      [](v1::AuthenticateRequest& r, const Ctx& ctx) {
                        r.set_token(ctx.fixture->tokens.at("resident"));
                      }),
                  Everyone(Writing(kOk))});

  // Admins. A county admin reaches accounts with a grant in its county; it
  // grants only scopes in its county (a scope is a public directory record:
  // a grant outside is PERMISSION_DENIED); an account it does not reach at
  // all is NOT_FOUND to it, like one that does not exist.
  rows.push_back(
      {s + "CreateStaffAccount", "a taken number, a grant in rencheng",
       Make<v1::CreateStaffAccountRequest>(
           [](v1::CreateStaffAccountRequest& r, const Ctx& ctx) {
             r.set_request_id(ctx.request_id);
             r.set_phone(ctx.fixture->victim_phone);
             r.set_display_name("重复账号");
             r.set_initial_password(World::kPassword);
             *r.add_grants() =
                 Grant(v1::ROLE_COMMUNITY_WORKER, "rencheng-guhuai-tiexi");
           }),
       Only({{"admin", kExists}, {"county-admin", kExists}})});
  rows.push_back(
      {s + "CreateStaffAccount", "a taken number, a grant in yanzhou",
       Make<v1::CreateStaffAccountRequest>(
           [](v1::CreateStaffAccountRequest& r, const Ctx& ctx) {
             r.set_request_id(ctx.request_id);
             r.set_phone(ctx.fixture->victim_yanzhou_phone);
             r.set_display_name("重复账号");
             r.set_initial_password(World::kPassword);
             *r.add_grants() =
                 Grant(v1::ROLE_COMMUNITY_WORKER, "yanzhou-gulou-xinglong");
           }),
       Only({{"admin", kExists}, {"county-admin", kDenied}})});
  struct Target {
    std::string variant;
    std::string Fixture::*user;
    std::string scope;
    Expect county_admin;
  };
  const std::vector<Target> grant_targets = {
      {"rencheng worker, rencheng grant", &Fixture::victim,
       "rencheng-guhuai-zhuyuan", kAborted},
      {"yanzhou worker, yanzhou grant", &Fixture::victim_yanzhou,
       "yanzhou-gulou-xinglong", kDenied},
      {"yanzhou worker, rencheng grant", &Fixture::victim_yanzhou,
       "rencheng-guhuai-zhuyuan", kNotFound}};
  for (const Target& target : grant_targets) {
    const Expectations expect =
        Only({{"admin", kAborted}, {"county-admin", target.county_admin}});
    rows.push_back({s + "GrantRole", target.variant + ", stale version",
                    Make<v1::GrantRoleRequest>(
                        [target](v1::GrantRoleRequest& r, const Ctx& ctx) {
                          r.set_request_id(ctx.request_id);
                          r.set_user_id(ctx.fixture->*target.user);
                          *r.mutable_grant() =
                              Grant(v1::ROLE_COMMUNITY_WORKER, target.scope);
                          r.set_expected_version(kStale);
                        }),
                    expect});
    rows.push_back({s + "RevokeRole", target.variant + ", stale version",
                    Make<v1::RevokeRoleRequest>(
                        [target](v1::RevokeRoleRequest& r, const Ctx& ctx) {
                          r.set_request_id(ctx.request_id);
                          r.set_user_id(ctx.fixture->*target.user);
                          *r.mutable_grant() =
                              Grant(v1::ROLE_COMMUNITY_WORKER, target.scope);
                          r.set_expected_version(kStale);
                        }),
                    expect});
  }
  struct Account {
    std::string variant;
    std::string Fixture::*user;
    Expect get;
    Expect deactivate;
  };
  const std::vector<Account> accounts = {
      {"a worker in rencheng", &Fixture::victim, kOk, kAborted},
      {"a worker in yanzhou", &Fixture::victim_yanzhou, kNotFound, kNotFound},
      // Reached partly: seen, but deactivating it is not the county's call.
      {"a worker in both counties", &Fixture::victim_both, kOk, kDenied}};
  for (const Account& account : accounts) {
    rows.push_back({s + "GetUser", account.variant,
                    Make<v1::GetUserRequest>(
                        [account](v1::GetUserRequest& r, const Ctx& ctx) {
                          r.set_user_id(ctx.fixture->*account.user);
                        }),
                    Only({{"admin", kOk}, {"county-admin", account.get}})});
    rows.push_back(
        {s + "DeactivateUser", account.variant + ", stale version",
         Make<v1::DeactivateUserRequest>(
             [account](v1::DeactivateUserRequest& r, const Ctx& ctx) {
               r.set_request_id(ctx.request_id);
               r.set_user_id(ctx.fixture->*account.user);
               r.set_expected_version(kStale);
               r.set_reason("授权矩阵测试");
             }),
         Only({{"admin", kAborted}, {"county-admin", account.deactivate}})});
  }
  rows.push_back(
      {s + "ListUsers", "",
       Make<v1::ListUsersRequest>([](v1::ListUsersRequest&, const Ctx&) {}),
       Only({{"admin", kOk}, {"county-admin", kOk}})});
}

void AddDirectory(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.DirectoryService/";
  // Reads: every signed-in account.
  const Expectations read = SignedInOr(kOk, {});
  rows.push_back({s + "ListPrograms", "",
                  Make<v1::ListProgramsRequest>(
                      [](v1::ListProgramsRequest&, const Ctx&) {}),
                  read});
  rows.push_back({s + "ListServiceLines", "",
                  Make<v1::ListServiceLinesRequest>(
                      [](v1::ListServiceLinesRequest&, const Ctx&) {}),
                  read});
  rows.push_back({s + "GetServiceLine", "",
                  Make<v1::GetServiceLineRequest>(
                      [](v1::GetServiceLineRequest& r, const Ctx&) {
                        r.set_id("elderly-smart-help");
                      }),
                  read});
  rows.push_back(
      {s + "ListRegions", "",
       Make<v1::ListRegionsRequest>([](v1::ListRegionsRequest&, const Ctx&) {}),
       read});
  rows.push_back(
      {s + "GetRegion", "",
       Make<v1::GetRegionRequest>([](v1::GetRegionRequest& r, const Ctx&) {
         r.set_id("rencheng-guhuai-zhuyuan");
       }),
       read});
  rows.push_back({s + "ListDepartments", "",
                  Make<v1::ListDepartmentsRequest>(
                      [](v1::ListDepartmentsRequest&, const Ctx&) {}),
                  read});
  rows.push_back(
      {s + "GetDepartment", "",
       Make<v1::GetDepartmentRequest>(
           [](v1::GetDepartmentRequest& r, const Ctx&) { r.set_id("kexie"); }),
       read});
  rows.push_back(
      {s + "ListTeams", "",
       Make<v1::ListTeamsRequest>([](v1::ListTeamsRequest&, const Ctx&) {}),
       read});
  rows.push_back(
      {s + "GetTeam", "",
       Make<v1::GetTeamRequest>(
           [](v1::GetTeamRequest& r, const Ctx&) { r.set_id("team-a"); }),
       read});
  rows.push_back({s + "ListVolunteers", "",
                  Make<v1::ListVolunteersRequest>(
                      [](v1::ListVolunteersRequest&, const Ctx&) {}),
                  read});
  rows.push_back(
      {s + "GetVolunteer", "",
       Make<v1::GetVolunteerRequest>(
           [](v1::GetVolunteerRequest& r, const Ctx&) { r.set_id("vol-a1"); }),
       read});

  // Service lines and departments: city admins only.
  const v1::ServiceLine line = Find(Jining().lines, "elderly-smart-help");
  rows.push_back({s + "CreateServiceLine", "an id that is taken",
                  Make<v1::CreateServiceLineRequest>(
                      [line](v1::CreateServiceLineRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        *r.mutable_service_line() = line;
                      }),
                  Only({{"admin", kExists}})});
  rows.push_back({s + "UpdateServiceLine", "stale version",
                  Make<v1::UpdateServiceLineRequest>(
                      [line](v1::UpdateServiceLineRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        *r.mutable_service_line() = line;
                        r.set_expected_version(kStale);
                      }),
                  Only({{"admin", kAborted}})});
  rows.push_back({s + "DeactivateServiceLine", "stale version",
                  Make<v1::DeactivateRequest>(
                      [](v1::DeactivateRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_id("elderly-smart-help");
                        r.set_expected_version(kStale);
                        r.set_reason("授权矩阵测试");
                      }),
                  Only({{"admin", kAborted}})});
  const v1::Department department = Find(Jining().departments, "kexie");
  rows.push_back(
      {s + "CreateDepartment", "an id that is taken",
       Make<v1::CreateDepartmentRequest>(
           [department](v1::CreateDepartmentRequest& r, const Ctx& ctx) {
             r.set_request_id(ctx.request_id);
             *r.mutable_department() = department;
           }),
       Only({{"admin", kExists}})});
  rows.push_back(
      {s + "UpdateDepartment", "stale version",
       Make<v1::UpdateDepartmentRequest>(
           [department](v1::UpdateDepartmentRequest& r, const Ctx& ctx) {
             r.set_request_id(ctx.request_id);
             *r.mutable_department() = department;
             r.set_expected_version(kStale);
           }),
       Only({{"admin", kAborted}})});
  rows.push_back({s + "DeactivateDepartment", "stale version",
                  Make<v1::DeactivateRequest>(
                      [](v1::DeactivateRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_id("kexie");
                        r.set_expected_version(kStale);
                        r.set_reason("授权矩阵测试");
                      }),
                  Only({{"admin", kAborted}})});

  // Regions, teams and volunteers: a county admin writes those in its county.
  AddCountyScopedWrites<v1::Region, v1::CreateRegionRequest,
                        v1::UpdateRegionRequest>(
      rows, "Region", Find(Jining().regions, "rencheng-guhuai-tiexi"),
      [](const std::string& id, bool rencheng) {
        return NewRegion(id, rencheng ? "rencheng-guhuai" : "yanzhou-gulou");
      },
      "rencheng-guhuai-spare", "yanzhou-gulou-spare",
      &v1::CreateRegionRequest::mutable_region,
      &v1::UpdateRegionRequest::mutable_region);
  AddCountyScopedWrites<v1::Team, v1::CreateTeamRequest, v1::UpdateTeamRequest>(
      rows, "Team", Find(Jining().teams, "team-a"),
      [](const std::string& id, bool rencheng) {
        return NewTeam(id, rencheng ? "rencheng-guhuai" : "yanzhou-gulou");
      },
      "team-spare-r", "team-spare-y", &v1::CreateTeamRequest::mutable_team,
      &v1::UpdateTeamRequest::mutable_team);
  AddCountyScopedWrites<v1::Volunteer, v1::CreateVolunteerRequest,
                        v1::UpdateVolunteerRequest>(
      rows, "Volunteer", Find(Jining().volunteers, "vol-a1"),
      [](const std::string& id, bool rencheng) {
        return NewVolunteer(id, rencheng ? "team-a" : "team-d");
      },
      "vol-spare-r", "vol-spare-y",
      &v1::CreateVolunteerRequest::mutable_volunteer,
      &v1::UpdateVolunteerRequest::mutable_volunteer);
}

// Who sees the fixture's `order` (GetOrder, its history, WatchOrder): its
// resident, its community's worker, kexie, team-a (leader and volunteer), the
// city admin and rencheng's. Everyone else signed in: NOT_FOUND.
Expectations SeeTheOrder(Expect seen) {
  return SignedInOr(kNotFound, {{"resident", seen},
                                {"worker", seen},
                                {"clerk", seen},
                                {"clerk2", seen},
                                {"leader", seen},
                                {"leader2", seen},
                                {"volunteer", seen},
                                {"admin", seen},
                                {"county-admin", seen}});
}

void AddOrders(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.OrderService/";
  // A resident orders for themself; a service line that does not exist is
  // refused after the role check.
  rows.push_back({s + "CreateOrder", "for oneself, unknown service line",
                  Make<v1::CreateOrderRequest>(
                      [](v1::CreateOrderRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        *r.mutable_draft() = World::Draft();
                        r.mutable_draft()->set_service_line_id("no-such-line");
                      }),
                  Only({{"resident", kRefused}, {"resident2", kRefused}})});
  // A community worker orders on a resident's behalf, for its own community
  // only (a community is a public directory record: PERMISSION_DENIED).
  rows.push_back({s + "CreateOrder", "on behalf, unknown service line",
                  Make<v1::CreateOrderRequest>(
                      [](v1::CreateOrderRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        *r.mutable_draft() = World::Draft();
                        r.mutable_draft()->set_service_line_id("no-such-line");
                        r.mutable_on_behalf_of()->set_name("李大爷");
                      }),
                  Only({{"worker", kRefused}, {"worker-other", kDenied}})});
  // The resident's side of an order: its resident, or a worker of its
  // community (order.proto's lifecycle: edit, resubmit, cancel, rate and
  // reopen are the resident's or the community worker's, who acts for
  // residents — not only for those it ordered for).
  const Expectations resident_moves = Only({{"resident", kAborted},
                                            {"resident2", kNotFound},
                                            {"worker", kAborted},
                                            {"worker-other", kNotFound}});
  rows.push_back(
      {s + "UpdateOrder", "stale version",
       StaleMove<v1::UpdateOrderRequest>(&Fixture::order,
                                         [](v1::UpdateOrderRequest& r) {
                                           *r.mutable_draft() = World::Draft();
                                         }),
       resident_moves});
  rows.push_back(
      {s + "ResubmitOrder", "stale version",
       StaleMove<v1::ResubmitOrderRequest>(
           &Fixture::order,
           [](v1::ResubmitOrderRequest& r) { r.set_answer("好的"); }),
       resident_moves});
  rows.push_back(
      {s + "CancelOrder", "stale version",
       StaleMove<v1::CancelOrderRequest>(
           &Fixture::order,
           [](v1::CancelOrderRequest& r) { r.set_reason("不需要了"); }),
       resident_moves});
  rows.push_back({s + "RateOrder", "stale version",
                  StaleMove<v1::RateOrderRequest>(&Fixture::order,
                                                  [](v1::RateOrderRequest& r) {
                                                    v1::Rating& rating =
                                                        *r.mutable_rating();
                                                    rating.set_overall(5);
                                                    rating.set_punctuality(5);
                                                    rating.set_content(5);
                                                    rating.set_attitude(5);
                                                  }),
                  resident_moves});
  rows.push_back(
      {s + "ReopenOrder", "stale version",
       StaleMove<v1::ReopenOrderRequest>(
           &Fixture::order,
           [](v1::ReopenOrderRequest& r) { r.set_reason("没讲完"); }),
       resident_moves});
  rows.push_back(
      {s + "GetOrder", "",
       Make<v1::GetOrderRequest>([](v1::GetOrderRequest& r, const Ctx& ctx) {
         r.set_order_id(ctx.fixture->order);
       }),
       SeeTheOrder(kOk)});
  rows.push_back(
      {s + "GetOrder", "another county's order",
       Make<v1::GetOrderRequest>([](v1::GetOrderRequest& r, const Ctx& ctx) {
         r.set_order_id(ctx.fixture->other_order);
       }),
       SignedInOr(kNotFound, {{"resident2", kOk},
                              {"worker-other", kOk},
                              {"clerk-other", kOk},
                              {"leader-other", kOk},
                              {"admin", kOk}})});
  rows.push_back({s + "GetOrderHistory", "",
                  Make<v1::GetOrderHistoryRequest>(
                      [](v1::GetOrderHistoryRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->order);
                      }),
                  SeeTheOrder(kOk)});
  rows.push_back({s + "ListMyOrders", "",
                  Make<v1::ListMyOrdersRequest>(
                      [](v1::ListMyOrdersRequest&, const Ctx&) {}),
                  Only({{"resident", kOk}, {"resident2", kOk}})});
  rows.push_back({s + "WatchMyOrders", "from the start",
                  Make<v1::WatchMyOrdersRequest>(
                      [](v1::WatchMyOrdersRequest& r, const Ctx&) {
                        r.set_after_event_id("0-0");
                      }),
                  Only({{"resident", kStream}, {"resident2", kStream}})});
  rows.push_back({s + "WatchOrder", "from the start",
                  Make<v1::WatchOrderRequest>(
                      [](v1::WatchOrderRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->order);
                        r.set_after_event_id("0-0");
                      }),
                  SeeTheOrder(kStream)});
}

void AddDispatch(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.DispatchService/";
  const Expectations own = Only({{"worker", kOk}, {"worker-other", kOk}});
  const Expectations zhuyuan =
      Only({{"worker", kOk}, {"worker-other", kNotFound}});
  rows.push_back(
      {s + "ListQueue", "own community",
       Make<v1::ListQueueRequest>([](v1::ListQueueRequest&, const Ctx&) {}),
       own});
  rows.push_back(
      {s + "ListQueue", "rencheng-guhuai-zhuyuan",
       Make<v1::ListQueueRequest>([](v1::ListQueueRequest& r, const Ctx&) {
         r.set_community_id("rencheng-guhuai-zhuyuan");
       }),
       zhuyuan});
  rows.push_back({s + "SuggestDepartments", "",
                  Make<v1::SuggestDepartmentsRequest>(
                      [](v1::SuggestDepartmentsRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->order);
                      }),
                  zhuyuan});
  const Expectations moves =
      Only({{"worker", kAborted}, {"worker-other", kNotFound}});
  rows.push_back(
      {s + "RequestInfo", "stale version",
       StaleMove<v1::RequestInfoRequest>(
           &Fixture::order,
           [](v1::RequestInfoRequest& r) { r.set_question("几位老人参加？"); }),
       moves});
  rows.push_back(
      {s + "RejectOrder", "stale version",
       StaleMove<v1::RejectOrderRequest>(
           &Fixture::order,
           [](v1::RejectOrderRequest& r) { r.set_reason("不受理"); }),
       moves});
  rows.push_back({s + "MarkDuplicate", "stale version",
                  Make<v1::MarkDuplicateRequest>(
                      [](v1::MarkDuplicateRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_order_id(ctx.fixture->order);
                        r.set_expected_version(kStale);
                        r.set_duplicate_of_order_id(ctx.fixture->done_order);
                      }),
                  moves});
  rows.push_back(
      {s + "DispatchOrder", "stale version",
       StaleMove<v1::DispatchOrderRequest>(
           &Fixture::order,
           [](v1::DispatchOrderRequest& r) { r.set_department_id("kexie"); }),
       moves});
  rows.push_back({s + "ListFollowUps", "own community",
                  Make<v1::ListFollowUpsRequest>(
                      [](v1::ListFollowUpsRequest&, const Ctx&) {}),
                  own});
  rows.push_back({s + "ListFollowUps", "rencheng-guhuai-zhuyuan",
                  Make<v1::ListFollowUpsRequest>(
                      [](v1::ListFollowUpsRequest& r, const Ctx&) {
                        r.set_community_id("rencheng-guhuai-zhuyuan");
                      }),
                  zhuyuan});
  rows.push_back({s + "RecordFollowUp", "stale version",
                  Make<v1::RecordFollowUpRequest>(
                      [](v1::RecordFollowUpRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_follow_up_id(ctx.fixture->follow_up_id);
                        r.set_expected_version(kStale);
                        r.set_note("已回访");
                      }),
                  moves});
  rows.push_back(
      {s + "WatchQueue", "own community, from the start",
       Make<v1::WatchQueueRequest>([](v1::WatchQueueRequest& r, const Ctx&) {
         r.set_after_event_id("0-0");
       }),
       Only({{"worker", kStream}, {"worker-other", kStream}})});
  rows.push_back(
      {s + "WatchQueue", "rencheng-guhuai-zhuyuan, from the start",
       Make<v1::WatchQueueRequest>([](v1::WatchQueueRequest& r, const Ctx&) {
         r.set_community_id("rencheng-guhuai-zhuyuan");
         r.set_after_event_id("0-0");
       }),
       Only({{"worker", kStream}, {"worker-other", kNotFound}})});
}

void AddClaims(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.ClaimService/";
  rows.push_back(
      {s + "ListPool", "own department",
       Make<v1::ListPoolRequest>([](v1::ListPoolRequest&, const Ctx&) {}),
       Only({{"clerk", kOk}, {"clerk2", kOk}, {"clerk-other", kOk}})});
  rows.push_back(
      {s + "ListPool", "kexie",
       Make<v1::ListPoolRequest>([](v1::ListPoolRequest& r, const Ctx&) {
         r.set_department_id("kexie");
       }),
       Only({{"clerk", kOk},
             {"clerk2", kNotFound},
             {"clerk-other", kNotFound}})});
  // minzheng lost the order when kexie claimed it: it is told it was taken
  // (FAILED_PRECONDITION, naming kexie); jiaoyu never had it.
  const Expectations moves = Only(
      {{"clerk", kAborted}, {"clerk2", kRefused}, {"clerk-other", kNotFound}});
  rows.push_back({s + "ClaimOrder", "stale version",
                  StaleMove<v1::ClaimOrderRequest>(
                      &Fixture::order, [](v1::ClaimOrderRequest&) {}),
                  moves});
  rows.push_back(
      {s + "ReturnOrder", "stale version",
       StaleMove<v1::ReturnOrderRequest>(
           &Fixture::order,
           [](v1::ReturnOrderRequest& r) { r.set_reason("请改派"); }),
       moves});
  rows.push_back(
      {s + "ListEligibleTeams", "",
       Make<v1::ListEligibleTeamsRequest>(
           [](v1::ListEligibleTeamsRequest& r, const Ctx& ctx) {
             r.set_order_id(ctx.fixture->order);
           }),
       // A read of the order: minzheng still reads it.
       Only({{"clerk", kOk}, {"clerk2", kOk}, {"clerk-other", kNotFound}})});
  rows.push_back(
      {s + "AssignTeam", "stale version",
       StaleMove<v1::AssignTeamRequest>(
           &Fixture::order,
           [](v1::AssignTeamRequest& r) { r.set_team_id("team-a"); }),
       moves});
  rows.push_back({s + "ReleaseToMatching", "stale version",
                  StaleMove<v1::ReleaseToMatchingRequest>(
                      &Fixture::order, [](v1::ReleaseToMatchingRequest&) {}),
                  moves});
  rows.push_back(
      {s + "WatchPool", "own department, from the start",
       Make<v1::WatchPoolRequest>([](v1::WatchPoolRequest& r, const Ctx&) {
         r.set_after_event_id("0-0");
       }),
       Only({{"clerk", kStream},
             {"clerk2", kStream},
             {"clerk-other", kStream}})});
  rows.push_back(
      {s + "WatchPool", "kexie, from the start",
       Make<v1::WatchPoolRequest>([](v1::WatchPoolRequest& r, const Ctx&) {
         r.set_department_id("kexie");
         r.set_after_event_id("0-0");
       }),
       Only({{"clerk", kStream},
             {"clerk2", kNotFound},
             {"clerk-other", kNotFound}})});
}

void AddFulfilment(std::vector<Case>& rows) {
  const std::string s = "kepu.v1.FulfilmentService/";
  rows.push_back(
      {s + "ListOffers", "own team",
       Make<v1::ListOffersRequest>([](v1::ListOffersRequest&, const Ctx&) {}),
       Only({{"leader", kOk}, {"leader2", kOk}, {"leader-other", kOk}})});
  rows.push_back(
      {s + "ListOffers", "team-a",
       Make<v1::ListOffersRequest>([](v1::ListOffersRequest& r, const Ctx&) {
         r.set_team_id("team-a");
       }),
       Only({{"leader", kOk},
             {"leader2", kNotFound},
             {"leader-other", kNotFound}})});
  // A volunteer sees the tasks of its team.
  rows.push_back(
      {s + "ListTasks", "own team",
       Make<v1::ListTasksRequest>([](v1::ListTasksRequest&, const Ctx&) {}),
       Only({{"leader", kOk},
             {"leader2", kOk},
             {"leader-other", kOk},
             {"volunteer", kOk}})});
  rows.push_back(
      {s + "ListTasks", "team-a",
       Make<v1::ListTasksRequest>([](v1::ListTasksRequest& r, const Ctx&) {
         r.set_team_id("team-a");
       }),
       Only({{"leader", kOk},
             {"leader2", kNotFound},
             {"leader-other", kNotFound},
             {"volunteer", kOk}})});
  // team-b lost the offer when team-a accepted: it is told it was taken
  // (FAILED_PRECONDITION, naming team-a); team-d never had it.
  const Expectations moves = Only({{"leader", kAborted},
                                   {"leader2", kRefused},
                                   {"leader-other", kNotFound}});
  rows.push_back({s + "AcceptOffer", "stale version",
                  StaleMove<v1::AcceptOfferRequest>(
                      &Fixture::order, [](v1::AcceptOfferRequest&) {}),
                  moves});
  rows.push_back(
      {s + "DeclineOffer", "stale version",
       StaleMove<v1::DeclineOfferRequest>(
           &Fixture::order,
           [](v1::DeclineOfferRequest& r) { r.set_reason("人手不够"); }),
       moves});
  rows.push_back({s + "ScheduleService", "stale version",
                  StaleMove<v1::ScheduleServiceRequest>(
                      &Fixture::order,
                      [](v1::ScheduleServiceRequest& r) {
                        v1::TimeWindow& window = *r.mutable_schedule();
                        *window.mutable_start() =
                            ToProto(absl::Now() + absl::Hours(48));
                        *window.mutable_end() =
                            ToProto(absl::Now() + absl::Hours(50));
                      }),
                  moves});
  rows.push_back({s + "CheckIn", "stale version",
                  StaleMove<v1::CheckInRequest>(&Fixture::order,
                                                [](v1::CheckInRequest&) {}),
                  moves});
  rows.push_back(
      {s + "CompleteService", "stale version",
       StaleMove<v1::CompleteServiceRequest>(
           &Fixture::order,
           [](v1::CompleteServiceRequest& r) { r.set_summary("完成"); }),
       moves});
  rows.push_back(
      {s + "WithdrawOrder", "stale version",
       StaleMove<v1::WithdrawOrderRequest>(
           &Fixture::order,
           [](v1::WithdrawOrderRequest& r) { r.set_reason("车坏了"); }),
       moves});
  // Hours: the volunteer's own and its team's; the leader's team's; an
  // admin's, of the teams it administers (the issue names admins only for
  // accounts and the directory, but the leading group reads hours, and the
  // domain lets admins: the city's of every team, a county's of the teams
  // serving only its county — team-a serves rencheng, team-d yanzhou).
  const Expectations team_a = Only({{"leader", kOk},
                                    {"volunteer", kOk},
                                    {"leader2", kNotFound},
                                    {"leader-other", kNotFound},
                                    {"admin", kOk},
                                    {"county-admin", kOk}});
  const Expectations team_d = Only({{"leader", kNotFound},
                                    {"volunteer", kNotFound},
                                    {"leader2", kNotFound},
                                    {"leader-other", kOk},
                                    {"admin", kOk},
                                    {"county-admin", kNotFound}});
  for (const auto& [team, volunteer, expect] :
       std::vector<std::tuple<std::string, std::string, Expectations>>{
           {"team-a", "vol-a1", team_a}, {"team-d", "vol-d1", team_d}}) {
    rows.push_back({s + "ListHours", volunteer,
                    Make<v1::ListHoursRequest>(
                        [volunteer](v1::ListHoursRequest& r, const Ctx&) {
                          r.set_volunteer_id(volunteer);
                        }),
                    expect});
    rows.push_back({s + "ListHours", team,
                    Make<v1::ListHoursRequest>(
                        [team](v1::ListHoursRequest& r, const Ctx&) {
                          r.set_team_id(team);
                        }),
                    expect});
  }
  rows.push_back(
      {s + "ListHours", "an order team-a did",
       Make<v1::ListHoursRequest>([](v1::ListHoursRequest& r, const Ctx& ctx) {
         r.set_order_id(ctx.fixture->done_order);
       }),
       team_a});
  // The hours are declined and disputed: the leader is admitted and refused
  // (decline, correct); resolving the dispute by a correction beyond the
  // service's length is refused too.
  const Expectations leaders_refused = Only({{"leader", kRefused},
                                             {"leader2", kNotFound},
                                             {"leader-other", kNotFound}});
  rows.push_back({s + "CorrectHours", "hours disputed",
                  Make<v1::CorrectHoursRequest>(
                      [](v1::CorrectHoursRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_hours_id(ctx.fixture->hours_id);
                        r.set_hours(1);
                        r.set_reason("迟到");
                      }),
                  leaders_refused});
  rows.push_back({s + "ResolveDispute", "a correction beyond the service",
                  Make<v1::ResolveDisputeRequest>(
                      [](v1::ResolveDisputeRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_hours_id(ctx.fixture->hours_id);
                        r.set_resolution(v1::HoursDispute::RESOLUTION_CORRECT);
                        r.set_hours(24);
                        r.set_reason("全天");
                      }),
                  leaders_refused});
  // Only the volunteer whose entry it is disputes it (a leader may volunteer
  // too, but these leaders are not vol-a1): disputed already.
  rows.push_back({s + "DisputeHours", "hours disputed already",
                  Make<v1::DisputeHoursRequest>(
                      [](v1::DisputeHoursRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_hours_id(ctx.fixture->hours_id);
                        r.set_reason("我到场了");
                      }),
                  Only({{"volunteer", kRefused},
                        {"leader", kNotFound},
                        {"leader2", kNotFound},
                        {"leader-other", kNotFound}})});
  // The sign-in code: only the leader of the order's team, and only once the
  // service time is confirmed (the fixture's order has none).
  rows.push_back({s + "GetSignInCode", "no confirmed time",
                  Make<v1::GetSignInCodeRequest>(
                      [](v1::GetSignInCodeRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->order);
                      }),
                  Only({{"leader", kRefused},
                        {"leader2", kNotFound},
                        {"leader-other", kNotFound}})});
  // A volunteer (or a leader volunteering) signs in with a code; a forged one
  // is refused whoever brings it.
  rows.push_back({s + "SignInVolunteer", "a forged code",
                  Make<v1::SignInVolunteerRequest>(
                      [](v1::SignInVolunteerRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_token(absl::StrCat(ctx.fixture->order, ".1.",
                                                 std::string(32, '0')));
                        r.set_direction(v1::SIGN_IN_DIRECTION_IN);
                      }),
                  Only({{"volunteer", kInvalid},
                        {"leader", kInvalid},
                        {"leader2", kInvalid},
                        {"leader-other", kInvalid}})});
  // The sign-ins of an order: its team and its community's workers.
  rows.push_back({s + "ListSignIns", "an order team-a did",
                  Make<v1::ListSignInsRequest>(
                      [](v1::ListSignInsRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->done_order);
                      }),
                  Only({{"leader", kOk},
                        {"volunteer", kOk},
                        {"worker", kOk},
                        {"leader2", kNotFound},
                        {"leader-other", kNotFound},
                        {"worker-other", kNotFound}})});
  rows.push_back({s + "DeclineHours", "hours declined already",
                  Make<v1::DeclineHoursRequest>(
                      [](v1::DeclineHoursRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_hours_id(ctx.fixture->hours_id);
                        r.set_reason("未到场");
                      }),
                  Only({{"leader", kRefused},
                        {"leader2", kNotFound},
                        {"leader-other", kNotFound}})});
  rows.push_back({s + "GetMyVolunteerSummary", "",
                  Make<v1::GetMyVolunteerSummaryRequest>(
                      [](v1::GetMyVolunteerSummaryRequest&, const Ctx&) {}),
                  // The caller's own volunteer record only. A team leader may
                  // volunteer too; these leaders' accounts have no record of
                  // their own: NOT_FOUND ("you have no volunteer record").
                  Only({{"volunteer", kOk},
                        {"leader", kNotFound},
                        {"leader2", kNotFound},
                        {"leader-other", kNotFound}})});
  rows.push_back(
      {s + "WatchTeam", "own team, from the start",
       Make<v1::WatchTeamRequest>([](v1::WatchTeamRequest& r, const Ctx&) {
         r.set_after_event_id("0-0");
       }),
       // The volunteer follows its team's tasks live. The team's offers come
       // with them: an order offered to a team is in its volunteers' scope
       // anyway (GetOrder), only the leader's ListOffers worklist is not.
       Only({{"leader", kStream},
             {"leader2", kStream},
             {"leader-other", kStream},
             {"volunteer", kStream}})});
  rows.push_back(
      {s + "WatchTeam", "team-a, from the start",
       Make<v1::WatchTeamRequest>([](v1::WatchTeamRequest& r, const Ctx&) {
         r.set_team_id("team-a");
         r.set_after_event_id("0-0");
       }),
       Only({{"leader", kStream},
             {"leader2", kNotFound},
             {"leader-other", kNotFound},
             {"volunteer", kStream}})});
}

// Whether every escalation of a ListEscalations answer lies in `scope`
// (county or community, by `county`), and there is one at least.
void ExpectEscalationsWithin(const std::string& response,
                             const std::string& column,
                             const std::string& scope, bool county) {
  v1::ListEscalationsResponse answer;
  ASSERT_TRUE(answer.ParseFromString(response));
  EXPECT_GT(answer.escalations_size(), 0) << column;
  for (const v1::Escalation& escalation : answer.escalations()) {
    EXPECT_EQ(county ? escalation.county_id() : escalation.community_id(),
              scope)
        << column << " sees escalation " << escalation.id();
  }
}

void AddWatchdog(std::vector<Case>& rows) {
  const std::string w = "kepu.v1.WatchdogService/";
  rows.push_back({w + "GetSlaPolicy", "",
                  Make<v1::GetSlaPolicyRequest>(
                      [](v1::GetSlaPolicyRequest&, const Ctx&) {}),
                  SignedInOr(kOk, {})});
  // Without a region: the city's admin all, a county's admin its county's, a
  // community's worker its community's.
  rows.push_back({w + "ListEscalations", "the caller's own scope",
                  Make<v1::ListEscalationsRequest>(
                      [](v1::ListEscalationsRequest&, const Ctx&) {}),
                  Only({{"admin", kOk},
                        {"county-admin", kOk},
                        {"worker", kOk},
                        {"worker-other", kOk}}),
                  Stage::kAny, [](const Ctx& ctx, const std::string& response) {
                    if (ctx.column == "county-admin") {
                      ExpectEscalationsWithin(response, ctx.column, "rencheng",
                                              true);
                    } else if (ctx.column == "worker") {
                      ExpectEscalationsWithin(response, ctx.column,
                                              "rencheng-guhuai-zhuyuan", false);
                    } else if (ctx.column == "worker-other") {
                      ExpectEscalationsWithin(response, ctx.column,
                                              "yanzhou-gulou-xinglong", false);
                    } else {
                      v1::ListEscalationsResponse answer;
                      ASSERT_TRUE(answer.ParseFromString(response));
                      EXPECT_GE(answer.escalations_size(), 2) << ctx.column;
                    }
                  }});
  // A region outside the caller's scope is NOT_FOUND, as other scoped lists.
  rows.push_back({w + "ListEscalations", "county yanzhou",
                  Make<v1::ListEscalationsRequest>(
                      [](v1::ListEscalationsRequest& r, const Ctx&) {
                        r.set_region_id("yanzhou");
                      }),
                  Only({{"admin", kOk},
                        {"county-admin", kNotFound},
                        {"worker", kNotFound},
                        {"worker-other", kNotFound}})});
  rows.push_back({w + "ListEscalations", "community in rencheng",
                  Make<v1::ListEscalationsRequest>(
                      [](v1::ListEscalationsRequest& r, const Ctx&) {
                        r.set_region_id("rencheng-guhuai-zhuyuan");
                        r.set_include_acknowledged(true);
                      }),
                  Only({{"admin", kOk},
                        {"county-admin", kOk},
                        {"worker", kOk},
                        {"worker-other", kNotFound}})});
  rows.push_back({w + "ListEscalations", "community in yanzhou",
                  Make<v1::ListEscalationsRequest>(
                      [](v1::ListEscalationsRequest& r, const Ctx&) {
                        r.set_region_id("yanzhou-gulou-xinglong");
                      }),
                  Only({{"admin", kOk},
                        {"county-admin", kNotFound},
                        {"worker", kNotFound},
                        {"worker-other", kOk}})});
  // Acknowledging at a stale version: admitted admins are ABORTED and nothing
  // changes; a county admin reaches its county's escalations only.
  for (const auto& [what, escalation, county_admin] :
       std::vector<std::tuple<std::string, std::string Fixture::*, Expect>>{
           {"rencheng's, stale version", &Fixture::escalation, kAborted},
           {"yanzhou's, stale version", &Fixture::other_escalation,
            kNotFound}}) {
    rows.push_back(
        {w + "AcknowledgeEscalation", what,
         Make<v1::AcknowledgeEscalationRequest>(
             [escalation = escalation](v1::AcknowledgeEscalationRequest& r,
                                       const Ctx& ctx) {
               r.set_request_id(ctx.request_id);
               r.set_escalation_id(ctx.fixture->*escalation);
               r.set_expected_version(kStale);
               r.set_note("已督办");
             }),
         Only({{"admin", kAborted}, {"county-admin", county_admin}})});
  }
  rows.push_back({w + "AcknowledgeEscalation", "no such escalation",
                  Make<v1::AcknowledgeEscalationRequest>(
                      [](v1::AcknowledgeEscalationRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_escalation_id("escalation-1");
                        r.set_expected_version(1);
                        r.set_note("已督办");
                      }),
                  Only({{"admin", kNotFound}, {"county-admin", kNotFound}})});
}

// The matching engine: why an offer went to its team (the order's department,
// the team, admins), and the queue (admins). The fixture's order was assigned
// to team-a directly, so it has an offer to explain.
void AddMatching(std::vector<Case>& rows) {
  const std::string m = "kepu.v1.MatchingService/";
  rows.push_back({m + "ExplainOffer", "",
                  Make<v1::ExplainOfferRequest>(
                      [](v1::ExplainOfferRequest& r, const Ctx& ctx) {
                        r.set_order_id(ctx.fixture->order);
                      }),
                  // Those that still read the order (minzheng, team-b) read
                  // its offer's explanation too.
                  Only({{"clerk", kOk},
                        {"clerk2", kOk},
                        {"clerk-other", kNotFound},
                        {"leader", kOk},
                        {"leader2", kOk},
                        {"leader-other", kNotFound},
                        {"admin", kOk},
                        {"county-admin", kOk}})});
  const Expectations admins_only =
      Only({{"admin", kOk}, {"county-admin", kOk}});
  rows.push_back({m + "GetMatchingStatus", "",
                  Make<v1::GetMatchingStatusRequest>(
                      [](v1::GetMatchingStatusRequest&, const Ctx&) {}),
                  admins_only});
  rows.push_back({m + "ListDeadLetters", "",
                  Make<v1::ListDeadLettersRequest>(
                      [](v1::ListDeadLettersRequest&, const Ctx&) {}),
                  admins_only});
  rows.push_back({m + "RetryDeadLetter", "no such dead letter",
                  Make<v1::RetryDeadLetterRequest>(
                      [](v1::RetryDeadLetterRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_entry_id("1-0");
                      }),
                  Only({{"admin", kNotFound}, {"county-admin", kNotFound}})});
}

// Every signed-in caller has an inbox and preferences of its own: no row
// names another person's, and none may (the caller is the only scope).
void AddNotifications(std::vector<Case>& rows) {
  const std::string n = "kepu.v1.NotificationService/";
  rows.push_back({n + "ListNotifications", "",
                  Make<v1::ListNotificationsRequest>(
                      [](v1::ListNotificationsRequest&, const Ctx&) {}),
                  SignedInOr(kOk, {})});
  // An id no inbox holds is skipped: nothing is written.
  rows.push_back(
      {n + "MarkRead", "an id nobody has",
       Make<v1::MarkReadRequest>([](v1::MarkReadRequest& r, const Ctx&) {
         r.add_notification_ids("1-0");
       }),
       SignedInOr(kOk, {})});
  rows.push_back({n + "GetUnreadCount", "",
                  Make<v1::GetUnreadCountRequest>(
                      [](v1::GetUnreadCountRequest&, const Ctx&) {}),
                  SignedInOr(kOk, {})});
  // Only notifications that arrive after it opens: an admitted watch opens
  // and waits.
  rows.push_back({n + "WatchNotifications", "from now on",
                  Make<v1::WatchNotificationsRequest>(
                      [](v1::WatchNotificationsRequest&, const Ctx&) {}),
                  SignedInOr(kOpen, {})});
  rows.push_back({n + "GetPreferences", "",
                  Make<v1::GetPreferencesRequest>(
                      [](v1::GetPreferencesRequest&, const Ctx&) {}),
                  SignedInOr(kOk, {})});
  // Nobody has chosen yet (version 0): a stale version is ABORTED and
  // nothing changes.
  rows.push_back({n + "UpdatePreferences", "stale version",
                  Make<v1::UpdatePreferencesRequest>(
                      [](v1::UpdatePreferencesRequest& r, const Ctx& ctx) {
                        r.set_request_id(ctx.request_id);
                        r.set_expected_version(kStale);
                        r.mutable_preferences()->set_quiet_start("22:00");
                        r.mutable_preferences()->set_quiet_end("07:00");
                      }),
                  SignedInOr(kAborted, {})});
}

// Later issues (#5 and after): UNIMPLEMENTED for every caller, with or without
// a token.
void AddNotBuiltYet(std::vector<Case>& rows) {
  const Expectations unimplemented = Everyone(kUnimplemented);
  const std::string r = "kepu.v1.ReportService/";
  rows.push_back(
      {r + "GetSummary", "",
       Make<v1::GetSummaryRequest>([](v1::GetSummaryRequest&, const Ctx&) {}),
       unimplemented});
  rows.push_back({r + "ExportServiceRecords", "",
                  Make<v1::ExportServiceRecordsRequest>(
                      [](v1::ExportServiceRecordsRequest&, const Ctx&) {}),
                  unimplemented});
  rows.push_back({r + "ListAuditEvents", "",
                  Make<v1::ListAuditEventsRequest>(
                      [](v1::ListAuditEventsRequest&, const Ctx&) {}),
                  unimplemented});
}

std::vector<Case> Matrix() {
  std::vector<Case> rows;
  AddIdentity(rows);
  AddDirectory(rows);
  AddOrders(rows);
  AddDispatch(rows);
  AddClaims(rows);
  AddFulfilment(rows);
  AddMatching(rows);
  AddWatchdog(rows);
  AddNotifications(rows);
  AddNotBuiltYet(rows);
  return rows;
}

// ---------------------------------------------------------------------------
// The API, from the descriptors.

// One message of every API file: links the file in, so the generated pool
// holds it.
std::vector<const google::protobuf::FileDescriptor*> ApiFiles() {
  return {v1::RegisterRequest::descriptor()->file(),
          v1::ListProgramsRequest::descriptor()->file(),
          v1::CreateOrderRequest::descriptor()->file(),
          v1::ListQueueRequest::descriptor()->file(),
          v1::ListPoolRequest::descriptor()->file(),
          v1::ListOffersRequest::descriptor()->file(),
          v1::ExplainOfferRequest::descriptor()->file(),
          v1::GetSlaPolicyRequest::descriptor()->file(),
          v1::GetSummaryRequest::descriptor()->file(),
          v1::GetUnreadCountRequest::descriptor()->file()};
}

// Every method of every kepu.v1 service in the generated pool, by
// "kepu.v1.OrderService/GetOrder".
std::map<std::string, const MethodDescriptor*> ApiMethods() {
  (void)ApiFiles();
  std::map<std::string, const MethodDescriptor*> methods;
  const google::protobuf::DescriptorPool* pool =
      google::protobuf::DescriptorPool::generated_pool();
  for (const auto& entry :
       std::filesystem::directory_iterator(KEPU_PROTO_DIR "/kepu/v1")) {
    if (entry.path().extension() != ".proto") continue;
    const std::string name =
        absl::StrCat("kepu/v1/", entry.path().filename().string());
    const google::protobuf::FileDescriptor* file = pool->FindFileByName(name);
    if (file == nullptr) {
      ADD_FAILURE() << name
                    << " is not linked into this test: add one of its "
                       "messages to ApiFiles()";
      continue;
    }
    for (int i = 0; i < file->service_count(); ++i) {
      const google::protobuf::ServiceDescriptor* service = file->service(i);
      if (!absl::StartsWith(service->full_name(), "kepu.v1.")) continue;
      for (int j = 0; j < service->method_count(); ++j) {
        methods[absl::StrCat(service->full_name(), "/",
                             service->method(j)->name())] = service->method(j);
      }
    }
  }
  return methods;
}

TEST(AuthorizationMatrixTableTest,
     EveryMethodOfTheApiHasRowsAndEveryRowAMethod) {
  const std::map<std::string, const MethodDescriptor*> api = ApiMethods();
  ASSERT_FALSE(api.empty());
  std::set<std::string> tested;
  std::set<std::string> names;
  const std::set<std::string> columns(Columns().begin(), Columns().end());
  for (const Case& row : Matrix()) {
    EXPECT_TRUE(names.insert(NameOf(row)).second)
        << NameOf(row) << " twice: tell the rows apart by their variant";
    auto it = api.find(row.method);
    if (it == api.end()) {
      ADD_FAILURE() << row.method << " is no method of the API";
      continue;
    }
    tested.insert(row.method);
    const MethodDescriptor& method = *it->second;
    EXPECT_EQ(row.request.type, method.input_type())
        << NameOf(row) << " builds a " << row.request.type->full_name();
    std::set<std::string> covered;
    for (const auto& [column, expect] : row.expect) {
      EXPECT_TRUE(columns.count(column)) << NameOf(row) << ": " << column;
      covered.insert(column);
      if (expect.code == kStreams || expect.code == kOpens) {
        EXPECT_TRUE(method.server_streaming())
            << NameOf(row) << ": only a server stream streams";
      }
    }
    EXPECT_EQ(covered, columns) << NameOf(row);
  }
  for (const auto& [name, method] : api) {
    EXPECT_TRUE(tested.count(name))
        << name << " has no row in the authorization matrix";
  }
}

// ---------------------------------------------------------------------------
// Calling a method by name.

grpc::ByteBuffer ToBuffer(const Message& message) {
  const std::string bytes = message.SerializeAsString();
  grpc::Slice slice(bytes);
  return grpc::ByteBuffer(&slice, 1);
}

std::string FromBuffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

struct Answer {
  int code;  // a grpc::StatusCode, kStreams or kOpens
  std::string message;
  std::string response;  // a unary call's response, when OK
};

// A server-streaming call through the generic stub: sends the request, then
// waits for the first message (the stream runs: the call is cancelled) or the
// end of the call. With `open_is_enough`, for a watch with nothing to replay,
// the open initial metadata ends the wait too (the watch was admitted: the
// call is cancelled).
class FirstMessage final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  FirstMessage(grpc::GenericStub& stub, grpc::ClientContext& context,
               const std::string& path, grpc::ByteBuffer request,
               bool open_is_enough)
      : context_(context),
        request_(std::move(request)),
        open_is_enough_(open_is_enough) {
    stub.PrepareBidiStreamingCall(&context_, path, grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  Answer Await() {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(
        +[](FirstMessage* self) {
          return self->read_ || self->done_ ||
                 (self->open_is_enough_ && self->opened_);
        },
        this));
    if (got_message_ || (open_is_enough_ && opened_ && !done_)) {
      const int code = got_message_ ? kStreams : kOpens;
      context_.TryCancel();
      mu_.Await(absl::Condition(&done_));
      return {code, "", ""};
    }
    mu_.Await(absl::Condition(&done_));
    return {status_.error_code(), status_.error_message(), ""};
  }

  void OnReadInitialMetadataDone(bool ok) override {
    if (!ok) return;
    const auto& metadata = context_.GetServerInitialMetadata();
    auto open = metadata.find("x-kepu-watch");
    const bool opened =
        open != metadata.end() &&
        std::string(open->second.data(), open->second.size()) == "open";
    absl::MutexLock lock(&mu_);
    opened_ = opened;
  }
  void OnReadDone(bool ok) override {
    absl::MutexLock lock(&mu_);
    read_ = true;
    got_message_ = ok;
  }
  void OnDone(const grpc::Status& status) override {
    absl::MutexLock lock(&mu_);
    status_ = status;
    done_ = true;
  }

 private:
  grpc::ClientContext& context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  const bool open_is_enough_;
  absl::Mutex mu_;
  bool opened_ ABSL_GUARDED_BY(mu_) = false;
  bool read_ ABSL_GUARDED_BY(mu_) = false;
  bool got_message_ ABSL_GUARDED_BY(mu_) = false;
  bool done_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
};

// A server stream is awaited up to what `expected` needs to see: its open
// metadata for kOpens, else its first message or its end.
Answer CallMethod(grpc::GenericStub& stub, const MethodDescriptor& method,
                  const Message& request, const std::string& token,
                  int expected) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  if (!token.empty()) {
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
  }
  const std::string path =
      absl::StrCat("/", method.service()->full_name(), "/", method.name());
  if (method.server_streaming()) {
    FirstMessage call(stub, context, path, ToBuffer(request),
                      /*open_is_enough=*/expected == kOpens);
    return call.Await();
  }
  const grpc::ByteBuffer buffer = ToBuffer(request);
  grpc::ByteBuffer response;
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(&context, path, grpc::StubOptions(), &buffer, &response,
                 [&](grpc::Status s) {
                   status = std::move(s);
                   done.Notify();
                 });
  done.WaitForNotification();
  return {status.error_code(), status.error_message(),
          status.ok() ? FromBuffer(response) : ""};
}

std::string CodeName(int code) {
  if (code == kStreams) return "STREAMS";
  if (code == kOpens) return "OPENS";
  return absl::StatusCodeToString(static_cast<absl::StatusCode>(code));
}

// A matrix cell in a few characters.
std::string Short(int code) {
  switch (code) {
    case kStreams:
      return "STRM";
    case kOpens:
      return "OPEN";
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::ABORTED:
      return "ABRT";
    case grpc::StatusCode::NOT_FOUND:
      return "NF";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PD";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "EXST";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FP";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "INV";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "UNAU";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "UNIM";
    default:
      return CodeName(code).substr(0, 4);
  }
}

// ---------------------------------------------------------------------------
// The run.

class AuthorizationMatrixTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto world = World::Start();
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
    ASSERT_NO_FATAL_FAILURE(MakeOrders());
    ASSERT_NO_FATAL_FAILURE(MakeEscalations());
    ASSERT_NO_FATAL_FAILURE(MakeAccounts());
    ASSERT_NO_FATAL_FAILURE(MakeSpareRecords());
    ASSERT_NO_FATAL_FAILURE(MakeTokens());
  }

  void Ok(const grpc::Status& status, absl::string_view what) {
    ASSERT_TRUE(status.ok()) << what << ": " << Describe(status);
  }

  template <typename Request>
  Request For(const v1::Order& order) {
    Request request;
    request.set_request_id(world_->NextRequestId());
    request.set_order_id(order.id());
    request.set_expected_version(order.version());
    return request;
  }

  // Places an order two days ahead, or with `soon` one the team can check in
  // to at once.
  void Place(const std::string& who, const std::string& community,
             v1::Order& order, bool soon = false) {
    v1::CreateOrderRequest request;
    request.set_request_id(world_->NextRequestId());
    *request.mutable_draft() = soon ? World::SoonDraft() : World::Draft();
    request.mutable_draft()->set_community_id(community);
    ASSERT_NO_FATAL_FAILURE(Ok(
        world_->orders()->CreateOrder(world_->As(who).get(), request, &order),
        "place an order"));
  }

  void Dispatch(const std::string& worker, std::vector<std::string> to,
                v1::Order& order) {
    auto request = For<v1::DispatchOrderRequest>(order);
    request.set_department_id(to.front());
    for (size_t i = 1; i < to.size(); ++i)
      request.add_other_department_ids(to[i]);
    request.set_reason("按职责派单");
    ASSERT_NO_FATAL_FAILURE(Ok(world_->dispatch()->DispatchOrder(
                                   world_->As(worker).get(), request, &order),
                               "dispatch"));
  }

  void Claim(const std::string& clerk, v1::Order& order) {
    auto request = For<v1::ClaimOrderRequest>(order);
    ASSERT_NO_FATAL_FAILURE(Ok(
        world_->claims()->ClaimOrder(world_->As(clerk).get(), request, &order),
        "claim"));
  }

  void Assign(const std::string& clerk, std::vector<std::string> teams,
              v1::Order& order) {
    auto request = For<v1::AssignTeamRequest>(order);
    request.set_team_id(teams.front());
    for (size_t i = 1; i < teams.size(); ++i)
      request.add_other_team_ids(teams[i]);
    ASSERT_NO_FATAL_FAILURE(Ok(
        world_->claims()->AssignTeam(world_->As(clerk).get(), request, &order),
        "assign"));
  }

  void Accept(const std::string& leader, v1::Order& order) {
    auto request = For<v1::AcceptOfferRequest>(order);
    ASSERT_NO_FATAL_FAILURE(Ok(world_->fulfilment()->AcceptOffer(
                                   world_->As(leader).get(), request, &order),
                               "accept"));
  }

  void MakeOrders() {
    // The done order first: team-a holds at most two at a time.
    v1::Order done;
    ASSERT_NO_FATAL_FAILURE(
        Place("resident", "rencheng-guhuai-zhuyuan", done, /*soon=*/true));
    ASSERT_NO_FATAL_FAILURE(Dispatch("worker", {"kexie"}, done));
    ASSERT_NO_FATAL_FAILURE(Claim("clerk", done));
    ASSERT_NO_FATAL_FAILURE(Assign("clerk", {"team-a"}, done));
    ASSERT_NO_FATAL_FAILURE(Accept("leader", done));
    auto schedule = For<v1::ScheduleServiceRequest>(done);
    *schedule.mutable_schedule() = done.draft().preferred_windows(0);
    ASSERT_NO_FATAL_FAILURE(Ok(world_->fulfilment()->ScheduleService(
                                   world_->As("leader").get(), schedule, &done),
                               "schedule"));
    auto check_in = For<v1::CheckInRequest>(done);
    ASSERT_NO_FATAL_FAILURE(Ok(world_->fulfilment()->CheckIn(
                                   world_->As("leader").get(), check_in, &done),
                               "check in"));
    auto complete = For<v1::CompleteServiceRequest>(done);
    complete.set_summary("讲解防诈骗");
    v1::HoursEntry* entry = complete.add_hours();
    entry->set_volunteer_id("vol-a1");
    entry->set_hours(2);
    entry->set_reason("签到表");
    ASSERT_NO_FATAL_FAILURE(Ok(world_->fulfilment()->CompleteService(
                                   world_->As("leader").get(), complete, &done),
                               "complete"));
    v1::ListHoursRequest list_hours;
    list_hours.set_order_id(done.id());
    v1::ListHoursResponse hours;
    ASSERT_NO_FATAL_FAILURE(
        Ok(world_->fulfilment()->ListHours(world_->As("leader").get(),
                                           list_hours, &hours),
           "list hours"));
    ASSERT_EQ(hours.hours_size(), 1);
    fixture_.hours_id = hours.hours(0).id();
    v1::DeclineHoursRequest decline;
    decline.set_request_id(world_->NextRequestId());
    decline.set_hours_id(fixture_.hours_id);
    decline.set_reason("未到场");
    v1::VolunteerHours declined;
    ASSERT_NO_FATAL_FAILURE(
        Ok(world_->fulfilment()->DeclineHours(world_->As("leader").get(),
                                              decline, &declined),
           "decline hours"));
    v1::DisputeHoursRequest dispute;
    dispute.set_request_id(world_->NextRequestId());
    dispute.set_hours_id(fixture_.hours_id);
    dispute.set_reason("我到场了");
    v1::VolunteerHours disputed;
    ASSERT_NO_FATAL_FAILURE(
        Ok(world_->fulfilment()->DisputeHours(world_->As("volunteer").get(),
                                              dispute, &disputed),
           "dispute hours"));
    auto rate = For<v1::RateOrderRequest>(done);
    rate.mutable_rating()->set_overall(2);
    rate.mutable_rating()->set_punctuality(3);
    rate.mutable_rating()->set_content(2);
    rate.mutable_rating()->set_attitude(3);
    ASSERT_NO_FATAL_FAILURE(Ok(
        world_->orders()->RateOrder(world_->As("resident").get(), rate, &done),
        "rate"));
    fixture_.done_order = done.id();
    v1::ListFollowUpsRequest list_follow_ups;
    v1::ListFollowUpsResponse follow_ups;
    ASSERT_NO_FATAL_FAILURE(
        Ok(world_->dispatch()->ListFollowUps(world_->As("worker").get(),
                                             list_follow_ups, &follow_ups),
           "list follow-ups"));
    ASSERT_EQ(follow_ups.follow_ups_size(), 1);
    fixture_.follow_up_id = follow_ups.follow_ups(0).id();

    v1::Order order;
    ASSERT_NO_FATAL_FAILURE(
        Place("resident", "rencheng-guhuai-zhuyuan", order));
    ASSERT_NO_FATAL_FAILURE(Dispatch("worker", {"kexie", "minzheng"}, order));
    ASSERT_NO_FATAL_FAILURE(Claim("clerk", order));
    ASSERT_NO_FATAL_FAILURE(Assign("clerk", {"team-a", "team-b"}, order));
    ASSERT_NO_FATAL_FAILURE(Accept("leader", order));
    fixture_.order = order.id();

    v1::Order other;
    ASSERT_NO_FATAL_FAILURE(
        Place("resident2", "yanzhou-gulou-xinglong", other));
    ASSERT_NO_FATAL_FAILURE(Dispatch("worker-other", {"jiaoyu"}, other));
    ASSERT_NO_FATAL_FAILURE(Claim("clerk-other", other));
    ASSERT_NO_FATAL_FAILURE(Assign("clerk-other", {"team-d"}, other));
    fixture_.other_order = other.id();
  }

  // Two fresh orders escalated by the watchdog's move, as if their dispatch
  // deadline had passed (a clock two days ahead).
  void MakeEscalations() {
    v1::Order mine;
    v1::Order theirs;
    ASSERT_NO_FATAL_FAILURE(Place("resident", "rencheng-guhuai-zhuyuan", mine));
    ASSERT_NO_FATAL_FAILURE(
        Place("resident2", "yanzhou-gulou-xinglong", theirs));
    RedisOrderStore store(world_->client(), "jining");
    RedisDirectory directory(world_->client(), "jining");
    FakeClock later(absl::Now() + absl::Hours(48));
    IdGenerator ids(later);
    OrderWorkflow workflow(store, directory, later, ids);
    Watchdog watchdog(store, workflow, later, "jining");
    for (const auto& [order, id] :
         std::vector<std::pair<v1::Order, std::string*>>{
             {mine, &fixture_.escalation},
             {theirs, &fixture_.other_escalation}}) {
      std::optional<Command> escalate =
          WatchdogCommand(order, later.Now(), workflow.policy());
      ASSERT_TRUE(escalate.has_value());
      ASSERT_EQ(escalate->action, v1::ORDER_ACTION_ESCALATE);
      absl::StatusOr<v1::Order> escalated =
          workflow.Act(watchdog.principal(), *escalate);
      ASSERT_TRUE(escalated.ok()) << escalated.status();
      EscalationQuery query;
      absl::StatusOr<EscalationPage> page = store.ListEscalations(query);
      ASSERT_TRUE(page.ok()) << page.status();
      for (const v1::Escalation& escalation : page->escalations) {
        if (escalation.order_id() == order.id()) *id = escalation.id();
      }
      ASSERT_FALSE(id->empty());
    }
  }

  void CreateStaff(const std::string& phone, std::vector<v1::RoleGrant> grants,
                   std::string& user_id) {
    v1::CreateStaffAccountRequest request;
    request.set_request_id(world_->NextRequestId());
    request.set_phone(phone);
    request.set_display_name("备用账号");
    request.set_initial_password(World::kPassword);
    for (v1::RoleGrant& grant : grants) *request.add_grants() = grant;
    v1::User user;
    ASSERT_NO_FATAL_FAILURE(Ok(world_->identity()->CreateStaffAccount(
                                   world_->As("admin").get(), request, &user),
                               "create a staff account"));
    user_id = user.id();
  }

  void MakeAccounts() {
    fixture_.victim_phone = "13900000101";
    fixture_.victim_yanzhou_phone = "13900000102";
    const v1::RoleGrant tiexi =
        Grant(v1::ROLE_COMMUNITY_WORKER, "rencheng-guhuai-tiexi");
    const v1::RoleGrant xinglong =
        Grant(v1::ROLE_COMMUNITY_WORKER, "yanzhou-gulou-xinglong");
    ASSERT_NO_FATAL_FAILURE(
        CreateStaff(fixture_.victim_phone, {tiexi}, fixture_.victim));
    ASSERT_NO_FATAL_FAILURE(CreateStaff(fixture_.victim_yanzhou_phone,
                                        {xinglong}, fixture_.victim_yanzhou));
    ASSERT_NO_FATAL_FAILURE(
        CreateStaff("13900000103", {tiexi, xinglong}, fixture_.victim_both));
  }

  template <typename Record, typename Request, typename Stub>
  void CreateSpare(Record record, Record* (Request::*field)(),
                   grpc::Status (Stub::*create)(grpc::ClientContext*,
                                                const Request&, Record*)) {
    Request request;
    request.set_request_id(world_->NextRequestId());
    *(request.*field)() = record;
    auto stub = world_->directory();
    Record created;
    ASSERT_NO_FATAL_FAILURE(
        Ok(((*stub).*create)(world_->As("admin").get(), request, &created),
           absl::StrCat("create spare ", record.id())));
  }

  void MakeSpareRecords() {
    for (const char* suffix : {"-a", "-c"}) {
      ASSERT_NO_FATAL_FAILURE(
          CreateSpare(NewRegion(absl::StrCat("rencheng-guhuai-spare", suffix),
                                "rencheng-guhuai"),
                      &v1::CreateRegionRequest::mutable_region,
                      &v1::DirectoryService::Stub::CreateRegion));
      ASSERT_NO_FATAL_FAILURE(
          CreateSpare(NewRegion(absl::StrCat("yanzhou-gulou-spare", suffix),
                                "yanzhou-gulou"),
                      &v1::CreateRegionRequest::mutable_region,
                      &v1::DirectoryService::Stub::CreateRegion));
      ASSERT_NO_FATAL_FAILURE(CreateSpare(
          NewTeam(absl::StrCat("team-spare-r", suffix), "rencheng-guhuai"),
          &v1::CreateTeamRequest::mutable_team,
          &v1::DirectoryService::Stub::CreateTeam));
      ASSERT_NO_FATAL_FAILURE(CreateSpare(
          NewTeam(absl::StrCat("team-spare-y", suffix), "yanzhou-gulou"),
          &v1::CreateTeamRequest::mutable_team,
          &v1::DirectoryService::Stub::CreateTeam));
      ASSERT_NO_FATAL_FAILURE(CreateSpare(
          NewVolunteer(absl::StrCat("vol-spare-r", suffix), "team-a"),
          &v1::CreateVolunteerRequest::mutable_volunteer,
          &v1::DirectoryService::Stub::CreateVolunteer));
      ASSERT_NO_FATAL_FAILURE(CreateSpare(
          NewVolunteer(absl::StrCat("vol-spare-y", suffix), "team-d"),
          &v1::CreateVolunteerRequest::mutable_volunteer,
          &v1::DirectoryService::Stub::CreateVolunteer));
    }
  }

  void MakeTokens() {
    for (const std::string& column : Columns()) {
      if (IsSignedIn(column))
        fixture_.tokens[column] = world_->account(column).token;
    }
    fixture_.tokens[kNoToken] = "";
    fixture_.tokens[kUnknownToken] =
        absl::StrCat("jining.", std::string(43, 'A'));
    // A session of the resident, ended.
    v1::LoginRequest login;
    login.set_phone(world_->account("resident").phone);
    login.set_password(World::kPassword);
    v1::Session session;
    grpc::ClientContext login_context;
    ASSERT_NO_FATAL_FAILURE(Ok(
        world_->identity()->Login(&login_context, login, &session), "login"));
    grpc::ClientContext logout_context;
    logout_context.AddMetadata("authorization",
                               absl::StrCat("Bearer ", session.token()));
    v1::LogoutResponse logged_out;
    ASSERT_NO_FATAL_FAILURE(
        Ok(world_->identity()->Logout(&logout_context, v1::LogoutRequest(),
                                      &logged_out),
           "logout"));
    fixture_.tokens[kRevokedToken] = session.token();
    for (const char* column : {kNoToken, kUnknownToken, kRevokedToken}) {
      fixture_.second_tokens[column] = fixture_.tokens[column];
    }
  }

  // How many writes Redis has applied (INFO's rdb_changes_since_last_save;
  // the test's Redis never saves a snapshot, so it only grows): cheap enough to
  // read around every call, and it counts a write even when it leaves the data
  // as it was.
  int64_t Writes() {
    absl::StatusOr<RedisReply> reply =
        world_->client().Command({"INFO", "persistence"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    if (!reply.ok() || !reply->IsString()) return -1;
    constexpr absl::string_view kField = "rdb_changes_since_last_save:";
    const absl::string_view info = reply->Str();
    const size_t at = info.find(kField);
    int64_t writes = -1;
    EXPECT_NE(at, absl::string_view::npos);
    if (at == absl::string_view::npos) return -1;
    const absl::string_view digits =
        info.substr(at + kField.size(),
                    info.find_first_of("\r\n", at) - at - kField.size());
    EXPECT_TRUE(absl::SimpleAtoi(digits, &writes)) << digits;
    return writes;
  }

  // What Redis holds, as one hash (DEBUG DIGEST).
  std::string Digest() {
    absl::StatusOr<RedisReply> reply =
        world_->client().Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    return reply.ok() && reply->IsString() ? std::string(reply->Str()) : "";
  }

  // WhoAmI with `token`: UNAUTHENTICATED once the session ended.
  int WhoAmI(const std::string& token) {
    grpc::ClientContext context;
    context.AddMetadata("authorization", absl::StrCat("Bearer ", token));
    v1::User user;
    return world_->identity()
        ->WhoAmI(&context, v1::WhoAmIRequest(), &user)
        .error_code();
  }

  std::unique_ptr<World> world_;
  Fixture fixture_;
};

TEST_F(AuthorizationMatrixTest, EveryRpcByEveryCallerAnswersAsTheRulesSay) {
  const std::map<std::string, const MethodDescriptor*> api = ApiMethods();
  std::vector<Case> rows = Matrix();
  std::stable_sort(rows.begin(), rows.end(), [](const Case& a, const Case& b) {
    return a.stage < b.stage;
  });
  grpc::GenericStub stub(world_->kepud().channel());

  const absl::Time start = absl::Now();
  int calls = 0;
  int mismatches = 0;
  std::vector<std::string> table;
  for (const Case& row : rows) {
    auto method = api.find(row.method);
    ASSERT_NE(method, api.end()) << row.method;
    bool row_writes = false;
    for (const auto& [column, expect] : row.expect) row_writes |= expect.writes;
    const std::string row_before = row_writes ? "" : Digest();
    std::string line;
    for (const std::string& column : Columns()) {
      const Expect& expect = row.expect.at(column);
      Ctx ctx{world_.get(), &fixture_, column,
              absl::StrCat("authz-matrix-", ++calls)};
      std::unique_ptr<Message> request = row.request.make(ctx);
      const std::string& token = row.stage == Stage::kSecondTokens
                                     ? fixture_.second_tokens[column]
                                     : fixture_.tokens[column];
      const int64_t before = Writes();
      const Answer answer =
          CallMethod(stub, *method->second, *request, token, expect.code);
      const bool wrote = Writes() != before;
      // No call of the matrix may take the server down: stop at once, with
      // what it printed last.
      if (answer.code == grpc::StatusCode::UNAVAILABLE) {
        const std::string output = world_->kepud().process().Output();
        FAIL() << NameOf(row) << " × " << column << ": kepud is unavailable ("
               << answer.message << "); its last output:\n"
               << output.substr(output.size() > 4000 ? output.size() - 4000
                                                     : 0);
      }
      std::string problem;
      if (answer.code != expect.code) {
        problem =
            absl::StrCat("got ", CodeName(answer.code), " (", answer.message,
                         "), expected ", CodeName(expect.code));
      } else if (wrote != expect.writes) {
        problem = expect.writes ? "expected a write to Redis, none happened"
                                : "wrote to Redis, expected nothing written";
      }
      if (!problem.empty()) {
        ++mismatches;
        ADD_FAILURE() << NameOf(row) << " × " << column << ": " << problem;
      }
      if (answer.code == grpc::StatusCode::OK && row.on_ok) {
        row.on_ok(ctx, answer.response);
      }
      absl::StrAppend(&line, " ", Short(answer.code), wrote ? "*" : "",
                      problem.empty() ? "" : "!");
    }
    // A row of calls that may not write leaves every byte as it was.
    if (!row_writes) {
      EXPECT_EQ(Digest(), row_before)
          << NameOf(row) << ": what Redis holds changed";
    }
    table.push_back(absl::StrCat(NameOf(row), ":", line));
  }

  // The printed matrix: columns in order, "*" a call that wrote, "!" a cell
  // that differs from the expectation.
  std::cout << "authorization matrix (" << rows.size() << " rows × "
            << Columns().size() << " callers = " << calls << " calls; "
            << mismatches << " mismatches; "
            << absl::FormatDuration(absl::Now() - start)
            << ")\ncallers: " << absl::StrJoin(Columns(), " ") << "\n";
  for (const std::string& line : table) std::cout << line << "\n";

  // Logout ended the second sessions and RevokeSessions the first ones.
  for (const std::string& column : Columns()) {
    if (!IsSignedIn(column)) continue;
    EXPECT_EQ(WhoAmI(fixture_.tokens[column]),
              grpc::StatusCode::UNAUTHENTICATED)
        << column;
    EXPECT_EQ(WhoAmI(fixture_.second_tokens[column]),
              grpc::StatusCode::UNAUTHENTICATED)
        << column;
  }
}

}  // namespace
}  // namespace kepu::testing
