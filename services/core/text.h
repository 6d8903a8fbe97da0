// Text rules shared by validation and display: UTF-8 lengths, phone numbers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kepu {

// The number of Unicode code points in `text`; nullopt when `text` is not valid
// UTF-8 (including overlong forms, surrogates and code points above U+10FFFF).
std::optional<size_t> Utf8Length(absl::string_view text);

// Whether `text` holds a C0/C1 control character or DEL. Line feed and tab are
// allowed when `multiline`.
bool HasControlCharacters(absl::string_view text, bool multiline);

// A mainland China mobile number as 11 digits ("13812345678") from
// "13812345678",
// "+8613812345678", "+86 13812345678" or "+86-13812345678"; nullopt for
// anything else.
std::optional<std::string> NormalizeMainlandMobile(absl::string_view phone);

// "138****5678" for an 11-digit number; other text is masked but for its last
// two characters.
std::string MaskPhone(absl::string_view phone);

}  // namespace kepu
