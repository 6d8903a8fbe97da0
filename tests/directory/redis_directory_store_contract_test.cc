// The DirectoryStore contract held to the Redis store, against a real
// redis-server started per test.
#include <memory>
#include <string>

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

// Redis only, since the fake cannot hold a record it cannot read: a record
// hash without its version answers kDataLoss, to Read and to Load.
TEST(RedisDirectoryStoreTest, ARecordWithoutItsVersionIsDataLoss) {
  absl::StatusOr<std::unique_ptr<RedisServer>> server = RedisServer::Start();
  ASSERT_TRUE(server.ok()) << server.status();
  RedisClient client((*server)->ClientOptions());
  RedisDirectoryStore store(client, "jining");
  ASSERT_TRUE(
      client
          .Command({"HSET", store.keys().RecordOf(RecordKind::kTeam, "team-a"),
                    "r", "bytes"})
          .ok());
  EXPECT_EQ(store.Read(RecordKind::kTeam, {"team-a"}).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(store
                .Load({"admin-city", "req-1", std::string(32, 'f')},
                      RecordKind::kTeam, "team-a")
                .status()
                .code(),
            absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace kepu::testing
