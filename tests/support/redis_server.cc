#include "tests/support/redis_server.h"

#include <signal.h>
#include <sys/wait.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace kepu::testing {

absl::StatusOr<std::unique_ptr<RedisServer>> RedisServer::Start(
    RedisServerOptions options) {
  auto server =
      std::unique_ptr<RedisServer>(new RedisServer(std::move(options)));
  server->dir_ = MakeTempDir("kepu-redis");
  if (server->dir_.empty())
    return absl::InternalError("cannot make a temporary folder");
  absl::Status started;
  // Another process may take the free port between our check and redis's bind:
  // try again.
  for (int attempt = 0; attempt < 5; ++attempt) {
    server->port_ = FreePort();
    started = server->Launch();
    if (started.ok()) return server;
  }
  return started;
}

absl::Status RedisServer::Launch() {
  auto process = Subprocess::Start(
      {"redis-server", "--port", absl::StrCat(port_), "--bind", "127.0.0.1",
       "--dir", dir_, "--appendonly",
       options_.appendfsync == "off" ? "no" : "yes", "--appendfsync",
       options_.appendfsync == "off" ? "always" : options_.appendfsync,
       "--save", "", "--logfile", "", "--daemonize", "no", "--maxmemory-policy",
       "noeviction", "--protected-mode", "yes",
       // DEBUG DIGEST lets tests prove that a refused or repeated call wrote
       // nothing.
       "--enable-debug-command", "local"});
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> ready =
      (*process)->WaitForText("Ready to accept connections", absl::Seconds(30));
  if (!ready.ok()) return ready.status();
  process_ = std::move(*process);
  return absl::OkStatus();
}

RedisServer::~RedisServer() {
  if (process_ != nullptr) {
    process_->Signal(SIGTERM);
    (void)process_->Wait(absl::Seconds(10));
    process_.reset();
  }
  RemoveTree(dir_);
}

std::string RedisServer::address() const {
  return absl::StrCat("127.0.0.1:", port_);
}

RedisOptions RedisServer::ClientOptions(int connections) const {
  RedisOptions options;
  options.host = "127.0.0.1";
  options.port = port_;
  options.connections = connections;
  options.connect_timeout = absl::Milliseconds(500);
  options.command_timeout = absl::Seconds(5);
  options.reconnect_backoff = absl::Milliseconds(50);
  return options;
}

absl::Status RedisServer::Kill() {
  if (process_ == nullptr) return absl::FailedPreconditionError("not running");
  process_->Signal(SIGKILL);
  absl::StatusOr<int> status = process_->Wait(absl::Seconds(10));
  if (!status.ok()) return status.status();
  process_.reset();
  return absl::OkStatus();
}

absl::Status RedisServer::Restart() {
  if (process_ != nullptr)
    return absl::FailedPreconditionError("still running");
  return Launch();
}

}  // namespace kepu::testing
