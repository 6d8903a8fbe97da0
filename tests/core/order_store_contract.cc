// The OrderStore contract (see order_store_contract.h): each test states one
// promise of services/core/order_store.h and checks it through the interface
// alone, so it holds the same for every implementation.
#include "tests/core/order_store_contract.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "services/core/time_util.h"

namespace kepu::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;
using ::testing::StartsWith;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 12, 1, 9, 0, 0),
                                       absl::UTCTimeZone());

RequestKey Request(const std::string& request_id,
                   const std::string& content = "") {
  return {"actor", request_id,
          ContractFingerprint(absl::StrCat(request_id, "/", content))};
}

v1::Order NewOrder(const std::string& id, absl::Time created = kT0,
                   const std::string& community = "c1",
                   const std::string& line = "line-a",
                   const std::string& resident = "r1") {
  v1::Order order;
  order.set_id(id);
  order.set_version(1);
  order.set_state(v1::ORDER_STATE_SUBMITTED);
  order.mutable_draft()->set_community_id(community);
  order.mutable_draft()->set_service_line_id(line);
  order.set_resident_id(resident);
  *order.mutable_created_at() = ToProto(created);
  *order.mutable_state_entered_at() = ToProto(created);
  return order;
}

Transition Create(const v1::Order& order, const std::string& request_id) {
  Transition transition;
  transition.request = Request(request_id, order.id());
  transition.after = order;
  transition.event.set_order_id(order.id());
  transition.event.set_version(order.version());
  transition.event.set_action(v1::ORDER_ACTION_CREATE);
  return transition;
}

// A move of `before` to `state` at `at`, changed further by `change`.
Transition Move(const v1::Order& before, v1::OrderState state, absl::Time at,
                const std::string& request_id,
                const std::function<void(v1::Order&)>& change = nullptr) {
  Transition transition;
  transition.request = Request(request_id, before.id());
  transition.before = before;
  v1::Order& after = transition.after;
  after = before;
  after.set_version(before.version() + 1);
  if (after.state() != state) {
    after.set_state(state);
    *after.mutable_state_entered_at() = ToProto(at);
  }
  *after.mutable_updated_at() = ToProto(at);
  if (change) change(after);
  transition.event.set_order_id(before.id());
  transition.event.set_version(after.version());
  return transition;
}

std::vector<std::string> Ids(const std::vector<v1::Order>& orders) {
  std::vector<std::string> ids;
  for (const v1::Order& order : orders) ids.push_back(order.id());
  return ids;
}

// Applies `transition`, which must succeed.
Applied MustApply(OrderStore& store, const Transition& transition) {
  absl::StatusOr<Applied> applied = store.Apply(transition);
  EXPECT_TRUE(applied.ok()) << applied.status();
  return applied.value_or(Applied{});
}

size_t HistoryLength(OrderStore& store, const std::string& id) {
  absl::StatusOr<std::vector<v1::OrderEvent>> events =
      store.History(id, "", 100);
  EXPECT_TRUE(events.ok()) << events.status();
  return events.ok() ? events->size() : 0;
}

TEST_P(OrderStoreContract, ACreatedOrderIsReadBackWithItsFirstEvent) {
  const v1::Order order = NewOrder("o1");
  const Applied applied = MustApply(store(), Create(order, "req-1"));
  EXPECT_FALSE(applied.replayed);
  EXPECT_FALSE(applied.event_id.empty());
  EXPECT_EQ(applied.order.id(), "o1");
  absl::StatusOr<v1::Order> read = store().Get("o1");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->SerializeAsString(), order.SerializeAsString());
  absl::StatusOr<std::vector<v1::OrderEvent>> events =
      store().History("o1", "", 100);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].event_id(), applied.event_id);
  EXPECT_EQ((*events)[0].action(), v1::ORDER_ACTION_CREATE);
}

TEST_P(OrderStoreContract, AnUnknownOrderIsNotFoundAndHasNoHistory) {
  EXPECT_EQ(store().Get("nope").status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<std::vector<v1::OrderEvent>> events =
      store().History("nope", "", 100);
  ASSERT_TRUE(events.ok());
  EXPECT_THAT(*events, IsEmpty());
  absl::StatusOr<LoadedOrder> loaded =
      store().LoadForUpdate("nope", Request("r"));
  ASSERT_TRUE(loaded.ok());
  EXPECT_FALSE(loaded->current.has_value());
  EXPECT_FALSE(loaded->replay.has_value());
}

TEST_P(OrderStoreContract,
       ARetriedRequestAnswersItsFirstResultAndWritesNothing) {
  const v1::Order order = NewOrder("o1");
  const Applied first = MustApply(store(), Create(order, "req-1"));
  const Applied again = MustApply(store(), Create(order, "req-1"));
  EXPECT_TRUE(again.replayed);
  EXPECT_TRUE(again.event_id.empty());
  EXPECT_EQ(again.order.SerializeAsString(), first.order.SerializeAsString());
  EXPECT_EQ(HistoryLength(store(), "o1"), 1u);

  const Transition dispatch = Move(first.order, v1::ORDER_STATE_DISPATCHED,
                                   kT0 + absl::Minutes(5), "req-2");
  const Applied moved = MustApply(store(), dispatch);
  // The order moves on; the same request again still answers what it did.
  MustApply(store(), Move(moved.order, v1::ORDER_STATE_CLAIMED,
                          kT0 + absl::Minutes(6), "req-3"));
  const Applied replayed = MustApply(store(), dispatch);
  EXPECT_TRUE(replayed.replayed);
  EXPECT_EQ(replayed.order.version(), 2);
  EXPECT_EQ(replayed.order.state(), v1::ORDER_STATE_DISPATCHED);
  EXPECT_EQ(HistoryLength(store(), "o1"), 3u);
  absl::StatusOr<v1::Order> now = store().Get("o1");
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->version(), 3);

  // LoadForUpdate reads the replay and the order together.
  absl::StatusOr<LoadedOrder> loaded =
      store().LoadForUpdate("o1", dispatch.request);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  ASSERT_TRUE(loaded->replay.has_value());
  EXPECT_EQ(loaded->replay->version(), 2);
  ASSERT_TRUE(loaded->current.has_value());
  EXPECT_EQ(loaded->current->version(), 3);
}

TEST_P(OrderStoreContract, ARequestIdUsedForOtherContentIsRefused) {
  const Applied first = MustApply(store(), Create(NewOrder("o1"), "req-1"));
  Transition other = Move(first.order, v1::ORDER_STATE_DISPATCHED,
                          kT0 + absl::Minutes(1), "req-1");
  other.request.fingerprint = ContractFingerprint("something else");
  absl::StatusOr<Applied> refused = store().Apply(other);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(refused.status().message()),
              StartsWith("request_id"));
  EXPECT_EQ(store().LoadForUpdate("o1", other.request).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HistoryLength(store(), "o1"), 1u);
}

TEST_P(OrderStoreContract, RefusedMovesSayWhyAndWriteNothing) {
  const Applied first = MustApply(store(), Create(NewOrder("o1"), "req-1"));
  // Create of an id that exists.
  EXPECT_EQ(store().Apply(Create(NewOrder("o1"), "req-2")).status().code(),
            absl::StatusCode::kAlreadyExists);
  // A move of an order that does not exist.
  v1::Order ghost = NewOrder("ghost");
  EXPECT_EQ(store()
                .Apply(Move(ghost, v1::ORDER_STATE_DISPATCHED, kT0, "req-3"))
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // A stale version.
  v1::Order stale = first.order;
  stale.set_version(7);
  EXPECT_EQ(store()
                .Apply(Move(stale, v1::ORDER_STATE_DISPATCHED, kT0, "req-4"))
                .status()
                .code(),
            absl::StatusCode::kAborted);
  // Not in the state the move starts from.
  v1::Order wrong_state = first.order;
  wrong_state.set_state(v1::ORDER_STATE_CLAIMED);
  EXPECT_EQ(store()
                .Apply(Move(wrong_state, v1::ORDER_STATE_OFFERED, kT0, "req-5"))
                .status()
                .code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(HistoryLength(store(), "o1"), 1u);
  EXPECT_EQ(store().Get("o1")->SerializeAsString(),
            first.order.SerializeAsString());
  // A refused request is not remembered: it can be sent again.
  EXPECT_FALSE(store().FindResult(Request("req-4", "o1"))->has_value());
}

// A notice for the outbox, addressed to `scope`.
v1::Notice NoticeFor(const std::string& event, const std::string& scope) {
  v1::Notice notice;
  notice.set_event(event);
  notice.set_recipient_role(v1::ROLE_RESIDENT);
  notice.set_recipient_scope(scope);
  (*notice.mutable_vars())["reason"] = "几点方便？";
  return notice;
}

std::vector<std::string> OutboxEvents(OrderStore& store) {
  absl::StatusOr<std::vector<OutboxEntry>> entries = store.Outbox("", 1000);
  EXPECT_TRUE(entries.ok()) << entries.status();
  std::vector<std::string> events;
  for (const OutboxEntry& entry :
       entries.value_or(std::vector<OutboxEntry>{})) {
    for (const v1::Notice& notice : entry.batch.notices()) {
      events.push_back(absl::StrCat(entry.order_id, " ", notice.event(), " ",
                                    notice.recipient_scope()));
    }
  }
  return events;
}

TEST_P(OrderStoreContract, OnlyAnAppliedMoveWritesItsNoticesToTheOutbox) {
  Transition create = Create(NewOrder("o1"), "req-1");
  create.notices = {NoticeFor("order.created", "c1")};
  const Applied first = MustApply(store(), create);
  // Replayed: the first result, and nothing more in the outbox.
  ASSERT_TRUE(store().Apply(create).ok());
  EXPECT_TRUE(store().Apply(create)->replayed);
  // Refused (a stale version): nothing.
  v1::Order stale = first.order;
  stale.set_version(7);
  Transition refused = Move(stale, v1::ORDER_STATE_NEEDS_INFO, kT0, "req-2");
  refused.notices = {NoticeFor("order.info_requested", "r1")};
  EXPECT_FALSE(store().Apply(refused).ok());
  // A move without notices: nothing either.
  const Applied edited =
      MustApply(store(), Move(first.order, v1::ORDER_STATE_SUBMITTED,
                              kT0 + absl::Minutes(1), "req-3"));
  Transition asked = Move(edited.order, v1::ORDER_STATE_NEEDS_INFO,
                          kT0 + absl::Minutes(2), "req-4");
  asked.notices = {NoticeFor("order.info_requested", "r1"),
                   NoticeFor("order.info_requested", "r2")};
  MustApply(store(), asked);
  EXPECT_THAT(OutboxEvents(store()),
              ElementsAre("o1 order.created c1", "o1 order.info_requested r1",
                          "o1 order.info_requested r2"));
  // The entries come back whole and in order, and resume after an id.
  absl::StatusOr<std::vector<OutboxEntry>> entries = store().Outbox("", 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ(entries->at(1).batch.notices(0).vars().at("reason"), "几点方便？");
  absl::StatusOr<std::vector<OutboxEntry>> rest =
      store().Outbox(entries->at(0).id, 10);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 1u);
  EXPECT_EQ(rest->at(0).id, entries->at(1).id);
  EXPECT_EQ(store().Outbox("", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(OrderStoreContract, HistoryIsOldestFirstAndResumesAfterAnEvent) {
  Applied applied = MustApply(store(), Create(NewOrder("o1"), "req-1"));
  applied = MustApply(store(), Move(applied.order, v1::ORDER_STATE_DISPATCHED,
                                    kT0 + absl::Minutes(1), "req-2"));
  MustApply(store(), Move(applied.order, v1::ORDER_STATE_CLAIMED,
                          kT0 + absl::Minutes(2), "req-3"));
  absl::StatusOr<std::vector<v1::OrderEvent>> all =
      store().History("o1", "", 100);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ((*all)[i].version(), i + 1);
  absl::StatusOr<std::vector<v1::OrderEvent>> rest =
      store().History("o1", (*all)[0].event_id(), 100);
  ASSERT_TRUE(rest.ok());
  ASSERT_EQ(rest->size(), 2u);
  EXPECT_EQ((*rest)[0].event_id(), (*all)[1].event_id());
  absl::StatusOr<std::vector<v1::OrderEvent>> one =
      store().History("o1", "", 1);
  ASSERT_TRUE(one.ok());
  ASSERT_EQ(one->size(), 1u);
  EXPECT_EQ((*one)[0].version(), 1);
}

TEST_P(OrderStoreContract, AnIndexListsItsOrdersByTimeInStateAndPages) {
  // Five orders of c1 entering SUBMITTED at T0+5m, +4m, ... (out of id order),
  // one of them dispatched.
  std::vector<v1::Order> orders;
  for (int i = 0; i < 5; ++i) {
    orders.push_back(
        MustApply(store(), Create(NewOrder(absl::StrCat("o", i),
                                           kT0 + absl::Minutes(5 - i)),
                                  absl::StrCat("c-", i)))
            .order);
  }
  MustApply(store(),
            Move(orders[2], v1::ORDER_STATE_DISPATCHED, kT0 + absl::Minutes(9),
                 "d-2", [](v1::Order& o) { o.set_department_id("kexie"); }));
  MustApply(store(), Create(NewOrder("elsewhere", kT0, "c2"), "c-x"));

  OrderQuery query;
  query.index = OrderIndex::kCommunity;
  query.scope_id = "c1";
  query.states = {v1::ORDER_STATE_SUBMITTED};
  query.limit = 100;
  absl::StatusOr<OrderPage> all = store().List(query);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Ids(all->orders), ElementsAre("o4", "o3", "o1", "o0"));
  EXPECT_EQ(all->total, 4);
  EXPECT_TRUE(all->next_cursor.empty());

  query.newest_first = true;
  EXPECT_THAT(Ids(store().List(query)->orders),
              ElementsAre("o0", "o1", "o3", "o4"));

  // Pages of two, resumed by their cursors, make the whole list.
  query.limit = 2;
  std::vector<std::string> paged;
  for (int pages = 0; pages < 5; ++pages) {
    absl::StatusOr<OrderPage> page = store().List(query);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_EQ(page->total, 4);
    for (const std::string& id : Ids(page->orders)) paged.push_back(id);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  EXPECT_THAT(paged, ElementsAre("o0", "o1", "o3", "o4"));

  // Several states at once; the department's index.
  query = OrderQuery();
  query.index = OrderIndex::kCommunity;
  query.scope_id = "c1";
  query.states = {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_SUBMITTED};
  query.limit = 100;
  EXPECT_THAT(Ids(store().List(query)->orders),
              ElementsAre("o4", "o3", "o1", "o0", "o2"));
  query.index = OrderIndex::kDepartment;
  query.scope_id = "kexie";
  EXPECT_THAT(Ids(store().List(query)->orders), ElementsAre("o2"));
}

TEST_P(OrderStoreContract, AnOrderIsListedByEveryDepartmentAndTeamItWaitsFor) {
  Applied applied = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  applied =
      MustApply(store(), Move(applied.order, v1::ORDER_STATE_DISPATCHED, kT0,
                              "d-1", [](v1::Order& o) {
                                o.set_department_id("kexie");
                                o.add_dispatched_department_ids("kexie");
                                o.add_dispatched_department_ids("minzheng");
                              }));
  OrderQuery query;
  query.index = OrderIndex::kDepartment;
  query.states = {v1::ORDER_STATE_DISPATCHED};
  for (const char* department : {"kexie", "minzheng"}) {
    query.scope_id = department;
    EXPECT_THAT(Ids(store().List(query)->orders), ElementsAre("o1"))
        << department;
  }
  // Claimed by minzheng: kexie's index no longer has it.
  applied =
      MustApply(store(), Move(applied.order, v1::ORDER_STATE_CLAIMED,
                              kT0 + absl::Minutes(1), "cl-1", [](v1::Order& o) {
                                o.set_department_id("minzheng");
                                o.clear_dispatched_department_ids();
                              }));
  query.states = {v1::ORDER_STATE_DISPATCHED, v1::ORDER_STATE_CLAIMED};
  query.scope_id = "kexie";
  EXPECT_THAT(store().List(query)->orders, IsEmpty());
  query.scope_id = "minzheng";
  EXPECT_THAT(Ids(store().List(query)->orders), ElementsAre("o1"));
  // Offered to two teams.
  MustApply(store(), Move(applied.order, v1::ORDER_STATE_OFFERED,
                          kT0 + absl::Minutes(2), "of-1", [](v1::Order& o) {
                            o.set_team_id("t1");
                            o.add_offered_team_ids("t1");
                            o.add_offered_team_ids("t2");
                          }));
  query.index = OrderIndex::kTeam;
  query.states = {v1::ORDER_STATE_OFFERED};
  for (const char* team : {"t1", "t2"}) {
    query.scope_id = team;
    EXPECT_THAT(Ids(store().List(query)->orders), ElementsAre("o1")) << team;
  }
}

TEST_P(OrderStoreContract, AResidentsOrdersAreListedByCreationAndFiltered) {
  for (int i = 0; i < 3; ++i) {
    MustApply(store(),
              Create(NewOrder(absl::StrCat("o", i), kT0 + absl::Minutes(i),
                              "c1", "line-a", "me"),
                     absl::StrCat("c-", i)));
  }
  MustApply(store(),
            Create(NewOrder("theirs", kT0, "c1", "line-a", "them"), "c-t"));
  const Applied moved =
      MustApply(store(), Move(*store().Get("o1"), v1::ORDER_STATE_CANCELLED,
                              kT0 + absl::Hours(1), "x-1"));
  ASSERT_EQ(moved.order.state(), v1::ORDER_STATE_CANCELLED);
  OrderQuery query;
  query.index = OrderIndex::kResident;
  query.scope_id = "me";
  query.newest_first = true;
  query.limit = 100;
  absl::StatusOr<OrderPage> page = store().List(query);
  ASSERT_TRUE(page.ok()) << page.status();
  EXPECT_THAT(Ids(page->orders), ElementsAre("o2", "o1", "o0"));
  EXPECT_EQ(page->total, 3);
  query.states = {v1::ORDER_STATE_SUBMITTED};
  page = store().List(query);
  ASSERT_TRUE(page.ok());
  EXPECT_THAT(Ids(page->orders), ElementsAre("o2", "o0"));
  query.limit = 1;
  std::vector<std::string> paged;
  for (int pages = 0; pages < 5; ++pages) {
    page = store().List(query);
    ASSERT_TRUE(page.ok());
    for (const std::string& id : Ids(page->orders)) paged.push_back(id);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  EXPECT_THAT(paged, ElementsAre("o2", "o0"));
}

TEST_P(OrderStoreContract, ListsRefuseBadPagesNamingTheField) {
  OrderQuery query;
  query.index = OrderIndex::kCommunity;
  query.scope_id = "c1";
  query.states = {v1::ORDER_STATE_SUBMITTED};
  for (int limit : {0, 101}) {
    query.limit = limit;
    absl::Status status = store().List(query).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(status.message()), StartsWith("page.page_size"));
  }
  query.limit = 10;
  query.cursor = "not a cursor";
  absl::Status status = store().List(query).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()), StartsWith("page.page_token"));
  query.cursor.clear();
  query.states.clear();
  EXPECT_EQ(store().List(query).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(OrderStoreContract, ANewOrderFindsTheOpenOrdersOfItsLineAndCommunity) {
  const absl::Time since = kT0;
  MustApply(store(),
            Create(NewOrder("before-window", kT0 - absl::Hours(1)), "c-0"));
  MustApply(store(),
            Create(NewOrder("same-late", kT0 + absl::Hours(3)), "c-1"));
  MustApply(store(),
            Create(NewOrder("same-early", kT0 + absl::Hours(1)), "c-2"));
  MustApply(store(),
            Create(NewOrder("other-line", kT0 + absl::Hours(1), "c1", "line-b"),
                   "c-3"));
  MustApply(
      store(),
      Create(NewOrder("other-community", kT0 + absl::Hours(1), "c2"), "c-4"));
  const Applied cancelled = MustApply(
      store(), Create(NewOrder("cancelled", kT0 + absl::Hours(2)), "c-5"));
  MustApply(store(), Move(cancelled.order, v1::ORDER_STATE_CANCELLED,
                          kT0 + absl::Hours(2), "x-5"));
  const Applied completed = MustApply(
      store(), Create(NewOrder("completed", kT0 + absl::Hours(2)), "c-6"));
  MustApply(store(), Move(completed.order, v1::ORDER_STATE_COMPLETED,
                          kT0 + absl::Hours(2), "x-6"));

  Transition create = Create(NewOrder("new", kT0 + absl::Hours(4)), "c-new");
  create.duplicates_since = since;
  const Applied applied = MustApply(store(), create);
  EXPECT_THAT(applied.order.possible_duplicate_ids(),
              ElementsAre("same-early", "same-late"));
  EXPECT_THAT(store().Get("new")->possible_duplicate_ids(),
              ElementsAre("same-early", "same-late"));
  // Without a search, none are noted.
  const Applied plain = MustApply(
      store(), Create(NewOrder("plain", kT0 + absl::Hours(5)), "c-p"));
  EXPECT_THAT(plain.order.possible_duplicate_ids(), IsEmpty());
}

TEST_P(OrderStoreContract, TheCapacityGuardCountsWhatTheTeamHolds) {
  auto held_by = [&](const std::string& id, v1::OrderState state,
                     std::vector<std::string> teams) {
    const Applied created = MustApply(store(), Create(NewOrder(id), "c-" + id));
    MustApply(store(), Move(created.order, state, kT0 + absl::Minutes(1),
                            "m-" + id, [&](v1::Order& o) {
                              o.set_team_id(teams.front());
                              if (state == v1::ORDER_STATE_OFFERED) {
                                for (const std::string& team : teams) {
                                  o.add_offered_team_ids(team);
                                }
                              }
                            }));
  };
  held_by("accepted", v1::ORDER_STATE_ACCEPTED, {"t1"});
  held_by("in-service", v1::ORDER_STATE_IN_SERVICE, {"t1"});
  held_by("offered", v1::ORDER_STATE_OFFERED, {"t2", "t1"});
  held_by("elsewhere", v1::ORDER_STATE_ACCEPTED, {"t2"});

  const Applied next = MustApply(store(), Create(NewOrder("next"), "c-next"));
  auto accept = [&](int limit, bool count_offered, const std::string& request) {
    Transition move =
        Move(next.order, v1::ORDER_STATE_ACCEPTED, kT0 + absl::Minutes(2),
             request, [](v1::Order& o) { o.set_team_id("t1"); });
    move.capacity = Transition::CapacityGuard{"t1", limit, count_offered};
    return store().Apply(move);
  };
  // t1 holds two (accepted, in service), and is offered one more.
  absl::StatusOr<Applied> full = accept(2, false, "a-1");
  EXPECT_EQ(full.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(std::string(full.status().message()), ::testing::HasSubstr("t1"));
  EXPECT_EQ(accept(3, true, "a-2").status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(store().Get("next")->version(), 1);
  EXPECT_TRUE(accept(3, false, "a-3").ok());
}

TEST_P(OrderStoreContract, RecordsAreWrittenWithTheMoveAndListedNewestFirst) {
  const Applied created = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  Transition complete =
      Move(created.order, v1::ORDER_STATE_COMPLETED, kT0 + absl::Hours(1),
           "done-1", [](v1::Order& o) { o.set_team_id("t1"); });
  for (int i = 0; i < 3; ++i) {
    v1::VolunteerHours hours;
    hours.set_id(absl::StrCat("o1-h", i));
    hours.set_order_id("o1");
    hours.set_team_id("t1");
    hours.set_volunteer_id(i < 2 ? "v1" : "v2");
    hours.set_hours(1.5 + i);
    *hours.mutable_recorded_at() = ToProto(kT0 + absl::Minutes(i));
    complete.hours.push_back(hours);
  }
  v1::FollowUp follow_up;
  follow_up.set_id("o1-f2");
  follow_up.set_order_id("o1");
  follow_up.set_community_id("c1");
  follow_up.set_version(1);
  *follow_up.mutable_created_at() = ToProto(kT0);
  complete.follow_up = follow_up;
  v1::Escalation escalation;
  escalation.set_id("o1-e2");
  escalation.set_order_id("o1");
  escalation.set_community_id("c1");
  escalation.set_county_id("county-1");
  escalation.set_version(1);
  *escalation.mutable_escalated_at() = ToProto(kT0);
  complete.escalation = escalation;
  MustApply(store(), complete);

  EXPECT_EQ(store().GetHours("o1-h1")->hours(), 2.5);
  EXPECT_EQ(store().GetHours("missing").status().code(),
            absl::StatusCode::kNotFound);
  auto hours_ids = [&](HoursQuery query) {
    std::vector<std::string> ids;
    absl::StatusOr<HoursPage> page = store().ListHours(query);
    EXPECT_TRUE(page.ok()) << page.status();
    if (!page.ok()) return ids;
    for (const v1::VolunteerHours& hours : page->hours)
      ids.push_back(hours.id());
    return ids;
  };
  HoursQuery by_volunteer;
  by_volunteer.volunteer_id = "v1";
  EXPECT_THAT(hours_ids(by_volunteer), ElementsAre("o1-h1", "o1-h0"));
  HoursQuery by_team;
  by_team.team_id = "t1";
  EXPECT_THAT(hours_ids(by_team), ElementsAre("o1-h2", "o1-h1", "o1-h0"));
  HoursQuery by_order;
  by_order.order_id = "o1";
  by_order.limit = 2;
  absl::StatusOr<HoursPage> first_page = store().ListHours(by_order);
  ASSERT_TRUE(first_page.ok());
  ASSERT_EQ(first_page->hours.size(), 2u);
  ASSERT_FALSE(first_page->next_cursor.empty());
  by_order.cursor = first_page->next_cursor;
  EXPECT_THAT(hours_ids(by_order), ElementsAre("o1-h0"));

  absl::StatusOr<FollowUpPage> follow_ups =
      store().ListFollowUps("c1", false, 10, "");
  ASSERT_TRUE(follow_ups.ok());
  ASSERT_EQ(follow_ups->follow_ups.size(), 1u);
  EXPECT_EQ(follow_ups->follow_ups[0].id(), "o1-f2");
  EXPECT_THAT(store().ListFollowUps("c2", false, 10, "")->follow_ups,
              IsEmpty());

  for (const auto& [scope, id] :
       std::vector<std::pair<EscalationQuery::Scope, std::string>>{
           {EscalationQuery::Scope::kCity, ""},
           {EscalationQuery::Scope::kCounty, "county-1"},
           {EscalationQuery::Scope::kCommunity, "c1"}}) {
    EscalationQuery query;
    query.scope = scope;
    query.scope_id = id;
    absl::StatusOr<EscalationPage> page = store().ListEscalations(query);
    ASSERT_TRUE(page.ok());
    ASSERT_EQ(page->escalations.size(), 1u) << id;
    EXPECT_EQ(page->escalations[0].id(), "o1-e2");
  }
  EscalationQuery other;
  other.scope = EscalationQuery::Scope::kCounty;
  other.scope_id = "county-2";
  EXPECT_THAT(store().ListEscalations(other)->escalations, IsEmpty());
}

TEST_P(OrderStoreContract, ACorrectionAppendsAndSupersedesAtomically) {
  const Applied created = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  Transition complete =
      Move(created.order, v1::ORDER_STATE_COMPLETED, kT0 + absl::Hours(1),
           "done-1", [](v1::Order& o) { o.set_team_id("t1"); });
  v1::VolunteerHours original;
  original.set_id("o1-h1");
  original.set_order_id("o1");
  original.set_team_id("t1");
  original.set_volunteer_id("v1");
  original.set_hours(2);
  original.set_status(v1::VolunteerHours::STATUS_PENDING);
  *original.mutable_recorded_at() = ToProto(kT0);
  complete.hours.push_back(original);
  MustApply(store(), complete);

  v1::VolunteerHours entry = original;
  entry.set_id("o1-c1");
  entry.set_hours(1);
  entry.set_corrects_hours_id("o1-h1");
  entry.set_reason("arrived late");
  *entry.mutable_recorded_at() = ToProto(kT0 + absl::Minutes(5));
  v1::VolunteerHours superseded = original;
  superseded.set_superseded_by_id("o1-c1");

  // Refused when the corrected entry changed meanwhile: nothing written.
  v1::VolunteerHours stale = original;
  stale.set_hours(3);
  EXPECT_EQ(store()
                .AppendHours(Request("fix-0"), stale, superseded, entry)
                .status()
                .code(),
            absl::StatusCode::kAborted);
  EXPECT_EQ(store().GetHours("o1-c1").status().code(),
            absl::StatusCode::kNotFound);

  absl::StatusOr<v1::VolunteerHours> appended =
      store().AppendHours(Request("fix-1"), original, superseded, entry);
  ASSERT_TRUE(appended.ok()) << appended.status();
  EXPECT_EQ(appended->SerializeAsString(), entry.SerializeAsString());
  EXPECT_EQ(store().GetHours("o1-h1")->SerializeAsString(),
            superseded.SerializeAsString());
  EXPECT_EQ(store().GetHours("o1-c1")->SerializeAsString(),
            entry.SerializeAsString());
  for (HoursQuery query :
       {HoursQuery{"v1", "", "", 20, ""}, HoursQuery{"", "t1", "", 20, ""},
        HoursQuery{"", "", "o1", 20, ""}}) {
    absl::StatusOr<HoursPage> page = store().ListHours(query);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_EQ(page->hours.size(), 2u);
    EXPECT_EQ(page->hours[0].id(), "o1-c1");  // newest first
  }
  // A retry answers the first result even though the original moved on; the
  // request id with other content is refused.
  absl::StatusOr<v1::VolunteerHours> replay =
      store().AppendHours(Request("fix-1"), original, superseded, entry);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_EQ(replay->SerializeAsString(), entry.SerializeAsString());
  v1::VolunteerHours other = entry;
  other.set_hours(1.5);
  EXPECT_EQ(
      store()
          .AppendHours(Request("fix-1", "other"), original, superseded, other)
          .status()
          .code(),
      absl::StatusCode::kInvalidArgument);
}

TEST_P(OrderStoreContract, SignInsAreOnePerVolunteerAndCompareAndSet) {
  EXPECT_THAT(*store().ListSignIns("o1"), IsEmpty());
  v1::VolunteerSignIn in;
  in.set_order_id("o1");
  in.set_volunteer_id("v2");
  in.set_team_id("t1");
  in.set_user_id("u2");
  *in.mutable_signed_in_at() = ToProto(kT0);
  in.set_version(1);
  absl::StatusOr<v1::VolunteerSignIn> written =
      store().PutSignIn(Request("in-1"), std::nullopt, in);
  ASSERT_TRUE(written.ok()) << written.status();
  EXPECT_EQ(written->SerializeAsString(), in.SerializeAsString());
  // A second first sign-in of the same volunteer is refused; a retry is not.
  EXPECT_EQ(
      store().PutSignIn(Request("in-2"), std::nullopt, in).status().code(),
      absl::StatusCode::kAborted);
  EXPECT_TRUE(store().PutSignIn(Request("in-1"), std::nullopt, in).ok());

  v1::VolunteerSignIn first = in;
  first.set_volunteer_id("v1");
  first.set_user_id("u1");
  *first.mutable_signed_in_at() = ToProto(kT0 + absl::Minutes(1));
  ASSERT_TRUE(store().PutSignIn(Request("in-3"), std::nullopt, first).ok());

  v1::VolunteerSignIn out = in;
  *out.mutable_signed_out_at() = ToProto(kT0 + absl::Hours(1));
  out.set_version(2);
  // Against a stale `before`, nothing is written.
  v1::VolunteerSignIn stale = in;
  stale.set_version(7);
  EXPECT_EQ(store().PutSignIn(Request("out-0"), stale, out).status().code(),
            absl::StatusCode::kAborted);
  ASSERT_TRUE(store().PutSignIn(Request("out-1"), in, out).ok());

  absl::StatusOr<std::vector<v1::VolunteerSignIn>> listed =
      store().ListSignIns("o1");
  ASSERT_TRUE(listed.ok()) << listed.status();
  ASSERT_EQ(listed->size(), 2u);
  // In the order they signed in.
  EXPECT_EQ((*listed)[0].SerializeAsString(), out.SerializeAsString());
  EXPECT_EQ((*listed)[1].volunteer_id(), "v1");
  EXPECT_THAT(*store().ListSignIns("o2"), IsEmpty());
}

TEST_P(OrderStoreContract, HoursChangesApplyOnlyToRecordsThatDidNotChange) {
  const Applied created = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  Transition complete = Move(created.order, v1::ORDER_STATE_COMPLETED,
                             kT0 + absl::Hours(1), "done-1");
  std::vector<v1::VolunteerHours> recorded;
  for (int i = 0; i < 2; ++i) {
    v1::VolunteerHours hours;
    hours.set_id(absl::StrCat("o1-h", i));
    hours.set_order_id("o1");
    hours.set_team_id("t1");
    hours.set_volunteer_id(absl::StrCat("v", i));
    hours.set_status(v1::VolunteerHours::STATUS_PENDING);
    *hours.mutable_recorded_at() = ToProto(kT0 + absl::Minutes(i));
    recorded.push_back(hours);
  }
  complete.hours = recorded;
  const Applied completed = MustApply(store(), complete);
  // A leader declines the second one meanwhile.
  v1::VolunteerHours declined = recorded[1];
  declined.set_status(v1::VolunteerHours::STATUS_DECLINED);
  ASSERT_TRUE(
      store().UpdateHours(Request("decline-1"), recorded[1], declined).ok());

  Transition rate = Move(completed.order, v1::ORDER_STATE_RATED,
                         kT0 + absl::Hours(2), "rate-1");
  for (const v1::VolunteerHours& hours : recorded) {
    v1::VolunteerHours approved = hours;
    approved.set_status(v1::VolunteerHours::STATUS_APPROVED);
    rate.hours_changes.push_back({hours, approved});
  }
  MustApply(store(), rate);
  EXPECT_EQ(store().GetHours("o1-h0")->status(),
            v1::VolunteerHours::STATUS_APPROVED);
  EXPECT_EQ(store().GetHours("o1-h1")->status(),
            v1::VolunteerHours::STATUS_DECLINED);
}

TEST_P(OrderStoreContract, RecordUpdatesCompareAndSetIdempotently) {
  const Applied created = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  Transition reopen = Move(created.order, v1::ORDER_STATE_SUBMITTED,
                           kT0 + absl::Hours(1), "r-1");
  v1::FollowUp follow_up;
  follow_up.set_id("f1");
  follow_up.set_order_id("o1");
  follow_up.set_community_id("c1");
  follow_up.set_version(1);
  *follow_up.mutable_created_at() = ToProto(kT0);
  reopen.follow_up = follow_up;
  MustApply(store(), reopen);

  v1::FollowUp done = follow_up;
  done.set_done(true);
  done.set_version(2);
  const RequestKey request = Request("done-1", "f1");
  absl::StatusOr<v1::FollowUp> updated =
      store().UpdateFollowUp(request, follow_up, done);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_TRUE(updated->done());
  // Again: the first result; FindResult remembers it.
  absl::StatusOr<v1::FollowUp> again =
      store().UpdateFollowUp(request, follow_up, done);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->version(), 2);
  absl::StatusOr<std::optional<std::string>> found =
      store().FindResult(request);
  ASSERT_TRUE(found.ok());
  ASSERT_TRUE(found->has_value());
  v1::FollowUp remembered;
  ASSERT_TRUE(remembered.ParseFromString(**found));
  EXPECT_EQ(remembered.version(), 2);
  // The same request id for other content; a stale read; a missing record.
  RequestKey reused = request;
  reused.fingerprint = ContractFingerprint("other");
  EXPECT_EQ(store().UpdateFollowUp(reused, follow_up, done).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store().FindResult(reused).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store()
                .UpdateFollowUp(Request("done-2", "f1"), follow_up, done)
                .status()
                .code(),
            absl::StatusCode::kAborted);
  v1::FollowUp missing = follow_up;
  missing.set_id("f-missing");
  EXPECT_EQ(store()
                .UpdateFollowUp(Request("done-3", "f-missing"), missing, done)
                .status()
                .code(),
            absl::StatusCode::kNotFound);
  // Done ones are listed only when asked for.
  EXPECT_THAT(store().ListFollowUps("c1", false, 10, "")->follow_ups,
              IsEmpty());
  EXPECT_EQ(store().ListFollowUps("c1", true, 10, "")->follow_ups.size(), 1u);
  EXPECT_FALSE(store().FindResult(Request("never"))->has_value());
}

TEST_P(OrderStoreContract, TheDeadlinesIndexFollowsTheMovesAndLeases) {
  v1::Order order = NewOrder("o1");
  order.mutable_next_deadline()->set_stage(v1::STAGE_AWAITING_DISPATCH);
  *order.mutable_next_deadline()->mutable_due_at() =
      ToProto(kT0 + absl::Hours(1));
  const Applied created = MustApply(store(), Create(order, "c-1"));
  EXPECT_EQ(**store().EarliestDue(), kT0 + absl::Hours(1));
  EXPECT_THAT(*store().ClaimDue(kT0, 10, absl::Minutes(5)), IsEmpty());

  absl::StatusOr<std::vector<DueOrder>> due =
      store().ClaimDue(kT0 + absl::Hours(2), 10, absl::Minutes(5));
  ASSERT_TRUE(due.ok()) << due.status();
  ASSERT_EQ(due->size(), 1u);
  EXPECT_EQ((*due)[0].order_id, "o1");
  EXPECT_EQ((*due)[0].due, kT0 + absl::Hours(1));
  // Leased: not handed out again until the lease ends.
  EXPECT_EQ(**store().EarliestDue(), kT0 + absl::Hours(2) + absl::Minutes(5));
  EXPECT_THAT(*store().ClaimDue(kT0 + absl::Hours(2), 10, absl::Minutes(5)),
              IsEmpty());
  // Put back at its time, only while it is still at the version read.
  EXPECT_FALSE(*store().ResetDeadline("o1", 7, kT0 + absl::Hours(3)));
  EXPECT_TRUE(*store().ResetDeadline("o1", 1, kT0 + absl::Hours(3)));
  EXPECT_EQ(**store().EarliestDue(), kT0 + absl::Hours(3));
  // A move to a state nobody waits on takes it out of the index.
  MustApply(store(),
            Move(created.order, v1::ORDER_STATE_CANCELLED, kT0 + absl::Hours(1),
                 "x-1", [](v1::Order& o) { o.clear_next_deadline(); }));
  EXPECT_FALSE(store().EarliestDue()->has_value());
  // An order that does not exist leaves the index.
  EXPECT_TRUE(*store().ResetDeadline("ghost", 1, std::nullopt));
  EXPECT_EQ(store().ClaimDue(kT0, 0, absl::Minutes(1)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_P(OrderStoreContract, TeamHistoryAddsUpTheMovesTallies) {
  EXPECT_EQ(store().TeamHistory("t1")->offers_received(), 0);
  const Applied created = MustApply(store(), Create(NewOrder("o1"), "c-1"));
  Transition move =
      Move(created.order, v1::ORDER_STATE_RATED, kT0 + absl::Hours(1), "m-1");
  move.tallies = {{"t1", TeamTally::Counter::kOffers, 1},
                  {"t2", TeamTally::Counter::kOffers, 1},
                  {"t1", TeamTally::Counter::kAccepted, 1},
                  {"t1", TeamTally::Counter::kCompleted, 1},
                  {"t1", TeamTally::Counter::kRatings, 1},
                  {"t1", TeamTally::Counter::kRatingSum, 4}};
  MustApply(store(), move);
  MustApply(store(), move);  // a replay counts nothing
  absl::StatusOr<v1::TeamStats> stats = store().TeamHistory("t1");
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->offers_received(), 1);
  EXPECT_EQ(stats->offers_accepted(), 1);
  EXPECT_EQ(stats->completed_orders(), 1);
  EXPECT_EQ(stats->ratings(), 1);
  EXPECT_DOUBLE_EQ(stats->mean_rating(), 4.0);
  EXPECT_EQ(store().TeamHistory("t2")->offers_received(), 1);
}

}  // namespace
}  // namespace kepu::testing
