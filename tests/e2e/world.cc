#include "tests/e2e/world.h"

#include <chrono>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "services/core/time_util.h"
#include "services/directory/redis_directory.h"
#include "tests/support/jining_directory.h"
#include "tests/support/people.h"

namespace kepu::testing {
namespace {

constexpr char kAdminPhone[] = "13900000000";

struct StaffSpec {
  std::string name;
  std::string phone;
  v1::Role role;
  std::string scope;
};

absl::Status ToStatus(const grpc::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", status.error_message()));
}

}  // namespace

std::string Describe(const grpc::Status& status) {
  return absl::StrCat(status.error_code(), " ", status.error_message());
}

absl::StatusOr<std::unique_ptr<World>> World::Start(
    int replicas, std::vector<std::string> kepud_flags,
    std::vector<std::string> kepud_env) {
  auto world = std::unique_ptr<World>(new World());
  auto redis = RedisServer::Start();
  if (!redis.ok()) return redis.status();
  world->redis_ = std::move(*redis);
  world->client_ =
      std::make_unique<RedisClient>(world->redis_->ClientOptions());
  RedisDirectory directory(*world->client_, "jining");
  if (absl::Status loaded = Load(SmallJining(), directory); !loaded.ok())
    return loaded;
  for (int i = 0; i < replicas; ++i) {
    KepudOptions options;
    options.flags = {"--matching=false"};
    options.flags.insert(options.flags.end(), kepud_flags.begin(),
                         kepud_flags.end());
    options.env = {absl::StrCat("KEPU_ADMIN_PHONE=", kAdminPhone),
                   absl::StrCat("KEPU_ADMIN_PASSWORD=", World::kPassword)};
    options.env.insert(options.env.end(), kepud_env.begin(), kepud_env.end());
    auto kepud = KepudProcess::Start(KEPUD_PATH, *world->redis_, options);
    if (!kepud.ok()) return kepud.status();
    world->kepuds_.push_back(std::move(*kepud));
  }
  if (absl::Status made = world->CreateAccounts(); !made.ok()) return made;
  return world;
}

absl::StatusOr<v1::Order> World::ClaimedOrder(const v1::OrderDraft& draft,
                                              bool release) {
  v1::Order order;
  // Each step: build the request for `order`, call, keep the answer.
  auto step = [&](absl::string_view what, const std::string& who,
                  auto&& call) -> absl::Status {
    v1::Order out;
    grpc::Status status = call(*As(who), &out);
    if (!status.ok()) return ToStatus(status, what);
    order = out;
    return absl::OkStatus();
  };
  v1::CreateOrderRequest create;
  create.set_request_id(NextRequestId());
  *create.mutable_draft() = draft;
  auto orders_stub = orders();
  if (absl::Status s = step("create", "resident",
                            [&](grpc::ClientContext& c, v1::Order* out) {
                              return orders_stub->CreateOrder(&c, create, out);
                            });
      !s.ok()) {
    return s;
  }
  auto dispatch_stub = dispatch();
  v1::DispatchOrderRequest dispatch_request;
  dispatch_request.set_request_id(NextRequestId());
  dispatch_request.set_order_id(order.id());
  dispatch_request.set_expected_version(order.version());
  dispatch_request.set_department_id("kexie");
  if (absl::Status s = step("dispatch", "worker",
                            [&](grpc::ClientContext& c, v1::Order* out) {
                              return dispatch_stub->DispatchOrder(
                                  &c, dispatch_request, out);
                            });
      !s.ok()) {
    return s;
  }
  auto claims_stub = claims();
  v1::ClaimOrderRequest claim;
  claim.set_request_id(NextRequestId());
  claim.set_order_id(order.id());
  claim.set_expected_version(order.version());
  if (absl::Status s = step("claim", "clerk",
                            [&](grpc::ClientContext& c, v1::Order* out) {
                              return claims_stub->ClaimOrder(&c, claim, out);
                            });
      !s.ok()) {
    return s;
  }
  if (!release) return order;
  v1::ReleaseToMatchingRequest release_request;
  release_request.set_request_id(NextRequestId());
  release_request.set_order_id(order.id());
  release_request.set_expected_version(order.version());
  if (absl::Status s = step("release", "clerk",
                            [&](grpc::ClientContext& c, v1::Order* out) {
                              return claims_stub->ReleaseToMatching(
                                  &c, release_request, out);
                            });
      !s.ok()) {
    return s;
  }
  return order;
}

std::unique_ptr<grpc::ClientContext> World::As(const std::string& name) const {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() +
                        std::chrono::seconds(10));
  if (!name.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", accounts_.at(name).token));
  }
  return context;
}

void World::PrintServerLogs() {
  for (size_t i = 0; i < kepuds_.size(); ++i) {
    const std::string output = kepuds_[i]->process().Output();
    const size_t from = output.size() > 8000 ? output.size() - 8000 : 0;
    std::fprintf(stderr, "--- kepud %zu (running: %s), last output:\n%s\n", i,
                 kepuds_[i]->process().running() ? "yes" : "no",
                 output.substr(from).c_str());
  }
}

std::string World::NextRequestId() {
  return absl::StrCat("e2e-request-", ++next_request_);
}

v1::OrderDraft World::Draft() { return SmallJiningDraft(absl::Now()); }

v1::OrderDraft World::SoonDraft() {
  v1::OrderDraft draft = Draft();
  const absl::Time start = absl::Now() + absl::Minutes(10);
  *draft.mutable_preferred_windows(0)->mutable_start() = ToProto(start);
  *draft.mutable_preferred_windows(0)->mutable_end() =
      ToProto(start + absl::Hours(2));
  return draft;
}

absl::StatusOr<v1::Session> World::SignIn(const std::string& phone) {
  grpc::ClientContext context;
  v1::LoginRequest login;
  login.set_phone(phone);
  login.set_password(World::kPassword);
  v1::Session session;
  grpc::Status status = identity()->Login(&context, login, &session);
  if (!status.ok()) return ToStatus(status, absl::StrCat("login ", phone));
  return session;
}

absl::StatusOr<std::string> World::AddStaff(const std::string& name,
                                            const std::string& phone,
                                            v1::Role role,
                                            const std::string& scope) {
  auto context = As("admin");
  v1::CreateStaffAccountRequest request;
  request.set_request_id(NextRequestId());
  request.set_phone(phone);
  request.set_display_name(name);
  request.set_initial_password(World::kPassword);
  v1::RoleGrant* grant = request.add_grants();
  grant->set_role(role);
  grant->set_scope_id(scope);
  v1::User user;
  grpc::Status status =
      identity()->CreateStaffAccount(context.get(), request, &user);
  if (!status.ok()) return ToStatus(status, absl::StrCat("create ", name));
  absl::StatusOr<v1::Session> session = SignIn(phone);
  if (!session.ok()) return session.status();
  accounts_[name] = {user.id(), phone, session->token()};
  return name;
}

absl::Status World::CreateAccounts() {
  auto identity_stub = identity();
  absl::StatusOr<v1::Session> admin = SignIn(kAdminPhone);
  if (!admin.ok()) return admin.status();
  accounts_["admin"] = {admin->user().id(), kAdminPhone, admin->token()};

  const std::vector<StaffSpec> staff = {
      {"county-admin", "13900000001", v1::ROLE_ADMIN, "rencheng"},
      {"worker", "13900000002", v1::ROLE_COMMUNITY_WORKER,
       "rencheng-guhuai-zhuyuan"},
      {"worker-other", "13900000003", v1::ROLE_COMMUNITY_WORKER,
       "yanzhou-gulou-xinglong"},
      {"clerk", "13900000004", v1::ROLE_DEPARTMENT_STAFF, "kexie"},
      {"clerk2", "13900000005", v1::ROLE_DEPARTMENT_STAFF, "minzheng"},
      {"clerk-other", "13900000006", v1::ROLE_DEPARTMENT_STAFF, "jiaoyu"},
      {"leader", "13900000007", v1::ROLE_TEAM_LEADER, "team-a"},
      {"leader2", "13900000008", v1::ROLE_TEAM_LEADER, "team-b"},
      {"leader-other", "13900000009", v1::ROLE_TEAM_LEADER, "team-d"},
      {"volunteer", "13900000010", v1::ROLE_VOLUNTEER, "team-a"}};
  for (const StaffSpec& spec : staff) {
    absl::StatusOr<std::string> added =
        AddStaff(spec.name, spec.phone, spec.role, spec.scope);
    if (!added.ok()) return added.status();
  }
  for (const auto& [name, phone] :
       std::vector<std::pair<std::string, std::string>>{
           {"resident", "13700000001"}, {"resident2", "13700000002"}}) {
    grpc::ClientContext context;
    v1::RegisterRequest request;
    request.set_request_id(NextRequestId());
    request.set_phone(phone);
    request.set_password(World::kPassword);
    request.set_display_name(name);
    v1::Session session;
    grpc::Status status = identity_stub->Register(&context, request, &session);
    if (!status.ok()) return ToStatus(status, absl::StrCat("register ", name));
    accounts_[name] = {session.user().id(), phone, session.token()};
  }
  // The volunteer record vol-a1 belongs to the volunteer's account.
  auto directory_stub = directory();
  v1::Volunteer volunteer;
  {
    auto context = As("admin");
    v1::GetVolunteerRequest get;
    get.set_id("vol-a1");
    grpc::Status status =
        directory_stub->GetVolunteer(context.get(), get, &volunteer);
    if (!status.ok()) return ToStatus(status, "get vol-a1");
  }
  auto context = As("admin");
  v1::UpdateVolunteerRequest update;
  update.set_request_id(NextRequestId());
  update.set_expected_version(volunteer.version());
  *update.mutable_volunteer() = volunteer;
  update.mutable_volunteer()->set_user_id(accounts_["volunteer"].user_id);
  update.mutable_volunteer()->clear_phone();
  v1::Volunteer updated;
  return ToStatus(
      directory_stub->UpdateVolunteer(context.get(), update, &updated),
      "link vol-a1");
}

std::unique_ptr<v1::IdentityService::Stub> World::identity(int replica) {
  return v1::IdentityService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::DirectoryService::Stub> World::directory(int replica) {
  return v1::DirectoryService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::OrderService::Stub> World::orders(int replica) {
  return v1::OrderService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::DispatchService::Stub> World::dispatch(int replica) {
  return v1::DispatchService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::ClaimService::Stub> World::claims(int replica) {
  return v1::ClaimService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::FulfilmentService::Stub> World::fulfilment(int replica) {
  return v1::FulfilmentService::NewStub(kepud(replica).channel());
}
std::unique_ptr<v1::WatchdogService::Stub> World::watchdog(int replica) {
  return v1::WatchdogService::NewStub(kepud(replica).channel());
}

std::unique_ptr<v1::NotificationService::Stub> World::notifications(
    int replica) {
  return v1::NotificationService::NewStub(kepud(replica).channel());
}

std::unique_ptr<v1::MatchingService::Stub> World::matching(int replica) {
  return v1::MatchingService::NewStub(kepud(replica).channel());
}

}  // namespace kepu::testing
