#include "services/core/text.h"

#include <optional>
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

TEST(UndisplayableTest, ControlCharactersOneLineAndMultiline) {
  EXPECT_EQ(FindUndisplayable("任城区古槐街道", false), std::nullopt);
  EXPECT_EQ(FindUndisplayable("a\nb", false), U'\n');
  EXPECT_EQ(FindUndisplayable("a\nb\r\nd", true), std::nullopt);
  EXPECT_EQ(FindUndisplayable("a\tb", true), U'\t');  // only line breaks
  EXPECT_EQ(FindUndisplayable("a\x01", true), 0x01u);
  EXPECT_EQ(FindUndisplayable("a\x7F", true), 0x7Fu);
  EXPECT_EQ(FindUndisplayable("a\xC2\x85", true), 0x85u);  // U+0085 NEL
  EXPECT_EQ(FindUndisplayable("a\rb", true), U'\r');       // lone CR
}

TEST(UndisplayableTest, BidiOverridesAndIsolatesButNotTheirNeighbours) {
  for (char32_t c = 0x2020; c <= 0x2070; ++c) {
    std::string text = "科协";
    text += static_cast<char>(0xE0 | (c >> 12));
    text += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    text += static_cast<char>(0x80 | (c & 0x3F));
    text += "abc";
    const bool refused =
        (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
    EXPECT_EQ(FindUndisplayable(text, true),
              refused ? std::optional<char32_t>(c) : std::nullopt)
        << "U+" << std::hex << static_cast<uint32_t>(c);
    EXPECT_EQ(IsBidiControl(c), refused);
  }
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
