#include "services/core/ids.h"

#include <random>

namespace kepu {
namespace {

constexpr absl::string_view kAlphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
constexpr int kIdLength = 26;

// The value of an upper-case Crockford base32 digit (the only form ids are made
// and stored in); -1 for anything else.
int DecodeChar(char c) {
  size_t pos = kAlphabet.find(c);
  return pos == absl::string_view::npos ? -1 : static_cast<int>(pos);
}

uint64_t SplitMix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

uint64_t OsSeed() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

}  // namespace

IdGenerator::IdGenerator(const Clock& clock) : IdGenerator(clock, OsSeed()) {}

IdGenerator::IdGenerator(const Clock& clock, uint64_t seed)
    : clock_(clock), state_(seed) {}

std::string IdGenerator::Next() {
  int64_t millis = absl::ToUnixMillis(clock_.Now());
  if (millis < 0) millis = 0;
  uint16_t high;
  uint64_t low;
  {
    absl::MutexLock lock(&mu_);
    if (millis <= last_millis_) {
      // Same millisecond (or the clock stepped back): count up from the last id
      // so ids made by this generator stay strictly increasing.
      millis = last_millis_;
      if (++last_low_ == 0) ++last_high_;
    } else {
      last_millis_ = millis;
      last_high_ = static_cast<uint16_t>(SplitMix64(state_));
      // Leave headroom so counting up within a millisecond does not wrap the 80
      // bits.
      last_low_ = SplitMix64(state_) >> 1;
    }
    high = last_high_;
    low = last_low_;
  }
  // 128 bits: 48 bits of time, 16 + 64 random; 26 base32 digits cover 130 bits.
  std::string id(kIdLength, '0');
  uint64_t time_bits =
      static_cast<uint64_t>(millis) & ((uint64_t{1} << 48) - 1);
  // Digits 0-9 hold the 48 time bits (the first digit holds the top 3).
  for (int i = 9; i >= 0; --i) {
    id[i] = kAlphabet[time_bits & 31];
    time_bits >>= 5;
  }
  // Digits 10-25 hold the 80 random bits: high 16 then low 64.
  uint64_t random_high = high;
  uint64_t random_low = low;
  for (int i = kIdLength - 1; i >= 10; --i) {
    id[i] = kAlphabet[random_low & 31];
    random_low = (random_low >> 5) | (random_high << 59);
    random_high >>= 5;
  }
  return id;
}

bool IdGenerator::IsValid(absl::string_view id) {
  if (id.size() != kIdLength) return false;
  for (char c : id) {
    if (DecodeChar(c) < 0) return false;
  }
  return DecodeChar(id[0]) < 8;  // the first digit holds 3 bits
}

absl::Time IdGenerator::TimeOf(absl::string_view id) {
  if (!IsValid(id)) return absl::InfinitePast();
  uint64_t millis = 0;
  for (int i = 0; i < 10; ++i) millis = (millis << 5) | DecodeChar(id[i]);
  return absl::FromUnixMillis(static_cast<int64_t>(millis));
}

}  // namespace kepu
