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
#include "services/identity/account_store.h"

namespace kepu {

struct RedisAccountsOptions {
  // How long a request id is remembered (a retry after that is a new request).
  absl::Duration request_ttl = absl::Hours(24 * 7);
};

// AccountStore on Redis (the key layout above). Thread-safe; see AccountStore
// for the contract.
class RedisAccounts : public AccountStore {
 public:
  // `tenant` must pass CheckTenant; `redis` must outlive the store.
  RedisAccounts(RedisClient& redis, absl::string_view tenant,
                RedisAccountsOptions options = {});

  const std::string& tenant() const override { return tenant_; }
  const RedisKeys& keys() const { return keys_; }

  absl::StatusOr<StoredUser> Get(absl::string_view user_id) override;
  absl::StatusOr<std::optional<StoredUser>> FindByPhone(
      absl::string_view phone) override;
  absl::StatusOr<std::vector<v1::User>> GetMany(
      const std::vector<std::string>& ids) override;
  absl::StatusOr<LoadedUser> LoadForUpdate(
      absl::string_view user_id, const AccountRequest& request) override;
  absl::StatusOr<CreateCheck> LoadForCreate(
      absl::string_view phone, const AccountRequest& request) override;
  absl::StatusOr<UserWritten> Write(const UserWrite& write) override;
  absl::Status StoreSession(const v1::User& user,
                            const PreparedSession& session) override;
  absl::StatusOr<std::vector<std::string>> SessionKeys(
      absl::string_view user_id) override;
  absl::StatusOr<UserIdPage> ListIds(v1::Role role, absl::string_view scope_id,
                                     absl::string_view after_id,
                                     int limit) override;
  absl::StatusOr<SignInAttempt> BeginSignIn(
      absl::string_view number_digest, absl::string_view address,
      absl::string_view attempt_id, absl::Time now,
      const SignInLimits& limits) override;
  absl::Status EndSignIn(absl::string_view number_digest,
                         absl::string_view address,
                         absl::string_view attempt_id,
                         SignInOutcome outcome) override;
  absl::Status AppendAudit(const AuditEntry& entry) override;
  absl::StatusOr<std::vector<AuditEntry>> RecentAudit(int limit) override;

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
