#include "tests/support/redis_server.h"

#include <signal.h>
#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace kepu::testing {
namespace {

// The state letter of /proc/<pid>/stat: 'T' stopped by a signal, 'S'
// sleeping, 'R' running, ...; '?' when it cannot be read.
char ProcessState(pid_t pid) {
  std::ifstream file(absl::StrCat("/proc/", pid, "/stat"));
  const std::string stat((std::istreambuf_iterator<char>(file)),
                         std::istreambuf_iterator<char>());
  // "pid (name) state ...": the name may hold spaces and parentheses.
  const size_t name_end = stat.rfind(')');
  if (name_end == std::string::npos || name_end + 2 >= stat.size()) return '?';
  return stat[name_end + 2];
}

// Waits until `pid` is stopped (or until it no longer is), for at most 10 s.
absl::Status AwaitStopped(pid_t pid, bool stopped) {
  const absl::Time deadline = absl::Now() + absl::Seconds(10);
  while ((ProcessState(pid) == 'T') != stopped) {
    if (absl::Now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat(
          "redis-server ", pid, stopped ? " did not stop" : " did not resume",
          " within 10 s (state ", std::string(1, ProcessState(pid)), ")"));
    }
    absl::SleepFor(absl::Milliseconds(1));
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedisModulePath() {
  const char* path = std::getenv("KEPU_REDIS_MODULE");
  // Absolute: redis-server enters its --dir before it loads modules.
  return std::filesystem::absolute(
             path != nullptr && *path != '\0' ? path : KEPU_REDIS_MODULE)
      .string();
}

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
  std::vector<std::string> args = {
      "redis-server", "--port", absl::StrCat(port_), "--bind", "127.0.0.1",
      "--dir", dir_, "--appendonly",
      options_.appendfsync == "off" ? "no" : "yes", "--appendfsync",
      options_.appendfsync == "off" ? "always" : options_.appendfsync, "--save",
      "", "--logfile", "", "--daemonize", "no", "--maxmemory-policy",
      "noeviction", "--protected-mode", "yes",
      // DEBUG DIGEST lets tests prove that a refused or repeated call wrote
      // nothing.
      "--enable-debug-command", "local"};
  if (options_.kepu_module) {
    // Kepu's record writes (services/core/redis/module).
    args.insert(args.end(), {"--loadmodule", RedisModulePath()});
  }
  auto process = Subprocess::Start(args);
  if (!process.ok()) return process.status();
  absl::StatusOr<std::string> ready =
      (*process)->WaitForText("Ready to accept connections", absl::Seconds(30));
  if (!ready.ok()) return ready.status();
  process_ = std::move(*process);
  return absl::OkStatus();
}

RedisServer::~RedisServer() {
  if (frozen_) (void)Thaw();  // a stopped process would not heed SIGTERM
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
  process_->Signal(SIGKILL);  // ends a stopped process too
  frozen_ = false;
  absl::StatusOr<int> status = process_->Wait(absl::Seconds(10));
  if (!status.ok()) return status.status();
  process_.reset();
  return absl::OkStatus();
}

absl::Status RedisServer::Freeze() {
  if (process_ == nullptr) return absl::FailedPreconditionError("not running");
  process_->Signal(SIGSTOP);
  frozen_ = true;
  return AwaitStopped(process_->pid(), true);
}

absl::Status RedisServer::Thaw() {
  if (process_ == nullptr) return absl::FailedPreconditionError("not running");
  process_->Signal(SIGCONT);
  frozen_ = false;
  return AwaitStopped(process_->pid(), false);
}

absl::Status RedisServer::Restart() {
  if (process_ != nullptr)
    return absl::FailedPreconditionError("still running");
  return Launch();
}

}  // namespace kepu::testing
