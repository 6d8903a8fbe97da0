// kepud as users meet it: a real process on a free port against a real
// redis-server, driven over gRPC.
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <sys/wait.h>

#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "kepu/v1/dispatch.grpc.pb.h"
#include "kepu/v1/matching.grpc.pb.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "kepu/v1/report.grpc.pb.h"
#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/core/clock.h"
#include "services/core/redis/redis_sessions.h"
#include "services/core/time_util.h"
#include "services/directory/redis_directory.h"
#include "tests/support/call_context.h"
#include "tests/support/freeze_drill.h"
#include "tests/support/jining_directory.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace kepu {
namespace {

// A fixed key so the test can issue tokens that kepud accepts.
constexpr char kTokenKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

// The value of `"key":"..."` in a JSON log line.
std::string JsonField(const std::string& line, const std::string& key) {
  const std::string marker = absl::StrCat("\"", key, "\":\"");
  const size_t start = line.find(marker);
  if (start == std::string::npos) return "";
  const size_t from = start + marker.size();
  return line.substr(from, line.find('"', from) - from);
}

class KepudTest : public ::testing::Test {
 protected:
  void SetUp() override { Start({}); }

  void Start(const std::vector<std::string>& extra_flags) {
    auto redis = testing::RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    client_ = std::make_unique<RedisClient>(redis_->ClientOptions());
    RedisDirectory directory(*client_, "jining");
    ASSERT_TRUE(testing::Load(testing::SmallJining(), directory).ok());
    // No matching worker: its blocking read of the matching stream would
    // count among Redis's blocked clients, which the shutdown test watches.
    std::vector<std::string> argv = {
        KEPUD_PATH,
        "--listen=127.0.0.1:0",
        "--http_listen=127.0.0.1:0",
        absl::StrCat("--redis=", redis_->address()),
        "--workers=4",
        "--matching=false"};
    argv.insert(argv.end(), extra_flags.begin(), extra_flags.end());
    auto kepud = testing::Subprocess::Start(
        argv, {absl::StrCat("KEPU_TOKEN_KEY=", kTokenKey)});
    ASSERT_TRUE(kepud.ok()) << kepud.status();
    kepud_ = std::move(*kepud);
    absl::StatusOr<std::string> ready =
        kepud_->WaitForText("\"event\":\"kepud.listening\"", absl::Seconds(30));
    ASSERT_TRUE(ready.ok()) << ready.status();
    EXPECT_FALSE(absl::StrContains(kepud_->Output(), "redis_module_missing"));
    address_ = JsonField(*ready, "address");
    ASSERT_FALSE(address_.empty()) << *ready;
    channel_ =
        grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
    orders_ = v1::OrderService::NewStub(channel_);

    sessions_ = std::make_unique<RedisSessions>(
        *client_, *ParseTokenKey(kTokenKey), Clock::Real());
    v1::Principal resident;
    resident.set_user_id("resident-e2e");
    resident.set_tenant("jining");
    resident.set_display_name("王阿姨");
    resident.add_grants()->set_role(v1::ROLE_RESIDENT);
    absl::StatusOr<std::string> token =
        sessions_->Create(resident, absl::Hours(1));
    ASSERT_TRUE(token.ok()) << token.status();
    token_ = *token;
  }

  std::unique_ptr<grpc::ClientContext> Context(bool with_token = true) {
    return testing::CallContext(with_token ? token_ : "");
  }

  v1::CreateOrderRequest NewOrder(const std::string& request_id) {
    v1::CreateOrderRequest request;
    request.set_request_id(request_id);
    v1::OrderDraft& draft = *request.mutable_draft();
    draft.set_service_line_id("elderly-smart-help");
    draft.set_service_name("智能手机使用教学");
    draft.set_community_id("yanzhou-gulou-xinglong");
    draft.set_address("兖州区鼓楼街道兴隆社区活动室");
    draft.set_audience(v1::AUDIENCE_ELDERLY);
    draft.set_expected_attendees(25);
    v1::TimeWindow& window = *draft.add_preferred_windows();
    *window.mutable_start() = ToProto(absl::Now() + absl::Hours(24));
    *window.mutable_end() = ToProto(absl::Now() + absl::Hours(26));
    draft.mutable_contact()->set_name("王阿姨");
    draft.mutable_contact()->set_phone("13712345678");
    return request;
  }

  grpc::health::v1::HealthCheckResponse::ServingStatus Health(
      const std::string& service) {
    auto stub = grpc::health::v1::Health::NewStub(channel_);
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(Context(false).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.status();
  }

  std::unique_ptr<testing::RedisServer> redis_;
  std::unique_ptr<testing::Subprocess> kepud_;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::OrderService::Stub> orders_;
  std::unique_ptr<RedisClient> client_;
  std::unique_ptr<RedisSessions> sessions_;
  std::string token_;
  grpc::Status status_;
};

TEST_F(KepudTest, CreateAnOrderReadItBackAndStopCleanly) {
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::SERVING);
  EXPECT_EQ(Health("kepu.v1.OrderService"),
            grpc::health::v1::HealthCheckResponse::SERVING);

  v1::Order created;
  grpc::Status status =
      orders_->CreateOrder(Context().get(), NewOrder("e2e-create-1"), &created);
  ASSERT_TRUE(status.ok()) << status.error_code() << " "
                           << status.error_message();
  EXPECT_EQ(created.state(), v1::ORDER_STATE_SUBMITTED);
  EXPECT_EQ(created.version(), 1);
  EXPECT_EQ(created.resident_id(), "resident-e2e");

  v1::GetOrderRequest get;
  get.set_order_id(created.id());
  v1::Order read;
  status = orders_->GetOrder(Context().get(), get, &read);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(read.SerializeAsString(), created.SerializeAsString());

  v1::GetOrderHistoryRequest history_request;
  history_request.set_order_id(created.id());
  v1::GetOrderHistoryResponse history;
  status = orders_->GetOrderHistory(Context().get(), history_request, &history);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(history.events_size(), 1);
  EXPECT_EQ(history.events(0).action(), v1::ORDER_ACTION_CREATE);
  EXPECT_EQ(history.events(0).actor().display_name(), "王阿姨");

  // A retried create (the phone lost the answer) returns the same order.
  v1::Order again;
  status =
      orders_->CreateOrder(Context().get(), NewOrder("e2e-create-1"), &again);
  // The windows were computed from a later now(): other content, same request
  // id.
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  kepud_->Signal(SIGTERM);
  absl::StatusOr<int> exit_status = kepud_->Wait(absl::Seconds(30));
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  EXPECT_TRUE(WIFEXITED(*exit_status));
  EXPECT_EQ(WEXITSTATUS(*exit_status), 0);
  EXPECT_TRUE(
      absl::StrContains(kepud_->Output(), "\"event\":\"kepud.stopped\""));
  // The default tenant's watchdog ran and stopped before kepud ended.
  const std::string output = kepud_->Output();
  const size_t started = output.find("\"event\":\"watchdog.started\"");
  const size_t stopped = output.find("\"event\":\"watchdog.stopped\"");
  const size_t ended = output.find("\"event\":\"kepud.stopped\"");
  ASSERT_NE(started, std::string::npos) << output;
  ASSERT_NE(stopped, std::string::npos) << output;
  EXPECT_LT(started, stopped);
  EXPECT_LT(stopped, ended);
}

// A second fixture whose kepud keeps serving for a moment after SIGTERM (as
// behind a load balancer) and lets calls in flight take long.
class KepudShutdownTest : public KepudTest {
 protected:
  void SetUp() override {
    // No watchdog either: its script, held by CLIENT PAUSE WRITE, would be
    // the blocked client the test waits for instead of the call. No delivery
    // worker of notifications: its blocking XREADGROUP of the outbox is a
    // blocked client all along, so "blocked_clients:1" would not tell that
    // the call's write is parked. A Redis timeout longer than the test's
    // pause of writes.
    Start({"--drain_delay=1s", "--shutdown_timeout=20s", "--watchdog=false",
           "--notify_workers=0", "--redis_timeout=10s"});
  }
};

TEST_F(KepudShutdownTest, SigtermReportsNotServingAndFinishesCallsInFlight) {
  // Hold every Redis write for 5 seconds (less than kepud's Redis timeout),
  // so the next CreateOrder is in flight for that long: past the 1 second
  // drain.
  const absl::Time paused = absl::Now();
  ASSERT_TRUE(client_->Command({"CLIENT", "PAUSE", "5000", "WRITE"}).ok());
  grpc::Status in_flight_status;
  v1::Order in_flight_order;
  std::thread call([&] {
    in_flight_status = orders_->CreateOrder(
        Context().get(), NewOrder("e2e-inflight-1"), &in_flight_order);
  });
  absl::Cleanup join_call = [&] { call.join(); };
  // Wait until kepud's write is parked in Redis; if it is not by the time
  // the pause nearly ends, it never will be.
  for (;;) {
    absl::StatusOr<RedisReply> info = client_->Command({"INFO", "clients"});
    ASSERT_TRUE(info.ok()) << info.status();
    if (absl::StrContains(info->Str(), "blocked_clients:1")) break;
    ASSERT_LT(absl::Now() - paused, absl::Seconds(4))
        << "kepud's write did not reach Redis:\n"
        << info->Str();
    absl::SleepFor(absl::Milliseconds(5));
  }

  kepud_->Signal(SIGTERM);
  absl::StatusOr<std::string> draining =
      kepud_->WaitForText("\"event\":\"kepud.draining\"", absl::Seconds(10));
  ASSERT_TRUE(draining.ok()) << draining.status();
  // The call was in progress when the signal came.
  EXPECT_EQ(JsonField(*draining, "calls_in_progress"), "1") << *draining;
  EXPECT_EQ(Health(""), grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  EXPECT_EQ(Health("kepu.v1.OrderService"),
            grpc::health::v1::HealthCheckResponse::NOT_SERVING);

  std::move(join_call).Invoke();
  EXPECT_TRUE(in_flight_status.ok()) << in_flight_status.error_message();
  EXPECT_EQ(in_flight_order.state(), v1::ORDER_STATE_SUBMITTED);
  absl::StatusOr<int> exit_status = kepud_->Wait(absl::Seconds(30));
  ASSERT_TRUE(exit_status.ok()) << exit_status.status();
  EXPECT_TRUE(WIFEXITED(*exit_status) && WEXITSTATUS(*exit_status) == 0)
      << *exit_status;
  EXPECT_TRUE(absl::StrContains(kepud_->Output(), "\"unfinished_calls\":\"0\""))
      << kepud_->Output();
  // The order the call acknowledged is stored.
  absl::StatusOr<RedisReply> stored = client_->Command(
      {"HGET", absl::StrCat("kepu:{jining}:order:", in_flight_order.id()),
       "v"});
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->Str(), "1");
}

TEST_F(KepudTest, RetryWithTheSameRequestReturnsTheSameOrder) {
  const v1::CreateOrderRequest request = NewOrder("e2e-retry-1");
  v1::Order first;
  v1::Order second;
  ASSERT_TRUE(orders_->CreateOrder(Context().get(), request, &first).ok());
  grpc::Status status = orders_->CreateOrder(Context().get(), request, &second);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(first.id(), second.id());
}

TEST_F(KepudTest, CallsWithoutAValidTokenAreUnauthenticated) {
  v1::Order order;
  grpc::Status status = orders_->CreateOrder(Context(false).get(),
                                             NewOrder("e2e-anon-1"), &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  auto context = Context(false);
  context->AddMetadata(
      "authorization",
      "Bearer jining.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
  status = orders_->CreateOrder(context.get(), NewOrder("e2e-anon-2"), &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(KepudTest, BadInputIsRefusedNamingTheFieldAndWritesNothing) {
  v1::CreateOrderRequest request = NewOrder("e2e-bad-1");
  request.mutable_draft()->mutable_contact()->set_phone("12345");
  v1::Order order;
  grpc::Status status = orders_->CreateOrder(Context().get(), request, &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_TRUE(absl::StartsWith(status.error_message(), "draft.contact.phone:"))
      << status.error_message();
  absl::StatusOr<RedisReply> keys =
      client_->Command({"KEYS", "kepu:{jining}:order:*"});
  ASSERT_TRUE(keys.ok());
  EXPECT_EQ(keys->Size(), 0u);
}

TEST_F(KepudTest, RpcsOfLaterIssuesAnswerUnimplemented) {
  // Reports come with a later issue.
  auto report = v1::ReportService::NewStub(channel_);
  v1::GetSummaryRequest summary_request;
  v1::Summary summary;
  EXPECT_EQ(report->GetSummary(Context().get(), summary_request, &summary)
                .error_code(),
            grpc::StatusCode::UNIMPLEMENTED);
}

TEST_F(KepudTest, TheWatchdogServiceIsServed) {
  auto watchdog = v1::WatchdogService::NewStub(channel_);
  v1::SlaPolicy policy;
  grpc::Status status = watchdog->GetSlaPolicy(
      Context().get(), v1::GetSlaPolicyRequest(), &policy);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(policy.stages_size(), 7);
  EXPECT_EQ(policy.max_offer_attempts(), 3);
  EXPECT_EQ(policy.auto_close_after().seconds(), 7 * 24 * 3600);
  v1::ListEscalationsRequest escalations_request;
  v1::ListEscalationsResponse escalations;
  // A resident may not list escalations; nobody without a token may.
  EXPECT_EQ(
      watchdog
          ->ListEscalations(Context().get(), escalations_request, &escalations)
          .error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(watchdog
                ->ListEscalations(Context(false).get(), escalations_request,
                                  &escalations)
                .error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(KepudTest, ReflectionListsTheServices) {
  // grpc.reflection.v1alpha ServerReflectionRequest{list_services: "*"},
  // encoded by hand.
  grpc::GenericStub stub(channel_);
  grpc::ClientContext context;
  // Each step below waits for kepud: bounded, it fails instead of hanging.
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::CompletionQueue queue;
  std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call = stub.PrepareCall(
      &context,
      "/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo", &queue);
  void* tag;
  bool ok;
  call->StartCall(reinterpret_cast<void*>(1));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  const std::string request("\x3a\x01*", 3);
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  call->Write(buffer, reinterpret_cast<void*>(2));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  grpc::ByteBuffer reply;
  call->Read(&reply, reinterpret_cast<void*>(3));
  ASSERT_TRUE(queue.Next(&tag, &ok) && ok);
  std::vector<grpc::Slice> slices;
  ASSERT_TRUE(reply.Dump(&slices).ok());
  std::string bytes;
  for (const grpc::Slice& s : slices)
    bytes.append(reinterpret_cast<const char*>(s.begin()), s.size());
  EXPECT_TRUE(absl::StrContains(bytes, "kepu.v1.OrderService"));
  EXPECT_TRUE(absl::StrContains(bytes, "kepu.v1.ClaimService"));
  EXPECT_TRUE(absl::StrContains(bytes, "grpc.health.v1.Health"));
  context.TryCancel();
  call->Finish(&status_, reinterpret_cast<void*>(4));
  while (queue.Next(&tag, &ok) && tag != reinterpret_cast<void*>(4)) {
  }
  queue.Shutdown();
  while (queue.Next(&tag, &ok)) {
  }
}

// A gRPC client that sends a string field holding bytes that are not UTF-8
// is refused, and what protobuf says about it reaches the log as one JSON
// line like every other (it used to be a bare "[libprotobuf ERROR ...]" line
// that log collectors could not parse).
TEST_F(KepudTest, BadBytesAreRefusedAndEveryLogLineStaysJson) {
  // GetOrderRequest{order_id: "\xff\xfe"}, encoded by hand.
  const std::string request("\x0a\x02\xff\xfe", 4);
  grpc::Slice slice(request);
  grpc::ByteBuffer buffer(&slice, 1);
  grpc::ByteBuffer reply;
  grpc::GenericStub stub(channel_);
  std::unique_ptr<grpc::ClientContext> context = Context();
  absl::Notification done;
  grpc::Status status;
  stub.UnaryCall(context.get(), "/kepu.v1.OrderService/GetOrder",
                 grpc::StubOptions(), &buffer, &reply,
                 [&](grpc::Status result) {
                   status = std::move(result);
                   done.Notify();
                 });
  // The context's deadline ends the call; this wait only bounds the test.
  ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(30)));
  EXPECT_FALSE(status.ok());
  EXPECT_NE(status.error_code(), grpc::StatusCode::UNAVAILABLE);

  absl::StatusOr<std::string> logged =
      kepud_->WaitForText("\"event\":\"protobuf.log\"", absl::Seconds(10));
  ASSERT_TRUE(logged.ok()) << logged.status() << "\n" << kepud_->Output();
  EXPECT_TRUE(absl::StrContains(*logged, "UTF-8")) << *logged;
  for (absl::string_view line :
       absl::StrSplit(kepud_->Output(), '\n', absl::SkipEmpty())) {
    EXPECT_TRUE(absl::StartsWith(line, "{") && absl::EndsWith(line, "}"))
        << "not a JSON line: " << line;
  }
}

TEST_F(KepudTest, RedisDownAnswersUnavailableAndRecoversByItself) {
  v1::Order order;
  ASSERT_TRUE(
      orders_->CreateOrder(Context().get(), NewOrder("e2e-down-0"), &order)
          .ok());
  ASSERT_TRUE(redis_->Kill().ok());
  const absl::Time started = absl::Now();
  grpc::Status status =
      orders_->CreateOrder(Context().get(), NewOrder("e2e-down-1"), &order);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE)
      << status.error_message();
  EXPECT_LT(absl::Now() - started, absl::Seconds(5));  // no hang
  ASSERT_TRUE(redis_->Restart().ok());
  // No restart of kepud: calls find Redis again once its short reconnect
  // backoff has passed, as a client retrying UNAVAILABLE would.
  const absl::Time deadline = absl::Now() + absl::Seconds(5);
  do {
    status =
        orders_->CreateOrder(Context().get(), NewOrder("e2e-down-2"), &order);
  } while (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
           absl::Now() < deadline);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST(KepudWithoutModuleTest, SaysAtStartThatRedisLacksTheModule) {
  auto redis = testing::RedisServer::Start({.kepu_module = false});
  ASSERT_TRUE(redis.ok()) << redis.status();
  auto kepud = testing::Subprocess::Start(
      {KEPUD_PATH, "--listen=127.0.0.1:0", "--http_listen=",
       absl::StrCat("--redis=", (*redis)->address()), "--matching=false"},
      {absl::StrCat("KEPU_TOKEN_KEY=", kTokenKey)});
  ASSERT_TRUE(kepud.ok()) << kepud.status();
  absl::StatusOr<std::string> missing = (*kepud)->WaitForText(
      "\"event\":\"kepud.redis_module_missing\"", absl::Seconds(30));
  ASSERT_TRUE(missing.ok()) << missing.status() << "\n" << (*kepud)->Output();
  EXPECT_TRUE(absl::StrContains(*missing, "--loadmodule")) << *missing;
  // It still starts: calls answer UNAVAILABLE until Redis has the module.
  EXPECT_TRUE(
      (*kepud)
          ->WaitForText("\"event\":\"kepud.listening\"", absl::Seconds(30))
          .ok());
}

// A third fixture: kepud with a short Redis timeout, and more workers than the
// test has callers, so that no call waits in the work pool's queue (a call
// queued there waits for a worker before its Redis calls start: that wait is
// not bounded by the Redis timeout).
class KepudFrozenRedisTest : public KepudTest {
 protected:
  static constexpr absl::Duration kRedisTimeout = absl::Seconds(1);
  static constexpr int kCallers = 8;

  void SetUp() override {
    Start(
        {absl::StrCat("--redis_timeout=", absl::FormatDuration(kRedisTimeout)),
         absl::StrCat("--workers=", 2 * kCallers)});
  }
};

TEST_F(KepudFrozenRedisTest, EveryCallAnswersWithinTheRedisTimeout) {
  // Redis hung for 6 s under 8 callers that create, read, list and cancel
  // orders as a client would (resending a move that answered UNAVAILABLE as
  // it was): every call answers within kepud's Redis timeout plus a quarter,
  // plus a fixed margin for gRPC; UNAVAILABLE while Redis is frozen; OK again
  // as soon as it resumes (testing::RunFreezeDrill).
  struct Caller {
    std::unique_ptr<v1::OrderService::Stub> stub;
    // The move in progress, resent as it is until it is acknowledged.
    std::optional<v1::CreateOrderRequest> create;
    std::optional<v1::CancelOrderRequest> cancel;
    v1::Order order;  // the caller's open order, once created
  };
  std::vector<Caller> callers(kCallers);
  for (Caller& caller : callers)
    caller.stub = v1::OrderService::NewStub(channel_);
  testing::RunFreezeDrill(
      *redis_,
      {.callers = kCallers,
       .outage = absl::Seconds(6),
       .limit = kRedisTimeout * 1.25 + absl::Milliseconds(250)},
      [&](int c, int i) -> testing::CallAnswer {
        Caller& caller = callers[c];
        std::string what;
        grpc::Status status;
        v1::Order answer;
        if (caller.order.id().empty()) {
          if (!caller.create)
            caller.create = NewOrder(absl::StrCat("frozen-", c, "-", i));
          what = "CreateOrder";
          status = caller.stub->CreateOrder(Context().get(), *caller.create,
                                            &answer);
          if (status.ok()) {
            caller.order = answer;
            caller.create.reset();
          }
        } else if (i % 3 == 0) {
          v1::GetOrderRequest get;
          get.set_order_id(caller.order.id());
          what = "GetOrder";
          status = caller.stub->GetOrder(Context().get(), get, &answer);
        } else if (i % 3 == 1) {
          v1::ListOrdersResponse page;
          what = "ListMyOrders";
          status = caller.stub->ListMyOrders(Context().get(),
                                             v1::ListMyOrdersRequest(), &page);
        } else {
          if (!caller.cancel) {
            caller.cancel.emplace();
            caller.cancel->set_request_id(
                absl::StrCat("frozen-cancel-", c, "-", i));
            caller.cancel->set_order_id(caller.order.id());
            caller.cancel->set_expected_version(caller.order.version());
            caller.cancel->set_reason("不需要了");
          }
          what = "CancelOrder";
          status = caller.stub->CancelOrder(Context().get(), *caller.cancel,
                                            &answer);
          if (status.ok()) {
            caller.order.Clear();
            caller.cancel.reset();
          }
        }
        return {static_cast<absl::StatusCode>(status.error_code()),
                absl::StrCat(what, " (", status.error_message(), ")")};
      });
}

// A fourth fixture: one worker, so that watches wait in the work pool's queue
// while Redis is frozen.
class KepudOneWorkerTest : public KepudTest {
 protected:
  void SetUp() override { Start({"--workers=1"}); }
};

TEST_F(KepudOneWorkerTest, WatchesThatEndBeforeTheyStartLeaveNothingBehind) {
  // A watch is admitted and subscribed on the work pool. With Redis frozen and
  // one worker, the watches below wait in the pool's queue; each ends (its
  // deadline passes) before its start task runs. The task must still find the
  // call's context alive when it runs after Redis resumes (the sanitizer build
  // of this test caught a read of a freed context, fd75268; without the
  // sanitizer, only a crash would show), and kepud must answer afterwards as
  // before.
  constexpr int kWatches = 16;
  ASSERT_TRUE(redis_->Freeze().ok());
  auto thaw = absl::MakeCleanup([this] { (void)redis_->Thaw(); });
  for (int i = 0; i < kWatches; ++i) {
    auto context = Context();
    context->set_deadline(std::chrono::system_clock::now() +
                          std::chrono::milliseconds(200));
    auto stream =
        orders_->WatchMyOrders(context.get(), v1::WatchMyOrdersRequest());
    v1::OrderEvent event;
    EXPECT_FALSE(stream->Read(&event));
    const grpc::Status status = stream->Finish();
    EXPECT_EQ(status.error_code(), grpc::StatusCode::DEADLINE_EXCEEDED)
        << status.error_message();
  }
  std::move(thaw).Invoke();

  // The queued start tasks run now; then kepud answers, and a new watch opens.
  v1::Order order;
  grpc::Status status;
  const absl::Time deadline = absl::Now() + absl::Seconds(30);
  do {
    status = orders_->CreateOrder(Context().get(), NewOrder("after-watches"),
                                  &order);
  } while (status.error_code() == grpc::StatusCode::UNAVAILABLE &&
           kepud_->running() && absl::Now() < deadline);
  ASSERT_TRUE(status.ok()) << status.error_message() << "\n"
                           << kepud_->Output();
  auto context = Context();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  auto stream =
      orders_->WatchMyOrders(context.get(), v1::WatchMyOrdersRequest());
  stream->WaitForInitialMetadata();
  const auto& metadata = context->GetServerInitialMetadata();
  auto open = metadata.find("x-kepu-watch");
  ASSERT_NE(open, metadata.end());
  EXPECT_EQ(std::string(open->second.data(), open->second.size()), "open");
  context->TryCancel();
  v1::OrderEvent event;
  while (stream->Read(&event)) {
  }
  (void)stream->Finish();
  EXPECT_TRUE(kepud_->running()) << kepud_->Output();
}

}  // namespace
}  // namespace kepu
