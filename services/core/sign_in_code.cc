#include "services/core/sign_in_code.h"

#include <sodium.h>

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace kepu {
namespace {

constexpr size_t kMacBytes = 16;

int64_t MinuteOf(absl::Time t) { return absl::ToUnixSeconds(t) / 60; }

std::string HmacHex(absl::string_view key, absl::string_view message) {
  [[maybe_unused]] static const int kSodium = sodium_init();
  unsigned char mac[crypto_auth_hmacsha256_BYTES];
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(
      &state, reinterpret_cast<const unsigned char*>(key.data()), key.size());
  crypto_auth_hmacsha256_update(
      &state, reinterpret_cast<const unsigned char*>(message.data()),
      message.size());
  crypto_auth_hmacsha256_final(&state, mac);
  return absl::BytesToHexString(
      absl::string_view(reinterpret_cast<const char*>(mac), kMacBytes));
}

absl::Status NotOurs() {
  return absl::InvalidArgumentError("token: is not a valid sign-in code");
}

}  // namespace

SignInCodes::SignInCodes(std::string key) : key_(std::move(key)) {}

std::string SignInCodes::Mac(absl::string_view tenant,
                             absl::string_view order_id, int64_t minute) const {
  // Lengths first, so no two inputs share a message.
  return HmacHex(key_,
                 absl::StrCat("kepu-sign-in:", tenant.size(), ":", tenant, ":",
                              order_id.size(), ":", order_id, ":", minute));
}

MintedCode SignInCodes::Mint(absl::string_view tenant,
                             absl::string_view order_id, absl::Time now) const {
  const int64_t minute = MinuteOf(now);
  MintedCode code;
  code.token =
      absl::StrCat(order_id, ".", minute, ".", Mac(tenant, order_id, minute));
  code.rotates_at = absl::FromUnixSeconds((minute + 1) * 60);
  code.expires_at = absl::FromUnixSeconds((minute + 2) * 60);
  return code;
}

absl::StatusOr<std::string> SignInCodes::Verify(absl::string_view tenant,
                                                absl::string_view token,
                                                absl::Time now) const {
  std::vector<absl::string_view> parts = absl::StrSplit(token, '.');
  int64_t minute = 0;
  if (parts.size() != 3 || parts[0].empty() ||
      !absl::SimpleAtoi(parts[1], &minute) ||
      parts[2].size() != 2 * kMacBytes) {
    return NotOurs();
  }
  const std::string expected = Mac(tenant, parts[0], minute);
  if (sodium_memcmp(expected.data(), parts[2].data(), expected.size()) != 0) {
    return NotOurs();
  }
  const int64_t current = MinuteOf(now);
  if (minute != current && minute != current - 1) {
    return absl::FailedPreconditionError(
        "token: this sign-in code has expired: scan the code the team leader "
        "shows now");
  }
  return std::string(parts[0]);
}

absl::StatusOr<std::string> ParseSignInKey(absl::string_view hex) {
  if (hex.size() != 64 || !std::all_of(hex.begin(), hex.end(), [](char c) {
        return absl::ascii_isxdigit(static_cast<unsigned char>(c));
      })) {
    return absl::InvalidArgumentError("sign-in key: must be 64 hex characters");
  }
  return absl::HexStringToBytes(hex);
}

std::string NewSignInKey() {
  [[maybe_unused]] static const int kSodium = sodium_init();
  std::string key(32, '\0');
  randombytes_buf(key.data(), key.size());
  return key;
}

std::string DeriveSignInKey(absl::string_view token_key) {
  return absl::HexStringToBytes(HmacHex(token_key, "kepu sign-in codes v1") +
                                HmacHex(token_key, "kepu sign-in codes v1b"));
}

}  // namespace kepu
