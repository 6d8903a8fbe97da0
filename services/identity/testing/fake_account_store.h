// An in-memory AccountStore for domain tests, with a fault switch. Same
// contract as RedisAccounts (account_store.h), held to it by
// tests/identity/account_store_contract.cc; never used in integration tests.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/identity/account_store.h"

namespace kepu {

class FakeAccountStore : public AccountStore {
 public:
  explicit FakeAccountStore(std::string tenant) : tenant_(std::move(tenant)) {}

  const std::string& tenant() const override { return tenant_; }
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

  // While set, every call answers kUnavailable, as a store that is down.
  void SetUnavailable(bool unavailable);

 private:
  struct Attempt {
    std::string id;
    absl::Time at;
  };
  absl::Status CheckAvailable() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  absl::StatusOr<std::optional<v1::User>> Prior(
      const AccountRequest& request) const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Admits `attempt_id` into `failures` if fewer than `allowed` lie within
  // `window` of `now`; else how long until one is admitted.
  static absl::Duration Admit(std::vector<Attempt>& failures,
                              absl::string_view attempt_id, absl::Time now,
                              int allowed, absl::Duration window);

  const std::string tenant_;
  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, StoredUser> users_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::string> phones_ ABSL_GUARDED_BY(mu_);
  // Request key -> fingerprint and the serialized first result.
  std::map<std::string, std::pair<std::string, std::string>> requests_
      ABSL_GUARDED_BY(mu_);
  // User id -> its live session keys.
  std::map<std::string, std::set<std::string>> sessions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<Attempt>> number_failures_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, std::vector<Attempt>> address_failures_
      ABSL_GUARDED_BY(mu_);
  std::vector<AuditEntry> audit_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
