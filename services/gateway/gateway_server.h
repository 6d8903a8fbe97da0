// The gateway's server: the listening socket, the threads that run every
// connection, the registry of the calls and connections in flight, and the
// graceful stop. Connections (session.h) and the handlers reach the options,
// the method table and the backend through it.
//
// Thread-safe: every method may be called from any thread, except Stop, which
// must not be called from one of the gateway's own threads (it joins them).
#ifndef KEPU_SERVICES_GATEWAY_GATEWAY_SERVER_H_
#define KEPU_SERVICES_GATEWAY_GATEWAY_SERVER_H_

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio/io_context.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/steady_timer.hpp"
#include "grpcpp/channel.h"
#include "grpcpp/client_context.h"
#include "grpcpp/generic/generic_stub.h"
#include "services/gateway/http_gateway.h"
#include "services/gateway/method_table.h"

namespace kepu::gateway {

class Session;

class GatewayServer {
 public:
  GatewayServer(GatewayOptions options, std::shared_ptr<grpc::Channel> backend,
                MethodTable methods);
  GatewayServer(const GatewayServer&) = delete;
  GatewayServer& operator=(const GatewayServer&) = delete;

  // Binds options().listen. INVALID_ARGUMENT: it is not host:port with an IP
  // address (or "localhost"); UNAVAILABLE: it cannot be bound.
  absl::Status Listen();
  // Accepts connections on options().threads threads, after Listen.
  void Run();
  // Stops accepting at once, cancels event streams, lets unary calls finish
  // until `deadline` (then cancels them), waits a moment for their answers to
  // be written, closes every connection and joins the threads. Idempotent.
  void Stop(absl::Time deadline);

  const GatewayOptions& options() const { return options_; }
  const MethodTable& methods() const { return methods_; }
  grpc::GenericStub& stub() { return stub_; }
  // "host:port" actually listened on (after Listen).
  const std::string& address() const { return address_; }

  // Registers a call about to start; false once stopping (the call must not
  // start). Every registered call ends with EndCall, the last thing its
  // completion does with the server. Stop cancels streaming calls at once and
  // unary ones at its deadline.
  bool BeginCall(std::shared_ptr<grpc::ClientContext> context, bool streaming);
  void EndCall(grpc::ClientContext* context);

  // Every connection, so Stop can close them.
  void AddSession(std::weak_ptr<Session> session);

  // A request has been read and its answer is not written yet: Stop waits
  // for it (a moment past its deadline at most).
  void BeginResponse();
  void EndResponse();

 private:
  using Calls = absl::flat_hash_map<grpc::ClientContext*,
                                    std::shared_ptr<grpc::ClientContext>>;

  void Accept();
  // Cancels every call of `calls` (copied out under the lock: a reaction may
  // run inline and take the lock).
  static void CancelAll(const Calls& calls);

  const GatewayOptions options_;
  const MethodTable methods_;
  std::shared_ptr<grpc::Channel> backend_;
  grpc::GenericStub stub_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  // Waits before accepting again after a failed accept (out of descriptors).
  boost::asio::steady_timer accept_backoff_;
  std::vector<std::thread> threads_;
  std::string address_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Calls in flight, kept alive here so Stop can cancel them outside the lock.
  Calls unary_ ABSL_GUARDED_BY(mu_);
  Calls streams_ ABSL_GUARDED_BY(mu_);
  int responding_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex sessions_mu_;
  // Pruned of closed connections as it grows.
  std::vector<std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(sessions_mu_);
  size_t prune_sessions_at_ ABSL_GUARDED_BY(sessions_mu_) = 64;
};

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_GATEWAY_SERVER_H_
