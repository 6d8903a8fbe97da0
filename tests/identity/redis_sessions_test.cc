// RedisSessions against a real redis-server: tokens stored only as keyed
// hashes, the per-user set of sessions (revoke all, clean-up of expired ones),
// expiry by the Clock.
#include "services/core/redis/redis_sessions.h"

#include <memory>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "services/core/time_util.h"
#include "tests/identity/identity_fixtures.h"
#include "tests/support/redis_server.h"

namespace kepu {
namespace {

constexpr char kTokenKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";
constexpr char kOtherTokenKey[] =
    "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100";

v1::Principal Person(const std::string& user_id) {
  v1::Principal principal;
  principal.set_user_id(user_id);
  principal.set_tenant("jining");
  principal.set_display_name(user_id);
  principal.add_grants()->set_role(v1::ROLE_RESIDENT);
  return principal;
}

class RedisSessionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server = testing::RedisServer::Start();
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    redis_ = std::make_unique<RedisClient>(server_->ClientOptions());
    sessions_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(kTokenKey), clock_);
  }

  std::string Create(const std::string& user_id,
                     absl::Duration ttl = absl::Hours(12)) {
    absl::StatusOr<std::string> token = sessions_->Create(Person(user_id), ttl);
    EXPECT_TRUE(token.ok()) << token.status();
    return token.value_or("");
  }

  bool Live(const std::string& token) {
    return sessions_->Authenticate(token).ok();
  }

  int64_t SetSize(const std::string& user_id) {
    auto reply = redis_->Command(
        {"ZCARD", RedisSessions::UserSessionsKey("jining", user_id)});
    EXPECT_TRUE(reply.ok()) << reply.status();
    return reply.ok() ? reply->Integer() : -1;
  }

  FakeClock clock_{absl::FromUnixSeconds(1'800'000'000)};
  std::unique_ptr<testing::RedisServer> server_;
  std::unique_ptr<RedisClient> redis_;
  std::unique_ptr<RedisSessions> sessions_;
};

TEST_F(RedisSessionsTest, CreateAuthenticateRevoke) {
  const std::string token = Create("u1");
  EXPECT_TRUE(absl::StartsWith(token, "jining.")) << token;
  absl::StatusOr<v1::Principal> principal = sessions_->Authenticate(token);
  ASSERT_TRUE(principal.ok()) << principal.status();
  EXPECT_EQ(principal->user_id(), "u1");
  EXPECT_EQ(FromProto(principal->session_expires_at()),
            clock_.Now() + absl::Hours(12));
  EXPECT_EQ(SetSize("u1"), 1);

  ASSERT_TRUE(sessions_->Revoke(token).ok());
  EXPECT_TRUE(absl::IsUnauthenticated(sessions_->Authenticate(token).status()));
  EXPECT_EQ(SetSize("u1"), 0);
  EXPECT_TRUE(sessions_->Revoke(token).ok()) << "revoking twice is fine";
  EXPECT_TRUE(sessions_->Revoke("not a token").ok());
}

TEST_F(RedisSessionsTest, SessionsEndByTheClock) {
  const std::string token = Create("u1", absl::Hours(12));
  clock_.Advance(absl::Hours(12) - absl::Seconds(1));
  EXPECT_TRUE(Live(token));
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnauthenticated(sessions_->Authenticate(token).status()));
}

TEST_F(RedisSessionsTest, RevokeAllEndsEverySessionOfTheUserOnly) {
  const std::string a = Create("u1");
  const std::string b = Create("u1");
  const std::string c = Create("u1");
  const std::string other = Create("u2");
  absl::StatusOr<int> revoked = sessions_->RevokeAll("jining", "u1", b);
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 2);
  EXPECT_FALSE(Live(a));
  EXPECT_TRUE(Live(b)) << "the excepted session stays";
  EXPECT_FALSE(Live(c));
  EXPECT_TRUE(Live(other));
  EXPECT_EQ(SetSize("u1"), 1);

  revoked = sessions_->RevokeAll("jining", "u1");
  ASSERT_TRUE(revoked.ok()) << revoked.status();
  EXPECT_EQ(*revoked, 1);
  EXPECT_FALSE(Live(b));
  EXPECT_EQ(SetSize("u1"), 0);
  revoked = sessions_->RevokeAll("jining", "u1");
  ASSERT_TRUE(revoked.ok());
  EXPECT_EQ(*revoked, 0);
}

TEST_F(RedisSessionsTest, ExpiredSessionsLeaveTheUserSetAndTheSetExpires) {
  Create("u1", absl::Hours(1));
  Create("u1", absl::Hours(1));
  EXPECT_EQ(SetSize("u1"), 2);
  clock_.Advance(absl::Hours(2));
  const std::string fresh = Create("u1", absl::Hours(3));
  EXPECT_EQ(SetSize("u1"), 1) << "expired members are dropped on sign-in";
  auto ttl =
      redis_->Command({"PTTL", RedisSessions::UserSessionsKey("jining", "u1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->Integer(), absl::ToInt64Milliseconds(absl::Hours(2)));
  EXPECT_LE(ttl->Integer(), absl::ToInt64Milliseconds(absl::Hours(3)));
  // A shorter session does not shorten the set's life.
  Create("u1", absl::Minutes(5));
  ttl =
      redis_->Command({"PTTL", RedisSessions::UserSessionsKey("jining", "u1")});
  ASSERT_TRUE(ttl.ok());
  EXPECT_GT(ttl->Integer(), absl::ToInt64Milliseconds(absl::Hours(2)));
}

TEST_F(RedisSessionsTest, APrincipalWithoutUserIdStillWorks) {
  v1::Principal principal = Person("");
  absl::StatusOr<std::string> token =
      sessions_->Create(principal, absl::Hours(1));
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_TRUE(Live(*token));
  EXPECT_TRUE(sessions_->Revoke(*token).ok());
  EXPECT_FALSE(Live(*token));
}

TEST_F(RedisSessionsTest, TokensAreStoredOnlyAsKeyedHashes) {
  std::vector<std::string> tokens;
  for (int i = 0; i < 3; ++i) tokens.push_back(Create(absl::StrCat("u", i)));
  absl::StatusOr<std::vector<std::string>> dump = testing::DumpRedis(*redis_);
  ASSERT_TRUE(dump.ok()) << dump.status();
  ASSERT_FALSE(dump->empty());
  for (const std::string& token : tokens) {
    const std::string secret = token.substr(token.find('.') + 1);
    EXPECT_FALSE(testing::DumpContains(*dump, secret)) << token;
  }
  // Another key cannot open the sessions.
  RedisSessions other(*redis_, *ParseTokenKey(kOtherTokenKey), clock_);
  EXPECT_TRUE(absl::IsUnauthenticated(other.Authenticate(tokens[0]).status()));
}

TEST_F(RedisSessionsTest, KeyedDigestsDependOnTheKey) {
  RedisSessions other(*redis_, *ParseTokenKey(kOtherTokenKey), clock_);
  const std::string digest = sessions_->KeyedDigest("13812345678");
  EXPECT_EQ(digest.size(), 64u);
  EXPECT_EQ(digest, sessions_->KeyedDigest("13812345678"));
  EXPECT_NE(digest, sessions_->KeyedDigest("13812345679"));
  EXPECT_NE(digest, other.KeyedDigest("13812345678"));
}

TEST_F(RedisSessionsTest, PreparedSessionsAreStoredOnlyWhenAsked) {
  absl::StatusOr<PreparedSession> prepared =
      sessions_->Prepare(Person("u9"), absl::Hours(1));
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_FALSE(Live(prepared->token));
  EXPECT_EQ(prepared->key, *sessions_->SessionKeyOf(prepared->token));
  EXPECT_EQ(prepared->user_sessions_key,
            RedisSessions::UserSessionsKey("jining", "u9"));
  ASSERT_TRUE(sessions_->Store(*prepared).ok());
  EXPECT_TRUE(Live(prepared->token));
}

TEST_F(RedisSessionsTest, RedisDownIsUnavailable) {
  const std::string token = Create("u1");
  ASSERT_TRUE(server_->Kill().ok());
  EXPECT_TRUE(absl::IsUnavailable(sessions_->Authenticate(token).status()));
  EXPECT_TRUE(absl::IsUnavailable(
      sessions_->Create(Person("u1"), absl::Hours(1)).status()));
  EXPECT_TRUE(
      absl::IsUnavailable(sessions_->RevokeAll("jining", "u1").status()));
}

// With a session cache: what this process ends shows at once, what another
// replica ends shows within the TTL, expiry stays exact.
class CachedSessionsTest : public RedisSessionsTest {
 protected:
  void SetUp() override {
    RedisSessionsTest::SetUp();
    sessions_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(kTokenKey), clock_, absl::Seconds(2));
    other_replica_ = std::make_unique<RedisSessions>(
        *redis_, *ParseTokenKey(kTokenKey), clock_, absl::Seconds(2));
  }

  std::unique_ptr<RedisSessions> other_replica_;
};

TEST_F(CachedSessionsTest, ARevokeHereEndsTheSessionAtOnce) {
  const std::string token = Create("u1");
  ASSERT_TRUE(Live(token));
  ASSERT_TRUE(sessions_->Revoke(token).ok());
  EXPECT_FALSE(Live(token));

  const std::string second = Create("u1");
  ASSERT_TRUE(Live(second));
  ASSERT_TRUE(sessions_->RevokeAll("jining", "u1").ok());
  EXPECT_FALSE(Live(second));
}

TEST_F(CachedSessionsTest, ARevokeElsewhereShowsWithinTheTtl) {
  const std::string token = Create("u1");
  ASSERT_TRUE(Live(token));
  ASSERT_TRUE(other_replica_->Revoke(token).ok());
  EXPECT_TRUE(Live(token)) << "remembered for up to the TTL";
  clock_.Advance(absl::Seconds(2));
  EXPECT_FALSE(Live(token));
}

TEST_F(CachedSessionsTest, ForgetCachedChecksEveryTokenAgain) {
  const std::string token = Create("u1");
  ASSERT_TRUE(Live(token));
  ASSERT_TRUE(other_replica_->Revoke(token).ok());
  sessions_->ForgetCached();
  EXPECT_FALSE(Live(token));
}

TEST_F(CachedSessionsTest, ExpiryIsExactEvenWhenRemembered) {
  const std::string token = Create("u1", absl::Seconds(10));
  clock_.Advance(absl::Seconds(9));
  ASSERT_TRUE(Live(token));  // remembered from here for 2 s
  clock_.Advance(absl::Seconds(1));
  EXPECT_TRUE(absl::IsUnauthenticated(sessions_->Authenticate(token).status()));
}

TEST_F(CachedSessionsTest, RemembersSoRedisIsNotAskedAgain) {
  const std::string token = Create("u1");
  ASSERT_TRUE(Live(token));
  server_->Kill().IgnoreError();
  EXPECT_TRUE(Live(token));
  clock_.Advance(absl::Seconds(2));
  EXPECT_TRUE(absl::IsUnavailable(sessions_->Authenticate(token).status()));
}

}  // namespace
}  // namespace kepu
