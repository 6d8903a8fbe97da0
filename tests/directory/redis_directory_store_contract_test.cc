// The DirectoryStore contract held to the Redis store, against a real
// redis-server started per test.
#include <memory>

#include "services/directory/redis_directory_store.h"
#include "tests/directory/directory_store_contract.h"
#include "tests/directory/stream_entries.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {
namespace {

class RedisHarness : public DirectoryStoreHarness {
 public:
  static absl::StatusOr<std::unique_ptr<DirectoryStoreHarness>> Make() {
    absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
    if (!server.ok()) return server.status();
    return std::unique_ptr<DirectoryStoreHarness>(
        new RedisHarness(*std::move(server)));
  }
  DirectoryStore& store() override { return store_; }

  std::vector<std::map<std::string, std::string>> AuditTrail() override {
    return StreamEntries(client_, store_.keys().Audit());
  }

  std::string Digest() override {
    absl::StatusOr<RedisReply> reply = client_.Command({"DEBUG", "DIGEST"});
    EXPECT_TRUE(reply.ok() && reply->IsString());
    return reply.ok() ? std::string(reply->Str()) : "";
  }

  void MakeUnavailable() override {
    absl::Status killed = server_->Kill();
    EXPECT_TRUE(killed.ok()) << killed;
  }

 private:
  explicit RedisHarness(std::unique_ptr<RedisServer> server)
      : server_(std::move(server)),
        client_(server_->ClientOptions()),
        store_(client_, "jining") {}

  std::unique_ptr<RedisServer> server_;
  RedisClient client_;
  RedisDirectoryStore store_;
};

INSTANTIATE_TEST_SUITE_P(Redis, DirectoryStoreContract,
                         ::testing::Values(DirectoryStoreImplementation{
                             "redis", &RedisHarness::Make}),
                         DirectoryStoreName);

}  // namespace
}  // namespace kepu::testing
