// kepud: one server binary hosting every Kepu service (or those named by
// --services), with gRPC health checking and server reflection, over one Redis.
//
//   kepud --listen=127.0.0.1:7070 --redis=127.0.0.1:6379 --services=all
//
// Ready when it logs event "kepud.listening" with the address it listens on
// (port 0 picks a free port). SIGTERM or SIGINT: health turns NOT_SERVING, new
// calls are refused after --drain_delay, calls in flight finish (up to
// --shutdown_timeout), then it exits 0.
#include <grpcpp/ext/proto_server_reflection_plugin.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "kepu/v1/claims.grpc.pb.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "kepu/v1/dispatch.grpc.pb.h"
#include "kepu/v1/fulfilment.grpc.pb.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "kepu/v1/matching.grpc.pb.h"
#include "kepu/v1/notification.grpc.pb.h"
#include "kepu/v1/report.grpc.pb.h"
#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/claims/claims_service.h"
#include "services/core/clock.h"
#include "services/core/ids.h"
#include "services/core/log.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_sessions.h"
#include "services/core/sign_in_code.h"
#include "services/core/stop_signals.h"
#include "services/core/text.h"
#include "services/directory/directory_domain.h"
#include "services/directory/directory_service.h"
#include "services/dispatch/dispatch_service.h"
#include "services/fulfilment/fulfilment_service.h"
#include "services/gateway/gateway_flags.h"
#include "services/gateway/http_gateway.h"
#include "services/identity/identity_domain.h"
#include "services/identity/identity_service.h"
#include "services/matching_worker/matching_service.h"
#include "services/matching_worker/matching_workers.h"
#include "services/notifications/delivery.h"
#include "services/notifications/notification_service.h"
#include "services/notifications/sms_delivery.h"
#include "services/notify/http_client.h"
#include "services/notify/sms_sender.h"
#include "services/orders/order_domain.h"
#include "services/orders/orders_service.h"
#include "services/rpc/call_tracker.h"
#include "services/rpc/serve_unary.h"
#include "services/rpc/tenants.h"
#include "services/rpc/work_pool.h"
#include "services/watchdog/watchdog.h"
#include "services/watchdog/watchdog_service.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:7070",
          "host:port to serve gRPC on; port 0 picks a free port");
ABSL_FLAG(std::string, redis, "127.0.0.1:6379", "host:port of Redis");
ABSL_FLAG(std::vector<std::string>, services, {"all"},
          "services to run: all, or a list of identity, directory, orders, "
          "dispatch, claims, "
          "fulfilment, matching, watchdog, report");
ABSL_FLAG(int, workers, 16,
          "worker threads that run calls (they wait on Redis)");
ABSL_FLAG(
    int, redis_connections, 4,
    "connections to Redis, shared by the workers (commands are pipelined)");
ABSL_FLAG(absl::Duration, redis_timeout, absl::Seconds(2),
          "how long one Redis call may take, waiting for a shared connection "
          "and connecting included, before it answers UNAVAILABLE");
ABSL_FLAG(absl::Duration, directory_cache_ttl, absl::Seconds(5),
          "how long a directory record read for an order may be reused; a "
          "change made through another replica shows after at most this "
          "(0s: read Redis every time)");
ABSL_FLAG(absl::Duration, session_cache_ttl, absl::Seconds(2),
          "how long a checked token may be trusted without asking Redis; a "
          "logout or revocation made through another replica takes effect "
          "here after at most this (0s: ask every time)");
ABSL_FLAG(int, queue, 4096,
          "calls that may wait for a worker before RESOURCE_EXHAUSTED");
ABSL_FLAG(int, sign_in_threads, 1,
          "threads that run the calls which hash or check a password (sign-in, "
          "register, password changes, staff accounts: 64 MiB and tens of ms "
          "of a core each at --password_cost=interactive); apart from "
          "--workers, so a burst of sign-ins never delays order moves");
ABSL_FLAG(int, sign_in_queue, 32,
          "sign-in calls that may wait for a sign-in thread before "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, drain_delay, absl::ZeroDuration(),
          "after SIGTERM, how long to keep serving while health says "
          "NOT_SERVING (give load "
          "balancers time to notice)");
ABSL_FLAG(absl::Duration, shutdown_timeout, absl::Seconds(10),
          "how long calls in flight may take to finish after SIGTERM");
ABSL_FLAG(std::string, password_cost, "interactive",
          "argon2id cost of password hashes: interactive (libsodium's, for "
          "production) or min "
          "(tests and demos only)");
ABSL_FLAG(std::vector<std::string>, tenants, {"jining"},
          "the tenants served; a call naming any other, in x-kepu-tenant or in "
          "its token, is refused with NOT_FOUND before anything is made or "
          "read for it");
ABSL_FLAG(
    std::string, default_tenant, "jining",
    "tenant of calls without a token (register, sign in) that name none in "
    "x-kepu-tenant metadata; one of --tenants");
ABSL_FLAG(int, max_message_bytes, 1 << 20,
          "largest request accepted, in bytes");
ABSL_FLAG(std::vector<std::string>, background_tenants, {},
          "tenants whose background work (matching, the watchdog) this "
          "server does, of --tenants; empty: the default tenant");
ABSL_FLAG(std::vector<std::string>, trusted_gateways, {},
          "IP addresses of kepu-gateway processes whose x-kepu-client-address "
          "(the browser's address, which rate limits count) is believed; the "
          "gateway kepud hosts itself is always believed");
ABSL_FLAG(bool, matching, true,
          "run a matching worker per background tenant (more can run as "
          "kepu-matcher processes; see the --matching_* flags)");

// The SLA (ARCHITECTURE §2): how long each waiting stage may take.
ABSL_FLAG(absl::Duration, sla_awaiting_dispatch, absl::Hours(24),
          "SUBMITTED: how long the community has to review and dispatch");
ABSL_FLAG(absl::Duration, sla_awaiting_info, absl::Hours(72),
          "NEEDS_INFO: how long the resident has to answer");
ABSL_FLAG(absl::Duration, sla_awaiting_claim, absl::Hours(24),
          "DISPATCHED: how long the department has to claim");
ABSL_FLAG(absl::Duration, sla_awaiting_match, absl::Hours(24),
          "CLAIMED: how long finding a team may take");
ABSL_FLAG(absl::Duration, sla_awaiting_service, absl::Hours(24),
          "ACCEPTED: after the service window ends, how long until a county "
          "escalation goes on to the city");
ABSL_FLAG(absl::Duration, sla_offer_ttl, absl::Hours(24),
          "OFFERED: how long a team has to accept an offer without a TTL of "
          "its own");
ABSL_FLAG(absl::Duration, sla_auto_close, absl::Hours(24 * 7),
          "COMPLETED: an order left unrated this long closes");
ABSL_FLAG(absl::Duration, reopen_window, absl::Hours(24 * 7),
          "how long after completion a resident may reopen an order");
ABSL_FLAG(absl::Duration, check_in_lead, absl::Minutes(60),
          "check-in and volunteers' sign-in open this long before the "
          "confirmed service time");
ABSL_FLAG(double, check_in_radius_m, 500,
          "a check-in farther than this many metres from the order's place "
          "is recorded as off-site");
ABSL_FLAG(absl::Duration, hours_tolerance, absl::Minutes(30),
          "volunteer hours may exceed the time on site (and the scheduled "
          "service's length) by this much");
ABSL_FLAG(int, max_offer_attempts, 3,
          "after this many offers by the matching engine without an "
          "acceptance, the order goes to its department to assign directly");
ABSL_FLAG(int, notify_workers, 1,
          "outbox delivery workers per background tenant (0: none here; "
          "another process delivers)");
ABSL_FLAG(absl::Duration, notify_claim_idle, absl::Seconds(30),
          "how long an outbox entry may stay with a worker before another "
          "takes it over (a worker that died)");
ABSL_FLAG(std::string, sms_endpoint, "",
          "the SMS provider's send URL (services/notify/sms_sender.h); empty: "
          "no SMS, notifications reach the in-app inbox only. The key is "
          "read from KEPU_SMS_API_KEY");
ABSL_FLAG(std::string, sms_sign_name, "济宁科普",
          "the registered signature every SMS starts with");
ABSL_FLAG(int, sms_daily_cap, 20, "SMS per person per day");
ABSL_FLAG(absl::Duration, sms_first_backoff, absl::Seconds(30),
          "the first wait before an SMS that failed is tried again (doubling)");
ABSL_FLAG(bool, watchdog, true,
          "run the watchdog (missed deadlines: escalate, expire offers, "
          "auto-close) for --background_tenants");
ABSL_FLAG(absl::Duration, watchdog_interval, absl::Seconds(10),
          "the longest the watchdog sleeps between looks at the deadlines");

namespace kepu {
namespace {

constexpr char kTokenKeyEnv[] = "KEPU_TOKEN_KEY";
constexpr char kRedisPasswordEnv[] = "KEPU_REDIS_PASSWORD";
// 64 hex characters: the secret of the volunteers' rotating sign-in codes.
// Unset: derived from the session token key (so it is as stable, across
// restarts and replicas, as the sessions are).
constexpr char kSignInKeyEnv[] = "KEPU_SIGN_IN_KEY";

const std::vector<std::string>& AllServiceNames() {
  static const auto* const kNames = new std::vector<std::string>{
      "identity",   "directory", "orders",   "dispatch", "claims",
      "fulfilment", "matching",  "watchdog", "report",   "notifications"};
  return *kNames;
}

// The gRPC service of `name`. Services whose issue has not landed yet are the
// generated bases, whose every RPC answers UNIMPLEMENTED.
// The domains a server holds, per tenant.
struct Domains {
  DirectoryDomains& directories;
  IdentityDomains& identity;
  OrderDomains& orders;
  EventFeeds& feeds;
  MatchingQueues& matching;
  NotificationDomains& notifications;
  InboxFeeds& inbox_feeds;
};

// The gRPC service of `name`. Services whose issue has not landed yet are the
// generated bases, whose every RPC answers UNIMPLEMENTED.
std::unique_ptr<grpc::Service> MakeService(const std::string& name,
                                           const ServiceEnv& env,
                                           Domains& domains) {
  if (name == "identity") {
    return std::make_unique<IdentityServiceImpl>(env, domains.identity);
  }
  if (name == "directory") {
    return std::make_unique<DirectoryServiceImpl>(env, domains.directories);
  }
  if (name == "orders")
    return std::make_unique<OrdersService>(env, domains.orders, domains.feeds);
  if (name == "dispatch") {
    return std::make_unique<DispatchServiceImpl>(env, domains.orders,
                                                 domains.feeds);
  }
  if (name == "claims")
    return std::make_unique<ClaimServiceImpl>(env, domains.orders,
                                              domains.feeds);
  if (name == "fulfilment") {
    return std::make_unique<FulfilmentServiceImpl>(env, domains.orders,
                                                   domains.feeds);
  }
  if (name == "matching") {
    return std::make_unique<MatchingServiceImpl>(env, domains.orders,
                                                 domains.matching);
  }
  if (name == "watchdog") {
    return std::make_unique<WatchdogServiceImpl>(env, domains.orders);
  }
  if (name == "report")
    return std::make_unique<v1::ReportService::CallbackService>();
  if (name == "notifications") {
    return std::make_unique<NotificationServiceImpl>(env, domains.notifications,
                                                     domains.inbox_feeds);
  }
  return nullptr;
}

// The full gRPC name of a service object, e.g. "kepu.v1.OrderService".
const char* GrpcNameOf(const std::string& name) {
  static const auto* const kNames = new std::map<std::string, const char*>{
      {"identity", v1::IdentityService::service_full_name()},
      {"directory", v1::DirectoryService::service_full_name()},
      {"orders", v1::OrderService::service_full_name()},
      {"dispatch", v1::DispatchService::service_full_name()},
      {"claims", v1::ClaimService::service_full_name()},
      {"fulfilment", v1::FulfilmentService::service_full_name()},
      {"matching", v1::MatchingService::service_full_name()},
      {"watchdog", v1::WatchdogService::service_full_name()},
      {"report", v1::ReportService::service_full_name()},
      {"notifications", v1::NotificationService::service_full_name()}};
  return kNames->at(name);
}

// Makes sure the account named by KEPU_ADMIN_PHONE / KEPU_ADMIN_PASSWORD is a
// city admin of the default tenant (the first account of a fresh install).
// Nothing to do when unset.
absl::Status EnsureBootstrapAdmin(IdentityDomains& identity) {
  const char* phone = std::getenv("KEPU_ADMIN_PHONE");
  if (phone == nullptr) return absl::OkStatus();
  const char* password = std::getenv("KEPU_ADMIN_PASSWORD");
  if (password == nullptr) {
    return absl::InvalidArgumentError(
        "KEPU_ADMIN_PHONE is set without KEPU_ADMIN_PASSWORD");
  }
  const char* name = std::getenv("KEPU_ADMIN_NAME");
  const std::string tenant = absl::GetFlag(FLAGS_default_tenant);
  absl::StatusOr<v1::User> admin = EnsureAdmin(
      identity, tenant, phone, password, name != nullptr ? name : "管理员");
  if (!admin.ok()) {
    return absl::Status(
        admin.status().code(),
        absl::StrCat("ensuring the admin account: ", admin.status().message()));
  }
  Log(LogLevel::kInfo, "kepud.admin_ready",
      {{"tenant", tenant},
       {"user_id", admin->id()},
       {"phone", MaskPhone(admin->phone())}});
  return absl::OkStatus();
}

// The lifecycle policy the flags set.
absl::StatusOr<LifecyclePolicy> PolicyFromFlags() {
  LifecyclePolicy policy;
  policy.awaiting_dispatch = absl::GetFlag(FLAGS_sla_awaiting_dispatch);
  policy.awaiting_info = absl::GetFlag(FLAGS_sla_awaiting_info);
  policy.awaiting_claim = absl::GetFlag(FLAGS_sla_awaiting_claim);
  policy.awaiting_match = absl::GetFlag(FLAGS_sla_awaiting_match);
  policy.awaiting_service = absl::GetFlag(FLAGS_sla_awaiting_service);
  policy.default_offer_ttl = absl::GetFlag(FLAGS_sla_offer_ttl);
  policy.awaiting_rating = absl::GetFlag(FLAGS_sla_auto_close);
  policy.reopen_window = absl::GetFlag(FLAGS_reopen_window);
  policy.max_offer_attempts = absl::GetFlag(FLAGS_max_offer_attempts);
  policy.check_in_lead = absl::GetFlag(FLAGS_check_in_lead);
  policy.check_in_radius_m = absl::GetFlag(FLAGS_check_in_radius_m);
  policy.hours_tolerance = absl::GetFlag(FLAGS_hours_tolerance);
  for (const auto& [flag, value] :
       std::vector<std::pair<const char*, absl::Duration>>{
           {"sla_awaiting_dispatch", policy.awaiting_dispatch},
           {"sla_awaiting_info", policy.awaiting_info},
           {"sla_awaiting_claim", policy.awaiting_claim},
           {"sla_awaiting_match", policy.awaiting_match},
           {"sla_awaiting_service", policy.awaiting_service},
           {"sla_offer_ttl", policy.default_offer_ttl},
           {"sla_auto_close", policy.awaiting_rating},
           {"reopen_window", policy.reopen_window},
           {"check_in_lead", policy.check_in_lead},
           {"hours_tolerance", policy.hours_tolerance}}) {
    if (value <= absl::ZeroDuration() || value == absl::InfiniteDuration()) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", flag, " must be a positive, finite duration"));
    }
  }
  if (!(policy.check_in_radius_m > 0)) {
    return absl::InvalidArgumentError(
        "--check_in_radius_m must be a positive number of metres");
  }
  if (policy.max_offer_attempts < 1) {
    return absl::InvalidArgumentError(
        "--max_offer_attempts must be at least 1");
  }
  return policy;
}

// One outbox delivery worker with everything it holds.
struct NotifyWorker {
  NotifyWorker(const RedisOptions& options, const std::string& tenant,
               DirectoryView& directory, AccountStore& accounts,
               DeliveryOptions delivery_options,
               std::optional<notify::HttpSmsConfig> sms_config,
               SmsDeliveryOptions sms_options)
      : redis(DeliveryRedisOptions(options, delivery_options)),
        resolver(directory, accounts),
        inbox(redis, tenant),
        preferences(redis, tenant),
        delivery(redis, tenant, resolver, inbox, preferences,
                 std::move(delivery_options)) {
    if (sms_config.has_value()) {
      // Its own connection: the delivery worker's waits in blocking reads.
      sms_redis = std::make_unique<RedisClient>(
          DeliveryRedisOptions(options, DeliveryOptions{}));
      sms_preferences =
          std::make_unique<NotificationPreferenceStore>(*sms_redis, tenant);
      sender = std::make_unique<notify::HttpSmsSender>(*std::move(sms_config));
      sms = std::make_unique<SmsDelivery>(
          *sms_redis, tenant,
          [this](absl::string_view user) { return resolver.PhoneOf(user); },
          *sms_preferences, *sender, Clock::Real(), sms_options);
    }
  }

  static RedisOptions DeliveryRedisOptions(RedisOptions options,
                                           const DeliveryOptions& delivery) {
    options.connections = 1;
    options.command_timeout =
        std::max(options.command_timeout, delivery.block * 4);
    return options;
  }

  RedisClient redis;
  NoticeResolver resolver;
  RedisInbox inbox;
  NotificationPreferenceStore preferences;
  NotificationDelivery delivery;
  // With an SMS provider.
  std::unique_ptr<RedisClient> sms_redis;
  std::unique_ptr<NotificationPreferenceStore> sms_preferences;
  std::unique_ptr<notify::HttpSmsSender> sender;
  std::unique_ptr<SmsDelivery> sms;
};

// This process's name among delivery workers: host and pid.
std::string ConsumerPrefix() {
  char host[256] = {};
  if (gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
  return absl::StrCat(host[0] != '\0' ? host : "kepud", "-", getpid());
}

int Fail(absl::string_view why) {
  Log(LogLevel::kError, "kepud.failed", {{"error", std::string(why)}});
  return 1;
}

int Run() {
  // Signals are taken by sigwait below; block them before any thread starts.
  const sigset_t stop_signals = BlockStopSignals();

  std::vector<std::string> names = absl::GetFlag(FLAGS_services);
  if (names.size() == 1 && names[0] == "all") names = AllServiceNames();

  absl::StatusOr<RedisOptions> redis_options =
      ParseRedisAddress(absl::GetFlag(FLAGS_redis));
  if (!redis_options.ok()) return Fail(redis_options.status().message());
  redis_options->connections = absl::GetFlag(FLAGS_redis_connections);
  redis_options->command_timeout = absl::GetFlag(FLAGS_redis_timeout);
  if (const char* password = std::getenv(kRedisPasswordEnv))
    redis_options->password = password;

  std::string token_key_hex;
  if (const char* key = std::getenv(kTokenKeyEnv)) {
    token_key_hex = key;
  } else {
    token_key_hex = NewTokenKeyHex();
    Log(LogLevel::kWarning, "kepud.ephemeral_token_key",
        {{"detail", absl::StrCat(kTokenKeyEnv,
                                 " is not set: sessions will not survive a "
                                 "restart nor work across replicas")}});
  }
  absl::StatusOr<std::string> token_key = ParseTokenKey(token_key_hex);
  if (!token_key.ok()) return Fail(token_key.status().message());
  std::string sign_in_key = DeriveSignInKey(*token_key);
  if (const char* key = std::getenv(kSignInKeyEnv)) {
    absl::StatusOr<std::string> parsed = ParseSignInKey(key);
    if (!parsed.ok()) {
      return Fail(absl::StrCat(kSignInKeyEnv, ": ", parsed.status().message()));
    }
    sign_in_key = *std::move(parsed);
  }
  absl::StatusOr<Tenants> tenants = Tenants::Make(
      absl::GetFlag(FLAGS_tenants), absl::GetFlag(FLAGS_default_tenant));
  if (!tenants.ok()) {
    return Fail(absl::StrCat("--tenants: ", tenants.status().message()));
  }

  RedisClient redis(*redis_options);
  const Clock& clock = Clock::Real();
  IdGenerator ids(clock);
  RedisSessions sessions(redis, *token_key, clock,
                         absl::GetFlag(FLAGS_session_cache_ttl));
  DirectoryDomains directories(*tenants, [&](const std::string& tenant) {
    return std::make_unique<DirectoryDomain>(
        redis, tenant, clock, absl::GetFlag(FLAGS_directory_cache_ttl));
  });
  // The directory view of a tenant whose name is valid (callers checked it).
  auto view_of = [&directories](const std::string& tenant) -> DirectoryView& {
    return (*directories.Get(tenant))->view();
  };
  const PasswordCost cost = absl::GetFlag(FLAGS_password_cost) == "min"
                                ? PasswordCost::Min()
                                : PasswordCost{};
  IdentityDomains identity(*tenants, [&](const std::string& tenant) {
    return std::make_unique<IdentityDomain>(redis, tenant, clock, ids, sessions,
                                            view_of(tenant), cost);
  });
  absl::StatusOr<LifecyclePolicy> policy = PolicyFromFlags();
  if (!policy.ok()) return Fail(policy.status().message());
  OrderDomains orders(*tenants, [&](const std::string& tenant) {
    return std::make_unique<OrderDomain>(redis, tenant, view_of(tenant), clock,
                                         ids, *policy, sign_in_key);
  });
  EventFeeds feeds(*tenants, [&](const std::string& tenant) {
    return std::make_unique<RedisEventFeed>(*redis_options, tenant);
  });
  MatchingQueues matching(*tenants, [&](const std::string& tenant) {
    return std::make_unique<MatchingQueue>(redis, tenant);
  });
  NotificationDomains notifications(*tenants, [&](const std::string& tenant) {
    return std::make_unique<NotificationDomain>(redis, tenant);
  });
  InboxFeeds inbox_feeds(*tenants, [&](const std::string& tenant) {
    return std::make_unique<RedisInboxFeed>(*redis_options, tenant,
                                            InboxFeedKey(tenant));
  });
  Domains domains{directories, identity,      orders,     feeds,
                  matching,    notifications, inbox_feeds};
  if (absl::Status admin = EnsureBootstrapAdmin(identity); !admin.ok()) {
    return Fail(admin.message());
  }
  // Declared before the pools, so it outlives their threads: a call's task
  // ends the call in it after answering (serve_unary.cc).
  CallTracker calls;
  WorkPool pool(absl::GetFlag(FLAGS_workers), absl::GetFlag(FLAGS_queue));
  WorkPool sign_in_pool(absl::GetFlag(FLAGS_sign_in_threads),
                        absl::GetFlag(FLAGS_sign_in_queue));
  const ServiceEnv env{pool,
                       sign_in_pool,
                       sessions,
                       clock,
                       calls,
                       *tenants,
                       absl::GetFlag(FLAGS_trusted_gateways)};

  grpc::EnableDefaultHealthCheckService(true);
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(absl::GetFlag(FLAGS_listen),
                           grpc::InsecureServerCredentials(), &port);
  builder.SetMaxReceiveMessageSize(absl::GetFlag(FLAGS_max_message_bytes));
  std::vector<std::unique_ptr<grpc::Service>> services;
  for (const std::string& name : names) {
    std::unique_ptr<grpc::Service> service = MakeService(name, env, domains);
    if (service == nullptr) return Fail(absl::StrCat("unknown service ", name));
    builder.RegisterService(service.get());
    services.push_back(std::move(service));
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    return Fail(absl::StrCat("cannot listen on ", absl::GetFlag(FLAGS_listen)));
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus(true);
  for (const std::string& name : names)
    health->SetServingStatus(GrpcNameOf(name), true);

  std::vector<std::string> background = absl::GetFlag(FLAGS_background_tenants);
  if (background.empty()) background = {absl::GetFlag(FLAGS_default_tenant)};
  for (const std::string& tenant : background) {
    if (absl::Status served = tenants->Check(tenant); !served.ok()) {
      return Fail(absl::StrCat("--background_tenants: ", served.message()));
    }
  }
  std::optional<MatchingWorkers> matching_workers;
  if (absl::GetFlag(FLAGS_matching)) {
    matching_workers.emplace(
        *redis_options, background,
        [&](const std::string& tenant) -> OrderDomain& {
          return **orders.Get(tenant);
        },
        view_of, clock);
  }

  // The HTTP gateway, on the server's in-process channel (no TCP, no HTTP/2
  // framing between the two).
  std::unique_ptr<gateway::HttpGateway> http_gateway;
  if (!absl::GetFlag(FLAGS_http_listen).empty()) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(-1);
    std::vector<std::string> exposed;
    for (const std::string& name : names) exposed.push_back(GrpcNameOf(name));
    absl::StatusOr<std::unique_ptr<gateway::HttpGateway>> started =
        gateway::HttpGateway::Start(
            gateway::GatewayOptionsFromFlags(std::move(exposed)),
            server->InProcessChannel(arguments));
    if (!started.ok()) {
      return Fail(absl::StrCat("--http_listen: ", started.status().message()));
    }
    http_gateway = *std::move(started);
    Log(LogLevel::kInfo, "gateway.listening",
        {{"address", http_gateway->address()},
         {"static_root", absl::GetFlag(FLAGS_http_root)}});
  }

  const std::string listen = absl::GetFlag(FLAGS_listen);
  const std::string address =
      absl::StrCat(listen.substr(0, listen.rfind(':')), ":", port);
  // Every record write is a command of Kepu's Redis module: say at once when
  // Redis lacks it (calls answer UNAVAILABLE until it is loaded).
  if (absl::StatusOr<bool> has = HasRecordWriteCommand(redis);
      has.ok() && !*has) {
    Log(LogLevel::kError, "kepud.redis_module_missing",
        {{"message", std::string(NoRecordWriteCommandError().message())}});
  }
  Log(LogLevel::kInfo, "kepud.listening",
      {{"address", address},
       {"redis", absl::StrCat(redis_options->host, ":", redis_options->port)},
       {"services", absl::StrJoin(names, ",")}});

  // One watchdog thread per background tenant.
  absl::Notification stop_watchdogs;
  std::vector<std::unique_ptr<Watchdog>> watchdogs;
  std::vector<std::thread> watchdog_threads;
  if (absl::GetFlag(FLAGS_watchdog)) {
    WatchdogOptions options;
    options.max_sleep = absl::GetFlag(FLAGS_watchdog_interval);
    for (const std::string& tenant : background) {
      absl::StatusOr<OrderDomain*> domain = orders.Get(tenant);
      if (!domain.ok()) {
        return Fail(
            absl::StrCat("--background_tenants: ", domain.status().message()));
      }
      watchdogs.push_back(std::make_unique<Watchdog>(
          (*domain)->store, (*domain)->workflow, clock, tenant, options));
    }
    for (const std::unique_ptr<Watchdog>& watchdog : watchdogs) {
      watchdog_threads.emplace_back(
          [&stop_watchdogs, w = watchdog.get()] { w->Run(stop_watchdogs); });
    }
  }

  // Delivery workers of the outbox: --notify_workers per background tenant,
  // each on its own connection (a blocking read holds it), each with an SMS
  // worker when there is a provider.
  std::optional<notify::HttpSmsConfig> sms_config;
  if (!absl::GetFlag(FLAGS_sms_endpoint).empty()) {
    if (absl::Status init = notify::InitHttpGlobally(); !init.ok()) {
      return Fail(init.message());
    }
    const char* key = std::getenv("KEPU_SMS_API_KEY");
    sms_config =
        notify::HttpSmsConfig{.endpoint = absl::GetFlag(FLAGS_sms_endpoint),
                              .api_key = key != nullptr ? key : "",
                              .sign_name = absl::GetFlag(FLAGS_sms_sign_name),
                              .http = {}};
  } else {
    Log(LogLevel::kInfo, "kepud.sms_off",
        {{"detail", "no --sms_endpoint: notifications reach the inbox only"}});
  }
  SmsDeliveryOptions sms_options;
  sms_options.daily_cap = absl::GetFlag(FLAGS_sms_daily_cap);
  sms_options.first_backoff = absl::GetFlag(FLAGS_sms_first_backoff);
  absl::Notification stop_delivery;
  std::vector<std::unique_ptr<NotifyWorker>> notify_workers;
  std::vector<std::thread> notify_threads;
  for (const std::string& tenant : background) {
    for (int i = 0; i < absl::GetFlag(FLAGS_notify_workers); ++i) {
      absl::StatusOr<IdentityDomain*> people = identity.Get(tenant);
      if (!people.ok()) return Fail(people.status().message());
      DeliveryOptions options;
      options.consumer = absl::StrCat(ConsumerPrefix(), "-", i);
      options.claim_idle = absl::GetFlag(FLAGS_notify_claim_idle);
      options.queue_sms = sms_config.has_value();
      notify_workers.push_back(std::make_unique<NotifyWorker>(
          *redis_options, tenant, view_of(tenant), (*people)->store,
          std::move(options), sms_config, sms_options));
    }
  }
  for (const std::unique_ptr<NotifyWorker>& worker : notify_workers) {
    notify_threads.emplace_back(
        [&stop_delivery, w = worker.get()] { w->delivery.Run(stop_delivery); });
    if (worker->sms != nullptr) {
      notify_threads.emplace_back(
          [&stop_delivery, w = worker.get()] { w->sms->Run(stop_delivery); });
    }
  }

  const int signal = WaitForStopSignal(stop_signals);
  Log(LogLevel::kInfo, "kepud.stopping", {{"signal", absl::StrCat(signal)}});
  // The watchdogs stop first: no move is started after the signal (one in
  // progress finishes; an order it had claimed comes back after the lease).
  stop_watchdogs.Notify();
  for (std::thread& thread : watchdog_threads) thread.join();
  // A delivery in progress finishes its round; what it had not acknowledged
  // is taken over by another worker (or this one after a restart).
  stop_delivery.Notify();
  for (std::thread& thread : notify_threads) thread.join();
  health->Shutdown();  // every service NOT_SERVING from now on
  Log(LogLevel::kInfo, "kepud.draining",
      {{"drain_delay", absl::FormatDuration(absl::GetFlag(FLAGS_drain_delay))},
       {"calls_in_progress", absl::StrCat(calls.in_progress())}});
  absl::SleepFor(absl::GetFlag(FLAGS_drain_delay));

  const absl::Time deadline =
      absl::Now() + absl::GetFlag(FLAGS_shutdown_timeout);
  // The gateway's calls in flight finish first (they are the server's calls).
  if (http_gateway != nullptr) http_gateway->Stop(deadline);

  // Server::Shutdown stops new calls at once, but then also waits (up to its
  // deadline) for clients to close idle connections. Run it aside and end as
  // soon as the calls that were in flight have finished.
  absl::Notification shut_down;
  std::thread shutdown([&] {
    server->Shutdown(absl::ToChronoTime(deadline));
    shut_down.Notify();
  });
  matching_workers.reset();  // after the batches in progress
  const bool finished = calls.WaitIdle(deadline);
  Log(LogLevel::kInfo, "kepud.stopped",
      {{"unfinished_calls", absl::StrCat(finished ? 0 : calls.in_progress())}});
  if (!shut_down.WaitForNotificationWithDeadline(absl::Now() +
                                                 absl::Milliseconds(200))) {
    // Only idle connections are left: nothing to finish, nothing to save.
    std::_Exit(0);
  }
  shutdown.join();
  server->Wait();
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kepud: the Kepu server (all services in one process)");
  absl::ParseCommandLine(argc, argv);
  kepu::RouteProtobufLogs();
  // Debian's Abseil is built to check every mutex acquisition for lock-order
  // cycles (a graph lookup per lock, a tenth of kepud's CPU under load). Unit
  // tests keep the check; the server does not pay for it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  return kepu::Run();
}
