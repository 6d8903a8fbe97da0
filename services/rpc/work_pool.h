// A bounded pool of worker threads. gRPC reactions must not block, so handlers
// hand their Redis work to this pool; a full queue is refused at once, which is
// the server's backpressure.
#pragma once

#include <deque>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/synchronization/mutex.h"

namespace kepu {

// Thread-safe.
class WorkPool {
 public:
  WorkPool(int threads, int queue_capacity);
  // Runs what is queued, then joins the threads.
  ~WorkPool();
  WorkPool(const WorkPool&) = delete;
  WorkPool& operator=(const WorkPool&) = delete;

  // Queues `task`; false (and `task` is dropped) when `queue_capacity` tasks
  // are waiting.
  bool TrySubmit(absl::AnyInvocable<void() &&> task);

  int threads() const { return static_cast<int>(threads_.size()); }
  // Tasks waiting for a thread (not those running).
  int queued() ABSL_LOCKS_EXCLUDED(mu_);

 private:
  void Run();

  const size_t capacity_;
  absl::Mutex mu_;
  std::deque<absl::AnyInvocable<void() &&>> queue_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::vector<std::thread> threads_;
};

}  // namespace kepu
