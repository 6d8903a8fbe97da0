// Text rules shared by validation and display: UTF-8 lengths, characters that
// must not be shown, phone numbers.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace kepu {

// The number of Unicode code points in `text`; nullopt when `text` is not valid
// UTF-8 (including overlong forms, surrogates and code points above U+10FFFF).
std::optional<size_t> Utf8Length(absl::string_view text);

// The first character of `text` that displayed text must not hold: a C0 or C1
// control character or DEL (except, when `multiline`, a line feed, alone or
// after a carriage return), or a bidirectional embedding, override or isolate
// control (U+202A to U+202E, U+2066 to U+2069), which reorders what is shown
// around it (a name that reads one way and is stored another). Answers its
// code point; nullopt when there is none. `text` must be valid UTF-8.
std::optional<char32_t> FindUndisplayable(absl::string_view text,
                                          bool multiline);

// Whether `c` is one of the bidirectional controls FindUndisplayable refuses.
bool IsBidiControl(char32_t c);

// A mainland China mobile number as 11 digits ("13812345678") from
// "13812345678",
// "+8613812345678", "+86 13812345678" or "+86-13812345678"; nullopt for
// anything else.
std::optional<std::string> NormalizeMainlandMobile(absl::string_view phone);

// "138****5678" for an 11-digit number; other text is masked but for its last
// two characters.
std::string MaskPhone(absl::string_view phone);

}  // namespace kepu
