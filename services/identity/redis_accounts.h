// The accounts of one tenant in Redis: users with their password hashes,
// unique by phone number, versioned, written by one record write per change
// (record_write.h), with indexes for listing, an audit entry per write, and
// the failure counters of sign-ins.
//
// Keys (under RedisKeys(tenant).prefix()):
//   user:<id>                      hash {v: version, r: serialized User,
//                                  h: argon2id password hash}
//   phone:<11 digits>              string: the user id of the number
//   users                          sorted set of every user id (score 0:
//                                  ordered by id, i.e. by creation time)
//   users:role:<role>              ... of the users holding the role
//   users:scope:<scope id>         ... of the users holding a role over it
//   users:grant:<role>:<scope id>  ... of the users holding that grant
//   sign-in-failures:number:<keyed digest of the number>
//                                  sorted set of failed sign-ins
//                                  (begin_sign_in.lua)
//   audit                          stream {at, actor, actor_name, role,
//                                  action, target, request_id, outcome
//                                  ("OK")[, reason]}, never trimmed
//   request:<actor>:<request id>   as RedisKeys::Request (expires)
// and the sessions of RedisSessions. Of every tenant at once:
//   kepu:sign-in-failures:address:{<client address>}
//                                  sorted set of the address's failed
//                                  sign-ins and token checks
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/audit.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"
#include "services/core/redis/redis_sessions.h"

namespace kepu {

struct RedisAccountsOptions {
  // How long a request id is remembered (a retry after that is a new request).
  absl::Duration request_ttl = absl::Hours(24 * 7);
};

// An account as stored: the user and the hash of its password.
struct StoredUser {
  v1::User user;
  std::string password_hash;
};

// The request a write answers: whose request id it is, and the fingerprint of
// its content.
struct AccountRequest {
  std::string actor_id;
  std::string request_id;
  // 32 hex characters (see Fingerprint).
  std::string fingerprint;
};

// What happens to the user's sessions when a write applies.
enum class SessionEffect {
  kKeep,
  // Every session of the user ends.
  kEndAll,
  // Every session but `keep_session_key` ends.
  kEndOthers,
};

// One change of one account.
struct UserWrite {
  // Absent for a write without a request id (e.g. ChangePassword).
  std::optional<AccountRequest> request;
  // The user as read; absent when the write creates the user.
  std::optional<v1::User> before;
  // The user after the write: version before.version + 1 (1 for a new user),
  // phone normalized.
  v1::User after;
  // Non-empty: the new password hash.
  std::string password_hash;
  SessionEffect sessions = SessionEffect::kKeep;
  std::string keep_session_key;
  AuditEntry audit;
};

// The result of a write: the user after it, or the first result of the same
// request.
struct UserWritten {
  v1::User user;
  bool replayed = false;
};

// A user and the first result of a request, read in one round trip.
struct LoadedUser {
  std::optional<StoredUser> current;
  // Set when the request was applied before with the same content.
  std::optional<v1::User> replay;
};

// What a request that creates an account finds.
struct CreateCheck {
  // Set when the request was applied before with the same content.
  std::optional<v1::User> replay;
  // The number already has an account.
  bool phone_taken = false;
};

// One page of user ids in id order.
struct UserIdPage {
  std::vector<std::string> ids;
  // More ids follow the last one.
  bool more = false;
};

// A sign-in attempt admitted by BeginSignIn.
struct SignInAttempt {
  // Empty when the attempt was refused.
  std::string attempt_id;
  // For a refused attempt: how long until one is admitted again.
  absl::Duration retry_after;
};

struct SignInLimits {
  // A number with this many failed sign-ins within `number_window` is refused
  // until the oldest of them is older than the window.
  int failures_per_number = 5;
  absl::Duration number_window = absl::Minutes(15);
  // The same for a client address.
  int failures_per_address = 30;
  absl::Duration address_window = absl::Minutes(15);
};

// Thread-safe. Every method answers kUnavailable when Redis cannot be reached.
// Requests are assumed validated; records are written in the form given.
class RedisAccounts {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the store.
  RedisAccounts(RedisClient& redis, absl::string_view tenant,
                RedisAccountsOptions options = {});

  const std::string& tenant() const { return tenant_; }
  const RedisKeys& keys() const { return keys_; }

  // kNotFound: no such user.
  absl::StatusOr<StoredUser> Get(absl::string_view user_id);
  // The account of a normalized phone number; nullopt when it has none.
  absl::StatusOr<std::optional<StoredUser>> FindByPhone(
      absl::string_view phone);
  // The users of `ids` that exist, in the order of `ids`.
  absl::StatusOr<std::vector<v1::User>> GetMany(
      const std::vector<std::string>& ids);

  // The user (nullopt if none) and the request's first result, if any.
  //   kInvalidArgument: the request id was used for other content.
  absl::StatusOr<LoadedUser> LoadForUpdate(absl::string_view user_id,
                                           const AccountRequest& request);
  // Whether a request that creates an account for `phone` was applied before,
  // and whether the number has an account.
  //   kInvalidArgument: the request id was used for other content.
  absl::StatusOr<CreateCheck> LoadForCreate(absl::string_view phone,
                                            const AccountRequest& request);

  // Applies `write` atomically: the user record, its phone key (on create),
  // its index entries, the effect on its sessions, the audit entry and the
  // request key. A request applied before returns its first result and writes
  // nothing.
  //   kInvalidArgument: the request id was used for other content;
  //   kAlreadyExists:   (create) the phone number has an account, or the id is
  //                     taken;
  //   kNotFound:        (change) no such user;
  //   kAborted:         (change) the user is no longer at before.version.
  absl::StatusOr<UserWritten> Write(const UserWrite& write);

  // Stores `session` of `user` only while the user is still at
  // user.version(), with the session's entry in the user's session set.
  //   kAborted: the user changed since it was read (read again);
  //   kNotFound: no such user.
  absl::Status StoreSession(const v1::User& user,
                            const PreparedSession& session);

  // One page of user ids after `after_id` (exclusive; empty: from the start),
  // at most `limit`: of the users holding `role` (ROLE_UNSPECIFIED: any) over
  // `scope_id` (empty: any).
  absl::StatusOr<UserIdPage> ListIds(v1::Role role, absl::string_view scope_id,
                                     absl::string_view after_id, int limit);

  // Admits a sign-in attempt for the number (by its keyed digest) from the
  // client address, or refuses it when either has used up its failures
  // (`now` from the caller's Clock). An admitted attempt counts as a failure
  // until EndSignIn says otherwise. The address's failures count across
  // tenants. An empty `number_digest` limits the address alone (a token
  // check).
  absl::StatusOr<SignInAttempt> BeginSignIn(absl::string_view number_digest,
                                            absl::string_view address,
                                            absl::string_view attempt_id,
                                            absl::Time now,
                                            const SignInLimits& limits);
  // How an admitted attempt ended: kSucceeded clears the number's failures and
  // takes the attempt back from the address's; kFailed leaves it counted;
  // kAbandoned (the attempt could not be decided, e.g. an error) takes it back
  // from both.
  enum class SignInOutcome { kSucceeded, kFailed, kAbandoned };
  absl::Status EndSignIn(absl::string_view number_digest,
                         absl::string_view address,
                         absl::string_view attempt_id, SignInOutcome outcome);

  // Appends an entry to the audit trail alone (for actions that change no
  // account, e.g. ending sessions).
  absl::Status AppendAudit(const AuditEntry& entry);

  // The keys of the indexes that list `user` (see the key layout above).
  std::vector<std::string> IndexKeysOf(const v1::User& user) const;

  std::string UserKey(absl::string_view user_id) const;
  std::string PhoneKey(absl::string_view phone) const;
  std::string AuditKey() const;

 private:
  std::string IndexKey(v1::Role role, absl::string_view scope_id) const;
  // Records an attempt in the failures at `key` if fewer than `allowed` lie
  // within `window`; else answers how long until one is admitted (zero:
  // admitted).
  absl::StatusOr<absl::Duration> AdmitAttempt(absl::string_view key,
                                              absl::string_view attempt_id,
                                              absl::Time now, int allowed,
                                              absl::Duration window);

  RedisClient& redis_;
  const std::string tenant_;
  const RedisKeys keys_;
  const RedisAccountsOptions options_;
};

}  // namespace kepu
