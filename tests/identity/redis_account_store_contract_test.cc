// The AccountStore contract held to RedisAccounts, against a real redis-server
// started per test.
#include "services/identity/redis_accounts.h"
#include "tests/identity/account_store_contract.h"
#include "tests/support/redis_store_implementation.h"

namespace kepu::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Redis, AccountStoreContract,
    ::testing::Values(RedisStoreImplementation<AccountStore, RedisAccounts>()),
    ImplementationName<AccountStore>);

}  // namespace
}  // namespace kepu::testing
