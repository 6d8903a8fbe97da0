// ServeUnary as a client meets it, on a real gRPC server on 127.0.0.1:0 with a
// fake authenticator: what is decided in which order (tenant, token, role,
// fields), and which pool runs which call.
#include "services/rpc/serve_unary.h"

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "tests/support/call_context.h"

namespace kepu {
namespace {

// Two well-formed tokens ("<tenant>.<43 characters>"): one of a served
// tenant's admin, one of a tenant that is not served.
const std::string kAdminToken = absl::StrCat("jining.", std::string(43, 'a'));
const std::string kForeignToken = absl::StrCat("heze.", std::string(43, 'a'));

class FakeAuthenticator : public Authenticator {
 public:
  absl::StatusOr<v1::Principal> Authenticate(absl::string_view token) override {
    ++calls;
    if (token != kAdminToken && token != kForeignToken) {
      return absl::UnauthenticatedError("unknown token");
    }
    v1::Principal principal;
    principal.set_tenant(std::string(token.substr(0, token.find('.'))));
    principal.set_user_id("admin-1");
    principal.add_grants()->set_role(v1::ROLE_ADMIN);
    return principal;
  }
  std::atomic<int> calls{0};
};

// Login (public, hashes a password) waits for `release` once it runs, and
// answers the tenant it ran for as its "token";
// GetUser (admins) and WhoAmI (anyone signed in) answer at once.
class TestService final : public v1::IdentityService::CallbackService {
 public:
  explicit TestService(const ServiceEnv& env) : env_(env) {}

  grpc::ServerUnaryReactor* Login(grpc::CallbackServerContext* context,
                                  const v1::LoginRequest* request,
                                  v1::Session* response) override {
    return ServeUnary(context, "kepu.v1.IdentityService/Login", *request, env_,
                      [this, response](const Caller& caller) {
                        ++logins_running;
                        release.WaitForNotification();
                        response->set_token(caller.principal.tenant());
                        return absl::OkStatus();
                      });
  }
  grpc::ServerUnaryReactor* GetUser(grpc::CallbackServerContext* context,
                                    const v1::GetUserRequest* request,
                                    v1::User* response) override {
    return ServeUnary(context, "kepu.v1.IdentityService/GetUser", *request,
                      env_, [response, request](const Caller&) {
                        response->set_id(request->user_id());
                        return absl::OkStatus();
                      });
  }
  grpc::ServerUnaryReactor* WhoAmI(grpc::CallbackServerContext* context,
                                   const v1::WhoAmIRequest* request,
                                   v1::User* response) override {
    return ServeUnary(context, "kepu.v1.IdentityService/WhoAmI", *request, env_,
                      [response](const Caller& caller) {
                        response->set_id(caller.principal.user_id());
                        return absl::OkStatus();
                      });
  }

  absl::Notification release;
  std::atomic<int> logins_running{0};

 private:
  const ServiceEnv& env_;
};

class ServeUnaryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    int port = 0;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port);
    builder.RegisterService(&service_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IdentityService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  }

  void TearDown() override {
    if (!service_.release.HasBeenNotified()) service_.release.Notify();
    server_->Shutdown();
    // Calls a failed test left behind answer before their records go.
    for (PendingLogin* pending : {&running_, &queued_}) {
      if (pending->started) {
        pending->done.WaitForNotificationWithTimeout(absl::Seconds(30));
      }
    }
  }

  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& token = "", const std::string& tenant = "") {
    return kepu::testing::CallContext(token, tenant);
  }

  grpc::Status GetUser(const std::string& token, const std::string& user_id) {
    v1::GetUserRequest request;
    request.set_user_id(user_id);
    v1::User user;
    return stub_->GetUser(Context(token).get(), request, &user);
  }

  // A sign-in answered later.
  struct PendingLogin {
    grpc::ClientContext context;
    v1::Session session;
    grpc::Status status;
    absl::Notification done;
    bool started = false;
  };

  void StartLogin(PendingLogin& pending) {
    pending.started = true;
    pending.context.set_deadline(std::chrono::system_clock::now() +
                                 std::chrono::seconds(30));
    stub_->async()->Login(&pending.context, &login_, &pending.session,
                          [&pending](grpc::Status status) {
                            pending.status = std::move(status);
                            pending.done.Notify();
                          });
  }

  // Polls `condition` until it holds, for at most 10 s.
  static void WaitUntil(const std::function<bool()>& condition) {
    const absl::Time deadline = absl::Now() + absl::Seconds(10);
    while (!condition() && absl::Now() < deadline) {
      absl::SleepFor(absl::Milliseconds(1));
    }
  }

  WorkPool pool_{2, 8};
  WorkPool sign_in_pool_{1, 1};
  FakeAuthenticator auth_;
  CallTracker calls_;
  const Tenants tenants_ = *Tenants::Make({"jining"}, "jining");
  const ServiceEnv env_{pool_,         sign_in_pool_, auth_,
                        Clock::Real(), calls_,        tenants_};
  TestService service_{env_};
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::IdentityService::Stub> stub_;
  v1::LoginRequest login_ = [] {
    v1::LoginRequest login;
    login.set_phone("13812345678");
    login.set_password("password1");
    return login;
  }();
  PendingLogin running_;
  PendingLogin queued_;
};

TEST_F(ServeUnaryTest, TheTokenIsCheckedBeforeTheFields) {
  const std::string bad_id = "-not an id";
  const std::string unknown = absl::StrCat("jining.", std::string(43, 'b'));
  for (const std::string& token : {std::string(), unknown, std::string("x")}) {
    const grpc::Status status = GetUser(token, bad_id);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED)
        << "token \"" << token << "\": " << status.error_message();
  }
  const grpc::Status invalid = GetUser(kAdminToken, bad_id);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
      << invalid.error_message();
  EXPECT_EQ(invalid.error_message().rfind("user_id: ", 0), 0u)
      << invalid.error_message();
  EXPECT_TRUE(GetUser(kAdminToken, "user-1").ok());
}

TEST_F(ServeUnaryTest, AnUnservedTenantIsRefusedBeforeTheTokenIsLookedUp) {
  const int before = auth_.calls;
  const grpc::Status status = GetUser(kForeignToken, "-not an id");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(status.error_message(), "tenant \"heze\" is not served here");
  EXPECT_EQ(auth_.calls, before);

  service_.release.Notify();
  const v1::LoginRequest& login = login_;
  v1::Session session;
  grpc::Status public_call =
      stub_->Login(Context("", "heze").get(), login, &session);
  EXPECT_EQ(public_call.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_EQ(public_call.error_message(), "tenant \"heze\" is not served here");
  public_call = stub_->Login(Context("", "Bad Tenant").get(), login, &session);
  EXPECT_EQ(public_call.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  ASSERT_TRUE(stub_->Login(Context().get(), login, &session).ok());
  EXPECT_EQ(session.token(), "jining");  // the tenant Login ran for
}

TEST_F(ServeUnaryTest, APublicCallsFieldsAreJudgedAtOnce) {
  v1::LoginRequest login;  // no phone, no password
  v1::Session session;
  const grpc::Status status = stub_->Login(Context().get(), login, &session);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(service_.logins_running, 0);
}

// Sign-ins run on their own pool: with its thread busy and its queue full,
// the next sign-in is refused at once and other calls still run.
TEST_F(ServeUnaryTest, SignInsNeverTakeTheThreadsOfOtherCalls) {
  // The first sign-in takes the thread, the second waits in the queue.
  StartLogin(running_);
  WaitUntil([this] { return service_.logins_running == 1; });
  ASSERT_EQ(service_.logins_running, 1);
  StartLogin(queued_);
  WaitUntil([this] { return sign_in_pool_.queued() == 1; });
  ASSERT_EQ(sign_in_pool_.queued(), 1);

  v1::Session session;
  const grpc::Status refused = stub_->Login(Context().get(), login_, &session);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(refused.error_message(),
            "too many sign-ins at once: retry shortly");
  for (int i = 0; i < 20; ++i) {
    v1::User me;
    const grpc::Status status =
        stub_->WhoAmI(Context(kAdminToken).get(), v1::WhoAmIRequest(), &me);
    ASSERT_TRUE(status.ok()) << status.error_message();
    EXPECT_EQ(me.id(), "admin-1");
  }
  EXPECT_FALSE(running_.done.HasBeenNotified());
  EXPECT_FALSE(queued_.done.HasBeenNotified());

  service_.release.Notify();
  for (PendingLogin* pending : {&running_, &queued_}) {
    ASSERT_TRUE(
        pending->done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_TRUE(pending->status.ok()) << pending->status.error_message();
  }
}

}  // namespace
}  // namespace kepu
