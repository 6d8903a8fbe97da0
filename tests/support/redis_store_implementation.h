// The Redis implementation of a store contract suite (store_contract.h): each
// store on a redis-server of its own, started per test on a free loopback port.
#pragma once

#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "services/core/redis/redis_client.h"
#include "tests/support/redis_server.h"
#include "tests/support/store_contract.h"

namespace kepu::testing {

// `RedisStore` (constructed from a RedisClient& and the tenant) as `Store`.
template <typename Store, typename RedisStore>
StoreImplementation<Store> RedisStoreImplementation() {
  return {"redis", []() -> absl::StatusOr<std::shared_ptr<Store>> {
            // Members end in reverse order: the store, its client, then the
            // server.
            struct Owner {
              std::unique_ptr<RedisServer> server;
              std::unique_ptr<RedisClient> client;
              std::unique_ptr<RedisStore> store;
            };
            absl::StatusOr<std::unique_ptr<RedisServer>> server =
                RedisServer::Start();
            if (!server.ok()) return server.status();
            auto owner = std::make_shared<Owner>();
            owner->server = *std::move(server);
            owner->client =
                std::make_unique<RedisClient>(owner->server->ClientOptions());
            owner->store =
                std::make_unique<RedisStore>(*owner->client, "jining");
            return std::shared_ptr<Store>(owner, owner->store.get());
          }};
}

}  // namespace kepu::testing
