#include "services/identity/redis_accounts.h"

#include <algorithm>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kepu_identity_scripts.h"
#include "services/core/redis/record_write.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// Scripts live for the whole program (a LuaScript caches its SHA).
const LuaScript* NewScript(const char* name, std::string_view body) {
  return new LuaScript(name, absl::string_view(body.data(), body.size()));
}

const LuaScript& CreateSessionScript() {
  static const LuaScript* const kScript =
      NewScript("create_session", identity_scripts::kCreateSession);
  return *kScript;
}
const LuaScript& BeginSignInScript() {
  static const LuaScript* const kScript =
      NewScript("begin_sign_in", identity_scripts::kBeginSignIn);
  return *kScript;
}

// The request key's value is "<fingerprint>:<first result>".
constexpr size_t kFingerprintLength = 32;

absl::StatusOr<v1::User> ParseUser(absl::string_view bytes,
                                   absl::string_view what) {
  v1::User user;
  if (!user.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("cannot parse the stored ", what));
  }
  return user;
}

// The first result of a request from its key's value, if the fingerprint
// matches.
absl::StatusOr<std::optional<v1::User>> ReplayOf(
    const RedisReply& reply, const AccountRequest& request) {
  ASSIGN_OR_RETURN(std::optional<std::string> prior,
                   PriorResult(reply, request.fingerprint));
  if (!prior.has_value()) return std::nullopt;
  return ParseUser(*prior, "request result");
}

// "ROLE_COMMUNITY_WORKER" -> "community_worker".
std::string RoleKeyName(v1::Role role) {
  std::string name = v1::Role_Name(role);
  if (absl::StartsWith(name, "ROLE_")) name = name.substr(5);
  if (name.empty()) name = absl::StrCat(static_cast<int>(role));
  return absl::AsciiStrToLower(name);
}

}  // namespace

RedisAccounts::RedisAccounts(RedisClient& redis, absl::string_view tenant,
                             RedisAccountsOptions options)
    : redis_(redis), tenant_(tenant), keys_(tenant), options_(options) {}

std::string RedisAccounts::UserKey(absl::string_view user_id) const {
  return absl::StrCat(keys_.prefix(), "user:", user_id);
}

std::string RedisAccounts::PhoneKey(absl::string_view phone) const {
  return absl::StrCat(keys_.prefix(), "phone:", phone);
}

std::string RedisAccounts::AuditKey() const {
  return absl::StrCat(keys_.prefix(), "audit");
}

std::string RedisAccounts::IndexKey(v1::Role role,
                                    absl::string_view scope_id) const {
  if (role == v1::ROLE_UNSPECIFIED && scope_id.empty()) {
    return absl::StrCat(keys_.prefix(), "users");
  }
  if (role == v1::ROLE_UNSPECIFIED) {
    return absl::StrCat(keys_.prefix(), "users:scope:", scope_id);
  }
  if (scope_id.empty()) {
    return absl::StrCat(keys_.prefix(), "users:role:", RoleKeyName(role));
  }
  return absl::StrCat(keys_.prefix(), "users:grant:", RoleKeyName(role), ":",
                      scope_id);
}

std::vector<std::string> RedisAccounts::IndexKeysOf(
    const v1::User& user) const {
  std::vector<std::string> keys = {IndexKey(v1::ROLE_UNSPECIFIED, "")};
  auto add = [&keys](std::string key) {
    if (std::find(keys.begin(), keys.end(), key) == keys.end())
      keys.push_back(std::move(key));
  };
  for (const v1::RoleGrant& grant : user.grants()) {
    add(IndexKey(grant.role(), ""));
    if (!grant.scope_id().empty()) {
      add(IndexKey(v1::ROLE_UNSPECIFIED, grant.scope_id()));
      add(IndexKey(grant.role(), grant.scope_id()));
    }
  }
  return keys;
}

absl::StatusOr<StoredUser> RedisAccounts::Get(absl::string_view user_id) {
  const std::string key = UserKey(user_id);
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"HMGET", key, "r", "h"}));
  if (!reply.IsArray() || reply.Size() != 2)
    return UnexpectedReply("HMGET", reply);
  if (reply[0].IsNil()) {
    return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
  }
  StoredUser stored;
  ASSIGN_OR_RETURN(stored.user, ParseUser(reply[0].Str(), "user"));
  stored.password_hash = std::string(reply[1].Str());
  return stored;
}

absl::StatusOr<std::optional<StoredUser>> RedisAccounts::FindByPhone(
    absl::string_view phone) {
  const std::string phone_key = PhoneKey(phone);
  ASSIGN_OR_RETURN(RedisReply id, redis_.Command({"GET", phone_key}));
  if (id.IsNil()) return std::nullopt;
  if (!id.IsString()) return UnexpectedReply("GET", id);
  absl::StatusOr<StoredUser> stored = Get(id.Str());
  if (absl::IsNotFound(stored.status())) {
    return absl::DataLossError("a phone number names a missing user");
  }
  if (!stored.ok()) return stored.status();
  return *std::move(stored);
}

absl::StatusOr<std::vector<v1::User>> RedisAccounts::GetMany(
    const std::vector<std::string>& ids) {
  std::vector<v1::User> users;
  if (ids.empty()) return users;
  std::vector<std::string> keys;
  keys.reserve(ids.size());
  for (const std::string& id : ids) keys.push_back(UserKey(id));
  std::vector<std::vector<absl::string_view>> reads;
  reads.reserve(keys.size());
  for (const std::string& key : keys) reads.push_back({"HGET", key, "r"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(reads));
  for (const RedisReply& reply : replies) {
    if (reply.IsNil()) continue;
    if (!reply.IsString()) return UnexpectedReply("HGET", reply);
    ASSIGN_OR_RETURN(v1::User user, ParseUser(reply.Str(), "user"));
    users.push_back(std::move(user));
  }
  return users;
}

absl::StatusOr<LoadedUser> RedisAccounts::LoadForUpdate(
    absl::string_view user_id, const AccountRequest& request) {
  const std::string request_key =
      keys_.Request(request.actor_id, request.request_id);
  const std::string user_key = UserKey(user_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> replies,
      redis_.Pipeline({{"GET", request_key}, {"HMGET", user_key, "r", "h"}}));
  LoadedUser loaded;
  ASSIGN_OR_RETURN(loaded.replay, ReplayOf(replies[0], request));
  const RedisReply& record = replies[1];
  if (!record.IsArray() || record.Size() != 2)
    return UnexpectedReply("HMGET", record);
  if (record[0].IsString()) {
    StoredUser stored;
    ASSIGN_OR_RETURN(stored.user, ParseUser(record[0].Str(), "user"));
    stored.password_hash = std::string(record[1].Str());
    loaded.current = std::move(stored);
  }
  return loaded;
}

absl::StatusOr<CreateCheck> RedisAccounts::LoadForCreate(
    absl::string_view phone, const AccountRequest& request) {
  const std::string request_key =
      keys_.Request(request.actor_id, request.request_id);
  const std::string phone_key = PhoneKey(phone);
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies,
                   redis_.Pipeline({{"GET", request_key}, {"GET", phone_key}}));
  CreateCheck check;
  ASSIGN_OR_RETURN(check.replay, ReplayOf(replies[0], request));
  check.phone_taken = !replies[1].IsNil();
  return check;
}

absl::StatusOr<UserWritten> RedisAccounts::Write(const UserWrite& write) {
  const v1::User& after = write.after;
  const std::string& id = after.id();
  if (write.request.has_value() &&
      write.request->fingerprint.size() != kFingerprintLength) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  if (write.before.has_value() && write.before->id() != id) {
    return absl::InvalidArgumentError("a write cannot change a user's id");
  }
  auto indexes = [this](const v1::User& user) {
    std::vector<ScoredKey> entries;
    for (std::string& key : IndexKeysOf(user)) {
      entries.push_back({std::move(key), 0});
    }
    return entries;
  };

  RecordWrite record;
  if (write.request.has_value()) {
    record.Request(
        keys_.Request(write.request->actor_id, write.request->request_id),
        write.request->fingerprint, options_.request_ttl);
  }
  const int64_t expected =
      write.before.has_value() ? write.before->version() : 0;
  record.Hash(UserKey(id), expected)
      .Field("v", absl::StrCat(after.version()))
      .Field("r", after.SerializeAsString());
  if (!write.password_hash.empty()) record.Field("h", write.password_hash);
  if (!write.before.has_value()) {
    // A create claims the phone number; a change never moves it.
    const std::string phone_key = PhoneKey(after.phone());
    record.CheckAbsent(phone_key).Set(phone_key, id);
  }
  record.Index(id,
               write.before.has_value() ? indexes(*write.before)
                                        : std::vector<ScoredKey>(),
               indexes(after));
  if (write.sessions != SessionEffect::kKeep) {
    record.EndSessions(RedisSessions::UserSessionsKey(tenant_, id),
                       write.sessions == SessionEffect::kEndOthers
                           ? std::optional<std::string>(write.keep_session_key)
                           : std::nullopt);
  }
  record.Log(AuditKey(), AuditFields(write.audit));

  ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis_, record));
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      break;
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    case WriteRefusal::kTaken:
      return absl::AlreadyExistsError("phone: the number has an account");
    case WriteRefusal::kExists:
      return absl::AlreadyExistsError(absl::StrCat("user ", id, " exists"));
    case WriteRefusal::kNotFound:
      return absl::NotFoundError(absl::StrCat("user ", id, " not found"));
    case WriteRefusal::kStale:
      return absl::AbortedError(absl::StrCat("user ", id, " is at version ",
                                             outcome.detail, ", not ", expected,
                                             ": read it again and retry"));
    default:
      return absl::InternalError(
          absl::StrCat("unexpected refusal of a write of user ", id));
  }
  UserWritten written;
  if (outcome.replayed) {
    ASSIGN_OR_RETURN(written.user, ParseUser(outcome.result, "request result"));
    written.replayed = true;
  } else {
    written.user = after;
  }
  return written;
}

absl::Status RedisAccounts::StoreSession(const v1::User& user,
                                         const PreparedSession& session) {
  if (session.principal.user_id() != user.id() ||
      session.principal.tenant() != tenant_) {
    return absl::InvalidArgumentError("the session is not of this user");
  }
  const std::string user_key = UserKey(user.id());
  const std::string version = absl::StrCat(user.version());
  const std::string ttl = absl::StrCat(absl::ToInt64Milliseconds(session.ttl));
  const std::string expires =
      absl::StrCat(absl::ToUnixMillis(session.expires_at));
  const std::string now =
      absl::StrCat(absl::ToUnixMillis(session.expires_at - session.ttl));
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Eval(CreateSessionScript(),
                  {user_key, session.key, session.user_sessions_key},
                  {version, session.value, ttl, expires, now}));
  if (reply.IsError()) {
    absl::string_view error = reply.Str();
    if (absl::StartsWith(error, "KEPU_NOT_FOUND")) {
      return absl::NotFoundError(
          absl::StrCat("user ", user.id(), " not found"));
    }
    if (absl::StartsWith(error, "KEPU_STALE")) {
      return absl::AbortedError(
          absl::StrCat("user ", user.id(), " changed: read it again"));
    }
    return UnexpectedReply("create_session", reply);
  }
  return absl::OkStatus();
}

absl::StatusOr<UserIdPage> RedisAccounts::ListIds(v1::Role role,
                                                  absl::string_view scope_id,
                                                  absl::string_view after_id,
                                                  int limit) {
  if (limit < 1) return absl::InvalidArgumentError("limit must be positive");
  const std::string key = IndexKey(role, scope_id);
  const std::string start =
      after_id.empty() ? "-" : absl::StrCat("(", after_id);
  const std::string fetch = absl::StrCat(limit + 1);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"ZRANGE", key, start, "+", "BYLEX", "LIMIT",
                                   "0", fetch}));
  if (!reply.IsArray()) return UnexpectedReply("ZRANGE", reply);
  UserIdPage page;
  for (size_t i = 0; i < reply.Size(); ++i) {
    if (static_cast<int>(page.ids.size()) == limit) {
      page.more = true;
      break;
    }
    page.ids.emplace_back(reply[i].Str());
  }
  return page;
}

namespace {

std::string NumberFailuresKey(const RedisKeys& keys,
                              absl::string_view number_digest) {
  return absl::StrCat(keys.prefix(), "sign-in-failures:number:", number_digest);
}

// Of no tenant: an address's failures count in every tenant. The address is
// the key's hash tag (its own slot).
std::string AddressFailuresKey(absl::string_view address) {
  return absl::StrCat("kepu:sign-in-failures:address:{", address, "}");
}

}  // namespace

absl::StatusOr<absl::Duration> RedisAccounts::AdmitAttempt(
    absl::string_view key, absl::string_view attempt_id, absl::Time now,
    int allowed, absl::Duration window) {
  ASSIGN_OR_RETURN(
      RedisReply reply,
      redis_.Eval(BeginSignInScript(), {key},
                  {absl::StrCat(absl::ToUnixMillis(now)), attempt_id,
                   absl::StrCat(absl::ToInt64Milliseconds(window)),
                   absl::StrCat(allowed)}));
  if (!reply.IsArray() || reply.Size() != 2 || !reply[1].IsString()) {
    return UnexpectedReply("begin_sign_in", reply);
  }
  if (reply[0].Str() == "ok") return absl::ZeroDuration();
  double wait_ms = 0;
  if (!absl::SimpleAtod(reply[1].Str(), &wait_ms)) {
    return UnexpectedReply("begin_sign_in", reply);
  }
  return absl::Milliseconds(std::max(1.0, wait_ms));
}

absl::StatusOr<SignInAttempt> RedisAccounts::BeginSignIn(
    absl::string_view number_digest, absl::string_view address,
    absl::string_view attempt_id, absl::Time now, const SignInLimits& limits) {
  // Two keys in two slots: the address first, taken back when the number
  // refuses (meanwhile the attempt counts against the address, never for it).
  const std::string address_key = AddressFailuresKey(address);
  SignInAttempt attempt;
  ASSIGN_OR_RETURN(
      attempt.retry_after,
      AdmitAttempt(address_key, attempt_id, now, limits.failures_per_address,
                   limits.address_window));
  if (attempt.retry_after > absl::ZeroDuration()) return attempt;
  if (!number_digest.empty()) {
    ASSIGN_OR_RETURN(
        attempt.retry_after,
        AdmitAttempt(NumberFailuresKey(keys_, number_digest), attempt_id, now,
                     limits.failures_per_number, limits.number_window));
    if (attempt.retry_after > absl::ZeroDuration()) {
      ASSIGN_OR_RETURN(RedisReply reply,
                       redis_.Command({"ZREM", address_key, attempt_id}));
      if (reply.IsError()) return UnexpectedReply("ZREM", reply);
      return attempt;
    }
  }
  attempt.attempt_id = std::string(attempt_id);
  return attempt;
}

absl::Status RedisAccounts::EndSignIn(absl::string_view number_digest,
                                      absl::string_view address,
                                      absl::string_view attempt_id,
                                      SignInOutcome outcome) {
  const std::string number_key = NumberFailuresKey(keys_, number_digest);
  const std::string address_key = AddressFailuresKey(address);
  std::vector<std::vector<absl::string_view>> commands;
  switch (outcome) {
    case SignInOutcome::kFailed:
      return absl::OkStatus();
    case SignInOutcome::kSucceeded:
      commands = {{"ZREM", address_key, attempt_id}};
      if (!number_digest.empty()) commands.push_back({"DEL", number_key});
      break;
    case SignInOutcome::kAbandoned:
      commands = {{"ZREM", address_key, attempt_id}};
      if (!number_digest.empty()) {
        commands.push_back({"ZREM", number_key, attempt_id});
      }
      break;
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis_.Pipeline(commands));
  for (const RedisReply& reply : replies) {
    if (reply.IsError()) return UnexpectedReply("ending a sign-in", reply);
  }
  return absl::OkStatus();
}

absl::Status RedisAccounts::AppendAudit(const AuditEntry& entry) {
  const std::string key = AuditKey();
  const std::vector<std::pair<std::string, std::string>> fields =
      AuditFields(entry);
  std::vector<absl::string_view> command = {"XADD", key, "*"};
  for (const auto& [field, value] : fields) {
    command.push_back(field);
    command.push_back(value);
  }
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command(command));
  if (reply.IsError()) return UnexpectedReply("XADD", reply);
  return absl::OkStatus();
}

}  // namespace kepu
