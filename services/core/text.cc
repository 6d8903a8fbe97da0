#include "services/core/text.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace kepu {

std::optional<size_t> Utf8Length(absl::string_view text) {
  size_t count = 0;
  size_t i = 0;
  while (i < text.size()) {
    const auto lead = static_cast<uint8_t>(text[i]);
    int extra;
    uint32_t code;
    if (lead < 0x80) {
      extra = 0;
      code = lead;
    } else if ((lead & 0xE0) == 0xC0) {
      extra = 1;
      code = lead & 0x1F;
    } else if ((lead & 0xF0) == 0xE0) {
      extra = 2;
      code = lead & 0x0F;
    } else if ((lead & 0xF8) == 0xF0) {
      extra = 3;
      code = lead & 0x07;
    } else {
      return std::nullopt;
    }
    if (i + extra >= text.size() && extra > 0)
      return std::nullopt;  // truncated
    for (int k = 1; k <= extra; ++k) {
      const auto next = static_cast<uint8_t>(text[i + k]);
      if ((next & 0xC0) != 0x80) return std::nullopt;
      code = (code << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinForLength[] = {0, 0x80, 0x800, 0x10000};
    if (code < kMinForLength[extra]) return std::nullopt;       // overlong
    if (code >= 0xD800 && code <= 0xDFFF) return std::nullopt;  // surrogate
    if (code > 0x10FFFF) return std::nullopt;
    i += extra + 1;
    ++count;
  }
  return count;
}

bool IsBidiControl(char32_t c) {
  return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069);
}

std::optional<char32_t> FindUndisplayable(absl::string_view text,
                                          bool multiline) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<uint8_t>(text[i]);
    if (c < 0x20 || c == 0x7F) {
      if (multiline && c == '\n') continue;
      if (multiline && c == '\r' && i + 1 < text.size() &&
          text[i + 1] == '\n') {
        continue;
      }
      return c;
    }
    // The characters refused beyond ASCII, by their UTF-8 bytes: C1 controls
    // (U+0080 to U+009F) are C2 80 to C2 9F; U+202A to U+202E are E2 80 AA to
    // E2 80 AE; U+2066 to U+2069 are E2 81 A6 to E2 81 A9.
    if (c == 0xC2 && i + 1 < text.size()) {
      const auto next = static_cast<uint8_t>(text[i + 1]);
      if (next >= 0x80 && next <= 0x9F) return next;
    }
    if (c == 0xE2 && i + 2 < text.size()) {
      const auto second = static_cast<uint8_t>(text[i + 1]);
      const auto third = static_cast<uint8_t>(text[i + 2]);
      const char32_t code = 0x2000 | ((second & 0x3F) << 6) | (third & 0x3F);
      if (IsBidiControl(code)) return code;
    }
  }
  return std::nullopt;
}

std::optional<std::string> NormalizeMainlandMobile(absl::string_view phone) {
  if (absl::StartsWith(phone, "+86")) {
    phone.remove_prefix(3);
    if (!phone.empty() && (phone.front() == ' ' || phone.front() == '-')) {
      phone.remove_prefix(1);
    }
  }
  if (phone.size() != 11 || phone[0] != '1' || phone[1] < '3' ||
      phone[1] > '9') {
    return std::nullopt;
  }
  for (char c : phone) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c)))
      return std::nullopt;
  }
  return std::string(phone);
}

std::string MaskPhone(absl::string_view phone) {
  if (phone.empty()) return "";
  if (std::optional<std::string> mobile = NormalizeMainlandMobile(phone)) {
    return mobile->substr(0, 3) + "****" + mobile->substr(7);
  }
  if (phone.size() <= 2) return std::string(phone.size(), '*');
  return std::string(phone.size() - 2, '*') +
         std::string(phone.substr(phone.size() - 2));
}

}  // namespace kepu
