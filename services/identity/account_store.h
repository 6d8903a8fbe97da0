// The identity domain's store: what Redis does for accounts (RedisAccounts),
// as an interface with an in-memory fake (FakeAccountStore) for domain tests,
// both held to one contract suite (tests/identity/account_store_contract.cc).
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
#include "services/core/redis/redis_sessions.h"

namespace kepu {

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

// Thread-safe. Every method answers kUnavailable when the store cannot be
// reached (and recovers by itself). Requests are assumed validated; records
// are written in the form given.
class AccountStore {
 public:
  virtual ~AccountStore() = default;

  virtual const std::string& tenant() const = 0;

  // kNotFound: no such user.
  virtual absl::StatusOr<StoredUser> Get(absl::string_view user_id) = 0;
  // The account of a normalized phone number; nullopt when it has none.
  virtual absl::StatusOr<std::optional<StoredUser>> FindByPhone(
      absl::string_view phone) = 0;
  // The users of `ids` that exist, in the order of `ids`.
  virtual absl::StatusOr<std::vector<v1::User>> GetMany(
      const std::vector<std::string>& ids) = 0;

  // The user (nullopt if none) and the request's first result, if any.
  //   kInvalidArgument: the request id was used for other content.
  virtual absl::StatusOr<LoadedUser> LoadForUpdate(
      absl::string_view user_id, const AccountRequest& request) = 0;
  // Whether a request that creates an account for `phone` was applied before,
  // and whether the number has an account.
  //   kInvalidArgument: the request id was used for other content.
  virtual absl::StatusOr<CreateCheck> LoadForCreate(
      absl::string_view phone, const AccountRequest& request) = 0;

  // Applies `write` atomically: the user record, its phone (on create), its
  // listings by role and scope, the effect on its sessions, the audit entry
  // and the request key. A request applied before returns its first result and
  // writes nothing.
  //   kInvalidArgument: the request id was used for other content;
  //   kAlreadyExists:   (create) the phone number has an account (the message
  //                     starts "phone:"), or the id is taken;
  //   kNotFound:        (change) no such user;
  //   kAborted:         (change) the user is no longer at before.version.
  virtual absl::StatusOr<UserWritten> Write(const UserWrite& write) = 0;

  // Stores `session` of `user` only while the user is still at
  // user.version(), with the session's entry in the user's sessions.
  //   kAborted: the user changed since it was read (read again);
  //   kNotFound: no such user.
  virtual absl::Status StoreSession(const v1::User& user,
                                    const PreparedSession& session) = 0;
  // The keys of the user's sessions that have not ended (by a write's
  // SessionEffect) or expired, in no particular order.
  virtual absl::StatusOr<std::vector<std::string>> SessionKeys(
      absl::string_view user_id) = 0;

  // One page of user ids after `after_id` (exclusive; empty: from the start),
  // at most `limit`, in id order: of the users holding `role`
  // (ROLE_UNSPECIFIED: any) over `scope_id` (empty: any).
  virtual absl::StatusOr<UserIdPage> ListIds(v1::Role role,
                                             absl::string_view scope_id,
                                             absl::string_view after_id,
                                             int limit) = 0;

  // Admits a sign-in attempt for the number (by its keyed digest) from the
  // client address, or refuses it when either has used up its failures
  // (`now` from the caller's Clock; windows slide). An admitted attempt counts
  // as a failure until EndSignIn says otherwise. The address's failures count
  // across tenants. An empty `number_digest` limits the address alone (a
  // token check).
  virtual absl::StatusOr<SignInAttempt> BeginSignIn(
      absl::string_view number_digest, absl::string_view address,
      absl::string_view attempt_id, absl::Time now,
      const SignInLimits& limits) = 0;
  // How an admitted attempt ended: kSucceeded clears the number's failures and
  // takes the attempt back from the address's; kFailed leaves it counted;
  // kAbandoned (the attempt could not be decided, e.g. an error) takes it back
  // from both.
  enum class SignInOutcome { kSucceeded, kFailed, kAbandoned };
  virtual absl::Status EndSignIn(absl::string_view number_digest,
                                 absl::string_view address,
                                 absl::string_view attempt_id,
                                 SignInOutcome outcome) = 0;

  // Appends an entry to the audit trail alone (for actions that change no
  // account, e.g. ending sessions).
  virtual absl::Status AppendAudit(const AuditEntry& entry) = 0;
  // The last `limit` entries of the tenant's audit trail, oldest first.
  virtual absl::StatusOr<std::vector<AuditEntry>> RecentAudit(int limit) = 0;
};

}  // namespace kepu
