#include "services/identity/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "services/core/authorization.h"
#include "services/core/field_checks.h"
#include "services/core/fingerprint.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

constexpr char kService[] = "kepu.v1.IdentityService/";
constexpr int kDefaultPageSize = 20;
// ListUsers of a county admin reads user ids in batches of this many.
constexpr int kScanBatch = 100;
// How often a write or a session is tried again when the account changed in
// between (another replica, a concurrent admin).
constexpr int kRetries = 5;
// The actor of what the platform does by itself (EnsureAdmin).
constexpr char kSystemActor[] = "system";

absl::Status WrongCredentials() {
  return absl::UnauthenticatedError("wrong phone number or password");
}

absl::Status Deactivated() {
  return absl::PermissionDeniedError("this account is deactivated");
}

absl::Status NotAdmin() {
  return absl::PermissionDeniedError("only admins may manage accounts");
}

absl::Status UserNotFound(absl::string_view user_id) {
  return absl::NotFoundError(absl::StrCat("user ", user_id, " not found"));
}

absl::Status PhoneTaken() {
  return absl::AlreadyExistsError("phone: the number has an account");
}

absl::Status Stale(const v1::User& user, int64_t expected_version) {
  return absl::AbortedError(
      absl::StrCat("user ", user.id(), " is at version ", user.version(),
                   ", not ", expected_version, ": read it again and retry"));
}

absl::StatusOr<std::string> NormalizedPhone(absl::string_view phone,
                                            absl::string_view path) {
  std::optional<std::string> normalized = NormalizeMainlandMobile(phone);
  if (!normalized.has_value()) {
    return FieldError(path, "must be a mainland mobile number");
  }
  return *std::move(normalized);
}

std::string Target(absl::string_view user_id) {
  return absl::StrCat("user/", user_id);
}

bool Holds(const v1::User& user, const v1::RoleGrant& grant) {
  return std::any_of(user.grants().begin(), user.grants().end(),
                     [&grant](const v1::RoleGrant& held) {
                       return held.role() == grant.role() &&
                              held.scope_id() == grant.scope_id();
                     });
}

std::string GrantName(const v1::RoleGrant& grant) {
  if (grant.scope_id().empty()) return v1::Role_Name(grant.role());
  return absl::StrCat(v1::Role_Name(grant.role()), " over ", grant.scope_id());
}

v1::Principal PrincipalOf(const v1::User& user, absl::string_view tenant) {
  v1::Principal principal;
  principal.set_user_id(user.id());
  principal.set_tenant(std::string(tenant));
  principal.set_display_name(user.display_name());
  *principal.mutable_grants() = user.grants();
  return principal;
}

// A password nobody knows, for the dummy hash.
std::string RandomSecret() {
  unsigned char bytes[24];
  randombytes_buf(bytes, sizeof bytes);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
}

}  // namespace

v1::User UserView(const v1::Principal& viewer, v1::User user,
                  bool admin_in_scope) {
  if (viewer.user_id() != user.id() && !admin_in_scope) {
    user.set_phone(MaskPhone(user.phone()));
  }
  return user;
}

std::string ClientAddress(absl::string_view peer) {
  const size_t colon = peer.rfind(':');
  if (colon == absl::string_view::npos || peer.find(':') == colon) {
    return std::string(peer);
  }
  absl::string_view port = peer.substr(colon + 1);
  if (port.empty() || !std::all_of(port.begin(), port.end(), [](char c) {
        return absl::ascii_isdigit(static_cast<unsigned char>(c));
      })) {
    return std::string(peer);
  }
  return std::string(peer.substr(0, colon));
}

Accounts::Accounts(RedisAccounts& store, RedisSessions& sessions,
                   DirectoryView& directory, const Clock& clock,
                   IdGenerator& ids, PasswordCost cost, AccountsOptions options)
    : store_(store),
      sessions_(sessions),
      directory_(directory),
      clock_(clock),
      ids_(ids),
      cost_(cost),
      options_(options) {}

template <typename Request>
std::string Accounts::SecretFingerprint(
    Request request, std::string* (Request::*secret)()) const {
  std::string* field = (request.*secret)();
  *field = sessions_.KeyedDigest(*field);
  return Fingerprint(request);
}

AuditEntry Accounts::Audit(v1::Actor actor, absl::string_view method,
                           absl::string_view user_id,
                           absl::string_view request_id) const {
  AuditEntry entry;
  entry.at = clock_.Now();
  entry.actor = std::move(actor);
  entry.action = absl::StrCat(kService, method);
  entry.target = Target(user_id);
  entry.request_id = std::string(request_id);
  return entry;
}

const std::string& Accounts::DummyHash() {
  absl::call_once(dummy_once_, [this] {
    absl::StatusOr<std::string> hash = HashPassword(RandomSecret(), cost_);
    if (hash.ok()) dummy_hash_ = *std::move(hash);
  });
  return dummy_hash_;
}

// Residents and signing in.

absl::StatusOr<v1::Session> Accounts::Register(
    const v1::RegisterRequest& request, absl::string_view peer) {
  ASSIGN_OR_RETURN(const std::string phone,
                   NormalizedPhone(request.phone(), "phone"));
  v1::RegisterRequest normalized = request;
  normalized.set_phone(phone);
  // Nobody is signed in yet: the request id is scoped to the number (by its
  // keyed digest, so the key does not spell the number out).
  const AccountRequest key{
      absl::StrCat("register-", sessions_.KeyedDigest(phone).substr(0, 32)),
      request.request_id(),
      SecretFingerprint(normalized, &v1::RegisterRequest::mutable_password)};
  ASSIGN_OR_RETURN(const CreateCheck check, store_.LoadForCreate(phone, key));
  // The account was made by this very request before: sign in to it again,
  // with every check of a sign-in (the password may have changed since).
  if (check.replay.has_value()) {
    return SignIn(phone, request.password(), peer);
  }
  if (check.phone_taken) return PhoneTaken();

  ASSIGN_OR_RETURN(std::string hash, HashPassword(request.password(), cost_));
  v1::User user;
  user.set_id(ids_.Next());
  user.set_phone(phone);
  user.set_display_name(request.display_name());
  user.add_grants()->set_role(v1::ROLE_RESIDENT);
  user.set_active(true);
  user.set_version(1);
  *user.mutable_created_at() = ToProto(clock_.Now());
  UserWrite write;
  write.request = key;
  write.after = user;
  write.password_hash = hash;
  v1::Actor actor;
  actor.set_user_id(user.id());
  actor.set_display_name(user.display_name());
  actor.set_role(v1::ROLE_RESIDENT);
  write.audit =
      Audit(std::move(actor), "Register", user.id(), request.request_id());
  ASSIGN_OR_RETURN(UserWritten written, store_.Write(write));
  if (written.replayed) return SignIn(phone, request.password(), peer);
  return OpenSession(StoredUser{std::move(written.user), std::move(hash)});
}

absl::StatusOr<v1::Session> Accounts::Login(const v1::LoginRequest& request,
                                            absl::string_view peer) {
  ASSIGN_OR_RETURN(const std::string phone,
                   NormalizedPhone(request.phone(), "phone"));
  return SignIn(phone, request.password(), peer);
}

absl::StatusOr<v1::Session> Accounts::SignIn(absl::string_view phone,
                                             absl::string_view password,
                                             absl::string_view peer) {
  std::optional<StoredUser> found;
  ASSIGN_OR_RETURN(const bool matches,
                   LimitedCheck(phone, peer, [&]() -> absl::StatusOr<bool> {
                     ASSIGN_OR_RETURN(found, store_.FindByPhone(phone));
                     if (!found.has_value()) {
                       // As long as a real check, so the time does not tell
                       // whether the number has an account.
                       VerifyPassword(DummyHash(), password);
                       return false;
                     }
                     return VerifyPassword(found->password_hash, password);
                   }));
  if (!matches) return WrongCredentials();
  if (!found->user.active()) return Deactivated();
  return OpenSession(*std::move(found));
}

absl::StatusOr<bool> Accounts::LimitedCheck(
    absl::string_view phone, absl::string_view peer,
    const std::function<absl::StatusOr<bool>()>& check) {
  // No number (a token check): the address's limit alone.
  const std::string digest = phone.empty() ? "" : sessions_.KeyedDigest(phone);
  std::string address = ClientAddress(peer);
  if (address.empty()) address = "unknown";
  const std::string attempt_id = ids_.Next();
  ASSIGN_OR_RETURN(const SignInAttempt attempt,
                   store_.BeginSignIn(digest, address, attempt_id, clock_.Now(),
                                      options_.sign_in));
  if (attempt.attempt_id.empty()) {
    const int64_t minutes =
        std::max<int64_t>(1, static_cast<int64_t>(std::ceil(absl::FDivDuration(
                                 attempt.retry_after, absl::Minutes(1)))));
    return absl::ResourceExhaustedError(
        absl::StrCat("too many failed sign-ins; try again in ", minutes,
                     minutes == 1 ? " minute" : " minutes"));
  }
  const absl::StatusOr<bool> result = check();
  using Outcome = RedisAccounts::SignInOutcome;
  const Outcome outcome = !result.ok() ? Outcome::kAbandoned
                          : *result    ? Outcome::kSucceeded
                                       : Outcome::kFailed;
  const absl::Status ended =
      store_.EndSignIn(digest, address, attempt_id, outcome);
  if (!result.ok()) return result.status();
  RETURN_IF_ERROR(ended);
  return *result;
}

absl::StatusOr<v1::Session> Accounts::OpenSession(StoredUser stored) {
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    ASSIGN_OR_RETURN(PreparedSession session,
                     sessions_.Prepare(PrincipalOf(stored.user, tenant()),
                                       options_.session_ttl));
    const absl::Status saved = store_.StoreSession(stored.user, session);
    if (saved.ok()) {
      v1::Session result;
      result.set_token(std::move(session.token));
      *result.mutable_expires_at() = ToProto(session.expires_at);
      *result.mutable_user() = std::move(stored.user);
      return result;
    }
    if (!absl::IsAborted(saved)) return saved;
    // The account changed since it was read: the session must carry what it
    // is now, and only the password that was checked may open it.
    ASSIGN_OR_RETURN(StoredUser now, store_.Get(stored.user.id()));
    if (now.password_hash != stored.password_hash) return WrongCredentials();
    if (!now.user.active()) return Deactivated();
    stored = std::move(now);
  }
  return absl::AbortedError("the account keeps changing: sign in again");
}

absl::Status Accounts::Logout(absl::string_view token) {
  return sessions_.Revoke(token);
}

absl::StatusOr<int> Accounts::RevokeSessions(const v1::Principal& caller,
                                             absl::string_view user_id) {
  if (user_id != caller.user_id()) {
    AdminScope scope(caller, directory_);
    if (!scope.is_admin()) {
      return absl::PermissionDeniedError(
          "only admins may end another account's sessions");
    }
    absl::StatusOr<StoredUser> stored = store_.Get(user_id);
    if (absl::IsNotFound(stored.status())) return UserNotFound(user_id);
    if (!stored.ok()) return stored.status();
    ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(stored->user));
    if (reach == Reach::kNone) return UserNotFound(user_id);
  }
  ASSIGN_OR_RETURN(const int revoked, sessions_.RevokeAll(tenant(), user_id));
  RETURN_IF_ERROR(store_.AppendAudit(
      Audit(ActorOf(caller, user_id == caller.user_id() ? v1::ROLE_UNSPECIFIED
                                                        : v1::ROLE_ADMIN),
            "RevokeSessions", user_id, "")));
  return revoked;
}

absl::Status Accounts::ChangePassword(const v1::Principal& caller,
                                      absl::string_view token,
                                      const v1::ChangePasswordRequest& request,
                                      absl::string_view peer) {
  ASSIGN_OR_RETURN(const StoredUser stored, store_.Get(caller.user_id()));
  ASSIGN_OR_RETURN(
      const bool matches,
      LimitedCheck(stored.user.phone(), peer, [&]() -> absl::StatusOr<bool> {
        return VerifyPassword(stored.password_hash, request.current_password());
      }));
  if (!matches) {
    return FieldError("current_password", "is not the account's password");
  }
  ASSIGN_OR_RETURN(std::string hash,
                   HashPassword(request.new_password(), cost_));
  // The RPC has no request id; a fresh one makes a resend of the script (after
  // a broken connection) a replay rather than a second change.
  v1::ChangePasswordRequest digested;
  digested.set_current_password(
      sessions_.KeyedDigest(request.current_password()));
  digested.set_new_password(sessions_.KeyedDigest(request.new_password()));
  UserWrite write;
  write.request =
      AccountRequest{caller.user_id(), ids_.Next(), Fingerprint(digested)};
  write.before = stored.user;
  write.after = stored.user;
  write.after.set_version(stored.user.version() + 1);
  write.password_hash = std::move(hash);
  write.sessions = SessionEffect::kEndOthers;
  if (absl::StatusOr<std::string> kept = sessions_.SessionKeyOf(token);
      kept.ok()) {
    write.keep_session_key = *std::move(kept);
  }
  write.audit = Audit(ActorOf(caller, v1::ROLE_UNSPECIFIED), "ChangePassword",
                      caller.user_id(), "");
  return store_.Write(write).status();
}

absl::StatusOr<v1::User> Accounts::WhoAmI(const v1::Principal& caller) {
  ASSIGN_OR_RETURN(StoredUser stored, store_.Get(caller.user_id()));
  return UserView(caller, std::move(stored.user), false);
}

absl::StatusOr<v1::Principal> Accounts::Authenticate(absl::string_view token) {
  return sessions_.Authenticate(token);
}

absl::StatusOr<v1::Principal> Accounts::AuthenticateLimited(
    absl::string_view token, absl::string_view peer) {
  absl::StatusOr<v1::Principal> principal;
  ASSIGN_OR_RETURN(const bool known,
                   LimitedCheck("", peer, [&]() -> absl::StatusOr<bool> {
                     principal = sessions_.Authenticate(token);
                     if (absl::IsUnauthenticated(principal.status())) {
                       return false;
                     }
                     RETURN_IF_ERROR(principal.status());
                     return true;
                   }));
  if (!known) return principal.status();
  return principal;
}

// Admins.

absl::StatusOr<v1::User> Accounts::ViewForAdmin(const v1::Principal& caller,
                                                AdminScope& scope,
                                                v1::User user) {
  ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(user));
  return UserView(caller, std::move(user), reach != Reach::kNone);
}

absl::StatusOr<v1::User> Accounts::CreateStaffAccount(
    const v1::Principal& caller, const v1::CreateStaffAccountRequest& request) {
  AdminScope scope(caller, directory_);
  if (!scope.is_admin()) return NotAdmin();
  ASSIGN_OR_RETURN(const std::string phone,
                   NormalizedPhone(request.phone(), "phone"));
  v1::CreateStaffAccountRequest normalized = request;
  normalized.set_phone(phone);
  const AccountRequest key{
      caller.user_id(), request.request_id(),
      SecretFingerprint(
          normalized,
          &v1::CreateStaffAccountRequest::mutable_initial_password)};
  ASSIGN_OR_RETURN(const CreateCheck check, store_.LoadForCreate(phone, key));
  if (check.replay.has_value()) {
    return ViewForAdmin(caller, scope, *check.replay);
  }
  for (int i = 0; i < request.grants_size(); ++i) {
    const v1::RoleGrant& grant = request.grants(i);
    const std::string path = FieldPath("grants", i);
    RETURN_IF_ERROR(CheckGrantScope(grant, tenant(), directory_, path));
    ASSIGN_OR_RETURN(const bool covered, scope.Covers(grant));
    if (!covered) {
      return absl::PermissionDeniedError(absl::StrCat(
          path, ": ", GrantName(grant), " lies outside your scope"));
    }
  }
  if (check.phone_taken) return PhoneTaken();

  ASSIGN_OR_RETURN(std::string hash,
                   HashPassword(request.initial_password(), cost_));
  v1::User user;
  user.set_id(ids_.Next());
  user.set_phone(phone);
  user.set_display_name(request.display_name());
  *user.mutable_grants() = request.grants();
  user.set_active(true);
  user.set_version(1);
  *user.mutable_created_at() = ToProto(clock_.Now());
  UserWrite write;
  write.request = key;
  write.after = std::move(user);
  write.password_hash = std::move(hash);
  write.audit = Audit(ActorOf(caller, v1::ROLE_ADMIN), "CreateStaffAccount",
                      write.after.id(), request.request_id());
  ASSIGN_OR_RETURN(UserWritten written, store_.Write(write));
  return ViewForAdmin(caller, scope, std::move(written.user));
}

absl::StatusOr<v1::User> Accounts::GrantRole(
    const v1::Principal& caller, const v1::GrantRoleRequest& request) {
  return ChangeGrant(
      caller, "GrantRole",
      {caller.user_id(), request.request_id(), Fingerprint(request)},
      request.user_id(), request.grant(), request.expected_version(),
      /*add=*/true);
}

absl::StatusOr<v1::User> Accounts::RevokeRole(
    const v1::Principal& caller, const v1::RevokeRoleRequest& request) {
  return ChangeGrant(
      caller, "RevokeRole",
      {caller.user_id(), request.request_id(), Fingerprint(request)},
      request.user_id(), request.grant(), request.expected_version(),
      /*add=*/false);
}

absl::StatusOr<v1::User> Accounts::ChangeGrant(
    const v1::Principal& caller, absl::string_view method,
    const AccountRequest& request, absl::string_view user_id,
    const v1::RoleGrant& grant, int64_t expected_version, bool add) {
  AdminScope scope(caller, directory_);
  if (!scope.is_admin()) return NotAdmin();
  ASSIGN_OR_RETURN(LoadedUser loaded, store_.LoadForUpdate(user_id, request));
  if (loaded.replay.has_value()) {
    return ViewForAdmin(caller, scope, *std::move(loaded.replay));
  }
  // A grant being removed may name a scope the directory no longer has.
  if (add)
    RETURN_IF_ERROR(CheckGrantScope(grant, tenant(), directory_, "grant"));
  ASSIGN_OR_RETURN(const bool covered, scope.Covers(grant));
  if (!covered) {
    return absl::PermissionDeniedError(
        absl::StrCat("grant: ", GrantName(grant), " lies outside your scope"));
  }
  if (!loaded.current.has_value()) return UserNotFound(user_id);
  const v1::User& user = loaded.current->user;
  // An account a county admin does not reach at all does not exist for it (as
  // for GetUser): its version, grants and state are not the county's to learn,
  // nor to change.
  ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(user));
  if (reach == Reach::kNone) return UserNotFound(user_id);
  if (user.version() != expected_version) return Stale(user, expected_version);
  const bool held = Holds(user, grant);
  if (add && held) {
    return absl::FailedPreconditionError("grant: the user already holds it");
  }
  if (!add && !held) {
    return absl::FailedPreconditionError("grant: the user does not hold it");
  }
  if (add && !user.active()) {
    return absl::FailedPreconditionError("user_id: the account is deactivated");
  }
  UserWrite write;
  write.request = request;
  write.before = user;
  write.after = user;
  write.after.set_version(user.version() + 1);
  if (add) {
    *write.after.add_grants() = grant;
  } else {
    auto* grants = write.after.mutable_grants();
    grants->erase(std::remove_if(grants->begin(), grants->end(),
                                 [&grant](const v1::RoleGrant& held_grant) {
                                   return held_grant.role() == grant.role() &&
                                          held_grant.scope_id() ==
                                              grant.scope_id();
                                 }),
                  grants->end());
  }
  // The grants travel in the principal of every session: end them, so the
  // next call signs in again and carries the new ones.
  write.sessions = SessionEffect::kEndAll;
  write.audit = Audit(ActorOf(caller, v1::ROLE_ADMIN), method, user.id(),
                      request.request_id);
  ASSIGN_OR_RETURN(UserWritten written, store_.Write(write));
  return ViewForAdmin(caller, scope, std::move(written.user));
}

absl::StatusOr<v1::User> Accounts::GetUser(const v1::Principal& caller,
                                           absl::string_view user_id) {
  AdminScope scope(caller, directory_);
  if (!scope.is_admin()) return NotAdmin();
  absl::StatusOr<StoredUser> stored = store_.Get(user_id);
  if (absl::IsNotFound(stored.status())) return UserNotFound(user_id);
  if (!stored.ok()) return stored.status();
  ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(stored->user));
  if (reach == Reach::kNone) return UserNotFound(user_id);
  return UserView(caller, std::move(stored->user), true);
}

absl::StatusOr<v1::ListUsersResponse> Accounts::ListUsers(
    const v1::Principal& caller, const v1::ListUsersRequest& request) {
  AdminScope scope(caller, directory_);
  if (!scope.is_admin()) return NotAdmin();
  const int size = request.page().page_size() > 0 ? request.page().page_size()
                                                  : kDefaultPageSize;
  std::string cursor = request.page().page_token();
  if (!cursor.empty() && !IdGenerator::IsValid(cursor)) {
    return FieldError("page.page_token", "is not a page token");
  }
  v1::ListUsersResponse response;
  if (scope.is_city_admin()) {
    ASSIGN_OR_RETURN(
        const UserIdPage page,
        store_.ListIds(request.role(), request.scope_id(), cursor, size));
    ASSIGN_OR_RETURN(std::vector<v1::User> users, store_.GetMany(page.ids));
    for (v1::User& user : users) {
      *response.add_users() = UserView(caller, std::move(user), true);
    }
    if (page.more) response.set_next_page_token(page.ids.back());
    return response;
  }
  // A county admin: walk the index and keep the accounts it reaches, within
  // the scan budget.
  int scanned = 0;
  while (true) {
    const int batch = std::min(kScanBatch, options_.list_scan_budget - scanned);
    if (batch <= 0) {
      response.set_next_page_token(cursor);
      return response;
    }
    ASSIGN_OR_RETURN(
        const UserIdPage page,
        store_.ListIds(request.role(), request.scope_id(), cursor, batch));
    ASSIGN_OR_RETURN(std::vector<v1::User> users, store_.GetMany(page.ids));
    size_t next_user = 0;
    for (size_t i = 0; i < page.ids.size(); ++i) {
      cursor = page.ids[i];
      ++scanned;
      if (next_user >= users.size() || users[next_user].id() != cursor) {
        continue;  // vanished meanwhile
      }
      v1::User& user = users[next_user++];
      ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(user));
      if (reach == Reach::kNone) continue;
      *response.add_users() = UserView(caller, std::move(user), true);
      if (response.users_size() == size) {
        if (i + 1 < page.ids.size() || page.more) {
          response.set_next_page_token(cursor);
        }
        return response;
      }
    }
    if (!page.more) return response;
  }
}

absl::StatusOr<v1::User> Accounts::DeactivateUser(
    const v1::Principal& caller, const v1::DeactivateUserRequest& request) {
  AdminScope scope(caller, directory_);
  if (!scope.is_admin()) return NotAdmin();
  const AccountRequest key{caller.user_id(), request.request_id(),
                           Fingerprint(request)};
  ASSIGN_OR_RETURN(LoadedUser loaded,
                   store_.LoadForUpdate(request.user_id(), key));
  if (loaded.replay.has_value()) {
    return ViewForAdmin(caller, scope, *std::move(loaded.replay));
  }
  if (!loaded.current.has_value()) return UserNotFound(request.user_id());
  const v1::User& user = loaded.current->user;
  ASSIGN_OR_RETURN(const Reach reach, scope.ReachOf(user));
  if (reach == Reach::kNone) return UserNotFound(request.user_id());
  if (reach == Reach::kPartly) {
    return absl::PermissionDeniedError(
        "user_id: the account holds roles outside your scope");
  }
  if (user.id() == caller.user_id()) {
    return absl::FailedPreconditionError(
        "user_id: you cannot deactivate your own account");
  }
  if (user.version() != request.expected_version()) {
    return Stale(user, request.expected_version());
  }
  if (!user.active()) {
    return absl::FailedPreconditionError(
        "user_id: the account is already deactivated");
  }
  UserWrite write;
  write.request = key;
  write.before = user;
  write.after = user;
  write.after.set_version(user.version() + 1);
  write.after.set_active(false);
  write.sessions = SessionEffect::kEndAll;
  write.audit = Audit(ActorOf(caller, v1::ROLE_ADMIN), "DeactivateUser",
                      user.id(), request.request_id());
  write.audit.reason = request.reason();
  ASSIGN_OR_RETURN(UserWritten written, store_.Write(write));
  return ViewForAdmin(caller, scope, std::move(written.user));
}

absl::StatusOr<v1::User> Accounts::EnsureAdmin(absl::string_view phone,
                                               absl::string_view password,
                                               absl::string_view display_name) {
  RETURN_IF_ERROR(CheckMobile(phone, "phone"));
  RETURN_IF_ERROR(CheckPassword(password, "password"));
  RETURN_IF_ERROR(CheckText(display_name, "display_name", 1, 32));
  ASSIGN_OR_RETURN(const std::string normalized,
                   NormalizedPhone(phone, "phone"));
  v1::RoleGrant admin;
  admin.set_role(v1::ROLE_ADMIN);
  admin.set_scope_id(tenant());
  std::string hash;
  for (int attempt = 0; attempt < kRetries; ++attempt) {
    ASSIGN_OR_RETURN(std::optional<StoredUser> found,
                     store_.FindByPhone(normalized));
    UserWrite write;
    if (!found.has_value()) {
      if (hash.empty()) {
        ASSIGN_OR_RETURN(hash, HashPassword(password, cost_));
      }
      write.after.set_id(ids_.Next());
      write.after.set_phone(normalized);
      write.after.set_display_name(std::string(display_name));
      *write.after.add_grants() = admin;
      write.after.set_active(true);
      write.after.set_version(1);
      *write.after.mutable_created_at() = ToProto(clock_.Now());
      write.password_hash = hash;
    } else {
      const v1::User& user = found->user;
      if (!user.active()) {
        return absl::FailedPreconditionError(
            "phone: the number's account is deactivated");
      }
      if (Holds(user, admin)) return user;
      write.before = user;
      write.after = user;
      write.after.set_version(user.version() + 1);
      *write.after.add_grants() = admin;
      write.sessions = SessionEffect::kEndAll;
    }
    // A fresh request id: a resend of the script is a replay.
    write.request =
        AccountRequest{kSystemActor, ids_.Next(), Fingerprint(write.after)};
    write.audit.at = clock_.Now();
    write.audit.actor.set_user_id(kSystemActor);
    write.audit.actor.set_display_name("kepud");
    write.audit.actor.set_role(v1::ROLE_SYSTEM);
    write.audit.action = "kepud/EnsureAdmin";
    write.audit.target = Target(write.after.id());
    absl::StatusOr<UserWritten> written = store_.Write(write);
    // Another replica got there first: look again.
    if (absl::IsAlreadyExists(written.status()) ||
        absl::IsAborted(written.status())) {
      continue;
    }
    if (!written.ok()) return written.status();
    return std::move(written->user);
  }
  return absl::AbortedError("the admin account keeps changing: try again");
}

}  // namespace kepu
