// The OrderStore contract held to the in-memory fake the domain tests use.
#include "services/core/testing/fake_order_store.h"
#include "tests/core/order_store_contract.h"

namespace kepu::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Fake, OrderStoreContract,
    ::testing::Values(FakeStoreImplementation<OrderStore, FakeOrderStore>()),
    ImplementationName<OrderStore>);

}  // namespace
}  // namespace kepu::testing
