#include "services/gateway/gateway_server.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/strand.hpp"
#include "services/gateway/session.h"

namespace kepu::gateway {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

namespace {

// host:port → endpoint ("localhost" is 127.0.0.1; IPv6 in brackets).
absl::StatusOr<tcp::endpoint> EndpointOf(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", listen, "\" is not host:port"));
  }
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  boost::system::error_code error;
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen host \"", host, "\" is not an IP address"));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

GatewayServer::GatewayServer(GatewayOptions options,
                             std::shared_ptr<grpc::Channel> backend,
                             MethodTable methods)
    : options_(std::move(options)),
      methods_(std::move(methods)),
      backend_(std::move(backend)),
      stub_(backend_),
      io_(std::max(1, options_.threads)),
      acceptor_(asio::make_strand(io_)),
      accept_backoff_(acceptor_.get_executor()) {}

absl::Status GatewayServer::Listen() {
  absl::StatusOr<tcp::endpoint> endpoint = EndpointOf(options_.listen);
  if (!endpoint.ok()) return endpoint.status();
  boost::system::error_code error;
  acceptor_.open(endpoint->protocol(), error);
  if (!error)
    acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(*endpoint, error);
  if (!error)
    acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen, ": ", error.message()));
  }
  const tcp::endpoint bound = acceptor_.local_endpoint(error);
  const std::string host = bound.address().to_string();
  address_ =
      absl::StrCat(bound.address().is_v6() ? "[" : "", host,
                   bound.address().is_v6() ? "]" : "", ":", bound.port());
  return absl::OkStatus();
}

void GatewayServer::Accept() {
  acceptor_.async_accept(
      asio::make_strand(io_),
      [this](boost::system::error_code error, tcp::socket socket) {
        if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
          return;
        }
        if (error) {
          // Say, out of file descriptors: the listener stays readable, so an
          // immediate retry would spin.
          accept_backoff_.expires_after(std::chrono::milliseconds(100));
          accept_backoff_.async_wait([this](boost::system::error_code waited) {
            if (!waited && acceptor_.is_open()) Accept();
          });
          return;
        }
        boost::system::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        std::make_shared<Session>(std::move(socket), *this)->Start();
        Accept();
      });
}

void GatewayServer::Run() {
  asio::dispatch(acceptor_.get_executor(), [this] { Accept(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

bool GatewayServer::BeginCall(std::shared_ptr<grpc::ClientContext> context,
                              bool streaming) {
  absl::MutexLock lock(&mu_);
  if (stopping_) return false;
  grpc::ClientContext* key = context.get();
  (streaming ? streams_ : unary_).emplace(key, std::move(context));
  return true;
}

void GatewayServer::EndCall(grpc::ClientContext* context) {
  absl::MutexLock lock(&mu_);
  unary_.erase(context);
  streams_.erase(context);
}

void GatewayServer::AddSession(std::weak_ptr<Session> session) {
  absl::MutexLock lock(&sessions_mu_);
  if (sessions_.size() >= prune_sessions_at_) {
    sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                   [](const std::weak_ptr<Session>& s) {
                                     return s.expired();
                                   }),
                    sessions_.end());
    prune_sessions_at_ = std::max<size_t>(64, 2 * sessions_.size());
  }
  sessions_.push_back(std::move(session));
}

void GatewayServer::BeginResponse() {
  absl::MutexLock lock(&mu_);
  ++responding_;
}

void GatewayServer::EndResponse() {
  absl::MutexLock lock(&mu_);
  --responding_;
}

void GatewayServer::Stop(absl::Time deadline) {
  Calls streams;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
    streams = streams_;
  }
  CancelAll(streams);
  // No new connection from here on.
  absl::Notification closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    closed.Notify();
  });
  closed.WaitForNotification();
  // Unary calls in flight finish until the deadline, then are cancelled.
  auto unary_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return unary_.empty();
  };
  Calls late;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithDeadline(absl::Condition(&unary_done), deadline)) {
      late = unary_;
    }
  }
  CancelAll(late);
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&unary_done));
    // Their answers are on the strands: let them be written (a moment past
    // the deadline at most).
    auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return responding_ == 0;
    };
    mu_.AwaitWithDeadline(
        absl::Condition(&answered),
        std::max(deadline, absl::Now() + absl::Milliseconds(200)));
  }
  // Close every connection: idle keep-alive ones, and event streams (one
  // stuck on a client that stopped reading ends here too, its write failing).
  std::vector<std::weak_ptr<Session>> sessions;
  {
    absl::MutexLock lock(&sessions_mu_);
    sessions.swap(sessions_);
  }
  for (const std::weak_ptr<Session>& weak : sessions) {
    if (std::shared_ptr<Session> session = weak.lock()) session->PostClose();
  }
  {
    absl::MutexLock lock(&mu_);
    auto calls_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return unary_.empty() && streams_.empty();
    };
    mu_.Await(absl::Condition(&calls_done));
  }
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void GatewayServer::CancelAll(const Calls& calls) {
  for (const auto& [key, context] : calls) context->TryCancel();
}

}  // namespace kepu::gateway
