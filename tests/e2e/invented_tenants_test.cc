// Tenants are configured, not invented: a real kepud (--tenants=jining, the
// default) and redis-server, called the way an outsider would, naming tenants
// nobody configured.
#include <dirent.h>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "tests/support/call_context.h"
#include "tests/support/kepud_process.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {
namespace {

constexpr int kTenants = 500;
constexpr int kThreads = 8;
// Probes of the served tenant first.
constexpr int kWarmUp = 64;

// Entries of a /proc directory (threads of /proc/<pid>/task, open files of
// /proc/<pid>/fd); -1 when it cannot be read.
int CountEntries(const std::string& path) {
  DIR* dir = opendir(path.c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// What a process and its Redis hold.
struct Footprint {
  int threads = 0;
  int open_files = 0;
  int64_t redis_clients = 0;
  int64_t keys = 0;
};

std::ostream& operator<<(std::ostream& out, const Footprint& f) {
  return out << f.threads << " threads, " << f.open_files << " open files, "
             << f.redis_clients << " Redis clients, " << f.keys << " keys";
}

// A line "name:value" of INFO.
int64_t InfoField(absl::string_view info, absl::string_view name) {
  for (absl::string_view line : absl::StrSplit(info, "\r\n")) {
    if (absl::ConsumePrefix(&line, absl::StrCat(name, ":"))) {
      int64_t value = -1;
      return absl::SimpleAtoi(line, &value) ? value : -1;
    }
  }
  return -1;
}

class TenantsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    client_ = std::make_unique<RedisClient>(redis_->ClientOptions(1));
    auto kepud = KepudProcess::Start(KEPUD_PATH, *redis_);
    ASSERT_TRUE(kepud.ok()) << kepud.status();
    kepud_ = std::move(*kepud);
  }

  Footprint Measure() {
    Footprint f;
    const std::string proc =
        absl::StrCat("/proc/", kepud_->process().pid(), "/");
    f.threads = CountEntries(proc + "task");
    f.open_files = CountEntries(proc + "fd");
    absl::StatusOr<RedisReply> info = client_->Command({"INFO", "clients"});
    EXPECT_TRUE(info.ok() && info->IsString());
    if (info.ok())
      f.redis_clients = InfoField(info->Str(), "connected_clients");
    absl::StatusOr<RedisReply> size = client_->Command({"DBSIZE"});
    EXPECT_TRUE(size.ok() && size->IsInteger());
    if (size.ok()) f.keys = size->Integer();
    return f;
  }

  // Every key of Redis (SCAN, so kepud is not stalled).
  std::vector<std::string> AllKeys() {
    std::vector<std::string> keys;
    std::string cursor = "0";
    do {
      absl::StatusOr<RedisReply> reply =
          client_->Command({"SCAN", cursor, "COUNT", "1000"});
      EXPECT_TRUE(reply.ok() && reply->IsArray() && reply->Size() == 2);
      if (!reply.ok() || !reply->IsArray() || reply->Size() != 2) break;
      cursor = std::string((*reply)[0].Str());
      for (size_t i = 0; i < (*reply)[1].Size(); ++i) {
        keys.emplace_back((*reply)[1][i].Str());
      }
    } while (cursor != "0");
    return keys;
  }

  static std::unique_ptr<grpc::ClientContext> Context(
      const std::string& tenant, const std::string& token) {
    return CallContext(token, tenant, "", std::chrono::seconds(30));
  }

  // What an outsider does with one tenant name: registers and signs in
  // naming it (anonymous, valid requests), and presents the token Register
  // gave (or, refused, a well-formed one naming the tenant) to a call, a
  // watch (a tenant's watches share a thread and a Redis connection, made for
  // its first) and Authenticate. Answers the statuses.
  std::vector<grpc::Status> Probe(const std::string& tenant, int i) {
    std::vector<grpc::Status> statuses;
    const std::string phone = absl::StrCat("139", 10000000 + i);
    auto identity = v1::IdentityService::NewStub(kepud_->channel());
    auto orders = v1::OrderService::NewStub(kepud_->channel());
    v1::RegisterRequest reg;
    reg.set_request_id(absl::StrCat("register-", i, "-abcdef"));
    reg.set_phone(phone);
    reg.set_password("kepu2026pass");
    reg.set_display_name("访客");
    v1::Session session;
    statuses.push_back(
        identity->Register(Context(tenant, "").get(), reg, &session));
    const std::string token =
        statuses.back().ok() ? session.token()
                             : absl::StrCat(tenant, ".", std::string(43, 'x'));
    v1::LoginRequest login;
    login.set_phone(phone);
    login.set_password("kepu2026pass");
    statuses.push_back(
        identity->Login(Context(tenant, "").get(), login, &session));
    v1::User user;
    statuses.push_back(
        identity->WhoAmI(Context("", token).get(), v1::WhoAmIRequest(), &user));
    v1::AuthenticateRequest check;
    check.set_token(token);
    v1::Principal principal;
    statuses.push_back(
        identity->Authenticate(Context("", "").get(), check, &principal));
    // An admitted watch stays open: it ends at its deadline.
    v1::WatchMyOrdersRequest watch;
    auto context = Context("", token);
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(300));
    auto stream = orders->WatchMyOrders(context.get(), watch);
    v1::OrderEvent event;
    while (stream->Read(&event)) {
    }
    statuses.push_back(stream->Finish());
    return statuses;
  }

  // Runs Probe for each of `tenants` on kThreads threads; answers every
  // status with the tenant it named.
  std::vector<std::pair<std::string, grpc::Status>> ProbeAll(
      const std::vector<std::string>& tenants, int first_phone) {
    absl::Mutex mu;
    std::vector<std::pair<std::string, grpc::Status>> answers;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([&, t] {
        for (size_t i = t; i < tenants.size(); i += kThreads) {
          std::vector<grpc::Status> statuses =
              Probe(tenants[i], first_phone + static_cast<int>(i));
          absl::MutexLock lock(&mu);
          for (grpc::Status& status : statuses) {
            answers.emplace_back(tenants[i], std::move(status));
          }
        }
      });
    }
    for (std::thread& thread : threads) thread.join();
    return answers;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<KepudProcess> kepud_;
};

TEST_F(TenantsTest, InventedTenantsAreRefusedAndCostNothing) {
  // The served tenant first, the same way: gRPC's threads and connections
  // settle at what this load needs. (Its Register calls succeed: keys.)
  std::vector<std::string> served(kWarmUp, "jining");
  for (const auto& [tenant, status] : ProbeAll(served, 0)) {
    EXPECT_NE(status.error_code(), grpc::StatusCode::NOT_FOUND)
        << status.error_message();
  }
  const Footprint before = Measure();

  absl::BitGen random;
  std::vector<std::string> invented;
  std::set<std::string> unique;
  while (invented.size() < kTenants) {
    std::string name = "inv-";
    for (int k = 0; k < 10; ++k) {
      name +=
          "abcdefghijklmnopqrstuvwxyz0123456789"[absl::Uniform(random, 0, 36)];
    }
    if (unique.insert(name).second) invented.push_back(name);
  }
  const std::vector<std::pair<std::string, grpc::Status>> answers =
      ProbeAll(invented, kWarmUp);
  ASSERT_EQ(answers.size(), 5u * kTenants);
  int refused = 0;
  for (const auto& [tenant, status] : answers) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND)
        << tenant << ": " << status.error_code() << " "
        << status.error_message();
    EXPECT_EQ(status.error_message(),
              absl::StrCat("tenant \"", tenant, "\" is not served here"));
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) ++refused;
  }
  const Footprint after = Measure();
  std::cout << "Calls naming " << kTenants
            << " invented tenants: " << answers.size() << ", refused "
            << refused << "\n"
            << "  before: " << before << "\n  after:  " << after << "\n";

  // Nothing was made for them: no thread, no connection, no key.
  EXPECT_LE(after.threads, before.threads);
  EXPECT_LE(after.open_files, before.open_files);
  EXPECT_LE(after.redis_clients, before.redis_clients);
  EXPECT_EQ(after.keys, before.keys);
  for (const std::string& key : AllKeys()) {
    EXPECT_FALSE(absl::StrContains(key, "inv-")) << key;
  }
  EXPECT_TRUE(kepud_->process().running());
}

}  // namespace
}  // namespace kepu::testing
