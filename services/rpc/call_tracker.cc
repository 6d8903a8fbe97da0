#include "services/rpc/call_tracker.h"

namespace kepu {

void CallTracker::Begin() {
  absl::MutexLock lock(&mu_);
  ++in_progress_;
}

void CallTracker::End() {
  absl::MutexLock lock(&mu_);
  --in_progress_;
}

bool CallTracker::WaitIdle(absl::Time deadline) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return in_progress_ == 0;
  };
  return mu_.AwaitWithDeadline(absl::Condition(&idle), deadline);
}

int CallTracker::in_progress() const {
  absl::MutexLock lock(&mu_);
  return in_progress_;
}

}  // namespace kepu
