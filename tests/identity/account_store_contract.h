// The contract every AccountStore keeps (services/identity/account_store.h),
// as one value-parameterized suite instantiated for RedisAccounts against a
// real redis-server (redis_account_store_contract_test.cc) and for the
// in-memory FakeAccountStore (fake_account_store_contract_test.cc).
#pragma once

#include "services/identity/account_store.h"
#include "tests/support/store_contract.h"

namespace kepu::testing {

class AccountStoreContract : public StoreContract<AccountStore> {};

}  // namespace kepu::testing
