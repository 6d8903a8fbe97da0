// Password hashes: argon2id through libsodium (crypto_pwhash_str), in the
// self-describing "$argon2id$v=19$m=...,t=...,p=1$<salt>$<hash>" form, so the
// cost can change without invalidating stored hashes.
#pragma once

#include <sodium.h>

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kepu {

// The cost of one hash: argon2id passes and memory in bytes.
struct PasswordCost {
  unsigned long long opslimit = crypto_pwhash_OPSLIMIT_INTERACTIVE;
  size_t memlimit = crypto_pwhash_MEMLIMIT_INTERACTIVE;

  // The smallest cost libsodium allows: for tests only.
  static PasswordCost Min() {
    return {crypto_pwhash_OPSLIMIT_MIN, crypto_pwhash_MEMLIMIT_MIN};
  }
};

// An argon2id hash of `password` with a fresh random salt. Thread-safe.
//   kResourceExhausted: the memory for the hash could not be allocated.
absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost);

// Whether `password` matches `hash` (a HashPassword result); false for a
// malformed hash. Takes as long as hashing with the hash's cost.
bool VerifyPassword(const std::string& hash, absl::string_view password);

}  // namespace kepu
