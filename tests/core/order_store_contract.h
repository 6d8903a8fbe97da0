// The contract every OrderStore keeps (services/core/order_store.h), as one
// suite of value-parameterized tests. Each implementation instantiates it with
// a factory: the Redis store against a real redis-server
// (tests/redis/redis_order_store_contract_test.cc) and the in-memory fake the
// domain tests use (tests/core/fake_order_store_contract_test.cc), so the fake
// cannot drift from what Redis does.
#pragma once

#include "services/core/order_store.h"
#include "tests/support/store_contract.h"

namespace kepu::testing {

class OrderStoreContract : public StoreContract<OrderStore> {};

}  // namespace kepu::testing
