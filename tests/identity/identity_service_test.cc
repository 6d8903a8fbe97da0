// IdentityService as clients meet it: a real gRPC server on 127.0.0.1:0 in the
// test process, a real redis-server, called through the generated stub.
#include "services/identity/identity_service.h"

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/core/testing/fake_directory.h"
#include "tests/identity/identity_fixtures.h"
#include "tests/support/call_context.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

using testing::Grant;

constexpr char kTokenKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr char kAdminPhone[] = "13900000001";
constexpr char kAdminPassword[] = "admin-pass-2026";

class IdentityServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    testing::FillDirectory(directory_);
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    redis_server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(redis_server_->ClientOptions());
    sessions_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(kTokenKey), clock_);
    pool_ = std::make_unique<WorkPool>(4, 64);
    env_ = std::make_unique<ServiceEnv>(
        ServiceEnv{*pool_, *pool_, *sessions_, clock_, calls_, tenants_});
    domains_ = std::make_unique<IdentityDomains>(
        tenants_, [this](const std::string& tenant) {
          return std::make_unique<IdentityDomain>(*redis_, tenant, clock_, ids_,
                                                  *sessions_, directory_,
                                                  PasswordCost::Min());
        });
    service_ = std::make_unique<IdentityServiceImpl>(*env_, *domains_);
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(service_.get());
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_NE(port, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                   grpc::InsecureChannelCredentials());
    stub_ = v1::IdentityService::NewStub(channel_);

    absl::StatusOr<v1::User> admin = EnsureAdmin(
        *domains_, "jining", kAdminPhone, kAdminPassword, "市管理员");
    ASSERT_TRUE(admin.ok()) << admin.status();
    absl::StatusOr<v1::Session> session = Login(kAdminPhone, kAdminPassword);
    ASSERT_TRUE(session.ok()) << session.status();
    admin_token_ = session->token();
  }

  void TearDown() override {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::unique_ptr<grpc::ClientContext> Context(const std::string& token = "",
                                               const std::string& tenant = "") {
    return kepu::testing::CallContext(token, tenant);
  }

  static absl::Status ToAbsl(const grpc::Status& status) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }

  absl::StatusOr<v1::Session> Register(const std::string& phone,
                                       const std::string& password,
                                       const std::string& request_id,
                                       const std::string& tenant = "") {
    v1::RegisterRequest request;
    request.set_request_id(request_id);
    request.set_phone(phone);
    request.set_password(password);
    request.set_display_name("王阿姨");
    v1::Session session;
    grpc::Status status =
        stub_->Register(Context("", tenant).get(), request, &session);
    if (!status.ok()) return ToAbsl(status);
    return session;
  }

  absl::StatusOr<v1::Session> Login(const std::string& phone,
                                    const std::string& password,
                                    const std::string& tenant = "") {
    v1::LoginRequest request;
    request.set_phone(phone);
    request.set_password(password);
    v1::Session session;
    grpc::Status status =
        stub_->Login(Context("", tenant).get(), request, &session);
    if (!status.ok()) return ToAbsl(status);
    return session;
  }

  absl::StatusOr<v1::User> WhoAmI(const std::string& token) {
    v1::User user;
    grpc::Status status =
        stub_->WhoAmI(Context(token).get(), v1::WhoAmIRequest(), &user);
    if (!status.ok()) return ToAbsl(status);
    return user;
  }

  int64_t KeyCount() {
    auto reply = redis_->Command({"DBSIZE"});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->Integer() : -1;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  IdGenerator ids_{clock_, 7};
  FakeDirectory directory_;
  CallTracker calls_;
  const Tenants tenants_ = *Tenants::Make({"jining", "heze", "qufu"}, "jining");
  std::unique_ptr<testing::RedisServer> redis_server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessions> sessions_;
  std::unique_ptr<WorkPool> pool_;
  std::unique_ptr<ServiceEnv> env_;
  std::unique_ptr<IdentityDomains> domains_;
  std::unique_ptr<IdentityServiceImpl> service_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IdentityService::Stub> stub_;
  std::string admin_token_;
};

TEST_F(IdentityServiceTest, RegisterSignInWhoAmIAndLogout) {
  absl::StatusOr<v1::Session> registered =
      Register("13712345678", "kepu2026pw", "register-0001");
  ASSERT_TRUE(registered.ok()) << registered.status();
  EXPECT_TRUE(absl::StartsWith(registered->token(), "jining."));

  absl::StatusOr<v1::Session> session = Login("+8613712345678", "kepu2026pw");
  ASSERT_TRUE(session.ok()) << session.status();
  absl::StatusOr<v1::User> me = WhoAmI(session->token());
  ASSERT_TRUE(me.ok()) << me.status();
  EXPECT_EQ(me->id(), registered->user().id());
  EXPECT_EQ(me->phone(), "13712345678");

  v1::LogoutResponse out;
  ASSERT_TRUE(
      stub_->Logout(Context(session->token()).get(), v1::LogoutRequest(), &out)
          .ok());
  EXPECT_TRUE(absl::IsUnauthenticated(WhoAmI(session->token()).status()));
  EXPECT_TRUE(WhoAmI(registered->token()).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(WhoAmI("").status()));
}

TEST_F(IdentityServiceTest, PublicCallsNameTheirTenantInMetadata) {
  absl::StatusOr<v1::Session> heze =
      Register("13712345678", "kepu2026pw", "register-0001", "heze");
  ASSERT_TRUE(heze.ok()) << heze.status();
  EXPECT_TRUE(absl::StartsWith(heze->token(), "heze."));
  // The same number is another account in another tenant.
  absl::StatusOr<v1::Session> jining =
      Register("13712345678", "kepu2026pw", "register-0001");
  ASSERT_TRUE(jining.ok()) << jining.status();
  EXPECT_NE(jining->user().id(), heze->user().id());

  v1::AuthenticateRequest request;
  request.set_token(heze->token());
  v1::Principal principal;
  ASSERT_TRUE(stub_->Authenticate(Context().get(), request, &principal).ok());
  EXPECT_EQ(principal.tenant(), "heze");
  EXPECT_EQ(principal.user_id(), heze->user().id());
  EXPECT_EQ(principal.grants(0).role(), v1::ROLE_RESIDENT);

  EXPECT_TRUE(absl::IsUnauthenticated(
      Login("13712345678", "kepu2026pw", "qufu").status()));
  absl::Status bad_tenant =
      Login("13712345678", "kepu2026pw", "Not A Tenant").status();
  EXPECT_TRUE(absl::IsInvalidArgument(bad_tenant)) << bad_tenant;
}

TEST_F(IdentityServiceTest, AuthenticateAnswersThePrincipalOrUnauthenticated) {
  v1::AuthenticateRequest request;
  request.set_token(admin_token_);
  v1::Principal principal;
  grpc::Status status =
      stub_->Authenticate(Context().get(), request, &principal);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(principal.grants(0).role(), v1::ROLE_ADMIN);
  EXPECT_EQ(principal.grants(0).scope_id(), "jining");

  request.set_token("jining.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  status = stub_->Authenticate(Context().get(), request, &principal);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  request.set_token("");
  status = stub_->Authenticate(Context().get(), request, &principal);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "token"));
}

TEST_F(IdentityServiceTest, WrongPasswordsAndUnknownNumbersLookTheSame) {
  ASSERT_TRUE(Register("13712345678", "kepu2026pw", "register-0001").ok());
  const absl::Status wrong = Login("13712345678", "kepu2026PW").status();
  const absl::Status unknown = Login("13712345679", "kepu2026pw").status();
  EXPECT_TRUE(absl::IsUnauthenticated(wrong)) << wrong;
  EXPECT_EQ(wrong, unknown);
  for (int i = 0; i < 4; ++i) {
    EXPECT_TRUE(
        absl::IsUnauthenticated(Login("13712345678", "kepu2026PW").status()));
  }
  const absl::Status limited = Login("13712345678", "kepu2026pw").status();
  EXPECT_TRUE(absl::IsResourceExhausted(limited)) << limited;
  EXPECT_TRUE(absl::StartsWith(limited.message(), "too many failed sign-ins"));
}

TEST_F(IdentityServiceTest, AdminsManageStaffOverTheWire) {
  v1::CreateStaffAccountRequest create;
  create.set_request_id("staff-0001");
  create.set_phone("13812345678");
  create.set_display_name("张主任");
  create.set_initial_password("initial-2026");
  *create.add_grants() = Grant(v1::ROLE_COMMUNITY_WORKER, testing::kZhuyuan);
  v1::User staff;
  grpc::Status status =
      stub_->CreateStaffAccount(Context(admin_token_).get(), create, &staff);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(staff.phone(), "13812345678");

  absl::StatusOr<v1::Session> worker = Login("13812345678", "initial-2026");
  ASSERT_TRUE(worker.ok()) << worker.status();
  // A community worker is no admin.
  v1::ListUsersResponse users;
  status = stub_->ListUsers(Context(worker->token()).get(),
                            v1::ListUsersRequest(), &users);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED);

  v1::GrantRoleRequest grant;
  grant.set_request_id("grant-0001");
  grant.set_user_id(staff.id());
  *grant.mutable_grant() = Grant(v1::ROLE_VOLUNTEER, testing::kRenchengTeam);
  grant.set_expected_version(staff.version());
  v1::User granted;
  status = stub_->GrantRole(Context(admin_token_).get(), grant, &granted);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(granted.version(), 2);
  EXPECT_TRUE(absl::IsUnauthenticated(WhoAmI(worker->token()).status()))
      << "the grant ended the worker's session";
  status = stub_->GrantRole(Context(admin_token_).get(), grant, &granted);
  ASSERT_TRUE(status.ok()) << "a retry answers the first result";
  EXPECT_EQ(granted.version(), 2);
  grant.set_request_id("grant-0002");
  status = stub_->GrantRole(Context(admin_token_).get(), grant, &granted);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);

  v1::GetUserRequest get;
  get.set_user_id(staff.id());
  v1::User got;
  ASSERT_TRUE(stub_->GetUser(Context(admin_token_).get(), get, &got).ok());
  EXPECT_EQ(got.grants_size(), 2);

  v1::ListUsersRequest list;
  list.set_role(v1::ROLE_VOLUNTEER);
  ASSERT_TRUE(stub_->ListUsers(Context(admin_token_).get(), list, &users).ok());
  ASSERT_EQ(users.users_size(), 1);
  EXPECT_EQ(users.users(0).id(), staff.id());

  v1::DeactivateUserRequest deactivate;
  deactivate.set_request_id("deactivate-0001");
  deactivate.set_user_id(staff.id());
  deactivate.set_expected_version(2);
  deactivate.set_reason("moved away");
  v1::User deactivated;
  ASSERT_TRUE(stub_
                  ->DeactivateUser(Context(admin_token_).get(), deactivate,
                                   &deactivated)
                  .ok());
  EXPECT_FALSE(deactivated.active());
  EXPECT_EQ(Login("13812345678", "initial-2026").status().code(),
            absl::StatusCode::kPermissionDenied);

  v1::RevokeSessionsRequest revoke;
  revoke.set_user_id(staff.id());
  v1::RevokeSessionsResponse revoked;
  ASSERT_TRUE(
      stub_->RevokeSessions(Context(admin_token_).get(), revoke, &revoked)
          .ok());
  EXPECT_EQ(revoked.revoked(), 0);
}

TEST_F(IdentityServiceTest, ChangePasswordAndRevokeOwnSessions) {
  absl::StatusOr<v1::Session> here =
      Register("13712345678", "kepu2026pw", "register-0001");
  ASSERT_TRUE(here.ok()) << here.status();
  absl::StatusOr<v1::Session> there = Login("13712345678", "kepu2026pw");
  ASSERT_TRUE(there.ok());
  v1::ChangePasswordRequest change;
  change.set_current_password("kepu2026pw");
  change.set_new_password("kepu2027pw");
  v1::ChangePasswordResponse changed;
  grpc::Status status =
      stub_->ChangePassword(Context(here->token()).get(), change, &changed);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_TRUE(WhoAmI(here->token()).ok());
  EXPECT_FALSE(WhoAmI(there->token()).ok());

  v1::RevokeSessionsRequest revoke;
  revoke.set_user_id(here->user().id());
  v1::RevokeSessionsResponse revoked;
  ASSERT_TRUE(
      stub_->RevokeSessions(Context(here->token()).get(), revoke, &revoked)
          .ok());
  EXPECT_EQ(revoked.revoked(), 1);
  EXPECT_FALSE(WhoAmI(here->token()).ok());
}

TEST_F(IdentityServiceTest, BadInputIsRefusedByFieldAndWritesNothing) {
  const int64_t keys = KeyCount();
  v1::RegisterRequest request;
  request.set_request_id("register-0001");
  request.set_phone("12345");
  request.set_password("kepu2026pw");
  request.set_display_name("王阿姨");
  v1::Session session;
  grpc::Status status = stub_->Register(Context().get(), request, &session);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "phone:"))
      << status.error_message();
  request.set_phone("13712345678");
  request.set_password("short");
  status = stub_->Register(Context().get(), request, &session);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "password:"));

  v1::GrantRoleRequest grant;
  grant.set_request_id("grant-0001");
  grant.set_user_id("someone");
  grant.mutable_grant()->set_role(v1::ROLE_SYSTEM);
  grant.mutable_grant()->set_scope_id("x");
  grant.set_expected_version(1);
  v1::User user;
  status = stub_->GrantRole(Context(admin_token_).get(), grant, &user);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "grant.role"));
  EXPECT_EQ(KeyCount(), keys);
}

TEST_F(IdentityServiceTest, RedisDownIsUnavailable) {
  ASSERT_TRUE(redis_server_->Kill().ok());
  EXPECT_TRUE(absl::IsUnavailable(Login("13712345678", "kepu2026pw").status()));
  EXPECT_TRUE(absl::IsUnavailable(WhoAmI(admin_token_).status()));
}

}  // namespace
}  // namespace kepu
