// Password hashing has its own bounded pool: with the sign-in pool's thread
// busy and its queue full, order moves still finish at once, and sign-ins past
// the queue are refused with RESOURCE_EXHAUSTED. A real kepud and redis-server
// with the production password cost (argon2id "interactive": 64 MiB and tens
// of milliseconds a hash).
//
// The proof does not rest on timing margins: a move started the moment a
// sign-in was refused for a full queue (so a thread was hashing and the queue
// held kQueue more) must finish while a sign-in admitted before it is still
// waiting. Had the move queued behind the sign-ins, every one of them would
// have finished first. kepud runs 4 workers, fewer than the sign-in pool's
// thread and queue hold: sign-ins run on the work pool, or holding a worker
// while they wait for a hash thread, would never fill the sign-in queue, and
// the test fails for want of a refusal.
#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/e2e/world.h"

namespace kepu::testing {
namespace {

constexpr int kQueue = 12;
// More sign-ins than the pool's thread and queue hold.
constexpr int kSignIns = 1 + kQueue + 8;
constexpr int kMoves = 3;

class SignInPoolTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto world = World::Start(
        1, {"--password_cost=interactive", "--sign_in_threads=1",
            absl::StrCat("--sign_in_queue=", kQueue), "--workers=4"});
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = world->release();
  }
  static void TearDownTestSuite() {
    delete world_;
    world_ = nullptr;
  }
  void SetUp() override { ASSERT_NE(world_, nullptr); }

  static World* world_;
};

World* SignInPoolTest::world_ = nullptr;

// Sign-ins sent at once, and what became of them.
struct Burst {
  struct Call {
    grpc::ClientContext context;
    v1::Session session;
  };
  absl::Mutex mu;
  std::vector<std::unique_ptr<Call>> calls;
  int ok ABSL_GUARDED_BY(mu) = 0;
  int refused ABSL_GUARDED_BY(mu) = 0;
  int other ABSL_GUARDED_BY(mu) = 0;
  std::string other_error ABSL_GUARDED_BY(mu);
  std::string refusal ABSL_GUARDED_BY(mu);
  absl::Notification first_refusal;
  absl::Notification all_done;
};

TEST_F(SignInPoolTest, MovesNeverWaitForTheSignInQueue) {
  // The orders to move, claimed by the clerk (not timed).
  std::vector<v1::Order> orders;
  for (int i = 0; i < kMoves; ++i) {
    absl::StatusOr<v1::Order> order =
        world_->ClaimedOrder(World::Draft(), /*release=*/false);
    ASSERT_TRUE(order.ok()) << order.status();
    orders.push_back(*order);
  }
  auto identity = world_->identity();
  v1::LoginRequest login;
  login.set_phone(world_->account("resident").phone);
  login.set_password(World::kPassword);

  // One sign-in alone: what a hash costs here.
  const absl::Time alone_start = absl::Now();
  {
    v1::Session session;
    const grpc::Status status =
        identity->Login(world_->As("").get(), login, &session);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }
  const absl::Duration alone = absl::Now() - alone_start;

  Burst burst;
  for (int i = 0; i < kSignIns; ++i) {
    auto call = std::make_unique<Burst::Call>();
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::seconds(60));
    Burst::Call* raw = call.get();
    burst.calls.push_back(std::move(call));
    identity->async()->Login(
        &raw->context, &login, &raw->session, [&burst](grpc::Status status) {
          absl::MutexLock lock(&burst.mu);
          if (status.ok()) {
            ++burst.ok;
          } else if (status.error_code() ==
                     grpc::StatusCode::RESOURCE_EXHAUSTED) {
            if (++burst.refused == 1) {
              burst.refusal = status.error_message();
              burst.first_refusal.Notify();
            }
          } else {
            ++burst.other;
            burst.other_error = Describe(status);
          }
          if (burst.ok + burst.refused + burst.other == kSignIns) {
            burst.all_done.Notify();
          }
        });
  }
  // A refusal: the thread is hashing and the queue is full.
  ASSERT_TRUE(
      burst.first_refusal.WaitForNotificationWithTimeout(absl::Seconds(30)))
      << "no sign-in of " << kSignIns << " was refused";

  // Moves now, one after another; each must finish while admitted sign-ins
  // are still waiting for the hash thread.
  auto claims = world_->claims();
  std::vector<absl::Duration> took;
  std::vector<int> finished_sign_ins;
  for (int i = 0; i < kMoves; ++i) {
    v1::ReturnOrderRequest move;
    move.set_request_id(world_->NextRequestId());
    move.set_order_id(orders[i].id());
    move.set_expected_version(orders[i].version());
    move.set_reason("退回社区：需要补充活动场地信息");
    v1::Order returned;
    const absl::Time start = absl::Now();
    const grpc::Status status =
        claims->ReturnOrder(world_->As("clerk").get(), move, &returned);
    took.push_back(absl::Now() - start);
    ASSERT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(returned.state(), v1::ORDER_STATE_SUBMITTED);
    absl::MutexLock lock(&burst.mu);
    finished_sign_ins.push_back(burst.ok);
  }

  ASSERT_TRUE(burst.all_done.WaitForNotificationWithTimeout(absl::Seconds(60)))
      << "the sign-ins did not all finish";
  absl::MutexLock lock(&burst.mu);
  std::cout << "One sign-in alone: " << alone << "; of " << kSignIns
            << " at once: " << burst.ok << " signed in, " << burst.refused
            << " refused (RESOURCE_EXHAUSTED)\n";
  for (int i = 0; i < kMoves; ++i) {
    std::cout << "  move " << i + 1 << " took " << took[i] << ", "
              << finished_sign_ins[i] << " sign-ins had finished\n";
    EXPECT_LT(finished_sign_ins[i], burst.ok)
        << "move " << i + 1 << " finished only after every admitted sign-in";
  }
  EXPECT_EQ(burst.other, 0) << burst.other_error;
  EXPECT_GE(burst.refused, 1);
  // The queue takes kQueue at least (the first may still wait in it when the
  // rest arrive); more get through as it drains while the burst is sent.
  EXPECT_GE(burst.ok, kQueue);
  EXPECT_EQ(burst.refusal, "too many sign-ins at once: retry shortly");
}

}  // namespace
}  // namespace kepu::testing
