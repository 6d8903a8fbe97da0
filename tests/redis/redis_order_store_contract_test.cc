// The OrderStore contract held to the Redis store, against a real
// redis-server started per test.
#include <memory>

#include "services/core/redis/redis_order_store.h"
#include "tests/core/order_store_contract.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {
namespace {

class RedisHarness : public OrderStoreHarness {
 public:
  static absl::StatusOr<std::unique_ptr<OrderStoreHarness>> Make() {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    if (!server.ok()) return server.status();
    return std::unique_ptr<OrderStoreHarness>(
        new RedisHarness(*std::move(server)));
  }
  OrderStore& store() override { return store_; }

 private:
  explicit RedisHarness(std::unique_ptr<RedisServer> server)
      : server_(std::move(server)),
        client_(server_->ClientOptions()),
        store_(client_, "jining") {}

  std::unique_ptr<RedisServer> server_;
  RedisClient client_;
  RedisOrderStore store_;
};

INSTANTIATE_TEST_SUITE_P(Redis, OrderStoreContract,
                         ::testing::Values(OrderStoreImplementation{
                             "redis", &RedisHarness::Make}),
                         ImplementationName);

}  // namespace
}  // namespace kepu::testing
