// The contract every DirectoryStore keeps (services/directory/
// directory_store.h), as one suite of value-parameterized tests. Each
// implementation instantiates it with a factory: the Redis store against a
// real redis-server (redis_directory_store_contract_test.cc) and the in-memory
// fake the domain tests use (fake_directory_store_contract_test.cc), so the
// fake cannot drift from what Redis does.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "services/directory/directory_store.h"

namespace kepu::testing {

// Owns a store and whatever it needs (a Redis server, a client), and looks at
// what the store holds from outside the interface.
class DirectoryStoreHarness {
 public:
  virtual ~DirectoryStoreHarness() = default;
  virtual DirectoryStore& store() = 0;
  // The audit trail, oldest first, each entry as field -> value.
  virtual std::vector<std::map<std::string, std::string>> AuditTrail() = 0;
  // Equal before and after a call that wrote nothing (DEBUG DIGEST on Redis).
  virtual std::string Digest() = 0;
  // From now on the store cannot be reached (Redis killed, the fake's switch).
  virtual void MakeUnavailable() = 0;
};

struct DirectoryStoreImplementation {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<DirectoryStoreHarness>>()> make;
};

inline void PrintTo(const DirectoryStoreImplementation& implementation,
                    std::ostream* out) {
  *out << implementation.name;
}

// The test name suffix of an implementation (its name).
inline std::string DirectoryStoreName(
    const ::testing::TestParamInfo<DirectoryStoreImplementation>& param) {
  return param.param.name;
}

class DirectoryStoreContract
    : public ::testing::TestWithParam<DirectoryStoreImplementation> {
 protected:
  void SetUp() override;
  DirectoryStore& store() { return harness_->store(); }
  DirectoryStoreHarness& harness() { return *harness_; }

 private:
  std::unique_ptr<DirectoryStoreHarness> harness_;
};

}  // namespace kepu::testing
