#include "services/core/text.h"

#include <string>

#include "gtest/gtest.h"

namespace kepu {
namespace {

TEST(Utf8LengthTest, CountsCodePointsNotBytes) {
  EXPECT_EQ(Utf8Length(""), 0u);
  EXPECT_EQ(Utf8Length("abc"), 3u);
  EXPECT_EQ(Utf8Length("济宁市科协"), 5u);        // 3 bytes each
  EXPECT_EQ(Utf8Length("é"), 1u);                 // 2 bytes
  EXPECT_EQ(Utf8Length("\xF0\x9F\x94\xAC"), 1u);  // U+1F52C, 4 bytes
}

TEST(Utf8LengthTest, RejectsInvalidSequences) {
  EXPECT_FALSE(Utf8Length("\xFF").has_value());
  EXPECT_FALSE(Utf8Length("\xE6\xB5").has_value());      // truncated
  EXPECT_FALSE(Utf8Length("a\x80").has_value());         // stray continuation
  EXPECT_FALSE(Utf8Length("\xC0\xAF").has_value());      // overlong '/'
  EXPECT_FALSE(Utf8Length("\xED\xA0\x80").has_value());  // surrogate U+D800
  EXPECT_FALSE(Utf8Length("\xF4\x90\x80\x80").has_value());  // above U+10FFFF
}

TEST(ControlCharactersTest, OneLineAndMultiline) {
  EXPECT_FALSE(HasControlCharacters("任城区古槐街道", false));
  EXPECT_TRUE(HasControlCharacters("a\nb", false));
  EXPECT_FALSE(HasControlCharacters("a\nb\tc\r\nd", true));
  EXPECT_TRUE(HasControlCharacters("a\x01", true));
  EXPECT_TRUE(HasControlCharacters("a\x7F", true));
  EXPECT_TRUE(HasControlCharacters("a\xC2\x85", true));  // U+0085 NEL
  EXPECT_TRUE(HasControlCharacters("a\rb", true));       // lone CR
}

TEST(MobileTest, NormalizesTheAcceptedForms) {
  EXPECT_EQ(NormalizeMainlandMobile("13812345678"), "13812345678");
  EXPECT_EQ(NormalizeMainlandMobile("+8613812345678"), "13812345678");
  EXPECT_EQ(NormalizeMainlandMobile("+86 19912345678"), "19912345678");
  EXPECT_EQ(NormalizeMainlandMobile("+86-15012345678"), "15012345678");
}

TEST(MobileTest, RejectsEverythingElse) {
  EXPECT_FALSE(NormalizeMainlandMobile("").has_value());
  EXPECT_FALSE(
      NormalizeMainlandMobile("12812345678").has_value());  // 12x is not mobile
  EXPECT_FALSE(NormalizeMainlandMobile("1381234567").has_value());  // 10 digits
  EXPECT_FALSE(
      NormalizeMainlandMobile("138123456789").has_value());  // 12 digits
  EXPECT_FALSE(NormalizeMainlandMobile("138 1234 5678").has_value());
  EXPECT_FALSE(NormalizeMainlandMobile("+85213812345678").has_value());
  EXPECT_FALSE(NormalizeMainlandMobile("1381234567a").has_value());
}

TEST(MaskPhoneTest, KeepsThreeAndFourDigits) {
  EXPECT_EQ(MaskPhone("13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("+86 13812345678"), "138****5678");
  EXPECT_EQ(MaskPhone("0537-1234567"), "**********67");
  EXPECT_EQ(MaskPhone(""), "");
}

}  // namespace
}  // namespace kepu
