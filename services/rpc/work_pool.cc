#include "services/rpc/work_pool.h"

#include <utility>

namespace kepu {

WorkPool::WorkPool(int threads, int queue_capacity)
    : capacity_(static_cast<size_t>(queue_capacity > 0 ? queue_capacity : 1)) {
  for (int i = 0; i < (threads > 0 ? threads : 1); ++i)
    threads_.emplace_back([this] { Run(); });
}

WorkPool::~WorkPool() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  for (std::thread& thread : threads_) thread.join();
}

bool WorkPool::TrySubmit(absl::AnyInvocable<void() &&> task) {
  absl::MutexLock lock(&mu_);
  if (stopping_ || queue_.size() >= capacity_) return false;
  queue_.push_back(std::move(task));
  return true;
}

int WorkPool::queued() {
  absl::MutexLock lock(&mu_);
  return static_cast<int>(queue_.size());
}

void WorkPool::Run() {
  while (true) {
    absl::AnyInvocable<void() &&> task;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (queue_.empty()) return;  // stopping, and nothing left to run
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    std::move(task)();
  }
}

}  // namespace kepu
