// Sessions in Redis. A token is "<tenant>.<43 characters of base64url>" (32
// random bytes); Redis keeps only a keyed BLAKE2b hash of it, so a copy of the
// data cannot be used to sign in.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/authenticator.h"
#include "services/core/clock.h"
#include "services/core/redis/redis_client.h"

namespace kepu {

// A 32-byte key for the token hash, from 64 hex characters.
absl::StatusOr<std::string> ParseTokenKey(absl::string_view hex);
// A fresh random key, as 64 hex characters.
std::string NewTokenKeyHex();

// Thread-safe.
class RedisSessions : public Authenticator {
 public:
  // `token_key`: 32 bytes (see ParseTokenKey); `redis` must outlive this
  // object.
  RedisSessions(RedisClient& redis, std::string token_key, const Clock& clock);

  // Issues a token for `principal` (whose tenant must be set) valid for `ttl`.
  // The stored principal gets session_expires_at.
  absl::StatusOr<std::string> Create(v1::Principal principal,
                                     absl::Duration ttl);

  // Ends the session of `token`; no error if it had already ended.
  absl::Status Revoke(absl::string_view token);

  absl::StatusOr<v1::Principal> Authenticate(absl::string_view token) override;

  // The tenant named in a token, if the token is well formed.
  static absl::StatusOr<std::string> TenantOf(absl::string_view token);

 private:
  // The Redis key of a token's session.
  absl::StatusOr<std::string> KeyOf(absl::string_view token) const;

  RedisClient& redis_;
  const std::string token_key_;
  const Clock& clock_;
};

}  // namespace kepu
