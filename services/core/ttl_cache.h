// A small thread-safe map whose entries expire: what a process may remember
// for a few seconds instead of asking Redis again (directory records, checked
// sessions). Bounded: when full it starts over, since a full table means keys
// nobody repeats.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kepu {

template <typename Value>
class TtlCache {
 public:
  explicit TtlCache(size_t max_entries) : max_entries_(max_entries) {}

  // The value of `key` if it was put and expires after `now`; else null.
  std::shared_ptr<const Value> Find(absl::string_view key, absl::Time now)
      ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    auto it = entries_.find(key);
    if (it == entries_.end() || it->second.expires <= now) return nullptr;
    return it->second.value;
  }

  void Put(absl::string_view key, Value value, absl::Time expires)
      ABSL_LOCKS_EXCLUDED(mu_) {
    auto shared = std::make_shared<const Value>(std::move(value));
    absl::MutexLock lock(&mu_);
    if (entries_.size() >= max_entries_) entries_.clear();
    entries_[key] = Entry{std::move(shared), expires};
  }

  void Erase(absl::string_view key) ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    entries_.erase(key);
  }

  void Clear() ABSL_LOCKS_EXCLUDED(mu_) {
    absl::MutexLock lock(&mu_);
    entries_.clear();
  }

 private:
  struct Entry {
    std::shared_ptr<const Value> value;
    absl::Time expires;
  };
  const size_t max_entries_;
  absl::Mutex mu_;
  absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
