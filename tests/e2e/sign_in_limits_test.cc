// Sign-in limits as an outsider meets them, on a real kepud and redis-server:
// an address's failures count in every tenant, and checking tokens through the
// public Authenticate counts like signing in, unless the caller is a trusted
// gateway calling for itself.
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "tests/support/call_context.h"
#include "tests/support/kepud_process.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {
namespace {

// SignInLimits' defaults: failures allowed per address within 15 minutes.
constexpr int kPerAddress = 30;
constexpr char kPassword[] = "kepu2026pass";

class SignInLimitsTest : public ::testing::Test {
 protected:
  void Start(const std::vector<std::string>& flags) {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    KepudOptions options;
    options.flags = {"--matching=false", "--watchdog=false"};
    options.flags.insert(options.flags.end(), flags.begin(), flags.end());
    auto kepud = KepudProcess::Start(KEPUD_PATH, *redis_, options);
    ASSERT_TRUE(kepud.ok()) << kepud.status();
    kepud_ = std::move(*kepud);
    identity_ = v1::IdentityService::NewStub(kepud_->channel());
  }

  // A context naming `tenant` ("": the default) and, when set, the browser
  // address a gateway forwards.
  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& tenant, const std::string& forwarded = "") {
    return CallContext("", tenant, forwarded);
  }

  grpc::Status Login(const std::string& tenant, const std::string& phone,
                     const std::string& password,
                     const std::string& forwarded = "") {
    v1::LoginRequest request;
    request.set_phone(phone);
    request.set_password(password);
    v1::Session session;
    return identity_->Login(Context(tenant, forwarded).get(), request,
                            &session);
  }

  grpc::Status Authenticate(const std::string& token,
                            const std::string& forwarded = "") {
    v1::AuthenticateRequest request;
    request.set_token(token);
    v1::Principal principal;
    return identity_->Authenticate(Context("", forwarded).get(), request,
                                   &principal);
  }

  // A resident of `tenant`; answers the session's token.
  std::string Register(const std::string& tenant, const std::string& phone) {
    v1::RegisterRequest request;
    request.set_request_id(absl::StrCat("register-", tenant, "-", phone));
    request.set_phone(phone);
    request.set_password(kPassword);
    request.set_display_name("居民");
    v1::Session session;
    const grpc::Status status =
        identity_->Register(Context(tenant).get(), request, &session);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return session.token();
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<KepudProcess> kepud_;
  std::unique_ptr<v1::IdentityService::Stub> identity_;
};

// Today's hole: switching the tenant header gave an address a fresh limit in
// every tenant. Now wrong passwords alternate between the two configured
// tenants, each for a number of its own (no number reaches its own limit),
// and the address is limited after kPerAddress of them in all.
TEST_F(SignInLimitsTest, AnAddressIsLimitedAcrossTheConfiguredTenants) {
  // The calls come through a trusted gateway (this test, at 127.0.0.1) from
  // browsers, whose addresses it forwards.
  Start({"--tenants=jining,heze", "--trusted_gateways=127.0.0.1"});
  const std::string browser = "203.0.113.5";
  const std::string heze_resident = "13900000001";
  Register("heze", heze_resident);
  std::vector<grpc::StatusCode> codes;
  for (int i = 0; i < kPerAddress + 10; ++i) {
    const std::string tenant = i % 2 == 0 ? "jining" : "heze";
    codes.push_back(Login(tenant, absl::StrCat("138", 10000000 + i),
                          "wrong-pass-1", browser)
                        .error_code());
  }
  for (int i = 0; i < static_cast<int>(codes.size()); ++i) {
    EXPECT_EQ(codes[i], i < kPerAddress ? grpc::StatusCode::UNAUTHENTICATED
                                        : grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "sign-in " << i + 1 << " (" << (i % 2 == 0 ? "jining" : "heze")
        << ")";
  }
  // Even the right password, in either tenant, until the window passes.
  const grpc::Status right = Login("heze", heze_resident, kPassword, browser);
  EXPECT_EQ(right.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << right.error_message();
  // Another address is not limited.
  EXPECT_TRUE(Login("heze", heze_resident, kPassword, "203.0.113.9").ok());
}

// Authenticate from an address that is no trusted gateway's own: wrong tokens
// count as failed sign-ins of the address (and so does the rest of its
// sign-ins); a trusted gateway calling for itself checks tokens freely.
TEST_F(SignInLimitsTest, AuthenticateIsLimitedLikeSignInsForUntrustedCallers) {
  // This test's connection comes from 127.0.0.1: a trusted gateway. What it
  // forwards as x-kepu-client-address is a browser behind it.
  Start({"--trusted_gateways=127.0.0.1"});
  const std::string phone = "13900000002";
  const std::string token = Register("", phone);
  ASSERT_FALSE(token.empty());
  const std::string browser = "203.0.113.7";
  auto wrong_token = [](int i) {
    std::string secret = absl::StrCat("guess", i);
    secret.resize(43, 'x');
    return absl::StrCat("jining.", secret);
  };

  for (int i = 0; i < kPerAddress + 10; ++i) {
    const grpc::Status status = Authenticate(wrong_token(i), browser);
    EXPECT_EQ(status.error_code(), i < kPerAddress
                                       ? grpc::StatusCode::UNAUTHENTICATED
                                       : grpc::StatusCode::RESOURCE_EXHAUSTED)
        << "token check " << i + 1 << ": " << status.error_message();
  }
  // Limited like sign-ins, and with them: neither a good token nor the right
  // password gets through from that address now.
  EXPECT_EQ(Authenticate(token, browser).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(Login("", phone, kPassword, browser).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);

  // The trusted gateway itself (no forwarded address) is not limited.
  for (int i = 0; i < kPerAddress + 10; ++i) {
    EXPECT_EQ(Authenticate(wrong_token(1000 + i)).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  const grpc::Status good = Authenticate(token);
  EXPECT_TRUE(good.ok()) << good.error_message();
  // Nor is another browser.
  EXPECT_TRUE(Authenticate(token, "203.0.113.8").ok());
}

}  // namespace
}  // namespace kepu::testing
