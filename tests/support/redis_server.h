// A real redis-server for integration tests: started on a free loopback port
// with a fresh temporary folder, the project's durability settings (AOF,
// appendfsync always), and removed with the folder when the test is done.
#pragma once

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "services/core/redis/redis_client.h"
#include "tests/support/subprocess.h"

namespace kepu::testing {

// Kepu's Redis module (services/core/redis/module), which every redis-server a
// test starts loads: $KEPU_REDIS_MODULE when set, else this build's.
std::string RedisModulePath();

struct RedisServerOptions {
  // The append-only file's fsync policy: "always" (the project's default),
  // "everysec", "no"; or "off" for no append-only file at all.
  std::string appendfsync = "always";
  // Load Kepu's module (false: a Redis as one without it would be).
  bool kepu_module = true;
};

class RedisServer {
 public:
  // Starts redis-server and waits until it accepts connections.
  static absl::StatusOr<std::unique_ptr<RedisServer>> Start(
      RedisServerOptions options = {});
  // Stops the server and removes its folder.
  ~RedisServer();

  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string address() const;
  // Client options pointing at this server, with short timeouts for tests.
  RedisOptions ClientOptions(int connections = 4) const;

  // Kills the server with SIGKILL (no chance to save anything but what AOF
  // already has).
  absl::Status Kill();
  // Starts it again on the same port and folder, loading the AOF; waits until
  // ready.
  absl::Status Restart();

  // Stops the server with SIGSTOP and returns once it is stopped: it reads and
  // answers nothing, yet the kernel still accepts TCP connections for it (as a
  // hung Redis behaves). The destructor and Kill thaw it first if needed.
  absl::Status Freeze();
  // Resumes a frozen server with SIGCONT and returns once it runs again.
  absl::Status Thaw();

 private:
  explicit RedisServer(RedisServerOptions options)
      : options_(std::move(options)) {}
  absl::Status Launch();

  const RedisServerOptions options_;
  int port_ = 0;
  std::string dir_;
  std::unique_ptr<Subprocess> process_;
  bool frozen_ = false;
};

}  // namespace kepu::testing
