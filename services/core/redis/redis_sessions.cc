#include "services/core/redis/redis_sessions.h"

#include <sodium.h>

#include <algorithm>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/core/redis/redis_keys.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr size_t kSecretLength = 43;  // base64url of 32 bytes, unpadded
constexpr char kDigestContext[] = "kepu keyed digest v1";

absl::Status BadToken() {
  return absl::UnauthenticatedError("invalid or expired token");
}

int InitSodium() {
  static const int kResult = sodium_init();
  return kResult;
}

std::string Hex(const unsigned char* bytes, size_t size) {
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), size));
}

// Runs `commands` as one MULTI/EXEC transaction; the replies of EXEC.
absl::StatusOr<RedisReply> Transaction(
    RedisClient& redis, std::vector<std::vector<absl::string_view>> commands,
    absl::string_view what) {
  commands.insert(commands.begin(), {"MULTI"});
  commands.push_back({"EXEC"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(commands));
  const RedisReply& exec = replies.back();
  if (!exec.IsArray()) {
    for (const RedisReply& reply : replies) {
      if (reply.IsError())
        return absl::InternalError(absl::StrCat(what, ": ", reply.Str()));
    }
    return absl::InternalError(absl::StrCat(what, ": transaction failed"));
  }
  for (size_t i = 0; i < exec.Size(); ++i) {
    if (exec[i].IsError())
      return absl::InternalError(absl::StrCat(what, ": ", exec[i].Str()));
  }
  return exec;
}

}  // namespace

absl::StatusOr<std::string> ParseTokenKey(absl::string_view hex) {
  if (hex.size() != 64) {
    return absl::InvalidArgumentError("token key: must be 64 hex characters");
  }
  for (char c : hex) {
    if (!absl::ascii_isxdigit(static_cast<unsigned char>(c))) {
      return absl::InvalidArgumentError("token key: must be 64 hex characters");
    }
  }
  return absl::HexStringToBytes(hex);
}

std::string NewTokenKeyHex() {
  InitSodium();
  unsigned char key[32];
  randombytes_buf(key, sizeof key);
  return Hex(key, sizeof key);
}

RedisSessions::RedisSessions(RedisClient& redis, std::string token_key,
                             const Clock& clock, absl::Duration cache_ttl)
    : redis_(redis),
      token_key_(std::move(token_key)),
      clock_(clock),
      cache_ttl_(cache_ttl) {
  InitSodium();
  unsigned char derived[crypto_generichash_KEYBYTES];
  crypto_generichash(
      derived, sizeof derived,
      reinterpret_cast<const unsigned char*>(kDigestContext),
      sizeof kDigestContext - 1,
      reinterpret_cast<const unsigned char*>(token_key_.data()),
      std::min<size_t>(token_key_.size(), crypto_generichash_KEYBYTES_MAX));
  digest_key_.assign(reinterpret_cast<const char*>(derived), sizeof derived);
}

absl::StatusOr<std::string> RedisSessions::TenantOf(absl::string_view token) {
  const size_t dot = token.find('.');
  if (dot == absl::string_view::npos ||
      token.size() - dot - 1 != kSecretLength) {
    return BadToken();
  }
  absl::string_view tenant = token.substr(0, dot);
  if (!CheckTenant(tenant).ok()) return BadToken();
  for (char c : token.substr(dot + 1)) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' &&
        c != '_') {
      return BadToken();
    }
  }
  return std::string(tenant);
}

absl::StatusOr<std::string> RedisSessions::SessionKeyOf(
    absl::string_view token) const {
  ASSIGN_OR_RETURN(std::string tenant, TenantOf(token));
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(),
                     reinterpret_cast<const unsigned char*>(token_key_.data()),
                     token_key_.size());
  return RedisKeys(tenant).Session(Hex(digest, sizeof digest));
}

std::string RedisSessions::UserSessionsKey(absl::string_view tenant,
                                           absl::string_view user_id) {
  return absl::StrCat(RedisKeys(tenant).prefix(), "user-sessions:", user_id);
}

std::string RedisSessions::KeyedDigest(absl::string_view data) const {
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(data.data()),
                     data.size(),
                     reinterpret_cast<const unsigned char*>(digest_key_.data()),
                     digest_key_.size());
  return Hex(digest, sizeof digest);
}

absl::StatusOr<PreparedSession> RedisSessions::Prepare(
    v1::Principal principal, absl::Duration ttl) const {
  RETURN_IF_ERROR(CheckTenant(principal.tenant()));
  unsigned char secret[kTokenBytes];
  randombytes_buf(secret, sizeof secret);
  std::string encoded;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(secret), sizeof secret),
      &encoded);
  sodium_memzero(secret, sizeof secret);
  PreparedSession session;
  session.token = absl::StrCat(principal.tenant(), ".", encoded);
  ASSIGN_OR_RETURN(session.key, SessionKeyOf(session.token));
  if (!principal.user_id().empty()) {
    session.user_sessions_key =
        UserSessionsKey(principal.tenant(), principal.user_id());
  }
  session.ttl = std::max(ttl, absl::Milliseconds(1));
  session.expires_at = clock_.Now() + session.ttl;
  *principal.mutable_session_expires_at() = ToProto(session.expires_at);
  session.value = principal.SerializeAsString();
  session.principal = std::move(principal);
  return session;
}

absl::Status RedisSessions::Store(const PreparedSession& session) {
  const std::string ttl = absl::StrCat(absl::ToInt64Milliseconds(session.ttl));
  std::vector<std::vector<absl::string_view>> commands = {
      {"SET", session.key, session.value, "PX", ttl}};
  const std::string now = absl::StrCat(absl::ToUnixMillis(clock_.Now()));
  const std::string expires =
      absl::StrCat(absl::ToUnixMillis(session.expires_at));
  if (!session.user_sessions_key.empty()) {
    const std::string& set = session.user_sessions_key;
    commands.push_back({"ZREMRANGEBYSCORE", set, "-inf", now});
    commands.push_back({"ZADD", set, expires, session.key});
    // The set lives as long as the user's longest session: NX sets the first
    // expiry, GT extends it.
    commands.push_back({"PEXPIRE", set, ttl, "NX"});
    commands.push_back({"PEXPIRE", set, ttl, "GT"});
  }
  return Transaction(redis_, std::move(commands), "storing a session").status();
}

absl::StatusOr<std::string> RedisSessions::Create(v1::Principal principal,
                                                  absl::Duration ttl) {
  ASSIGN_OR_RETURN(PreparedSession session, Prepare(std::move(principal), ttl));
  RETURN_IF_ERROR(Store(session));
  return std::move(session.token);
}

absl::Status RedisSessions::Revoke(absl::string_view token) {
  absl::StatusOr<std::string> key = SessionKeyOf(token);
  if (!key.ok())
    return absl::OkStatus();  // a malformed token has no session to end
  cache_.Erase(*key);
  ASSIGN_OR_RETURN(RedisReply stored, redis_.Command({"GET", *key}));
  if (stored.IsNil()) return absl::OkStatus();
  v1::Principal principal;
  if (stored.IsString() &&
      principal.ParseFromArray(stored.Str().data(),
                               static_cast<int>(stored.Str().size())) &&
      !principal.user_id().empty()) {
    const std::string set =
        UserSessionsKey(principal.tenant(), principal.user_id());
    return Transaction(redis_, {{"DEL", *key}, {"ZREM", set, *key}}, "revoking")
        .status();
  }
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"DEL", *key}));
  if (reply.IsError())
    return absl::InternalError(absl::StrCat("revoking: ", reply.Str()));
  return absl::OkStatus();
}

absl::StatusOr<int> RedisSessions::RevokeAll(absl::string_view tenant,
                                             absl::string_view user_id,
                                             absl::string_view except_token) {
  RETURN_IF_ERROR(CheckTenant(tenant));
  ForgetCached();
  std::string kept;
  if (!except_token.empty()) {
    absl::StatusOr<std::string> key = SessionKeyOf(except_token);
    if (key.ok()) kept = *std::move(key);
  }
  const std::string set = UserSessionsKey(tenant, user_id);
  ASSIGN_OR_RETURN(RedisReply members,
                   redis_.Command({"ZRANGE", set, "0", "-1"}));
  if (!members.IsArray()) {
    return absl::InternalError(
        absl::StrCat("reading sessions: ", members.Str()));
  }
  std::vector<absl::string_view> del = {"DEL"};
  std::vector<absl::string_view> zrem = {"ZREM", set};
  for (size_t i = 0; i < members.Size(); ++i) {
    absl::string_view key = members[i].Str();
    if (key == kept) continue;
    del.push_back(key);
    zrem.push_back(key);
  }
  if (del.size() == 1) return 0;
  ASSIGN_OR_RETURN(RedisReply done,
                   Transaction(redis_, {del, zrem}, "revoking sessions"));
  return static_cast<int>(done[0].Integer());
}

void RedisSessions::ForgetCached() { cache_.Clear(); }

absl::StatusOr<v1::Principal> RedisSessions::Authenticate(
    absl::string_view token) {
  ASSIGN_OR_RETURN(const std::string key, SessionKeyOf(token));
  // Taken before the read, so a remembered session is never older than
  // cache_ttl_.
  const absl::Time now = clock_.Now();
  if (cache_ttl_ > absl::ZeroDuration()) {
    if (std::shared_ptr<const v1::Principal> known = cache_.Find(key, now)) {
      if (FromProto(known->session_expires_at()) <= now) return BadToken();
      return *known;
    }
  }
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", key}));
  if (reply.IsNil()) return BadToken();
  v1::Principal principal;
  if (!reply.IsString() ||
      !principal.ParseFromArray(reply.Str().data(),
                                static_cast<int>(reply.Str().size()))) {
    return absl::InternalError("unreadable session");
  }
  if (FromProto(principal.session_expires_at()) <= clock_.Now())
    return BadToken();
  if (cache_ttl_ > absl::ZeroDuration())
    cache_.Put(key, principal, now + cache_ttl_);
  return principal;
}

}  // namespace kepu
