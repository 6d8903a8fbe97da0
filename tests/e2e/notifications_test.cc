// Notifications end to end, on a real kepud and Redis: one order taken
// through every role, and what each person finds in their inbox afterwards,
// compared with the list below (written from issue 12's table of who must be
// told what, not from the code's table). Replayed and refused moves tell
// nobody; reading marks items read; SMS jobs wait for the rows that send SMS.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/core/time_util.h"
#include "services/notify/http_client.h"
#include "tests/e2e/world.h"
#include "tests/notify/fake_provider.h"
#include "tests/support/kepud_process.h"

namespace kepu::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

class NotificationsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(notify::InitHttpGlobally().ok());
    auto provider = FakeProvider::Start();
    ASSERT_TRUE(provider.ok()) << provider.status();
    provider_ = std::move(*provider);
    auto world = World::Start(
        1,
        {"--notify_claim_idle=2s",
         absl::StrCat("--sms_endpoint=", provider_->sms_url())},
        {absl::StrCat("KEPU_SMS_API_KEY=", provider_->options().api_key)});
    ASSERT_TRUE(world.ok()) << world.status();
    world_ = std::move(*world);
  }

  // No quiet hours for `who` (the test may run at any hour).
  void NoQuietHours(const std::string& who) {
    v1::UpdatePreferencesRequest request;
    request.set_request_id(world_->NextRequestId());
    request.mutable_preferences()->set_quiet_start("00:00");
    request.mutable_preferences()->set_quiet_end("00:00");
    v1::NotificationPreferences out;
    grpc::Status status = world_->notifications()->UpdatePreferences(
        world_->As(who).get(), request, &out);
    ASSERT_TRUE(status.ok()) << Describe(status);
  }

  void TearDown() override {
    if (HasFailure() && world_ != nullptr) world_->PrintServerLogs();
  }

  template <typename Request>
  Request For(const v1::Order& order) {
    Request request;
    request.set_request_id(world_->NextRequestId());
    request.set_order_id(order.id());
    request.set_expected_version(order.version());
    return request;
  }

  v1::Order Ok(const grpc::Status& status, const v1::Order& order) {
    EXPECT_TRUE(status.ok()) << Describe(status);
    return order;
  }

  // Waits (at most 20 s) until the delivery workers have taken every outbox
  // entry: delivered entries are deleted from the outbox.
  void WaitForDelivery() {
    const absl::Time deadline = absl::Now() + absl::Seconds(20);
    while (absl::Now() < deadline) {
      // (A failed read, as right after a Redis restart, is tried again.)
      absl::StatusOr<RedisReply> length =
          world_->client().Command({"XLEN", "kepu:{jining}:outbox"});
      if (length.ok() && length->IsInteger() && length->Integer() == 0) return;
      absl::SleepFor(absl::Milliseconds(20));
    }
    FAIL() << "the outbox was not delivered within 20 s";
  }

  // `who`'s inbox in `language`, oldest first, as "event" strings.
  std::vector<std::string> Inbox(const std::string& who,
                                 const std::string& language = "zh-CN",
                                 v1::ListNotificationsResponse* raw = nullptr) {
    v1::ListNotificationsRequest request;
    request.mutable_page()->set_page_size(100);
    request.set_language(language);
    v1::ListNotificationsResponse response;
    grpc::Status status;
    // UNAVAILABLE (a connection Redis closed when it restarted) is tried again,
    // as a client does.
    for (int attempt = 0; attempt < 3; ++attempt) {
      status = world_->notifications()->ListNotifications(world_->As(who).get(),
                                                          request, &response);
      if (status.error_code() != grpc::StatusCode::UNAVAILABLE) break;
    }
    EXPECT_TRUE(status.ok()) << Describe(status);
    std::vector<std::string> events;
    for (const v1::Notification& n : response.notifications()) {
      events.push_back(n.event());
    }
    std::reverse(events.begin(), events.end());
    if (raw != nullptr) *raw = response;
    return events;
  }

  std::unique_ptr<FakeProvider> provider_;
  std::unique_ptr<World> world_;
};

TEST_F(NotificationsTest, EachPersonIsToldWhatTheTableSaysOnceForEachMove) {
  for (const char* who : {"resident", "clerk", "leader"}) NoQuietHours(who);
  // 点单, for a service that starts in ten minutes.
  v1::CreateOrderRequest create;
  create.set_request_id(world_->NextRequestId());
  *create.mutable_draft() = World::Draft();
  v1::TimeWindow* window = create.mutable_draft()->mutable_preferred_windows(0);
  *window->mutable_start() = ToProto(absl::Now() + absl::Minutes(10));
  *window->mutable_end() = ToProto(absl::Now() + absl::Minutes(100));
  while (create.draft().preferred_windows_size() > 1) {
    create.mutable_draft()->mutable_preferred_windows()->RemoveLast();
  }
  v1::Order order;
  order = Ok(world_->orders()->CreateOrder(world_->As("resident").get(), create,
                                           &order),
             order);
  // Replayed: the same request again writes nothing and tells nobody.
  v1::Order replayed;
  ASSERT_TRUE(world_->orders()
                  ->CreateOrder(world_->As("resident").get(), create, &replayed)
                  .ok());
  EXPECT_EQ(replayed.id(), order.id());

  auto ask = For<v1::RequestInfoRequest>(order);
  ask.set_question("几点方便？需要投影仪吗？");
  order = Ok(
      world_->dispatch()->RequestInfo(world_->As("worker").get(), ask, &order),
      order);
  // Refused (a stale version): tells nobody.
  auto stale = For<v1::RequestInfoRequest>(order);
  stale.set_expected_version(1);
  stale.set_question("再问一次");
  v1::Order refused;
  EXPECT_FALSE(world_->dispatch()
                   ->RequestInfo(world_->As("worker").get(), stale, &refused)
                   .ok());
  auto answer = For<v1::ResubmitOrderRequest>(order);
  answer.set_answer("上午九点，有投影仪");
  order = Ok(world_->orders()->ResubmitOrder(world_->As("resident").get(),
                                             answer, &order),
             order);
  auto dispatch = For<v1::DispatchOrderRequest>(order);
  dispatch.set_department_id("kexie");
  order = Ok(world_->dispatch()->DispatchOrder(world_->As("worker").get(),
                                               dispatch, &order),
             order);
  order = Ok(
      world_->claims()->ClaimOrder(world_->As("clerk").get(),
                                   For<v1::ClaimOrderRequest>(order), &order),
      order);
  auto assign = For<v1::AssignTeamRequest>(order);
  assign.set_team_id("team-a");
  assign.mutable_offer_ttl()->set_seconds(3600);
  order = Ok(
      world_->claims()->AssignTeam(world_->As("clerk").get(), assign, &order),
      order);
  order = Ok(world_->fulfilment()->AcceptOffer(
                 world_->As("leader").get(), For<v1::AcceptOfferRequest>(order),
                 &order),
             order);
  auto schedule = For<v1::ScheduleServiceRequest>(order);
  *schedule.mutable_schedule() = order.draft().preferred_windows(0);
  order = Ok(world_->fulfilment()->ScheduleService(world_->As("leader").get(),
                                                   schedule, &order),
             order);
  order =
      Ok(world_->fulfilment()->CheckIn(world_->As("leader").get(),
                                       For<v1::CheckInRequest>(order), &order),
         order);
  auto complete = For<v1::CompleteServiceRequest>(order);
  complete.set_actual_attendees(30);
  complete.set_summary("讲解常见电信诈骗手法");
  v1::HoursEntry* hours = complete.add_hours();
  hours->set_volunteer_id("vol-a1");
  hours->set_hours(1);
  hours->set_reason("没有带手机，队长代签");
  order = Ok(world_->fulfilment()->CompleteService(world_->As("leader").get(),
                                                   complete, &order),
             order);
  auto rate = For<v1::RateOrderRequest>(order);
  rate.mutable_rating()->set_overall(2);
  rate.mutable_rating()->set_punctuality(3);
  rate.mutable_rating()->set_content(2);
  rate.mutable_rating()->set_attitude(3);
  order = Ok(
      world_->orders()->RateOrder(world_->As("resident").get(), rate, &order),
      order);
  ASSERT_EQ(order.state(), v1::ORDER_STATE_RATED);
  // The rating sent twice: the second is a replay.
  v1::Order again;
  ASSERT_TRUE(world_->orders()
                  ->RateOrder(world_->As("resident").get(), rate, &again)
                  .ok());

  WaitForDelivery();
  EXPECT_THAT(
      Inbox("resident"),
      ElementsAre("order.info_requested", "order.dispatched", "order.accepted",
                  "order.scheduled", "order.completed", "order.follow_up"));
  EXPECT_THAT(Inbox("worker"), ElementsAre("order.created", "order.resubmitted",
                                           "order.follow_up"));
  EXPECT_THAT(Inbox("clerk"), ElementsAre("order.dispatched_to_department"));
  EXPECT_THAT(Inbox("leader"), ElementsAre("order.offered"));
  EXPECT_THAT(Inbox("volunteer"),
              ElementsAre("hours.recorded", "hours.approved"));
  // Nobody else hears of it.
  for (const char* other : {"worker-other", "clerk2", "leader2", "resident2"}) {
    EXPECT_THAT(Inbox(other), IsEmpty()) << other;
  }

  // What the resident reads: her order, the question, in her language.
  v1::ListNotificationsResponse raw;
  Inbox("resident", "zh-CN", &raw);
  EXPECT_EQ(raw.unread_count(), 6);
  const v1::Notification& question = raw.notifications(5);
  EXPECT_EQ(question.title(), "社区需要您补充信息");
  EXPECT_THAT(question.body(),
              ::testing::HasSubstr("几点方便？需要投影仪吗？"));
  EXPECT_EQ(question.order_id(), order.id());
  EXPECT_EQ(question.category(), v1::NOTICE_CATEGORY_MUST_ACT);
  Inbox("resident", "en", &raw);
  EXPECT_EQ(raw.notifications(5).title(), "The community has a question");
  const v1::Notification& accepted = raw.notifications(3);
  EXPECT_EQ(accepted.event(), "order.accepted");
  // The team's name and how to reach it.
  EXPECT_THAT(accepted.body(), ::testing::Not(::testing::HasSubstr("—")))
      << accepted.body();

  // Reading: one, then all.
  v1::MarkReadRequest mark;
  mark.add_notification_ids(question.id());
  v1::UnreadCount count;
  ASSERT_TRUE(world_->notifications()
                  ->MarkRead(world_->As("resident").get(), mark, &count)
                  .ok());
  EXPECT_EQ(count.unread_count(), 5);
  Inbox("resident", "zh-CN", &raw);
  // Unread first: the question read moves to the end.
  EXPECT_EQ(raw.notifications(5).id(), question.id());
  EXPECT_TRUE(raw.notifications(5).read());
  v1::MarkReadRequest all;
  all.set_all(true);
  ASSERT_TRUE(world_->notifications()
                  ->MarkRead(world_->As("resident").get(), all, &count)
                  .ok());
  EXPECT_EQ(count.unread_count(), 0);
  // Another person's ids are not hers to read.
  v1::GetUnreadCountRequest unread;
  ASSERT_TRUE(world_->notifications()
                  ->GetUnreadCount(world_->As("worker").get(), unread, &count)
                  .ok());
  EXPECT_EQ(count.unread_count(), 3);

  // By SMS, once each, the rows that send SMS by default: the resident's
  // question, acceptance, time and completion; the department's and the
  // team's. (The worker's rows are inbox only.)
  absl::StatusOr<std::vector<FakeSms>> texts = provider_->AwaitMessages(
      [](const std::vector<FakeSms>& got) { return got.size() >= 6; },
      absl::Seconds(20));
  ASSERT_TRUE(texts.ok()) << texts.status();
  std::vector<std::string> sms;
  for (const FakeSms& text : *texts) {
    sms.push_back(absl::StrCat(text.template_code, " ", text.phone));
  }
  const std::string resident = world_->account("resident").phone;
  EXPECT_THAT(
      sms, UnorderedElementsAre(
               absl::StrCat("KEPU_INFO_REQUESTED ", resident),
               absl::StrCat("KEPU_ORDER_ACCEPTED ", resident),
               absl::StrCat("KEPU_ORDER_SCHEDULED ", resident),
               absl::StrCat("KEPU_ORDER_COMPLETED ", resident),
               absl::StrCat("KEPU_ORDER_DISPATCHED ",
                            world_->account("clerk").phone),
               absl::StrCat("KEPU_OFFER ", world_->account("leader").phone)));
}

TEST_F(NotificationsTest, AWatchingResidentIsToldAtOnceWhenAskedAQuestion) {
  v1::CreateOrderRequest create;
  create.set_request_id(world_->NextRequestId());
  *create.mutable_draft() = World::Draft();
  v1::Order order;
  order = Ok(world_->orders()->CreateOrder(world_->As("resident").get(), create,
                                           &order),
             order);
  // The resident's phone watches her inbox (the order's creation told the
  // worker, not her: nothing arrives for it).
  auto context = world_->As("resident");
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(20));
  v1::WatchNotificationsRequest watch;
  watch.set_language("zh-CN");
  auto reader =
      world_->notifications()->WatchNotifications(context.get(), watch);
  // The watch is open once its initial metadata arrives.
  reader->WaitForInitialMetadata();
  ASSERT_EQ(context->GetServerInitialMetadata().count("x-kepu-watch"), 1u);

  auto ask = For<v1::RequestInfoRequest>(order);
  ask.set_question("请问活动室有多大？");
  order = Ok(
      world_->dispatch()->RequestInfo(world_->As("worker").get(), ask, &order),
      order);
  v1::Notification arrived;
  ASSERT_TRUE(reader->Read(&arrived)) << Describe(reader->Finish());
  EXPECT_EQ(arrived.event(), "order.info_requested");
  EXPECT_EQ(arrived.order_id(), order.id());
  EXPECT_EQ(arrived.title(), "社区需要您补充信息");
  EXPECT_THAT(arrived.body(), ::testing::HasSubstr("请问活动室有多大？"));
  EXPECT_FALSE(arrived.read());
  context->TryCancel();
}

TEST_F(NotificationsTest, BadRequestsAreRefusedNamingTheField) {
  v1::MarkReadRequest neither;
  v1::UnreadCount count;
  grpc::Status status = world_->notifications()->MarkRead(
      world_->As("resident").get(), neither, &count);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith("notification_ids"));
  v1::UpdatePreferencesRequest prefs;
  prefs.set_request_id(world_->NextRequestId());
  prefs.mutable_preferences()->set_quiet_start("25:00");
  prefs.mutable_preferences()->set_quiet_end("08:00");
  v1::NotificationPreferences out;
  status = world_->notifications()->UpdatePreferences(
      world_->As("resident").get(), prefs, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              ::testing::StartsWith("preferences.quiet_start"));
  // A good one, then a stale one.
  prefs.mutable_preferences()->set_quiet_start("22:00");
  ASSERT_TRUE(world_->notifications()
                  ->UpdatePreferences(world_->As("resident").get(), prefs, &out)
                  .ok());
  EXPECT_EQ(out.version(), 1);
  prefs.set_request_id(world_->NextRequestId());
  status = world_->notifications()->UpdatePreferences(
      world_->As("resident").get(), prefs, &out);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ABORTED);
  v1::ListNotificationsRequest anonymous;
  v1::ListNotificationsResponse list;
  grpc::ClientContext context;
  status =
      world_->notifications()->ListNotifications(&context, anonymous, &list);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED);
}

// A delivery worker frozen while Redis hands it entries, then killed: another
// worker takes its entries over, and each person is told once.
TEST_F(NotificationsTest, AKilledWorkersEntriesAreTakenOverAndDeliveredOnce) {
  // The world's kepud serves the calls and delivers nothing; worker A
  // delivers, then freezes with entries handed to it.
  world_.reset();
  auto world = World::Start(
      1,
      {"--notify_workers=0",
       absl::StrCat("--sms_endpoint=", provider_->sms_url())},
      {absl::StrCat("KEPU_SMS_API_KEY=", provider_->options().api_key)});
  ASSERT_TRUE(world.ok()) << world.status();
  world_ = std::move(*world);
  NoQuietHours("resident");
  KepudOptions worker_options;
  worker_options.flags = {
      "--matching=false", "--watchdog=false", "--notify_claim_idle=1s",
      absl::StrCat("--sms_endpoint=", provider_->sms_url())};
  worker_options.env = {
      absl::StrCat("KEPU_SMS_API_KEY=", provider_->options().api_key)};
  auto a = KepudProcess::Start(KEPUD_PATH, world_->redis(), worker_options);
  ASSERT_TRUE(a.ok()) << a.status();
  // Freeze A while its worker waits in XREADGROUP (Redis then hands new
  // entries to it, though it runs no more).
  auto blocked_in_read = [&]() {
    absl::StatusOr<RedisReply> clients =
        world_->client().Command({"CLIENT", "LIST"});
    return clients.ok() && absl::StrContains(clients->Str(), "cmd=xreadgroup");
  };
  bool frozen_in_read = false;
  for (int tries = 0; tries < 200 && !frozen_in_read; ++tries) {
    (*a)->process().Signal(SIGSTOP);
    if (blocked_in_read()) {
      frozen_in_read = true;
    } else {
      (*a)->process().Signal(SIGCONT);
      absl::SleepFor(absl::Milliseconds(10));
    }
  }
  ASSERT_TRUE(frozen_in_read) << "worker A was never caught in XREADGROUP";

  constexpr int kOrders = 5;
  std::vector<std::string> ids;
  for (int i = 0; i < kOrders; ++i) {
    v1::CreateOrderRequest create;
    create.set_request_id(world_->NextRequestId());
    *create.mutable_draft() = World::Draft();
    v1::Order order;
    order = Ok(world_->orders()->CreateOrder(world_->As("resident").get(),
                                             create, &order),
               order);
    auto ask = For<v1::RequestInfoRequest>(order);
    ask.set_question(absl::StrCat("第 ", i + 1, " 个问题"));
    order = Ok(world_->dispatch()->RequestInfo(world_->As("worker").get(), ask,
                                               &order),
               order);
    ids.push_back(order.id());
  }
  // A holds entries it will never deliver.
  absl::StatusOr<RedisReply> pending = world_->client().Command(
      {"XPENDING", "kepu:{jining}:outbox", "delivery"});
  ASSERT_TRUE(pending.ok());
  ASSERT_GT((*pending)[0].Integer(), 0) << "nothing was handed to worker A";
  (*a)->process().Signal(SIGKILL);
  ASSERT_TRUE((*a)->process().Wait(absl::Seconds(10)).ok());

  // Worker B takes over.
  auto b = KepudProcess::Start(KEPUD_PATH, world_->redis(), worker_options);
  ASSERT_TRUE(b.ok()) << b.status();
  WaitForDelivery();
  EXPECT_EQ(Inbox("worker").size(), static_cast<size_t>(kOrders));
  EXPECT_EQ(Inbox("resident").size(), static_cast<size_t>(kOrders));
  absl::StatusOr<std::vector<FakeSms>> texts = provider_->AwaitMessages(
      [](const std::vector<FakeSms>& got) { return got.size() >= kOrders; },
      absl::Seconds(20));
  ASSERT_TRUE(texts.ok()) << texts.status();
  std::set<std::string> keys;
  for (const FakeSms& text : *texts) keys.insert(text.out_id);
  EXPECT_EQ(texts->size(), static_cast<size_t>(kOrders));
  EXPECT_EQ(keys.size(), static_cast<size_t>(kOrders));
}

// The outbox survives a Redis restart: what was written before is delivered
// after.
TEST_F(NotificationsTest, NothingIsLostWhenRedisRestarts) {
  world_.reset();
  auto world = World::Start(1, {"--notify_workers=0"});
  ASSERT_TRUE(world.ok()) << world.status();
  world_ = std::move(*world);
  v1::CreateOrderRequest create;
  create.set_request_id(world_->NextRequestId());
  *create.mutable_draft() = World::Draft();
  v1::Order order;
  order = Ok(world_->orders()->CreateOrder(world_->As("resident").get(), create,
                                           &order),
             order);
  ASSERT_TRUE(world_->redis().Kill().ok());
  ASSERT_TRUE(world_->redis().Restart().ok());
  KepudOptions worker_options;
  worker_options.flags = {"--matching=false", "--watchdog=false"};
  auto worker =
      KepudProcess::Start(KEPUD_PATH, world_->redis(), worker_options);
  ASSERT_TRUE(worker.ok()) << worker.status();
  WaitForDelivery();
  EXPECT_THAT(Inbox("worker"), ElementsAre("order.created"));
}

}  // namespace
}  // namespace kepu::testing
