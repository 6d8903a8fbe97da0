// What the store contract suites share. Each store interface (OrderStore,
// AccountStore, DirectoryStore) has one suite of value-parameterized tests
// saying what every implementation does; the suite is instantiated once for
// the in-memory fake the domain tests use and once for the Redis store against
// a real redis-server (redis_store_implementation.h), so the fake cannot drift
// from what Redis does.
#pragma once

#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace kepu::testing {

// One implementation of `Store` under test.
template <typename Store>
struct StoreImplementation {
  std::string name;
  // A new, empty store of tenant "jining"; the pointer also owns whatever the
  // store needs (a Redis server, a client).
  std::function<absl::StatusOr<std::shared_ptr<Store>>()> make;

  friend void PrintTo(const StoreImplementation& implementation,
                      std::ostream* out) {
    *out << implementation.name;
  }
};

// The test name suffix of an implementation (its name).
template <typename Store>
std::string ImplementationName(
    const ::testing::TestParamInfo<StoreImplementation<Store>>& param) {
  return param.param.name;
}

// The fixture of a contract suite: a fresh store per test. Each suite derives
// its own (empty) class from it, which its TEST_Ps name.
template <typename Store>
class StoreContract
    : public ::testing::TestWithParam<StoreImplementation<Store>> {
 protected:
  void SetUp() override {
    absl::StatusOr<std::shared_ptr<Store>> made = this->GetParam().make();
    ASSERT_TRUE(made.ok()) << made.status();
    store_ = *std::move(made);
  }
  Store& store() { return *store_; }

 private:
  std::shared_ptr<Store> store_;
};

// The fake `Fake` made with `args` (copied into each new store).
template <typename Store, typename Fake, typename... Args>
StoreImplementation<Store> FakeStoreImplementation(Args... args) {
  return {"fake", [args...]() -> absl::StatusOr<std::shared_ptr<Store>> {
            return std::make_shared<Fake>(args...);
          }};
}

// A request fingerprint for `content` in a contract test: 32 characters, as
// the stores require (the content itself, cut or padded).
inline std::string ContractFingerprint(absl::string_view content) {
  std::string fingerprint(content.substr(0, 32));
  fingerprint.resize(32, '.');
  return fingerprint;
}

}  // namespace kepu::testing
