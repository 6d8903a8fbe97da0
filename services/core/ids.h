// Identifiers that sort by creation time and do not collide across processes.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/core/clock.h"

namespace kepu {

// Makes ULID-style ids: 26 characters of Crockford base32 holding 48 bits of
// milliseconds since the Unix epoch and 80 random bits. Ids made later sort
// after ids made earlier (to the millisecond across processes, strictly within
// one generator: within one millisecond the random part counts up). Two
// processes collide only if they draw the same 80 random bits in the same
// millisecond. Thread-safe.
class IdGenerator {
 public:
  // Seeds the random part from the operating system.
  explicit IdGenerator(const Clock& clock);
  // Deterministic ids for tests.
  IdGenerator(const Clock& clock, uint64_t seed);

  std::string Next();

  // The time encoded in an id made by Next(); InfinitePast() if `id` is not
  // such an id.
  static absl::Time TimeOf(absl::string_view id);
  // Whether `id` has the form Next() makes (upper case only: ids are keys).
  static bool IsValid(absl::string_view id);

 private:
  const Clock& clock_;
  absl::Mutex mu_;
  uint64_t state_
      ABSL_GUARDED_BY(mu_);  // xorshift state for fresh random parts
  int64_t last_millis_ ABSL_GUARDED_BY(mu_) = -1;
  // The random part of the last id: 80 bits as 16 high + 64 low.
  uint16_t last_high_ ABSL_GUARDED_BY(mu_) = 0;
  uint64_t last_low_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kepu
