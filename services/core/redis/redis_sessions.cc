#include "services/core/redis/redis_sessions.h"

#include <sodium.h>

#include <algorithm>

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

absl::Status BadToken() {
  return absl::UnauthenticatedError("invalid or expired token");
}

int InitSodium() {
  static const int kResult = sodium_init();
  return kResult;
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
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(key), sizeof key));
}

RedisSessions::RedisSessions(RedisClient& redis, std::string token_key,
                             const Clock& clock)
    : redis_(redis), token_key_(std::move(token_key)), clock_(clock) {
  InitSodium();
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

absl::StatusOr<std::string> RedisSessions::KeyOf(
    absl::string_view token) const {
  ASSIGN_OR_RETURN(std::string tenant, TenantOf(token));
  unsigned char digest[32];
  crypto_generichash(digest, sizeof digest,
                     reinterpret_cast<const unsigned char*>(token.data()),
                     token.size(),
                     reinterpret_cast<const unsigned char*>(token_key_.data()),
                     token_key_.size());
  const std::string hash = absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(digest), sizeof digest));
  return RedisKeys(tenant).Session(hash);
}

absl::StatusOr<std::string> RedisSessions::Create(v1::Principal principal,
                                                  absl::Duration ttl) {
  RETURN_IF_ERROR(CheckTenant(principal.tenant()));
  unsigned char secret[kTokenBytes];
  randombytes_buf(secret, sizeof secret);
  std::string encoded;
  absl::WebSafeBase64Escape(
      absl::string_view(reinterpret_cast<const char*>(secret), sizeof secret),
      &encoded);
  const std::string token = absl::StrCat(principal.tenant(), ".", encoded);
  *principal.mutable_session_expires_at() = ToProto(clock_.Now() + ttl);
  ASSIGN_OR_RETURN(const std::string key, KeyOf(token));
  const std::string value = principal.SerializeAsString();
  const std::string milliseconds =
      absl::StrCat(std::max<int64_t>(1, absl::ToInt64Milliseconds(ttl)));
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"SET", key, value, "PX", milliseconds}));
  if (reply.IsError())
    return absl::InternalError(
        absl::StrCat("storing a session: ", reply.Str()));
  return token;
}

absl::Status RedisSessions::Revoke(absl::string_view token) {
  absl::StatusOr<std::string> key = KeyOf(token);
  if (!key.ok())
    return absl::OkStatus();  // a malformed token has no session to end
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"DEL", *key}));
  if (reply.IsError())
    return absl::InternalError(absl::StrCat("revoking: ", reply.Str()));
  return absl::OkStatus();
}

absl::StatusOr<v1::Principal> RedisSessions::Authenticate(
    absl::string_view token) {
  ASSIGN_OR_RETURN(const std::string key, KeyOf(token));
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
  return principal;
}

}  // namespace kepu
