// One object per tenant, made on first use. A server serves every tenant whose
// tokens it sees; each tenant's keys live under its own hash tag in the same
// Redis.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

// Thread-safe; objects it hands out live as long as it does.
template <typename T>
class PerTenant {
 public:
  using Factory = std::function<std::unique_ptr<T>(const std::string& tenant)>;

  explicit PerTenant(Factory factory) : factory_(std::move(factory)) {}

  // The object of `tenant`. kInvalidArgument for a malformed tenant name.
  absl::StatusOr<T*> Get(absl::string_view tenant) {
    if (absl::Status valid = CheckTenant(tenant); !valid.ok()) return valid;
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(tenant);
    if (it == objects_.end()) {
      it = objects_.emplace(std::string(tenant), factory_(std::string(tenant)))
               .first;
    }
    return it->second.get();
  }

 private:
  const Factory factory_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<T>, std::less<>> objects_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
