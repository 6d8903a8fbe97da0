// Password hashes: argon2id in the self-describing form, salted, verified.
#include "services/identity/passwords.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"

namespace kepu {
namespace {

TEST(PasswordsTest, HashesWithArgon2idAndASaltAndVerifies) {
  absl::StatusOr<std::string> hash =
      HashPassword("kepu2026secret", PasswordCost::Min());
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StartsWith(*hash, "$argon2id$")) << *hash;
  EXPECT_FALSE(absl::StrContains(*hash, "kepu2026secret"));
  EXPECT_TRUE(VerifyPassword(*hash, "kepu2026secret"));
  EXPECT_FALSE(VerifyPassword(*hash, "kepu2026secreT"));
  EXPECT_FALSE(VerifyPassword(*hash, ""));

  absl::StatusOr<std::string> again =
      HashPassword("kepu2026secret", PasswordCost::Min());
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_NE(*again, *hash) << "each hash has its own salt";
  EXPECT_TRUE(VerifyPassword(*again, "kepu2026secret"));
}

TEST(PasswordsTest, TheCostIsWrittenIntoTheHash) {
  PasswordCost cost = PasswordCost::Min();
  cost.opslimit += 1;
  absl::StatusOr<std::string> hash = HashPassword("abc12345", cost);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_TRUE(absl::StrContains(*hash, absl::StrCat(",t=", cost.opslimit, ",")))
      << *hash;
  EXPECT_TRUE(VerifyPassword(*hash, "abc12345"));
}

TEST(PasswordsTest, MalformedHashesMatchNothing) {
  EXPECT_FALSE(VerifyPassword("", "abc12345"));
  EXPECT_FALSE(VerifyPassword("$argon2id$garbage", "abc12345"));
  EXPECT_FALSE(VerifyPassword("abc12345", "abc12345"));
}

TEST(PasswordsTest, DefaultCostIsInteractive) {
  const PasswordCost cost;
  EXPECT_EQ(cost.opslimit, static_cast<unsigned long long>(
                               crypto_pwhash_OPSLIMIT_INTERACTIVE));
  EXPECT_EQ(cost.memlimit,
            static_cast<size_t>(crypto_pwhash_MEMLIMIT_INTERACTIVE));
}

}  // namespace
}  // namespace kepu
