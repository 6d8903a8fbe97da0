#include "clients/kepuctl/cli.h"

#include <chrono>
#include <utility>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "clients/kepuctl/output.h"

namespace kepu::ctl {

Cli::Cli(Options options, Config config, std::ostream& out, std::ostream& err)
    : options_(std::move(options)),
      config_(std::move(config)),
      out_(out),
      err_(err) {}

std::string Cli::server() const {
  if (options_.server_given) return options_.server;
  const Profile* profile = config_.Find(options_.profile);
  if (profile != nullptr && !profile->server.empty()) return profile->server;
  return options_.server;
}

std::string Cli::tenant() const {
  const Profile* profile = config_.Find(options_.profile);
  if (profile != nullptr && !profile->tenant.empty()) return profile->tenant;
  return std::string(kDefaultTenant);
}

std::string Cli::token() const {
  if (!token_override_.empty()) return token_override_;
  const Profile* profile = config_.Find(options_.profile);
  return profile != nullptr ? profile->token : "";
}

std::shared_ptr<grpc::Channel> Cli::Channel() {
  if (channel_ == nullptr) {
    channel_ =
        grpc::CreateChannel(server(), grpc::InsecureChannelCredentials());
  }
  return channel_;
}

namespace {

template <typename Service>
typename Service::Stub& StubOf(std::unique_ptr<typename Service::Stub>& slot,
                               const std::shared_ptr<grpc::Channel>& channel) {
  if (slot == nullptr) slot = Service::NewStub(channel);
  return *slot;
}

}  // namespace

v1::IdentityService::Stub& Cli::identity() {
  return StubOf<v1::IdentityService>(identity_, Channel());
}
v1::DirectoryService::Stub& Cli::directory() {
  return StubOf<v1::DirectoryService>(directory_, Channel());
}
v1::OrderService::Stub& Cli::orders() {
  return StubOf<v1::OrderService>(orders_, Channel());
}
v1::DispatchService::Stub& Cli::dispatch() {
  return StubOf<v1::DispatchService>(dispatch_, Channel());
}
v1::ClaimService::Stub& Cli::claims() {
  return StubOf<v1::ClaimService>(claims_, Channel());
}
v1::FulfilmentService::Stub& Cli::fulfilment() {
  return StubOf<v1::FulfilmentService>(fulfilment_, Channel());
}
v1::MatchingService::Stub& Cli::matching() {
  return StubOf<v1::MatchingService>(matching_, Channel());
}
v1::WatchdogService::Stub& Cli::watchdog() {
  return StubOf<v1::WatchdogService>(watchdog_, Channel());
}
grpc::health::v1::Health::Stub& Cli::health() {
  return StubOf<grpc::health::v1::Health>(health_, Channel());
}

std::unique_ptr<grpc::ClientContext> Cli::NewContext(bool streaming) const {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!streaming) {
    context->set_deadline(std::chrono::system_clock::now() +
                          absl::ToChronoMilliseconds(options_.timeout));
  }
  const std::string bearer = token();
  if (!bearer.empty()) {
    context->AddMetadata("authorization", absl::StrCat("Bearer ", bearer));
  }
  context->AddMetadata("x-kepu-tenant", tenant());
  return context;
}

std::string Cli::RequestId(const Args& args) {
  std::string id = args.GetOr("request-id", RandomRequestId());
  retry_hint_ = absl::StrCat("--request-id=", id);
  return id;
}

void Cli::PrintJson(const google::protobuf::Message& message) {
  out_ << ToJson(message) << "\n";
}

std::string RandomRequestId() {
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  absl::BitGen random;
  std::string id(26, '0');
  for (char& c : id) c = kAlphabet[absl::Uniform<size_t>(random, 0, 32)];
  return id;
}

}  // namespace kepu::ctl
