// The AccountStore contract (see account_store_contract.h): each test states
// one promise of account_store.h and checks it through the interface alone.
#include "tests/identity/account_store_contract.h"

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/core/redis/redis_keys.h"

namespace kepu::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::testing::UnorderedElementsAre;

constexpr char kTenant[] = "jining";
const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 12, 1, 9, 0, 0),
                                       absl::UTCTimeZone());

AccountRequest Request(const std::string& request_id,
                       const std::string& content = "") {
  return {"admin", request_id,
          ContractFingerprint(absl::StrCat(request_id, "/", content))};
}

v1::User NewUser(const std::string& id, const std::string& phone,
                 std::vector<std::pair<v1::Role, std::string>> grants = {}) {
  v1::User user;
  user.set_id(id);
  user.set_phone(phone);
  user.set_display_name(absl::StrCat("user ", id));
  user.set_version(1);
  user.set_active(true);
  for (const auto& [role, scope] : grants) {
    v1::RoleGrant* grant = user.add_grants();
    grant->set_role(role);
    grant->set_scope_id(scope);
  }
  return user;
}

AuditEntry Audit(const std::string& action, const std::string& target,
                 absl::Time at = kT0) {
  AuditEntry entry;
  entry.at = at;
  entry.actor.set_user_id("admin");
  entry.actor.set_display_name("管理员");
  entry.actor.set_role(v1::ROLE_ADMIN);
  entry.action = action;
  entry.target = target;
  entry.request_id = "r";
  return entry;
}

UserWrite Create(const v1::User& user, const std::string& request_id,
                 const std::string& hash = "hash-1") {
  UserWrite write;
  write.request = Request(request_id, user.id());
  write.after = user;
  write.password_hash = hash;
  write.audit = Audit("Create", "user/" + user.id());
  return write;
}

UserWrite Change(const v1::User& before, const std::string& request_id,
                 const std::function<void(v1::User&)>& change) {
  UserWrite write;
  write.request = Request(request_id, before.id());
  write.before = before;
  write.after = before;
  write.after.set_version(before.version() + 1);
  change(write.after);
  write.audit = Audit("Change", "user/" + before.id());
  return write;
}

UserWritten MustWrite(AccountStore& store, const UserWrite& write) {
  absl::StatusOr<UserWritten> written = store.Write(write);
  EXPECT_TRUE(written.ok()) << written.status();
  return written.value_or(UserWritten{});
}

size_t AuditLength(AccountStore& store) {
  absl::StatusOr<std::vector<AuditEntry>> audit = store.RecentAudit(1000);
  EXPECT_TRUE(audit.ok()) << audit.status();
  return audit.ok() ? audit->size() : 0;
}

PreparedSession SessionOf(const v1::User& user, const std::string& name) {
  PreparedSession session;
  session.token = "token-" + name;
  session.key = RedisKeys(kTenant).Session("digest-" + name);
  session.user_sessions_key =
      RedisSessions::UserSessionsKey(kTenant, user.id());
  session.principal.set_user_id(user.id());
  session.principal.set_tenant(kTenant);
  session.value = session.principal.SerializeAsString();
  session.ttl = absl::Hours(1);
  // A far future: the store's own expiry never ends it during the test.
  session.expires_at = absl::Now() + session.ttl;
  return session;
}

TEST_P(AccountStoreContract, ACreatedAccountIsReadByIdAndPhone) {
  const v1::User user = NewUser("u1", "13900000001");
  const UserWritten written = MustWrite(store(), Create(user, "c-1"));
  EXPECT_FALSE(written.replayed);
  absl::StatusOr<StoredUser> read = store().Get("u1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->user.SerializeAsString(), user.SerializeAsString());
  EXPECT_EQ(read->password_hash, "hash-1");
  absl::StatusOr<std::optional<StoredUser>> by_phone =
      store().FindByPhone("13900000001");
  ASSERT_TRUE(by_phone.ok());
  ASSERT_TRUE(by_phone->has_value());
  EXPECT_EQ((*by_phone)->user.id(), "u1");
  EXPECT_FALSE(store().FindByPhone("13900000002")->has_value());
  EXPECT_EQ(store().Get("nobody").status().code(), absl::StatusCode::kNotFound);
  MustWrite(store(), Create(NewUser("u2", "13900000002"), "c-2"));
  absl::StatusOr<std::vector<v1::User>> many =
      store().GetMany({"u2", "missing", "u1"});
  ASSERT_TRUE(many.ok());
  ASSERT_EQ(many->size(), 2u);
  EXPECT_EQ((*many)[0].id(), "u2");
  EXPECT_EQ((*many)[1].id(), "u1");
}

TEST_P(AccountStoreContract,
       ARetriedWriteAnswersTheFirstResultAndWritesNothing) {
  const UserWrite create = Create(NewUser("u1", "13900000001"), "c-1");
  const UserWritten first = MustWrite(store(), create);
  const size_t audit = AuditLength(store());
  const UserWritten changed = MustWrite(
      store(), Change(first.user, "ch-1",
                      [](v1::User& u) { u.set_display_name("新名字"); }));
  const UserWritten again = MustWrite(store(), create);
  EXPECT_TRUE(again.replayed);
  EXPECT_EQ(again.user.version(), 1);
  EXPECT_EQ(AuditLength(store()), audit + 1);
  EXPECT_EQ(store().Get("u1")->user.display_name(), "新名字");

  // The reads see the replay too.
  absl::StatusOr<CreateCheck> check =
      store().LoadForCreate("13900000001", create.request.value());
  ASSERT_TRUE(check.ok());
  ASSERT_TRUE(check->replay.has_value());
  EXPECT_TRUE(check->phone_taken);
  absl::StatusOr<LoadedUser> loaded =
      store().LoadForUpdate("u1", Request("ch-1", "u1"));
  ASSERT_TRUE(loaded.ok());
  ASSERT_TRUE(loaded->replay.has_value());
  EXPECT_EQ(loaded->replay->version(), changed.user.version());
  ASSERT_TRUE(loaded->current.has_value());

  // The same request id for other content.
  UserWrite reused = Create(NewUser("u9", "13900000009"), "c-1");
  reused.request->fingerprint = ContractFingerprint("other");
  absl::Status status = store().Write(reused).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("request_id"));
  EXPECT_EQ(
      store().LoadForCreate("13900000009", *reused.request).status().code(),
      absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().Get("u9").status().code(), absl::StatusCode::kNotFound);
}

TEST_P(AccountStoreContract, RefusedWritesSayWhyAndWriteNothing) {
  const UserWritten first =
      MustWrite(store(), Create(NewUser("u1", "13900000001"), "c-1"));
  const size_t audit = AuditLength(store());
  // Another account for the same number.
  absl::Status taken =
      store().Write(Create(NewUser("u2", "13900000001"), "c-2")).status();
  EXPECT_EQ(taken.code(), absl::StatusCode::kAlreadyExists);
  EXPECT_THAT(std::string(taken.message()), StartsWith("phone"));
  EXPECT_EQ(store().Get("u2").status().code(), absl::StatusCode::kNotFound);
  // The same id again.
  EXPECT_EQ(store()
                .Write(Create(NewUser("u1", "13900000003"), "c-3"))
                .status()
                .code(),
            absl::StatusCode::kAlreadyExists);
  EXPECT_FALSE(store().FindByPhone("13900000003")->has_value());
  // A change of a user that does not exist, and of a stale version.
  EXPECT_EQ(store()
                .Write(Change(NewUser("ghost", "13900000004"), "ch-1",
                              [](v1::User&) {}))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  v1::User stale = first.user;
  stale.set_version(5);
  EXPECT_EQ(store()
                .Write(Change(stale, "ch-2",
                              [](v1::User& u) { u.set_active(false); }))
                .status()
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_TRUE(store().Get("u1")->user.active());
  EXPECT_EQ(AuditLength(store()), audit);
  // A refused request is not remembered.
  EXPECT_FALSE(
      store().LoadForUpdate("u1", Request("ch-2", "u1"))->replay.has_value());
}

TEST_P(AccountStoreContract, APasswordHashChangesOnlyWhenGiven) {
  const UserWritten first =
      MustWrite(store(), Create(NewUser("u1", "13900000001"), "c-1"));
  const UserWritten renamed = MustWrite(
      store(),
      Change(first.user, "ch-1", [](v1::User& u) { u.set_display_name("x"); }));
  EXPECT_EQ(store().Get("u1")->password_hash, "hash-1");
  UserWrite password = Change(renamed.user, "ch-2", [](v1::User&) {});
  password.request.reset();  // a change without a request id
  password.password_hash = "hash-2";
  MustWrite(store(), password);
  EXPECT_EQ(store().Get("u1")->password_hash, "hash-2");
  EXPECT_EQ(store().Get("u1")->user.version(), 3);
}

TEST_P(AccountStoreContract, UsersAreListedByRoleAndScopeInIdOrderWithPages) {
  MustWrite(store(), Create(NewUser("u3", "13900000003",
                                    {{v1::ROLE_COMMUNITY_WORKER, "c1"}}),
                            "c-3"));
  MustWrite(store(), Create(NewUser("u1", "13900000001",
                                    {{v1::ROLE_COMMUNITY_WORKER, "c2"},
                                     {v1::ROLE_TEAM_LEADER, "t1"}}),
                            "c-1"));
  const UserWritten u2 = MustWrite(
      store(),
      Create(NewUser("u2", "13900000002", {{v1::ROLE_RESIDENT, ""}}), "c-2"));
  auto ids = [&](v1::Role role, const std::string& scope,
                 const std::string& after, int limit) {
    absl::StatusOr<UserIdPage> page =
        store().ListIds(role, scope, after, limit);
    EXPECT_TRUE(page.ok()) << page.status();
    return page.value_or(UserIdPage{});
  };
  EXPECT_THAT(ids(v1::ROLE_UNSPECIFIED, "", "", 10).ids,
              ElementsAre("u1", "u2", "u3"));
  EXPECT_THAT(ids(v1::ROLE_COMMUNITY_WORKER, "", "", 10).ids,
              ElementsAre("u1", "u3"));
  EXPECT_THAT(ids(v1::ROLE_UNSPECIFIED, "t1", "", 10).ids, ElementsAre("u1"));
  EXPECT_THAT(ids(v1::ROLE_COMMUNITY_WORKER, "c1", "", 10).ids,
              ElementsAre("u3"));
  EXPECT_THAT(ids(v1::ROLE_TEAM_LEADER, "c1", "", 10).ids, IsEmpty());
  UserIdPage first = ids(v1::ROLE_UNSPECIFIED, "", "", 2);
  EXPECT_THAT(first.ids, ElementsAre("u1", "u2"));
  EXPECT_TRUE(first.more);
  UserIdPage rest = ids(v1::ROLE_UNSPECIFIED, "", "u2", 2);
  EXPECT_THAT(rest.ids, ElementsAre("u3"));
  EXPECT_FALSE(rest.more);
  // A new grant lists the user under it; a revoked one no longer.
  MustWrite(store(), Change(u2.user, "ch-1", [](v1::User& u) {
              u.clear_grants();
              v1::RoleGrant* grant = u.add_grants();
              grant->set_role(v1::ROLE_COMMUNITY_WORKER);
              grant->set_scope_id("c1");
            }));
  EXPECT_THAT(ids(v1::ROLE_COMMUNITY_WORKER, "c1", "", 10).ids,
              ElementsAre("u2", "u3"));
  EXPECT_THAT(ids(v1::ROLE_RESIDENT, "", "", 10).ids, IsEmpty());
  EXPECT_EQ(store().ListIds(v1::ROLE_UNSPECIFIED, "", "", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(AccountStoreContract,
       SessionsAreStoredForTheVersionReadAndEndedByWrites) {
  const UserWritten user =
      MustWrite(store(), Create(NewUser("u1", "13900000001"), "c-1"));
  const PreparedSession a = SessionOf(user.user, "a");
  const PreparedSession b = SessionOf(user.user, "b");
  const PreparedSession c = SessionOf(user.user, "c");
  ASSERT_TRUE(store().StoreSession(user.user, a).ok());
  ASSERT_TRUE(store().StoreSession(user.user, b).ok());
  ASSERT_TRUE(store().StoreSession(user.user, c).ok());
  EXPECT_THAT(*store().SessionKeys("u1"),
              UnorderedElementsAre(a.key, b.key, c.key));

  // Every session but one ends (a password change keeping the caller's).
  UserWrite others = Change(user.user, "ch-1", [](v1::User&) {});
  others.sessions = SessionEffect::kEndOthers;
  others.keep_session_key = b.key;
  const UserWritten changed = MustWrite(store(), others);
  EXPECT_THAT(*store().SessionKeys("u1"), ElementsAre(b.key));
  // A session of the version before is refused: the user changed.
  EXPECT_EQ(store().StoreSession(user.user, a).code(),
            absl::StatusCode::kAborted);
  EXPECT_THAT(*store().SessionKeys("u1"), ElementsAre(b.key));
  EXPECT_EQ(store()
                .StoreSession(NewUser("ghost", "1"),
                              SessionOf(NewUser("ghost", "1"), "g"))
                .code(),
            absl::StatusCode::kNotFound);
  // Every session ends (a deactivation).
  UserWrite all =
      Change(changed.user, "ch-2", [](v1::User& u) { u.set_active(false); });
  all.sessions = SessionEffect::kEndAll;
  MustWrite(store(), all);
  EXPECT_THAT(*store().SessionKeys("u1"), IsEmpty());
}

TEST_P(AccountStoreContract, FailedSignInsAreLimitedPerNumberAndPerAddress) {
  SignInLimits limits;
  limits.failures_per_number = 3;
  limits.number_window = absl::Minutes(10);
  limits.failures_per_address = 5;
  limits.address_window = absl::Minutes(10);
  int attempt = 0;
  auto begin = [&](const std::string& number, const std::string& address,
                   absl::Time at) {
    absl::StatusOr<SignInAttempt> admitted = store().BeginSignIn(
        number, address, absl::StrCat("attempt-", ++attempt), at, limits);
    EXPECT_TRUE(admitted.ok()) << admitted.status();
    return admitted.value_or(SignInAttempt{});
  };
  // Three failures of one number from one address; the fourth is refused.
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(begin("number-a", "ipv4:10.0.0.1", kT0 + absl::Seconds(i))
                     .attempt_id.empty());
  }
  const SignInAttempt refused =
      begin("number-a", "ipv4:10.0.0.1", kT0 + absl::Seconds(5));
  EXPECT_TRUE(refused.attempt_id.empty());
  EXPECT_EQ(refused.retry_after, absl::Minutes(10) - absl::Seconds(5));
  // The window slides: admitted again once the first failure is old enough.
  EXPECT_FALSE(begin("number-a", "ipv4:10.0.0.1",
                     kT0 + absl::Minutes(10) + absl::Seconds(1))
                   .attempt_id.empty());
  // The address: in its window (from T0+1m) it holds one failure, and the
  // attempt the number refused did not count. Four more numbers fill it; the
  // next is refused whatever its number.
  for (const char* number : {"number-b", "number-c", "number-f", "number-g"}) {
    EXPECT_FALSE(begin(number, "ipv4:10.0.0.1", kT0 + absl::Minutes(11))
                     .attempt_id.empty())
        << number;
  }
  EXPECT_TRUE(begin("number-h", "ipv4:10.0.0.1", kT0 + absl::Minutes(11))
                  .attempt_id.empty());
  // Another address is not limited by this one.
  const SignInAttempt elsewhere =
      begin("number-d", "ipv4:10.0.0.2", kT0 + absl::Minutes(11));
  ASSERT_FALSE(elsewhere.attempt_id.empty());
  // A success clears the number's failures and takes the attempt back from
  // the address.
  for (int i = 0; i < 2; ++i) {
    EXPECT_FALSE(begin("number-d", "ipv4:10.0.0.2", kT0 + absl::Minutes(11))
                     .attempt_id.empty());
  }
  const SignInAttempt last =
      begin("number-d", "ipv4:10.0.0.3", kT0 + absl::Minutes(11));
  EXPECT_TRUE(last.attempt_id.empty());  // number-d has 3 failures
  ASSERT_TRUE(store()
                  .EndSignIn("number-d", "ipv4:10.0.0.2", elsewhere.attempt_id,
                             AccountStore::SignInOutcome::kSucceeded)
                  .ok());
  EXPECT_FALSE(begin("number-d", "ipv4:10.0.0.3", kT0 + absl::Minutes(11))
                   .attempt_id.empty());
  // An abandoned attempt counts nowhere.
  const SignInAttempt abandoned =
      begin("number-e", "ipv4:10.0.0.4", kT0 + absl::Minutes(11));
  ASSERT_TRUE(store()
                  .EndSignIn("number-e", "ipv4:10.0.0.4", abandoned.attempt_id,
                             AccountStore::SignInOutcome::kAbandoned)
                  .ok());
  for (int i = 0; i < 3; ++i) {
    EXPECT_FALSE(begin("number-e", "ipv4:10.0.0.4", kT0 + absl::Minutes(11))
                     .attempt_id.empty())
        << i;
  }
  // An empty number limits the address alone (a token check).
  for (int i = 0; i < 5; ++i) {
    EXPECT_FALSE(
        begin("", "ipv4:10.0.0.5", kT0 + absl::Minutes(11)).attempt_id.empty());
  }
  EXPECT_TRUE(
      begin("", "ipv4:10.0.0.5", kT0 + absl::Minutes(11)).attempt_id.empty());
}

TEST_P(AccountStoreContract, EveryWriteAndAuditAppendIsInTheTrail) {
  const UserWritten user =
      MustWrite(store(), Create(NewUser("u1", "13900000001"), "c-1"));
  MustWrite(store(), Change(user.user, "ch-1",
                            [](v1::User& u) { u.set_display_name("x"); }));
  AuditEntry ended = Audit("RevokeSessions", "user/u1", kT0 + absl::Hours(1));
  ended.reason = "手机丢失";
  ASSERT_TRUE(store().AppendAudit(ended).ok());
  absl::StatusOr<std::vector<AuditEntry>> trail = store().RecentAudit(10);
  ASSERT_TRUE(trail.ok()) << trail.status();
  ASSERT_EQ(trail->size(), 3u);
  EXPECT_EQ((*trail)[0].action, "Create");
  EXPECT_EQ((*trail)[1].action, "Change");
  const AuditEntry& last = (*trail)[2];
  EXPECT_EQ(last.action, "RevokeSessions");
  EXPECT_EQ(last.target, "user/u1");
  EXPECT_EQ(last.reason, "手机丢失");
  EXPECT_EQ(last.at, kT0 + absl::Hours(1));
  EXPECT_EQ(last.actor.user_id(), "admin");
  EXPECT_EQ(last.actor.display_name(), "管理员");
  EXPECT_EQ(last.actor.role(), v1::ROLE_ADMIN);
  absl::StatusOr<std::vector<AuditEntry>> one = store().RecentAudit(1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].action, "RevokeSessions");
}

}  // namespace
}  // namespace kepu::testing
