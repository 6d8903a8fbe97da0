// The OrderStore contract held to the in-memory fake the domain tests use.
#include <memory>

#include "services/core/testing/fake_order_store.h"
#include "tests/core/order_store_contract.h"

namespace kepu::testing {
namespace {

class FakeHarness : public OrderStoreHarness {
 public:
  OrderStore& store() override { return store_; }

 private:
  FakeOrderStore store_;
};

INSTANTIATE_TEST_SUITE_P(
    Fake, OrderStoreContract,
    ::testing::Values(OrderStoreImplementation{
        "fake",
        []() -> absl::StatusOr<std::unique_ptr<OrderStoreHarness>> {
          return std::make_unique<FakeHarness>();
        }}),
    ImplementationName);

}  // namespace
}  // namespace kepu::testing
