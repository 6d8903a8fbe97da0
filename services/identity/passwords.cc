#include "services/identity/passwords.h"

namespace kepu {
namespace {

void InitSodium() { [[maybe_unused]] static const int kResult = sodium_init(); }

}  // namespace

absl::StatusOr<std::string> HashPassword(absl::string_view password,
                                         PasswordCost cost) {
  InitSodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(out, password.data(), password.size(),
                            cost.opslimit, cost.memlimit,
                            crypto_pwhash_ALG_ARGON2ID13) != 0) {
    return absl::ResourceExhaustedError(
        "not enough memory to hash a password: retry shortly");
  }
  return std::string(out);
}

bool VerifyPassword(const std::string& hash, absl::string_view password) {
  InitSodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(),
                                  password.size()) == 0;
}

}  // namespace kepu
