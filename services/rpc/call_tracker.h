// Counts the calls a server is working on, so shutdown can wait for exactly
// those.
#pragma once

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kepu {

// Thread-safe.
class CallTracker {
 public:
  void Begin();
  void End();
  // Waits until no call is in progress or `deadline` passes; true when none is.
  bool WaitIdle(absl::Time deadline);
  int in_progress() const;

 private:
  mutable absl::Mutex mu_;
  int in_progress_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace kepu
