// The Accounts domain against a real redis-server (started per test) and a
// fake directory: register and sign in, the sign-in limits, sessions ending on
// logout, password changes, revocation, grant changes and deactivation, the
// scopes of city and county admins, masking, EnsureAdmin, and what Redis holds.
#include "services/identity/accounts.h"

#include <atomic>
#include <latch>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/testing/fake_directory.h"
#include "services/core/time_util.h"
#include "services/identity/redis_accounts.h"
#include "tests/identity/identity_fixtures.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

using ::testing::ElementsAre;
using testing::Grant;
using ::testing::HasSubstr;

constexpr char kTokenKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr char kAdminPhone[] = "13900000001";
constexpr char kAdminPassword[] = "admin-pass-2026";
constexpr char kPeer[] = "ipv4:10.1.2.3:50312";

std::string Phone(int n) { return absl::StrCat("137", 10000000 + n); }

class AccountsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FillDirectory(directory_);
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(server_->ClientOptions());
    sessions_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(kTokenKey), clock_);
    store_ = std::make_unique<RedisAccounts>(*redis_, testing::kTenant);
    accounts_ = std::make_unique<Accounts>(*store_, *sessions_, directory_,
                                           clock_, ids_, PasswordCost::Min());
    absl::StatusOr<v1::User> admin =
        accounts_->EnsureAdmin(kAdminPhone, kAdminPassword, "市管理员");
    ASSERT_TRUE(admin.ok()) << admin.status();
    city_admin_ = PrincipalOf(*admin);
  }

  v1::Principal PrincipalOf(const v1::User& user) {
    v1::Principal principal;
    principal.set_user_id(user.id());
    principal.set_tenant(testing::kTenant);
    principal.set_display_name(user.display_name());
    *principal.mutable_grants() = user.grants();
    return principal;
  }

  absl::StatusOr<v1::Session> Register(const std::string& phone,
                                       const std::string& password,
                                       const std::string& request_id,
                                       const std::string& name = "王阿姨") {
    v1::RegisterRequest request;
    request.set_request_id(request_id);
    request.set_phone(phone);
    request.set_password(password);
    request.set_display_name(name);
    return accounts_->Register(request, kPeer);
  }

  absl::StatusOr<v1::Session> Login(const std::string& phone,
                                    const std::string& password,
                                    const std::string& peer = kPeer) {
    v1::LoginRequest request;
    request.set_phone(phone);
    request.set_password(password);
    return accounts_->Login(request, peer);
  }

  // A staff account made by the city admin; its principal as a session has
  // it.
  v1::User Staff(const std::string& phone, std::vector<v1::RoleGrant> grants,
                 const v1::Principal* by = nullptr) {
    v1::CreateStaffAccountRequest request;
    request.set_request_id(absl::StrCat("staff-", phone));
    request.set_phone(phone);
    request.set_display_name(absl::StrCat("staff ", phone));
    request.set_initial_password("initial-2026");
    for (const v1::RoleGrant& grant : grants) *request.add_grants() = grant;
    absl::StatusOr<v1::User> user = accounts_->CreateStaffAccount(
        by != nullptr ? *by : city_admin_, request);
    EXPECT_TRUE(user.ok()) << user.status();
    return user.value_or(v1::User());
  }

  v1::GrantRoleRequest GrantRequest(const v1::User& user,
                                    const v1::RoleGrant& grant,
                                    const std::string& request_id) {
    v1::GrantRoleRequest request;
    request.set_request_id(request_id);
    request.set_user_id(user.id());
    *request.mutable_grant() = grant;
    request.set_expected_version(user.version());
    return request;
  }

  v1::RevokeRoleRequest RevokeRequest(const v1::User& user,
                                      const v1::RoleGrant& grant,
                                      const std::string& request_id) {
    v1::RevokeRoleRequest request;
    request.set_request_id(request_id);
    request.set_user_id(user.id());
    *request.mutable_grant() = grant;
    request.set_expected_version(user.version());
    return request;
  }

  v1::DeactivateUserRequest DeactivateRequest(const v1::User& user,
                                              const std::string& request_id) {
    v1::DeactivateUserRequest request;
    request.set_request_id(request_id);
    request.set_user_id(user.id());
    request.set_expected_version(user.version());
    request.set_reason("left the community office");
    return request;
  }

  bool Live(const std::string& token) {
    return accounts_->Authenticate(token).ok();
  }

  int64_t AuditLength() {
    auto reply = redis_->Command({"XLEN", store_->AuditKey()});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->Integer() : -1;
  }

  // The ids of every user the principal lists, page by page.
  std::vector<std::string> ListAll(const v1::Principal& principal,
                                   v1::Role role = v1::ROLE_UNSPECIFIED,
                                   const std::string& scope = "",
                                   int page_size = 2) {
    std::vector<std::string> ids;
    v1::ListUsersRequest request;
    request.set_role(role);
    request.set_scope_id(scope);
    request.mutable_page()->set_page_size(page_size);
    for (int pages = 0; pages < 100; ++pages) {
      absl::StatusOr<v1::ListUsersResponse> page =
          accounts_->ListUsers(principal, request);
      EXPECT_TRUE(page.ok()) << page.status();
      if (!page.ok()) break;
      EXPECT_LE(page->users_size(), page_size);
      for (const v1::User& user : page->users()) ids.push_back(user.id());
      if (page->next_page_token().empty()) break;
      request.mutable_page()->set_page_token(page->next_page_token());
    }
    return ids;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  IdGenerator ids_{clock_, 42};
  FakeDirectory directory_;
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessions> sessions_;
  std::unique_ptr<RedisAccounts> store_;
  std::unique_ptr<Accounts> accounts_;
  v1::Principal city_admin_;
};

// Residents, sessions.

TEST_F(AccountsTest, RegisterCreatesAResidentAndSignsIn) {
  absl::StatusOr<v1::Session> session =
      Register("+86 13712345678", "kepu2026pw", "register-0001");
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->user().phone(), "13712345678");
  EXPECT_EQ(session->user().display_name(), "王阿姨");
  EXPECT_EQ(session->user().version(), 1);
  EXPECT_TRUE(session->user().active());
  ASSERT_EQ(session->user().grants_size(), 1);
  EXPECT_EQ(session->user().grants(0).role(), v1::ROLE_RESIDENT);
  EXPECT_EQ(FromProto(session->expires_at()), clock_.Now() + absl::Hours(12));

  absl::StatusOr<v1::Principal> principal =
      accounts_->Authenticate(session->token());
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->user_id(), session->user().id());
  EXPECT_EQ(principal->tenant(), "jining");
  EXPECT_EQ(principal->grants(0).role(), v1::ROLE_RESIDENT);

  absl::StatusOr<v1::User> me = accounts_->WhoAmI(*principal);
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->phone(), "13712345678") << "the user sees the own number";

  absl::StatusOr<v1::Session> login = Login("13712345678", "kepu2026pw");
  ASSERT_TRUE(login.ok()) << login.status();
  EXPECT_EQ(login->user().id(), session->user().id());
  EXPECT_NE(login->token(), session->token());
}

TEST_F(AccountsTest, RegisterRetriedSignsInAgainAndCreatesNothing) {
  absl::StatusOr<v1::Session> first =
      Register(Phone(1), "kepu2026pw", "register-0001");
  ASSERT_TRUE(first.ok()) << first.status();
  const int64_t audit = AuditLength();

  absl::StatusOr<v1::Session> again =
      Register(Phone(1), "kepu2026pw", "register-0001");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->user().id(), first->user().id());
  EXPECT_EQ(again->user().version(), 1);
  EXPECT_NE(again->token(), first->token());
  EXPECT_TRUE(Live(again->token()));
  EXPECT_EQ(AuditLength(), audit) << "no second write";
  EXPECT_EQ(ListAll(city_admin_, v1::ROLE_RESIDENT).size(), 1u);

  // The same request id with other content.
  for (const auto& [password, name] :
       std::vector<std::pair<std::string, std::string>>{
           {"kepu2026other", "王阿姨"}, {"kepu2026pw", "李大爷"}}) {
    absl::StatusOr<v1::Session> reused =
        Register(Phone(1), password, "register-0001", name);
    EXPECT_TRUE(absl::IsInvalidArgument(reused.status())) << reused.status();
    EXPECT_TRUE(absl::StartsWith(reused.status().message(), "request_id"))
        << reused.status();
  }
}

TEST_F(AccountsTest, ANumberHasOneAccount) {
  ASSERT_TRUE(Register("13712345678", "kepu2026pw", "register-0001").ok());
  for (const char* phone :
       {"13712345678", "+8613712345678", "+86-13712345678"}) {
    absl::StatusOr<v1::Session> duplicate =
        Register(phone, "kepu2026other", "register-0002");
    EXPECT_TRUE(absl::IsAlreadyExists(duplicate.status()))
        << phone << ": " << duplicate.status();
  }
  // Staff accounts too.
  v1::CreateStaffAccountRequest staff;
  staff.set_request_id("staff-0001");
  staff.set_phone("13712345678");
  staff.set_display_name("张主任");
  staff.set_initial_password("initial-2026");
  *staff.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  EXPECT_TRUE(absl::IsAlreadyExists(
      accounts_->CreateStaffAccount(city_admin_, staff).status()));
}

TEST_F(AccountsTest, WrongPasswordAndUnknownNumberGetTheSameAnswer) {
  ASSERT_TRUE(Register(Phone(1), "kepu2026pw", "register-0001").ok());
  const absl::Status wrong_password = Login(Phone(1), "kepu2026PW").status();
  const absl::Status unknown_number = Login(Phone(2), "kepu2026pw").status();
  EXPECT_TRUE(absl::IsUnauthenticated(wrong_password)) << wrong_password;
  EXPECT_EQ(wrong_password, unknown_number);
}

TEST_F(AccountsTest, FailedSignInsOfANumberAreLimitedUntilTheWindowPasses) {
  ASSERT_TRUE(Register(Phone(1), "kepu2026pw", "register-0001").ok());
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login(Phone(1), "wrong-2026").status()));
    clock_.Advance(absl::Seconds(10));
  }
  // The first failure was 50 s ago: the window ends 14 min 10 s from now.
  absl::Status limited = Login(Phone(1), "kepu2026pw").status();
  EXPECT_TRUE(absl::IsResourceExhausted(limited)) << limited;
  EXPECT_EQ(limited.message(),
            "too many failed sign-ins; try again in 15 minutes");
  // Other numbers from other addresses are not affected.
  ASSERT_TRUE(Register(Phone(2), "kepu2026pw", "register-0002").ok());
  EXPECT_TRUE(Login(Phone(2), "kepu2026pw", "ipv4:10.9.9.9:1").ok());

  clock_.Advance(absl::Minutes(14));
  limited = Login(Phone(1), "kepu2026pw").status();
  EXPECT_EQ(limited.message(),
            "too many failed sign-ins; try again in 1 minute");
  clock_.Advance(absl::Seconds(10));
  // The oldest failure has left the window: one more attempt is admitted.
  EXPECT_TRUE(Login(Phone(1), "kepu2026pw").ok());
}

TEST_F(AccountsTest, ASuccessClearsTheNumbersFailures) {
  ASSERT_TRUE(Register(Phone(1), "kepu2026pw", "register-0001").ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login(Phone(1), "wrong-2026").status()));
  }
  ASSERT_TRUE(Login(Phone(1), "kepu2026pw").ok());
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login(Phone(1), "wrong-2026").status()));
  }
  EXPECT_TRUE(Login(Phone(1), "kepu2026pw").ok())
      << "4 failures since the success: still admitted";
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login(Phone(1), "wrong-2026").status()));
  }
  EXPECT_TRUE(
      absl::IsResourceExhausted(Login(Phone(1), "kepu2026pw").status()));
}

TEST_F(AccountsTest, UnknownNumbersCountTowardsTheLimitToo) {
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login(Phone(7), "wrong-2026").status()));
  }
  EXPECT_TRUE(
      absl::IsResourceExhausted(Login(Phone(7), "wrong-2026").status()));
}

TEST_F(AccountsTest, FailedSignInsFromAnAddressAreLimited) {
  ASSERT_TRUE(Register(Phone(100), "kepu2026pw", "register-0100").ok());
  // 30 failures from one address, spread over numbers (5 each, under their
  // own limit).
  for (int i = 0; i < 30; ++i) {
    EXPECT_TRUE(absl::IsUnauthenticated(
        Login(Phone(i / 5), "wrong-2026", "ipv4:10.7.7.7:4000").status()));
  }
  // From the same address (another port), even the right password.
  absl::Status limited =
      Login(Phone(100), "kepu2026pw", "ipv4:10.7.7.7:4001").status();
  EXPECT_TRUE(absl::IsResourceExhausted(limited)) << limited;
  EXPECT_THAT(std::string(limited.message()),
              HasSubstr("too many failed sign-ins"));
  // From another address: fine.
  EXPECT_TRUE(Login(Phone(100), "kepu2026pw", "ipv4:10.7.7.8:4000").ok());
  // A success does not clear the address's failures.
  EXPECT_TRUE(absl::IsResourceExhausted(
      Login(Phone(100), "kepu2026pw", "ipv4:10.7.7.7:4002").status()));
  clock_.Advance(absl::Minutes(15));
  EXPECT_TRUE(Login(Phone(100), "kepu2026pw", "ipv4:10.7.7.7:4003").ok());
}

TEST_F(AccountsTest, ConcurrentAttemptsCannotOverrunTheLimit) {
  ASSERT_TRUE(Register(Phone(1), "kepu2026pw", "register-0001").ok());
  constexpr int kThreads = 16;
  std::latch start(kThreads);
  std::atomic<int> unauthenticated{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const absl::Status status =
          Login(Phone(1), "wrong-2026", absl::StrCat("ipv4:10.3.3.", i, ":1"))
              .status();
      if (absl::IsUnauthenticated(status)) ++unauthenticated;
      if (absl::IsResourceExhausted(status)) ++limited;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(unauthenticated.load(), 5);
  EXPECT_EQ(limited.load(), kThreads - 5);
}

TEST_F(AccountsTest, ConcurrentRegistrationsOfOneNumberMakeOneAccount) {
  constexpr int kThreads = 8;
  std::latch start(kThreads);
  std::atomic<int> created{0};
  std::atomic<int> exists{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&, i] {
      start.arrive_and_wait();
      const absl::Status status =
          Register(Phone(1), "kepu2026pw", absl::StrCat("register-000", i))
              .status();
      if (status.ok()) ++created;
      if (absl::IsAlreadyExists(status)) ++exists;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(exists.load(), kThreads - 1);
  EXPECT_EQ(ListAll(city_admin_, v1::ROLE_RESIDENT).size(), 1u);
}

TEST_F(AccountsTest, ClientAddressesLoseTheirPort) {
  EXPECT_EQ(ClientAddress("ipv4:10.0.0.7:50312"), "ipv4:10.0.0.7");
  EXPECT_EQ(ClientAddress("ipv6:[::1]:50312"), "ipv6:[::1]");
  EXPECT_EQ(ClientAddress("ipv6:%5B::1%5D:50312"), "ipv6:%5B::1%5D");
  EXPECT_EQ(ClientAddress("ipv4:10.0.0.7"), "ipv4:10.0.0.7");
  EXPECT_EQ(ClientAddress("unix:/tmp/kepu.sock"), "unix:/tmp/kepu.sock");
  EXPECT_EQ(ClientAddress(""), "");
}

TEST_F(AccountsTest, LogoutEndsTheCallingSessionOnly) {
  absl::StatusOr<v1::Session> a = Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<v1::Session> b = Login(Phone(1), "kepu2026pw");
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_TRUE(accounts_->Logout(a->token()).ok());
  EXPECT_TRUE(
      absl::IsUnauthenticated(accounts_->Authenticate(a->token()).status()));
  EXPECT_TRUE(Live(b->token()));
}

TEST_F(AccountsTest, SessionsLastTwelveHours) {
  absl::StatusOr<v1::Session> session =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(session.ok()) << session.status();
  clock_.Advance(absl::Hours(12) - absl::Seconds(1));
  EXPECT_TRUE(Live(session->token()));
  clock_.Advance(absl::Seconds(1));
  EXPECT_FALSE(Live(session->token()));
}

TEST_F(AccountsTest, ChangePasswordChecksTheCurrentOneAndEndsOtherSessions) {
  absl::StatusOr<v1::Session> here =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(here.ok()) << here.status();
  absl::StatusOr<v1::Session> elsewhere = Login(Phone(1), "kepu2026pw");
  ASSERT_TRUE(elsewhere.ok()) << elsewhere.status();
  const v1::Principal me = *accounts_->Authenticate(here->token());

  v1::ChangePasswordRequest wrong;
  wrong.set_current_password("not-it-2026");
  wrong.set_new_password("kepu2027pw");
  absl::Status refused =
      accounts_->ChangePassword(me, here->token(), wrong, kPeer);
  EXPECT_TRUE(absl::IsInvalidArgument(refused)) << refused;
  EXPECT_TRUE(absl::StartsWith(refused.message(), "current_password"))
      << refused;
  EXPECT_TRUE(Live(elsewhere->token()));

  v1::ChangePasswordRequest change;
  change.set_current_password("kepu2026pw");
  change.set_new_password("kepu2027pw");
  ASSERT_TRUE(accounts_->ChangePassword(me, here->token(), change, kPeer).ok());
  EXPECT_TRUE(Live(here->token())) << "the calling session stays";
  EXPECT_FALSE(Live(elsewhere->token())) << "the others end";
  EXPECT_TRUE(absl::IsUnauthenticated(Login(Phone(1), "kepu2026pw").status()));
  absl::StatusOr<v1::Session> fresh = Login(Phone(1), "kepu2027pw");
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_EQ(fresh->user().version(), 2);
  // A repeated Register of the old request no longer signs in: the password
  // is checked as at sign-in.
  EXPECT_TRUE(absl::IsUnauthenticated(
      Register(Phone(1), "kepu2026pw", "reg-00001").status()));
}

TEST_F(AccountsTest, WrongCurrentPasswordsCountAsFailedSignIns) {
  absl::StatusOr<v1::Session> here =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(here.ok()) << here.status();
  const v1::Principal me = *accounts_->Authenticate(here->token());
  v1::ChangePasswordRequest wrong;
  wrong.set_current_password("not-it-2026");
  wrong.set_new_password("kepu2027pw");
  for (int i = 0; i < 5; ++i) {
    EXPECT_TRUE(absl::IsInvalidArgument(
        accounts_->ChangePassword(me, here->token(), wrong, kPeer)));
  }
  wrong.set_current_password("kepu2026pw");
  EXPECT_TRUE(absl::IsResourceExhausted(
      accounts_->ChangePassword(me, here->token(), wrong, kPeer)));
}

TEST_F(AccountsTest, RevokeSessionsOwnOrAsAnAdminInScope) {
  absl::StatusOr<v1::Session> a = Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(a.ok()) << a.status();
  absl::StatusOr<v1::Session> b = Login(Phone(1), "kepu2026pw");
  ASSERT_TRUE(b.ok());
  const v1::Principal me = *accounts_->Authenticate(a->token());

  // Another resident's sessions: not for a resident.
  absl::StatusOr<v1::Session> other =
      Register(Phone(2), "kepu2026pw", "reg-00002");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(absl::IsPermissionDenied(
      accounts_->RevokeSessions(me, other->user().id()).status()));

  absl::StatusOr<int> revoked = accounts_->RevokeSessions(me, me.user_id());
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 2);
  EXPECT_FALSE(Live(a->token()));
  EXPECT_FALSE(Live(b->token()));
  EXPECT_TRUE(Live(other->token()));

  // A county admin does not reach a resident: not found.
  const v1::User county =
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)});
  EXPECT_TRUE(absl::IsNotFound(
      accounts_->RevokeSessions(PrincipalOf(county), other->user().id())
          .status()));
  EXPECT_TRUE(absl::IsNotFound(
      accounts_->RevokeSessions(city_admin_, "01JDNOSUCHUSER0000000000000")
          .status()));
  revoked = accounts_->RevokeSessions(city_admin_, other->user().id());
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 1);
  EXPECT_FALSE(Live(other->token()));
}

// Admins: staff, grants, deactivation.

TEST_F(AccountsTest, GrantAndRevokeAreVersionedIdempotentAndEndSessions) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  ASSERT_EQ(worker.version(), 1);
  absl::StatusOr<v1::Session> session = Login(Phone(1), "initial-2026");
  ASSERT_TRUE(session.ok()) << session.status();
  EXPECT_EQ(session->user().grants_size(), 1);

  const v1::RoleGrant team = Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam);
  const v1::GrantRoleRequest grant = GrantRequest(worker, team, "grant-0001");
  absl::StatusOr<v1::User> granted = accounts_->GrantRole(city_admin_, grant);
  ASSERT_TRUE(granted.ok()) << granted.status();
  EXPECT_EQ(granted->version(), 2);
  ASSERT_EQ(granted->grants_size(), 2);
  EXPECT_FALSE(Live(session->token())) << "a change of grants ends sessions";
  absl::StatusOr<v1::Session> again = Login(Phone(1), "initial-2026");
  ASSERT_TRUE(again.ok()) << again.status();
  absl::StatusOr<v1::Principal> principal =
      accounts_->Authenticate(again->token());
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->grants_size(), 2) << "the new session has the grant";

  // The same request: the first result, nothing written.
  const int64_t audit = AuditLength();
  absl::StatusOr<v1::User> replayed = accounts_->GrantRole(city_admin_, grant);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->version(), 2);
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_TRUE(Live(again->token())) << "a replay ends nothing";
  // The same request id for something else.
  v1::GrantRoleRequest reused = grant;
  reused.mutable_grant()->set_role(v1::ROLE_TEAM_LEADER);
  absl::Status status = accounts_->GrantRole(city_admin_, reused).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "request_id")) << status;
  // A stale version.
  v1::GrantRoleRequest stale =
      GrantRequest(worker, Grant(v1::ROLE_TEAM_LEADER, testing::kRenchengTeam),
                   "grant-0002");
  status = accounts_->GrantRole(city_admin_, stale).status();
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  // A grant already held.
  status =
      accounts_
          ->GrantRole(city_admin_, GrantRequest(*granted, team, "grant-0003"))
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  EXPECT_EQ(AuditLength(), audit) << "refusals write nothing";

  absl::StatusOr<v1::User> revoked = accounts_->RevokeRole(
      city_admin_, RevokeRequest(*granted, team, "revoke-0001"));
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(revoked->version(), 3);
  ASSERT_EQ(revoked->grants_size(), 1);
  EXPECT_EQ(revoked->grants(0).role(), v1::ROLE_COMMUNITY_WORKER);
  EXPECT_FALSE(Live(again->token()));
  status = accounts_
               ->RevokeRole(city_admin_,
                            RevokeRequest(*revoked, team, "revoke-0002"))
               .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(status)) << status;
  status = accounts_
               ->RevokeRole(city_admin_,
                            RevokeRequest(*granted, team, "revoke-0003"))
               .status();
  EXPECT_TRUE(absl::IsAborted(status)) << status;
  EXPECT_TRUE(absl::IsNotFound(
      accounts_
          ->GrantRole(city_admin_,
                      [&] {
                        v1::GrantRoleRequest r =
                            GrantRequest(worker, team, "grant-0004");
                        r.set_user_id("01JDNOSUCHUSER0000000000000");
                        return r;
                      }())
          .status()));
}

TEST_F(AccountsTest, GrantScopesMustExist) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  absl::Status status =
      accounts_
          ->GrantRole(
              city_admin_,
              GrantRequest(worker, Grant(v1::ROLE_TEAM_LEADER, "no-such-team"),
                           "grant-0001"))
          .status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "grant.scope_id")) << status;

  v1::CreateStaffAccountRequest request;
  request.set_request_id("staff-0001");
  request.set_phone(Phone(2));
  request.set_display_name("李干事");
  request.set_initial_password("initial-2026");
  *request.add_grants() = Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie);
  *request.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kRencheng);
  status = accounts_->CreateStaffAccount(city_admin_, request).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "grants[1].scope_id"))
      << status;
  EXPECT_TRUE(absl::IsUnauthenticated(Login(Phone(2), "initial-2026").status()))
      << "nothing was created";
}

TEST_F(AccountsTest, CountyAdminsCreateStaffInsideTheirCountyOnly) {
  const v1::User county_user =
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)});
  const v1::Principal county = PrincipalOf(county_user);
  struct Case {
    v1::RoleGrant grant;
    bool allowed;
  };
  const Case cases[] = {
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan), true},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kGuhuai), true},
      {Grant(v1::ROLE_TEAM_LEADER, testing::kRenchengTeam), true},
      {Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam), true},
      {Grant(v1::ROLE_ADMIN, testing::kRencheng), true},
      {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong), false},
      {Grant(v1::ROLE_TEAM_LEADER, testing::kCrossTeam), false},
      {Grant(v1::ROLE_VOLUNTEER, testing::kYanzhouTeam), false},
      {Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie), false},
      {Grant(v1::ROLE_ADMIN, testing::kYanzhou), false},
      {Grant(v1::ROLE_ADMIN, testing::kTenant), false},
      {Grant(v1::ROLE_RESIDENT), false},
  };
  int n = 0;
  for (const Case& c : cases) {
    ++n;
    v1::CreateStaffAccountRequest request;
    request.set_request_id(absl::StrCat("county-staff-", n));
    request.set_phone(Phone(n));
    request.set_display_name("staff");
    request.set_initial_password("initial-2026");
    // A first grant inside the county, then the one under test.
    *request.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
    if (c.grant.role() != v1::ROLE_COMMUNITY_WORKER ||
        c.grant.scope_id() != testing::kZhuyuan) {
      *request.add_grants() = c.grant;
    }
    absl::StatusOr<v1::User> user =
        accounts_->CreateStaffAccount(county, request);
    if (c.allowed) {
      ASSERT_TRUE(user.ok())
          << c.grant.ShortDebugString() << ": " << user.status();
      EXPECT_EQ(user->phone(), Phone(n)) << "an admin in scope sees the number";
    } else {
      EXPECT_TRUE(absl::IsPermissionDenied(user.status()))
          << c.grant.ShortDebugString() << ": " << user.status();
      EXPECT_TRUE(absl::StartsWith(user.status().message(), "grants[1]"))
          << user.status();
    }
  }
  // The city admin may create any of them.
  Staff(Phone(90), {Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie),
                    Grant(v1::ROLE_TEAM_LEADER, testing::kCrossTeam)});
}

TEST_F(AccountsTest, CountyAdminsSeeAndListOnlyAccountsInScope) {
  const v1::Principal county = PrincipalOf(
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)}));
  const v1::User inside =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  const v1::User outside =
      Staff(Phone(2), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong)});
  const v1::User partly =
      Staff(Phone(3), {Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam),
                       Grant(v1::ROLE_DEPARTMENT_STAFF, testing::kKexie)});
  const v1::User leader =
      Staff(Phone(4), {Grant(v1::ROLE_TEAM_LEADER, testing::kRenchengTeam)});
  absl::StatusOr<v1::Session> resident =
      Register(Phone(5), "kepu2026pw", "reg-00005");
  ASSERT_TRUE(resident.ok());

  absl::StatusOr<v1::User> got = accounts_->GetUser(county, inside.id());
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(got->phone(), Phone(1));
  EXPECT_TRUE(accounts_->GetUser(county, partly.id()).ok());
  EXPECT_TRUE(
      absl::IsNotFound(accounts_->GetUser(county, outside.id()).status()));
  EXPECT_TRUE(absl::IsNotFound(
      accounts_->GetUser(county, resident->user().id()).status()));
  EXPECT_TRUE(accounts_->GetUser(city_admin_, outside.id()).ok());

  // Listing: every account the admin reaches, in creation order, across
  // pages.
  EXPECT_THAT(ListAll(county), ElementsAre(county.user_id(), inside.id(),
                                           partly.id(), leader.id()));
  EXPECT_EQ(ListAll(city_admin_).size(), 7u);
  EXPECT_THAT(ListAll(city_admin_, v1::ROLE_COMMUNITY_WORKER),
              ElementsAre(inside.id(), outside.id()));
  EXPECT_THAT(
      ListAll(city_admin_, v1::ROLE_COMMUNITY_WORKER, testing::kXinglong),
      ElementsAre(outside.id()));
  EXPECT_THAT(ListAll(county, v1::ROLE_COMMUNITY_WORKER, testing::kXinglong),
              ElementsAre());
  EXPECT_THAT(
      ListAll(city_admin_, v1::ROLE_UNSPECIFIED, testing::kRenchengTeam),
      ElementsAre(partly.id(), leader.id()));
  EXPECT_THAT(ListAll(city_admin_, v1::ROLE_RESIDENT),
              ElementsAre(resident->user().id()));
  EXPECT_THAT(ListAll(city_admin_, v1::ROLE_ADMIN, "", 1),
              ElementsAre(city_admin_.user_id(), county.user_id()));

  v1::ListUsersRequest bad;
  bad.mutable_page()->set_page_token("garbage");
  absl::Status status = accounts_->ListUsers(county, bad).status();
  EXPECT_TRUE(absl::IsInvalidArgument(status)) << status;
  EXPECT_TRUE(absl::StartsWith(status.message(), "page.page_token")) << status;
}

TEST_F(AccountsTest, ACountyAdminsPageStopsAtTheScanBudget) {
  AccountsOptions options;
  options.list_scan_budget = 3;
  Accounts accounts(*store_, *sessions_, directory_, clock_, ids_,
                    PasswordCost::Min(), options);
  const v1::Principal county = PrincipalOf(
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)}));
  std::vector<std::string> expected = {county.user_id()};
  for (int i = 0; i < 4; ++i) {
    Staff(Phone(i), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong)});
  }
  expected.push_back(
      Staff(Phone(9), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)})
          .id());
  v1::ListUsersRequest request;
  request.mutable_page()->set_page_size(10);
  std::vector<std::string> listed;
  int pages = 0;
  while (pages < 10) {
    ++pages;
    absl::StatusOr<v1::ListUsersResponse> page =
        accounts.ListUsers(county, request);
    ASSERT_TRUE(page.ok()) << page.status();
    for (const v1::User& user : page->users()) listed.push_back(user.id());
    if (page->next_page_token().empty()) break;
    request.mutable_page()->set_page_token(page->next_page_token());
  }
  EXPECT_EQ(listed, expected);
  EXPECT_EQ(pages, 3) << "7 accounts scanned 3 at a time";
}

TEST_F(AccountsTest, CountyAdminsChangeOnlyGrantsInScope) {
  const v1::Principal county = PrincipalOf(
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)}));
  v1::User user =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  absl::Status status =
      accounts_
          ->GrantRole(county, GrantRequest(user,
                                           Grant(v1::ROLE_DEPARTMENT_STAFF,
                                                 testing::kKexie),
                                           "grant-0001"))
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  absl::StatusOr<v1::User> granted = accounts_->GrantRole(
      county,
      GrantRequest(user, Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam),
                   "grant-0002"));
  ASSERT_TRUE(granted.ok()) << granted.status();

  // The city admin adds a grant outside the county: the county admin may
  // no longer deactivate the account, nor revoke that grant.
  absl::StatusOr<v1::User> wider = accounts_->GrantRole(
      city_admin_,
      GrantRequest(*granted,
                   Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong),
                   "grant-0003"));
  ASSERT_TRUE(wider.ok()) << wider.status();
  status =
      accounts_
          ->RevokeRole(county, RevokeRequest(*wider,
                                             Grant(v1::ROLE_COMMUNITY_WORKER,
                                                   testing::kXinglong),
                                             "revoke-0001"))
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;
  status =
      accounts_->DeactivateUser(county, DeactivateRequest(*wider, "deact-0001"))
          .status();
  EXPECT_TRUE(absl::IsPermissionDenied(status)) << status;

  // Revoking its last grants in the county: the account leaves the county
  // admin's reach, and the answer shows its number masked.
  absl::StatusOr<v1::User> less = accounts_->RevokeRole(
      county,
      RevokeRequest(*wider, Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam),
                    "revoke-0002"));
  ASSERT_TRUE(less.ok()) << less.status();
  EXPECT_EQ(less->phone(), Phone(1));
  absl::StatusOr<v1::User> gone = accounts_->RevokeRole(
      county,
      RevokeRequest(*less, Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan),
                    "revoke-0003"));
  ASSERT_TRUE(gone.ok()) << gone.status();
  EXPECT_EQ(gone->phone(), "137****0001");
  EXPECT_TRUE(absl::IsNotFound(accounts_->GetUser(county, user.id()).status()));
  EXPECT_EQ(accounts_->GetUser(city_admin_, user.id())->phone(), Phone(1));
}

TEST_F(AccountsTest, CountyAdminsNeitherLearnOfNorChangeAccountsOutOfReach) {
  const v1::Principal county = PrincipalOf(
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)}));
  const v1::User outside =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kXinglong)});
  absl::StatusOr<v1::Session> resident =
      Register(Phone(2), "secret-2026", "register-0001");
  ASSERT_TRUE(resident.ok()) << resident.status();
  const int64_t audit = AuditLength();

  // A grant in the county, to accounts the county admin does not reach: as
  // if they did not exist, whatever the version.
  const v1::RoleGrant zhuyuan =
      Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  v1::GrantRoleRequest grant = GrantRequest(outside, zhuyuan, "grant-0001");
  absl::Status status = accounts_->GrantRole(county, grant).status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  grant.set_request_id("grant-0002");
  grant.set_expected_version(outside.version() + 5);
  status = accounts_->GrantRole(county, grant).status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  status =
      accounts_
          ->RevokeRole(county, RevokeRequest(outside, zhuyuan, "revoke-0001"))
          .status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  status = accounts_
               ->GrantRole(county, GrantRequest(resident->user(), zhuyuan,
                                                "grant-0003"))
               .status();
  EXPECT_TRUE(absl::IsNotFound(status)) << status;
  EXPECT_EQ(AuditLength(), audit) << "refusals write nothing";

  // The city admin reaches every account.
  absl::StatusOr<v1::User> granted = accounts_->GrantRole(
      city_admin_, GrantRequest(outside, zhuyuan, "grant-0004"));
  ASSERT_TRUE(granted.ok()) << granted.status();
  // Now partly in the county: the county admin may take back its own grant.
  absl::StatusOr<v1::User> revoked = accounts_->RevokeRole(
      county, RevokeRequest(*granted, zhuyuan, "revoke-0002"));
  EXPECT_TRUE(revoked.ok()) << revoked.status();
}

TEST_F(AccountsTest, PhonesAreMaskedForAnyoneButTheUserAndAdminsInScope) {
  v1::User user;
  user.set_id("u1");
  user.set_phone("13812345678");
  v1::Principal self;
  self.set_user_id("u1");
  v1::Principal other;
  other.set_user_id("u2");
  EXPECT_EQ(UserView(self, user, false).phone(), "13812345678");
  EXPECT_EQ(UserView(other, user, true).phone(), "13812345678");
  EXPECT_EQ(UserView(other, user, false).phone(), "138****5678");
}

TEST_F(AccountsTest, DeactivatedAccountsCannotSignInAndTheirSessionsEnd) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  absl::StatusOr<v1::Session> session = Login(Phone(1), "initial-2026");
  ASSERT_TRUE(session.ok()) << session.status();

  const v1::DeactivateUserRequest request =
      DeactivateRequest(worker, "deactivate-0001");
  absl::StatusOr<v1::User> deactivated =
      accounts_->DeactivateUser(city_admin_, request);
  ASSERT_TRUE(deactivated.ok()) << deactivated.status();
  EXPECT_FALSE(deactivated->active());
  EXPECT_EQ(deactivated->version(), 2);
  EXPECT_FALSE(Live(session->token()));
  absl::Status login = Login(Phone(1), "initial-2026").status();
  EXPECT_TRUE(absl::IsPermissionDenied(login)) << login;
  EXPECT_TRUE(absl::IsUnauthenticated(Login(Phone(1), "wrong-2026").status()))
      << "a wrong password still says only that";

  absl::StatusOr<v1::User> replayed =
      accounts_->DeactivateUser(city_admin_, request);
  ASSERT_TRUE(replayed.ok()) << replayed.status();
  EXPECT_EQ(replayed->version(), 2);
  absl::Status again =
      accounts_
          ->DeactivateUser(city_admin_,
                           DeactivateRequest(*deactivated, "deactivate-0002"))
          .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  again = accounts_
              ->DeactivateUser(city_admin_,
                               DeactivateRequest(worker, "deactivate-0003"))
              .status();
  EXPECT_TRUE(absl::IsAborted(again)) << again;
  again = accounts_
              ->GrantRole(city_admin_,
                          GrantRequest(
                              *deactivated,
                              Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam),
                              "grant-0001"))
              .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
  // Admins cannot deactivate themselves.
  absl::StatusOr<v1::User> admin =
      accounts_->GetUser(city_admin_, city_admin_.user_id());
  ASSERT_TRUE(admin.ok());
  again = accounts_
              ->DeactivateUser(city_admin_,
                               DeactivateRequest(*admin, "deactivate-0004"))
              .status();
  EXPECT_TRUE(absl::IsFailedPrecondition(again)) << again;
}

TEST_F(AccountsTest, NonAdminsManageNoAccounts) {
  absl::StatusOr<v1::Session> resident =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(resident.ok());
  const v1::Principal me = *accounts_->Authenticate(resident->token());
  EXPECT_TRUE(
      absl::IsPermissionDenied(accounts_->GetUser(me, me.user_id()).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(
      accounts_->ListUsers(me, v1::ListUsersRequest()).status()));
  EXPECT_TRUE(absl::IsPermissionDenied(
      accounts_
          ->GrantRole(me, GrantRequest(resident->user(),
                                       Grant(v1::ROLE_ADMIN, testing::kTenant),
                                       "grant-0001"))
          .status()));
}

TEST_F(AccountsTest, EnsureAdminTwiceIsANoOp) {
  const int64_t audit = AuditLength();
  absl::StatusOr<v1::User> again =
      accounts_->EnsureAdmin(kAdminPhone, "another-pass-2026", "市管理员");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->id(), city_admin_.user_id());
  EXPECT_EQ(again->version(), 1);
  EXPECT_EQ(AuditLength(), audit);
  EXPECT_TRUE(Login(kAdminPhone, kAdminPassword).ok())
      << "the password is left alone";
  EXPECT_EQ(ListAll(city_admin_, v1::ROLE_ADMIN).size(), 1u);

  // An existing account of the number gets the role (and signs in again).
  absl::StatusOr<v1::Session> resident =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(resident.ok());
  absl::StatusOr<v1::User> promoted =
      accounts_->EnsureAdmin(Phone(1), "ignored-2026", "x");
  ASSERT_TRUE(promoted.ok()) << promoted.status();
  EXPECT_EQ(promoted->id(), resident->user().id());
  EXPECT_EQ(promoted->version(), 2);
  EXPECT_EQ(promoted->grants_size(), 2);
  EXPECT_FALSE(Live(resident->token()));

  EXPECT_TRUE(absl::IsInvalidArgument(
      accounts_->EnsureAdmin("12345", kAdminPassword, "x").status()));
  EXPECT_TRUE(absl::IsInvalidArgument(
      accounts_->EnsureAdmin(Phone(2), "short", "x").status()));
}

TEST_F(AccountsTest, WritesLeaveAnAuditTrail) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  clock_.Advance(absl::Minutes(1));
  ASSERT_TRUE(
      accounts_
          ->GrantRole(city_admin_, GrantRequest(worker,
                                                Grant(v1::ROLE_VOLUNTEER,
                                                      testing::kRenchengTeam),
                                                "grant-0001"))
          .ok());
  auto last = redis_->Command(
      {"XREVRANGE", store_->AuditKey(), "+", "-", "COUNT", "1"});
  ASSERT_TRUE(last.ok()) << last.status();
  ASSERT_EQ(last->Size(), 1u);
  const RedisReply fields = (*last)[0][1];
  std::map<std::string, std::string> entry;
  for (size_t i = 0; i + 1 < fields.Size(); i += 2) {
    entry[std::string(fields[i].Str())] = std::string(fields[i + 1].Str());
  }
  EXPECT_EQ(entry["at"], absl::StrCat(absl::ToUnixMillis(clock_.Now())));
  EXPECT_EQ(entry["actor"], city_admin_.user_id());
  EXPECT_EQ(entry["action"], "kepu.v1.IdentityService/GrantRole");
  EXPECT_EQ(entry["target"], absl::StrCat("user/", worker.id()));
  EXPECT_EQ(entry["request_id"], "grant-0001");
  EXPECT_EQ(entry["actor_name"], "市管理员");
  EXPECT_EQ(entry["role"], absl::StrCat(static_cast<int>(v1::ROLE_ADMIN)));
  EXPECT_EQ(entry["outcome"], "OK");
  // One entry per write: EnsureAdmin, CreateStaffAccount, GrantRole.
  EXPECT_EQ(AuditLength(), 3);
}

TEST_F(AccountsTest, RedisHoldsNeitherPasswordsNorTokens) {
  std::vector<std::string> secrets;
  std::vector<std::string> tokens;
  absl::StatusOr<v1::Session> resident =
      Register(Phone(1), "kepu2026pw", "reg-00001");
  ASSERT_TRUE(resident.ok());
  secrets.push_back("kepu2026pw");
  tokens.push_back(resident->token());
  Staff(Phone(2), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  secrets.push_back("initial-2026");
  absl::StatusOr<v1::Session> staff = Login(Phone(2), "initial-2026");
  ASSERT_TRUE(staff.ok());
  tokens.push_back(staff->token());
  const v1::Principal me = *accounts_->Authenticate(resident->token());
  v1::ChangePasswordRequest change;
  change.set_current_password("kepu2026pw");
  change.set_new_password("kepu2027new");
  ASSERT_TRUE(
      accounts_->ChangePassword(me, resident->token(), change, kPeer).ok());
  secrets.push_back("kepu2027new");
  absl::StatusOr<v1::Session> admin = Login(kAdminPhone, kAdminPassword);
  ASSERT_TRUE(admin.ok());
  secrets.push_back(kAdminPassword);
  tokens.push_back(admin->token());
  // A failed sign-in with a password-like string.
  EXPECT_FALSE(Login(Phone(3), "typo-pass-2026").ok());
  secrets.push_back("typo-pass-2026");

  absl::StatusOr<std::vector<std::string>> dump = testing::DumpRedis(*redis_);
  ASSERT_TRUE(dump.ok()) << dump.status();
  for (const std::string& secret : secrets) {
    EXPECT_FALSE(testing::DumpContains(*dump, secret)) << secret;
  }
  for (const std::string& token : tokens) {
    EXPECT_FALSE(
        testing::DumpContains(*dump, token.substr(token.find('.') + 1)))
        << token;
  }
  // Password hashes are argon2id, one per account.
  int hashes = 0;
  for (const std::string& user_id :
       {me.user_id(), city_admin_.user_id(), staff->user().id()}) {
    auto hash = redis_->Command({"HGET", store_->UserKey(user_id), "h"});
    ASSERT_TRUE(hash.ok());
    EXPECT_TRUE(absl::StartsWith(hash->Str(), "$argon2id$")) << hash->Str();
    ++hashes;
  }
  EXPECT_EQ(hashes, 3);
  // No number without an account is spelled out (failure counters use a
  // keyed digest).
  EXPECT_FALSE(testing::DumpContains(*dump, Phone(3)));
}

TEST_F(AccountsTest, ASessionIsNotStoredForAnAccountThatChanged) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  v1::Principal principal = PrincipalOf(worker);
  absl::StatusOr<PreparedSession> session =
      sessions_->Prepare(principal, absl::Hours(1));
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE(
      accounts_
          ->GrantRole(city_admin_, GrantRequest(worker,
                                                Grant(v1::ROLE_VOLUNTEER,
                                                      testing::kRenchengTeam),
                                                "grant-0001"))
          .ok());
  // The sign-in read the account at version 1; the grant moved it on.
  absl::Status stored = store_->StoreSession(worker, *session);
  EXPECT_TRUE(absl::IsAborted(stored)) << stored;
  EXPECT_FALSE(Live(session->token));
}

TEST_F(AccountsTest, TheDirectoryOrRedisDownIsUnavailable) {
  v1::User worker =
      Staff(Phone(1), {Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan)});
  const v1::Principal county = PrincipalOf(
      Staff(Phone(50), {Grant(v1::ROLE_ADMIN, testing::kRencheng)}));
  directory_.SetUnavailable(true);
  EXPECT_TRUE(
      absl::IsUnavailable(accounts_->GetUser(county, worker.id()).status()));
  directory_.SetUnavailable(false);

  ASSERT_TRUE(server_->Kill().ok());
  EXPECT_TRUE(absl::IsUnavailable(Login(Phone(1), "initial-2026").status()));
  EXPECT_TRUE(absl::IsUnavailable(
      Register(Phone(2), "kepu2026pw", "reg-00002").status()));
  EXPECT_TRUE(absl::IsUnavailable(
      accounts_->GetUser(city_admin_, worker.id()).status()));
}

}  // namespace
}  // namespace kepu
