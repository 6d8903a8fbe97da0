// The OrderStore contract held to the Redis store, against a real
// redis-server started per test.
#include "services/core/redis/redis_order_store.h"
#include "tests/core/order_store_contract.h"
#include "tests/support/redis_store_implementation.h"

namespace kepu::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Redis, OrderStoreContract,
    ::testing::Values(RedisStoreImplementation<OrderStore, RedisOrderStore>()),
    ImplementationName<OrderStore>);

}  // namespace
}  // namespace kepu::testing
