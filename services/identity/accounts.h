// The identity domain of one tenant: accounts, passwords, sessions, roles and
// their scopes. The gRPC adapter (identity_service.h) turns requests into calls
// here; this class decides.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "absl/base/call_once.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/admin_scope.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/ids.h"
#include "services/core/redis/redis_sessions.h"
#include "services/identity/grant_scope.h"
#include "services/identity/passwords.h"
#include "services/identity/redis_accounts.h"

namespace kepu {

struct AccountsOptions {
  // How long a session lasts.
  absl::Duration session_ttl = absl::Hours(12);
  // Failed sign-ins allowed per number and per client address.
  SignInLimits sign_in;
  // How many user ids one ListUsers call of a county admin may look at to fill
  // its page (it filters by scope); a page may come back short, with a
  // next_page_token, when they run out.
  int list_scan_budget = 1000;
};

// `user` as `viewer` may see it: the phone number masked ("138****5678") unless
// the viewer is the user or `admin_in_scope`.
v1::User UserView(const v1::Principal& viewer, v1::User user,
                  bool admin_in_scope);

// The client's address without its port: "ipv4:10.0.0.7:50312" ->
// "ipv4:10.0.0.7", "ipv6:[::1]:50312" -> "ipv6:[::1]"; other forms unchanged.
std::string ClientAddress(absl::string_view peer);

// Thread-safe (as the store, sessions and directory are). Requests are assumed
// validated (validation.h). Every method may answer kUnavailable when Redis or
// the directory cannot be reached (retry; writes with the same request id).
//
// Clock and Redis time: session expiry, sign-in failure windows and audit times
// follow the injected Clock; Redis's own clock only expires keys (sessions
// after their TTL, idle failure counters, request keys) so they do not pile up.
class Accounts {
 public:
  // Everything must outlive the object. `cost` is the argon2id cost of new
  // password hashes.
  Accounts(RedisAccounts& store, RedisSessions& sessions,
           DirectoryView& directory, const Clock& clock, IdGenerator& ids,
           PasswordCost cost = {}, AccountsOptions options = {});

  const std::string& tenant() const { return store_.tenant(); }

  // Creates a resident account and signs in. The same request again (same
  // number, name and password) signs in again: a new session of the account.
  //   kAlreadyExists:     the number has an account;
  //   kInvalidArgument:   the request id was used for other content;
  //   kUnauthenticated, kResourceExhausted: a repeated request, as Login.
  absl::StatusOr<v1::Session> Register(const v1::RegisterRequest& request,
                                       absl::string_view peer);

  // Signs in from the client `peer` (as gRPC reports it).
  //   kUnauthenticated:   no account for the number, or a wrong password (the
  //                       same answer for both);
  //   kResourceExhausted: too many failed sign-ins for the number or from the
  //                       address within their window (even with the right
  //                       password); the message says when to try again;
  //   kPermissionDenied:  the right password of a deactivated account.
  absl::StatusOr<v1::Session> Login(const v1::LoginRequest& request,
                                    absl::string_view peer);

  // Ends the session of `token`.
  absl::Status Logout(absl::string_view token);

  // Ends every session of `user_id`: the caller's own, or, for an admin, of an
  // account the admin reaches. Answers how many ended.
  //   kNotFound:         no such account, or one the admin does not reach;
  //   kPermissionDenied: another's sessions, and the caller is no admin.
  absl::StatusOr<int> RevokeSessions(const v1::Principal& caller,
                                     absl::string_view user_id);

  // Sets a new password after checking the current one; every other session
  // of the caller ends (the one of `token` stays). A wrong current password
  // counts as a failed sign-in.
  //   kInvalidArgument:   current_password is wrong;
  //   kResourceExhausted: too many failed sign-ins, as Login;
  //   kAborted:           the account changed meanwhile (retry).
  absl::Status ChangePassword(const v1::Principal& caller,
                              absl::string_view token,
                              const v1::ChangePasswordRequest& request,
                              absl::string_view peer);

  // The caller's account (phone number unmasked).
  absl::StatusOr<v1::User> WhoAmI(const v1::Principal& caller);

  // The principal of a token, of any tenant (a token names its tenant).
  //   kUnauthenticated: malformed, unknown, revoked or expired.
  absl::StatusOr<v1::Principal> Authenticate(absl::string_view token);
  // The same for a caller at `peer` that is no service of the platform: an
  // unknown token counts as a failed sign-in of the address, so tokens cannot
  // be tried at will.
  //   kResourceExhausted: too many failures from the address, as Login.
  absl::StatusOr<v1::Principal> AuthenticateLimited(absl::string_view token,
                                                    absl::string_view peer);

  // Admins. Scope: see admin_scope.h. The caller must be an admin (the RPC
  // policy sees to it; kPermissionDenied otherwise).

  // Creates a staff account with `grants`; it signs in with the initial
  // password. A request applied before returns its first result.
  //   kPermissionDenied: a grant outside the admin's scope (the message names
  //                      it);
  //   kInvalidArgument:  a grant's scope is not in the directory or does not
  //   fit
  //                      its role, or the request id was used for other
  //                      content;
  //   kAlreadyExists:    the number has an account.
  absl::StatusOr<v1::User> CreateStaffAccount(
      const v1::Principal& caller,
      const v1::CreateStaffAccountRequest& request);

  // Adds / removes one grant; the user's sessions end (the next call signs in
  // again and gets the new grants). A request applied before returns its first
  // result.
  //   kPermissionDenied:   the grant lies outside the admin's scope;
  //   kInvalidArgument:    (grant) its scope is not in the directory or does
  //                        not fit its role; or the request id was used for
  //                        other content;
  //   kNotFound:           no such user, or one the admin does not reach at
  //                        all (it must hold a grant in a county admin's
  //                        county already);
  //   kAborted:            the user is no longer at expected_version;
  //   kFailedPrecondition: the user already holds (GrantRole) / does not hold
  //                        (RevokeRole) the grant, or is deactivated
  //                        (GrantRole).
  absl::StatusOr<v1::User> GrantRole(const v1::Principal& caller,
                                     const v1::GrantRoleRequest& request);
  absl::StatusOr<v1::User> RevokeRole(const v1::Principal& caller,
                                      const v1::RevokeRoleRequest& request);

  //   kNotFound: no such user, or one the admin does not reach at all.
  absl::StatusOr<v1::User> GetUser(const v1::Principal& caller,
                                   absl::string_view user_id);

  // The accounts the admin reaches, in creation order, filtered by role and
  // scope. A county admin's page may hold fewer than page_size users while
  // more follow (see AccountsOptions::list_scan_budget).
  //   kInvalidArgument: page.page_token is not one this method made.
  absl::StatusOr<v1::ListUsersResponse> ListUsers(
      const v1::Principal& caller, const v1::ListUsersRequest& request);

  // Deactivates an account: it cannot sign in, its sessions end. A county
  // admin may deactivate only accounts whose every grant it reaches.
  //   kNotFound:           no such user, or one the admin does not reach;
  //   kPermissionDenied:   the admin reaches only some of the user's grants;
  //   kAborted:            the user is no longer at expected_version;
  //   kFailedPrecondition: already deactivated, or the caller's own account.
  absl::StatusOr<v1::User> DeactivateUser(
      const v1::Principal& caller, const v1::DeactivateUserRequest& request);

  // Makes sure the number has an active account holding ROLE_ADMIN over the
  // tenant: creates it (with `password`) or grants the role; does nothing when
  // it holds it. The password of an existing account is left alone. For the
  // bootstrap of a fresh install (kepud at start).
  //   kInvalidArgument:    phone, password or display_name is malformed;
  //   kFailedPrecondition: the number's account is deactivated.
  absl::StatusOr<v1::User> EnsureAdmin(absl::string_view phone,
                                       absl::string_view password,
                                       absl::string_view display_name);

 private:
  // Checks the password of the number's account and opens a session, within
  // the sign-in limits.
  absl::StatusOr<v1::Session> SignIn(absl::string_view phone,
                                     absl::string_view password,
                                     absl::string_view peer);
  // A session for `user` (read with its stored password hash), stored only
  // while the account is unchanged; re-reads and retries a few times when it
  // changes without a new password.
  absl::StatusOr<v1::Session> OpenSession(StoredUser stored);
  // Runs `check` (a password verification) within the sign-in limits of
  // the number and the address: refuses when they are used up, counts a
  // failure when `check` answers false.
  absl::StatusOr<bool> LimitedCheck(
      absl::string_view phone, absl::string_view peer,
      const std::function<absl::StatusOr<bool>()>& check);
  // GrantRole and RevokeRole.
  absl::StatusOr<v1::User> ChangeGrant(const v1::Principal& caller,
                                       absl::string_view method,
                                       const AccountRequest& request,
                                       absl::string_view user_id,
                                       const v1::RoleGrant& grant,
                                       int64_t expected_version, bool add);
  // The fingerprint of a request whose `secret` (a password) is replaced by its
  // keyed digest first, so Redis never holds a fast hash of a password.
  template <typename Request>
  std::string SecretFingerprint(Request request,
                                std::string* (Request::*secret)()) const;
  // `user` as the caller sees it, reach recomputed.
  absl::StatusOr<v1::User> ViewForAdmin(const v1::Principal& caller,
                                        AdminScope& scope, v1::User user);
  AuditEntry Audit(v1::Actor actor, absl::string_view method,
                   absl::string_view user_id,
                   absl::string_view request_id) const;
  // A password hash that matches nothing, to spend the same time on a number
  // without an account.
  const std::string& DummyHash();

  RedisAccounts& store_;
  RedisSessions& sessions_;
  DirectoryView& directory_;
  const Clock& clock_;
  IdGenerator& ids_;
  const PasswordCost cost_;
  const AccountsOptions options_;
  absl::once_flag dummy_once_;
  std::string dummy_hash_;
};

}  // namespace kepu
