// The identity domain of one tenant, as a server holds it: the accounts store
// on Redis and the Accounts domain on it.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/ids.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_sessions.h"
#include "services/identity/accounts.h"
#include "services/identity/passwords.h"
#include "services/identity/redis_accounts.h"
#include "services/rpc/per_tenant.h"

namespace kepu {

struct IdentityDomain {
  // Everything passed in must outlive the domain.
  IdentityDomain(RedisClient& redis, const std::string& tenant,
                 const Clock& clock, IdGenerator& ids,
                 RedisSessions& shared_sessions, DirectoryView& directory,
                 PasswordCost cost = {}, AccountsOptions options = {})
      : sessions(shared_sessions),
        store(redis, tenant),
        accounts(store, shared_sessions, directory, clock, ids, cost, options) {
  }

  // Shared by every tenant.
  RedisSessions& sessions;
  RedisAccounts store;
  Accounts accounts;
};

using IdentityDomains = PerTenant<IdentityDomain>;

// Accounts::EnsureAdmin in `tenant` (kInvalidArgument for a malformed tenant).
inline absl::StatusOr<v1::User> EnsureAdmin(IdentityDomains& domains,
                                            absl::string_view tenant,
                                            absl::string_view phone,
                                            absl::string_view password,
                                            absl::string_view display_name) {
  absl::StatusOr<IdentityDomain*> domain = domains.Get(tenant);
  if (!domain.ok()) return domain.status();
  return (*domain)->accounts.EnsureAdmin(phone, password, display_name);
}

}  // namespace kepu
