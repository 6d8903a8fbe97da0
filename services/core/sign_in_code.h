// The rotating sign-in code a team leader shows (as a QR code) for the order's
// volunteers to sign themselves in and out: "<order id>.<minute>.<mac>", where
// the minute counts whole minutes since the Unix epoch and the mac is
// HMAC-SHA256 (libsodium's crypto_auth_hmacsha256) under a server secret over
// the tenant, the order id and the minute, its first 16 bytes in hex. A code
// of the current or the previous minute is accepted.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace kepu {

struct MintedCode {
  std::string token;
  // The end of the code's minute: the phone fetches the next one then.
  absl::Time rotates_at;
  // When the code stops being accepted (one minute after rotates_at).
  absl::Time expires_at;
};

// Thread-safe (immutable).
class SignInCodes {
 public:
  // `key`: the server secret, at least 16 bytes (ParseSignInKey).
  explicit SignInCodes(std::string key);

  MintedCode Mint(absl::string_view tenant, absl::string_view order_id,
                  absl::Time now) const;

  // The order a code names, if it is genuine for `tenant` and of the current
  // or the previous minute at `now`.
  //   kInvalidArgument naming `token`: not a code of ours (malformed, forged,
  //                                    or another tenant's);
  //   kFailedPrecondition naming `token`: a genuine code that expired (or
  //                                    from the future).
  absl::StatusOr<std::string> Verify(absl::string_view tenant,
                                     absl::string_view token,
                                     absl::Time now) const;

 private:
  std::string Mac(absl::string_view tenant, absl::string_view order_id,
                  int64_t minute) const;

  std::string key_;
};

// The secret from 64 hex characters (kepud's KEPU_SIGN_IN_KEY).
absl::StatusOr<std::string> ParseSignInKey(absl::string_view hex);
// A fresh random secret.
std::string NewSignInKey();
// A secret derived from another (the session token key), for a server whose
// sign-in key is not configured: stable wherever the sessions' key is.
std::string DeriveSignInKey(absl::string_view token_key);

}  // namespace kepu
