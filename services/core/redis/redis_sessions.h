// Sessions in Redis. A token is "<tenant>.<43 characters of base64url>" (32
// random bytes); Redis keeps only a keyed BLAKE2b hash of it, so a copy of the
// data cannot be used to sign in.
//
// Keys (all under the tenant's hash tag, see RedisKeys):
//   <prefix>session:<keyed hash of token>  string, the serialized Principal;
//                                          expires with the session
//   <prefix>user-sessions:<user id>        sorted set of the user's session
//                                          keys, scored by the Clock's
//                                          expiry time (ms); expired members
//                                          are dropped when the user signs in
//                                          again, the set expires with the
//                                          user's last session
// Expiry: a session ends at the Clock's session_expires_at (Authenticate
// checks it, so a FakeClock ends sessions in tests) and Redis drops the key
// after the same time by its own clock (PX).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/authenticator.h"
#include "services/core/clock.h"
#include "services/core/redis/redis_client.h"
#include "services/core/ttl_cache.h"

namespace kepu {

// A 32-byte key for the token hash, from 64 hex characters.
absl::StatusOr<std::string> ParseTokenKey(absl::string_view hex);
// A fresh random key, as 64 hex characters.
std::string NewTokenKeyHex();

// A session made but not yet stored: what Store (or a caller's Lua script that
// must store it atomically with a check of its own) writes.
struct PreparedSession {
  // Handed to the client, never stored.
  std::string token;
  // The session's Redis key (holds a keyed hash of the token).
  std::string key;
  // The set of the user's sessions (UserSessionsKey); empty when the principal
  // has no user id.
  std::string user_sessions_key;
  // The principal, with session_expires_at set.
  v1::Principal principal;
  // principal, serialized: the key's value.
  std::string value;
  absl::Duration ttl;
  absl::Time expires_at;
};

// Thread-safe.
class RedisSessions : public Authenticator {
 public:
  // `token_key`: 32 bytes (see ParseTokenKey); `redis` must outlive this
  // object.
  //
  // `cache_ttl`: how long Authenticate may answer from a session it read
  // before, without asking Redis (zero: never). Revoke and RevokeAll forget
  // what they end at once; anything else that ends or changes sessions (a
  // password change, a revoked role, another replica's logout) takes effect
  // here after at most `cache_ttl`, or at once after ForgetCached(). Expiry is
  // always exact.
  RedisSessions(RedisClient& redis, std::string token_key, const Clock& clock,
                absl::Duration cache_ttl = absl::ZeroDuration());

  // Forgets every session Authenticate remembers.
  void ForgetCached();

  // Issues a token for `principal` (whose tenant must be set) valid for `ttl`.
  // The stored principal gets session_expires_at; a principal with a user id is
  // added to that user's sessions (RevokeAll ends them).
  absl::StatusOr<std::string> Create(v1::Principal principal,
                                     absl::Duration ttl);

  // A new token and the records of its session, not stored yet.
  // kInvalidArgument: the principal's tenant is malformed.
  absl::StatusOr<PreparedSession> Prepare(v1::Principal principal,
                                          absl::Duration ttl) const;
  // Stores a prepared session (and its entry in the user's sessions) in one
  // transaction.
  absl::Status Store(const PreparedSession& session);

  // Ends the session of `token`; no error if it had already ended or the token
  // is malformed.
  absl::Status Revoke(absl::string_view token);

  // Ends every session of the user, but the one of `except_token` if given;
  // answers how many were live. Sessions created while it runs may survive
  // (they are newer than the call).
  absl::StatusOr<int> RevokeAll(absl::string_view tenant,
                                absl::string_view user_id,
                                absl::string_view except_token = "");

  absl::StatusOr<v1::Principal> Authenticate(absl::string_view token) override;

  // The tenant named in a token, if the token is well formed.
  static absl::StatusOr<std::string> TenantOf(absl::string_view token);

  // The Redis key of a token's session; kUnauthenticated for a malformed token.
  absl::StatusOr<std::string> SessionKeyOf(absl::string_view token) const;

  // The sorted set of a user's session keys.
  static std::string UserSessionsKey(absl::string_view tenant,
                                     absl::string_view user_id);

  // 64 hex characters: BLAKE2b-256 of `data` keyed with a key derived from the
  // token key. For values that must compare equal across calls and replicas
  // without storing the data itself (request fingerprints that carry a
  // password, counters per phone number): without the token key, a copy of
  // Redis does not reveal the data.
  std::string KeyedDigest(absl::string_view data) const;

 private:
  RedisClient& redis_;
  const std::string token_key_;
  // Derived from token_key_ for KeyedDigest (domain separation from tokens).
  std::string digest_key_;
  const Clock& clock_;
  const absl::Duration cache_ttl_;

  // Principals by session key (the token's keyed hash).
  TtlCache<v1::Principal> cache_{100000};
};

}  // namespace kepu
