// What every kepuctl command works with: the global options, the profile and
// its token, one channel to kepud with a stub per service, the output streams,
// and request ids.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "clients/kepuctl/args.h"
#include "clients/kepuctl/config.h"
#include "google/protobuf/message.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "kepu/v1/claims.grpc.pb.h"
#include "kepu/v1/directory.grpc.pb.h"
#include "kepu/v1/dispatch.grpc.pb.h"
#include "kepu/v1/fulfilment.grpc.pb.h"
#include "kepu/v1/identity.grpc.pb.h"
#include "kepu/v1/matching.grpc.pb.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "kepu/v1/watchdog.grpc.pb.h"
#include "services/rpc/grpc_status.h"

namespace kepu::ctl {

struct Options {
  std::string server = std::string(kDefaultServer);
  // Whether --server was given (it then wins over the profile's server).
  bool server_given = false;
  std::string profile = "default";
  bool json = false;
  // The deadline of each unary call (watch streams have none).
  absl::Duration timeout = absl::Seconds(10);
  // The configuration file.
  std::string config_path;
};

class Cli {
 public:
  Cli(Options options, Config config, std::ostream& out, std::ostream& err);

  const Options& options() const { return options_; }
  bool json() const { return options_.json; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  // Whether err() is a terminal (progress bars redraw in place).
  bool err_is_terminal() const { return err_is_terminal_; }
  void set_err_is_terminal(bool value) { err_is_terminal_ = value; }

  Config& config() { return config_; }
  // The profile of --profile (created empty when missing).
  Profile& profile() { return config_.profile(options_.profile); }
  // Writes the configuration file (mode 0600).
  absl::Status SaveConfig() { return config_.Save(options_.config_path); }

  // --server when given, else the profile's, else 127.0.0.1:7070.
  std::string server() const;
  // The profile's tenant, else "jining".
  std::string tenant() const;
  // The bearer token sent with each call: the override, else the profile's.
  std::string token() const;
  void set_token_override(std::string token) {
    token_override_ = std::move(token);
  }

  // Stubs over one channel to server(), made on first use.
  v1::IdentityService::Stub& identity();
  v1::DirectoryService::Stub& directory();
  v1::OrderService::Stub& orders();
  v1::DispatchService::Stub& dispatch();
  v1::ClaimService::Stub& claims();
  v1::FulfilmentService::Stub& fulfilment();
  v1::MatchingService::Stub& matching();
  v1::WatchdogService::Stub& watchdog();
  grpc::health::v1::Health::Stub& health();

  // A client context carrying "authorization: Bearer <token>" (when signed
  // in) and "x-kepu-tenant", with the --timeout deadline unless `streaming`.
  std::unique_ptr<grpc::ClientContext> NewContext(bool streaming = false) const;

  // Calls one unary method, e.g.
  //   cli.Call(cli.orders(), &v1::OrderService::Stub::GetOrder, request).
  template <typename Stub, typename Request, typename Response>
  absl::StatusOr<Response> Call(
      Stub& stub,
      grpc::Status (Stub::*method)(grpc::ClientContext*, const Request&,
                                   Response*),
      const Request& request) {
    std::unique_ptr<grpc::ClientContext> context = NewContext();
    Response response;
    grpc::Status status = (stub.*method)(context.get(), request, &response);
    if (!status.ok()) return ToAbslStatus(status);
    return response;
  }

  // The request id of a mutating command: --request-id, or a fresh random
  // one (26 characters of Crockford base32). The last one is remembered so
  // that a failed call can say how to retry it safely.
  std::string RequestId(const Args& args);
  // The flags that repeat the last mutating call exactly ("--request-id=X",
  // plus "--version=N" for a move on a versioned record), for the hint kepuctl
  // prints when the call's outcome is unknown (UNAVAILABLE, DEADLINE_EXCEEDED).
  const std::string& retry_hint() const { return retry_hint_; }
  void set_retry_hint(std::string hint) { retry_hint_ = std::move(hint); }

  // Prints the message as one line of JSON.
  void PrintJson(const google::protobuf::Message& message);

  absl::Time Now() const { return absl::Now(); }

 private:
  std::shared_ptr<grpc::Channel> Channel();

  Options options_;
  Config config_;
  std::ostream& out_;
  std::ostream& err_;
  bool err_is_terminal_ = false;
  std::string token_override_;
  std::string retry_hint_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::IdentityService::Stub> identity_;
  std::unique_ptr<v1::DirectoryService::Stub> directory_;
  std::unique_ptr<v1::OrderService::Stub> orders_;
  std::unique_ptr<v1::DispatchService::Stub> dispatch_;
  std::unique_ptr<v1::ClaimService::Stub> claims_;
  std::unique_ptr<v1::FulfilmentService::Stub> fulfilment_;
  std::unique_ptr<v1::MatchingService::Stub> matching_;
  std::unique_ptr<v1::WatchdogService::Stub> watchdog_;
  std::unique_ptr<grpc::health::v1::Health::Stub> health_;
};

// A fresh random request id: 26 characters of Crockford base32.
std::string RandomRequestId();

}  // namespace kepu::ctl
