// A small Jining on real processes for end-to-end tests: a redis-server holding
// the small directory (tests/support/jining_directory.h), one or more kepud
// replicas on it, the bootstrap admin, and a signed-in account for every role
// and scope the tests use. Accounts are made the way people get them: staff
// through IdentityService.CreateStaffAccount by the admin, residents through
// Register.
#pragma once

#include <grpcpp/grpcpp.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kepu/v1/claims.grpc.pb.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "kepu/v1/dispatch.grpc.pb.h"
#include "kepu/v1/fulfilment.grpc.pb.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "kepu/v1/matching.grpc.pb.h"
#include "kepu/v1/notification.grpc.pb.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/core/redis/redis_client.h"
#include "tests/support/kepud_process.h"
#include "tests/support/redis_server.h"

namespace kepu::testing {

struct Account {
  std::string user_id;
  std::string phone;
  std::string token;
};

class World {
 public:
  // The password of every account the world makes.
  static constexpr char kPassword[] = "kepu2026demo";

  // Accounts: "admin" (the city), "county-admin" (rencheng), "resident",
  // "resident2", "worker" (rencheng-guhuai-zhuyuan), "worker-other"
  // (yanzhou-gulou-xinglong), "clerk" (kexie), "clerk2" (minzheng),
  // "clerk-other" (jiaoyu), "leader" (team-a), "leader2" (team-b),
  // "leader-other" (team-d), "volunteer" (team-a, volunteer vol-a1).
  // `kepud_flags` are passed to every replica, after --matching=false: the
  // matching engine only runs in tests that ask for it (--matching=true).
  // `kepud_env` is added to every replica's environment.
  static absl::StatusOr<std::unique_ptr<World>> Start(
      int replicas = 1, std::vector<std::string> kepud_flags = {},
      std::vector<std::string> kepud_env = {});

  KepudProcess& kepud(int replica = 0) { return *kepuds_[replica]; }
  RedisServer& redis() { return *redis_; }
  RedisClient& client() { return *client_; }
  const Account& account(const std::string& name) const {
    return accounts_.at(name);
  }

  // A context with `name`'s token and a 10 s deadline.
  std::unique_ptr<grpc::ClientContext> As(const std::string& name) const;

  std::unique_ptr<v1::IdentityService::Stub> identity(int replica = 0);
  std::unique_ptr<v1::DirectoryService::Stub> directory(int replica = 0);
  std::unique_ptr<v1::OrderService::Stub> orders(int replica = 0);
  std::unique_ptr<v1::DispatchService::Stub> dispatch(int replica = 0);
  std::unique_ptr<v1::ClaimService::Stub> claims(int replica = 0);
  std::unique_ptr<v1::FulfilmentService::Stub> fulfilment(int replica = 0);
  std::unique_ptr<v1::MatchingService::Stub> matching(int replica = 0);

  // Places `draft` as the resident, dispatches it to kexie as the worker and
  // claims it as the clerk; with `release`, releases it to the matching
  // engine too. Returns the order as the clerk left it.
  absl::StatusOr<v1::Order> ClaimedOrder(const v1::OrderDraft& draft,
                                         bool release);
  std::unique_ptr<v1::WatchdogService::Stub> watchdog(int replica = 0);
  std::unique_ptr<v1::NotificationService::Stub> notifications(int replica = 0);

  // A staff account the admin creates, with one grant, signed in and kept
  // under `name` (returned).
  absl::StatusOr<std::string> AddStaff(const std::string& name,
                                       const std::string& phone, v1::Role role,
                                       const std::string& scope);

  // Prints the end of every kepud's output (for a failed test).
  void PrintServerLogs();

  // A fresh request id.
  std::string NextRequestId();

  // A valid order draft for rencheng-guhuai-zhuyuan, elderly-smart-help, two
  // days ahead.
  static v1::OrderDraft Draft();
  // The same, its window starting in 10 minutes and 2 hours long: the team can
  // confirm it and check in (and volunteers sign in) at once.
  static v1::OrderDraft SoonDraft();

 private:
  World() = default;
  absl::Status CreateAccounts();
  absl::StatusOr<v1::Session> SignIn(const std::string& phone);

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<RedisClient> client_;
  std::vector<std::unique_ptr<KepudProcess>> kepuds_;
  std::map<std::string, Account> accounts_;
  int next_request_ = 0;
};

// grpc::Status → readable text for test failures.
std::string Describe(const grpc::Status& status);

}  // namespace kepu::testing
