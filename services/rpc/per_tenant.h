// One object per served tenant, made on first use. Each tenant's keys live
// under its own hash tag in the same Redis.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "services/rpc/tenants.h"

namespace kepu {

// Thread-safe; objects it hands out live as long as it does.
template <typename T>
class PerTenant {
 public:
  using Factory = std::function<std::unique_ptr<T>(const std::string& tenant)>;

  // `tenants` must outlive the object.
  PerTenant(const Tenants& tenants, Factory factory)
      : tenants_(tenants), factory_(std::move(factory)) {}

  // The object of `tenant`. Nothing is made for a tenant that is not served:
  //   kInvalidArgument: a malformed tenant name;
  //   kNotFound:        a tenant this server does not serve.
  absl::StatusOr<T*> Get(absl::string_view tenant) {
    if (absl::Status served = tenants_.Check(tenant); !served.ok()) {
      return served;
    }
    absl::MutexLock lock(&mu_);
    auto it = objects_.find(tenant);
    if (it == objects_.end()) {
      it = objects_.emplace(std::string(tenant), factory_(std::string(tenant)))
               .first;
    }
    return it->second.get();
  }

 private:
  const Tenants& tenants_;
  const Factory factory_;
  absl::Mutex mu_;
  std::map<std::string, std::unique_ptr<T>, std::less<>> objects_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
