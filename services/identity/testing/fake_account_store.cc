#include "services/identity/testing/fake_account_store.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

std::string RequestMapKey(const AccountRequest& request) {
  return absl::StrCat(request.actor_id, "\n", request.request_id);
}

// Whether `user` is listed under `role` (UNSPECIFIED: any) over `scope_id`
// (empty: any), as RedisAccounts' indexes list it.
bool Listed(const v1::User& user, v1::Role role, absl::string_view scope_id) {
  if (role == v1::ROLE_UNSPECIFIED && scope_id.empty()) return true;
  for (const v1::RoleGrant& grant : user.grants()) {
    const bool role_fits = role == v1::ROLE_UNSPECIFIED || grant.role() == role;
    const bool scope_fits = scope_id.empty() || grant.scope_id() == scope_id;
    if (role_fits && scope_fits) return true;
  }
  return false;
}

}  // namespace

void FakeAccountStore::SetUnavailable(bool unavailable) {
  absl::MutexLock lock(&mu_);
  unavailable_ = unavailable;
}

absl::Status FakeAccountStore::CheckAvailable() const {
  if (unavailable_) return absl::UnavailableError("fake store is down");
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::User>> FakeAccountStore::Prior(
    const AccountRequest& request) const {
  auto it = requests_.find(RequestMapKey(request));
  if (it == requests_.end()) return std::nullopt;
  if (it->second.first != request.fingerprint) {
    return absl::InvalidArgumentError(
        "request_id: was already used for a different request");
  }
  v1::User user;
  user.ParseFromString(it->second.second);
  return user;
}

absl::StatusOr<StoredUser> FakeAccountStore::Get(absl::string_view user_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = users_.find(std::string(user_id));
  if (it == users_.end()) {
    return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
  }
  return it->second;
}

absl::StatusOr<std::optional<StoredUser>> FakeAccountStore::FindByPhone(
    absl::string_view phone) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = phones_.find(std::string(phone));
  if (it == phones_.end()) return std::nullopt;
  auto user = users_.find(it->second);
  if (user == users_.end()) return std::nullopt;
  return user->second;
}

absl::StatusOr<std::vector<v1::User>> FakeAccountStore::GetMany(
    const std::vector<std::string>& ids) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<v1::User> users;
  for (const std::string& id : ids) {
    auto it = users_.find(id);
    if (it != users_.end()) users.push_back(it->second.user);
  }
  return users;
}

absl::StatusOr<LoadedUser> FakeAccountStore::LoadForUpdate(
    absl::string_view user_id, const AccountRequest& request) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  LoadedUser loaded;
  ASSIGN_OR_RETURN(loaded.replay, Prior(request));
  auto it = users_.find(std::string(user_id));
  if (it != users_.end()) loaded.current = it->second;
  return loaded;
}

absl::StatusOr<CreateCheck> FakeAccountStore::LoadForCreate(
    absl::string_view phone, const AccountRequest& request) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  CreateCheck check;
  ASSIGN_OR_RETURN(check.replay, Prior(request));
  check.phone_taken = phones_.count(std::string(phone)) > 0;
  return check;
}

absl::StatusOr<UserWritten> FakeAccountStore::Write(const UserWrite& write) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  const v1::User& after = write.after;
  const std::string& id = after.id();
  if (write.request.has_value() && write.request->fingerprint.size() != 32) {
    return absl::InvalidArgumentError(
        "request fingerprint must be 32 characters");
  }
  if (write.before.has_value() && write.before->id() != id) {
    return absl::InvalidArgumentError("a write cannot change a user's id");
  }
  if (write.request.has_value()) {
    ASSIGN_OR_RETURN(std::optional<v1::User> prior, Prior(*write.request));
    if (prior.has_value()) return UserWritten{*std::move(prior), true};
  }
  auto it = users_.find(id);
  if (!write.before.has_value()) {
    if (it != users_.end()) {
      return absl::AlreadyExistsError(absl::StrCat("user ", id, " exists"));
    }
    if (phones_.count(after.phone()) > 0) {
      return absl::AlreadyExistsError("phone: the number has an account");
    }
  } else {
    if (it == users_.end()) {
      return absl::NotFoundError(absl::StrCat("user ", id, " not found"));
    }
    if (it->second.user.version() != write.before->version()) {
      return absl::AbortedError(absl::StrCat(
          "user ", id, " is at version ", it->second.user.version(), ", not ",
          write.before->version(), ": read it again and retry"));
    }
  }
  StoredUser& stored = users_[id];
  stored.user = after;
  if (!write.password_hash.empty()) stored.password_hash = write.password_hash;
  if (!write.before.has_value()) phones_[after.phone()] = id;
  if (write.sessions != SessionEffect::kKeep) {
    std::set<std::string>& sessions = sessions_[id];
    for (auto s = sessions.begin(); s != sessions.end();) {
      if (write.sessions == SessionEffect::kEndOthers &&
          *s == write.keep_session_key) {
        ++s;
      } else {
        s = sessions.erase(s);
      }
    }
  }
  audit_.push_back(write.audit);
  if (write.request.has_value()) {
    requests_[RequestMapKey(*write.request)] = {write.request->fingerprint,
                                                after.SerializeAsString()};
  }
  return UserWritten{after, false};
}

absl::Status FakeAccountStore::StoreSession(const v1::User& user,
                                            const PreparedSession& session) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  if (session.principal.user_id() != user.id() ||
      session.principal.tenant() != tenant_) {
    return absl::InvalidArgumentError("the session is not of this user");
  }
  auto it = users_.find(user.id());
  if (it == users_.end()) {
    return absl::NotFoundError(absl::StrCat("user ", user.id(), " not found"));
  }
  if (it->second.user.version() != user.version()) {
    return absl::AbortedError(
        absl::StrCat("user ", user.id(), " changed: read it again"));
  }
  sessions_[user.id()].insert(session.key);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<std::string>> FakeAccountStore::SessionKeys(
    absl::string_view user_id) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto it = sessions_.find(std::string(user_id));
  if (it == sessions_.end()) return std::vector<std::string>();
  return std::vector<std::string>(it->second.begin(), it->second.end());
}

absl::StatusOr<UserIdPage> FakeAccountStore::ListIds(v1::Role role,
                                                     absl::string_view scope_id,
                                                     absl::string_view after_id,
                                                     int limit) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  if (limit < 1) return absl::InvalidArgumentError("limit must be positive");
  UserIdPage page;
  for (auto it = users_.upper_bound(std::string(after_id)); it != users_.end();
       ++it) {
    if (!Listed(it->second.user, role, scope_id)) continue;
    if (static_cast<int>(page.ids.size()) == limit) {
      page.more = true;
      break;
    }
    page.ids.push_back(it->first);
  }
  return page;
}

absl::Duration FakeAccountStore::Admit(std::vector<Attempt>& failures,
                                       absl::string_view attempt_id,
                                       absl::Time now, int allowed,
                                       absl::Duration window) {
  std::erase_if(failures,
                [&](const Attempt& a) { return a.at <= now - window; });
  std::sort(failures.begin(), failures.end(),
            [](const Attempt& a, const Attempt& b) { return a.at < b.at; });
  const int count = static_cast<int>(failures.size());
  if (count >= allowed) {
    const absl::Duration wait = failures[count - allowed].at + window - now;
    if (wait > absl::ZeroDuration()) return wait;
  }
  failures.push_back({std::string(attempt_id), now});
  return absl::ZeroDuration();
}

absl::StatusOr<SignInAttempt> FakeAccountStore::BeginSignIn(
    absl::string_view number_digest, absl::string_view address,
    absl::string_view attempt_id, absl::Time now, const SignInLimits& limits) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  std::vector<Attempt>& by_address = address_failures_[std::string(address)];
  SignInAttempt attempt;
  attempt.retry_after =
      Admit(by_address, attempt_id, now, limits.failures_per_address,
            limits.address_window);
  if (attempt.retry_after > absl::ZeroDuration()) return attempt;
  if (!number_digest.empty()) {
    attempt.retry_after =
        Admit(number_failures_[std::string(number_digest)], attempt_id, now,
              limits.failures_per_number, limits.number_window);
    if (attempt.retry_after > absl::ZeroDuration()) {
      std::erase_if(by_address,
                    [&](const Attempt& a) { return a.id == attempt_id; });
      return attempt;
    }
  }
  attempt.attempt_id = std::string(attempt_id);
  return attempt;
}

absl::Status FakeAccountStore::EndSignIn(absl::string_view number_digest,
                                         absl::string_view address,
                                         absl::string_view attempt_id,
                                         SignInOutcome outcome) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  auto take_back = [&attempt_id](std::vector<Attempt>& failures) {
    std::erase_if(failures,
                  [&](const Attempt& a) { return a.id == attempt_id; });
  };
  switch (outcome) {
    case SignInOutcome::kFailed:
      break;
    case SignInOutcome::kSucceeded:
      take_back(address_failures_[std::string(address)]);
      if (!number_digest.empty()) {
        number_failures_.erase(std::string(number_digest));
      }
      break;
    case SignInOutcome::kAbandoned:
      take_back(address_failures_[std::string(address)]);
      if (!number_digest.empty()) {
        take_back(number_failures_[std::string(number_digest)]);
      }
      break;
  }
  return absl::OkStatus();
}

absl::Status FakeAccountStore::AppendAudit(const AuditEntry& entry) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  audit_.push_back(entry);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<AuditEntry>> FakeAccountStore::RecentAudit(
    int limit) {
  absl::MutexLock lock(&mu_);
  RETURN_IF_ERROR(CheckAvailable());
  if (limit < 1) return absl::InvalidArgumentError("limit must be positive");
  const size_t from =
      audit_.size() > static_cast<size_t>(limit) ? audit_.size() - limit : 0;
  return std::vector<AuditEntry>(audit_.begin() + from, audit_.end());
}

}  // namespace kepu
