// The AccountStore contract held to the in-memory fake.
#include "services/identity/testing/fake_account_store.h"
#include "tests/identity/account_store_contract.h"

namespace kepu::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(
    Fake, AccountStoreContract,
    ::testing::Values(
        FakeStoreImplementation<AccountStore, FakeAccountStore>("jining")),
    ImplementationName<AccountStore>);

}  // namespace
}  // namespace kepu::testing
