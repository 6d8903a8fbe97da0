// The contract every OrderStore keeps (services/core/order_store.h), as one
// suite of value-parameterized tests. Each implementation instantiates it with
// a factory: the Redis store against a real redis-server
// (tests/redis/redis_order_store_contract_test.cc) and the in-memory fake the
// domain tests use (tests/core/fake_order_store_contract_test.cc), so the fake
// cannot drift from what Redis does.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/statusor.h"
#include "gtest/gtest.h"
#include "services/core/order_store.h"

namespace kepu::testing {

// Owns a store and whatever it needs (a Redis server, a client).
class OrderStoreHarness {
 public:
  virtual ~OrderStoreHarness() = default;
  virtual OrderStore& store() = 0;
};

struct OrderStoreImplementation {
  std::string name;
  std::function<absl::StatusOr<std::unique_ptr<OrderStoreHarness>>()> make;
};

inline void PrintTo(const OrderStoreImplementation& implementation,
                    std::ostream* out) {
  *out << implementation.name;
}

// The test name suffix of an implementation (its name).
inline std::string ImplementationName(
    const ::testing::TestParamInfo<OrderStoreImplementation>& param) {
  return param.param.name;
}

class OrderStoreContract
    : public ::testing::TestWithParam<OrderStoreImplementation> {
 protected:
  void SetUp() override;
  OrderStore& store() { return harness_->store(); }

 private:
  std::unique_ptr<OrderStoreHarness> harness_;
};

}  // namespace kepu::testing
