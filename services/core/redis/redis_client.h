// A small Redis client over hiredis: a few shared, automatically pipelined
// connections with
// connect and command timeouts, reconnects, pipelines and Lua scripts run with
// EVALSHA.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

struct redisContext;
struct redisReply;

namespace kepu {

struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  // Optional AUTH password.
  std::string password;
  absl::Duration connect_timeout = absl::Milliseconds(500);
  // How long one round trip may take before the call answers kUnavailable.
  absl::Duration command_timeout = absl::Seconds(2);
  // After a failed connect, calls answer kUnavailable at once for this long
  // instead of trying again (fail fast while Redis is down), then one call
  // tries again.
  absl::Duration reconnect_backoff = absl::Milliseconds(100);
  // Connections to Redis. Callers share them: the commands of callers that
  // arrive while a connection is busy go out together in its next round trip
  // (pipelined), so a few connections serve many threads.
  int connections = 4;
};

// Parses "host:port" (or ":port", "host") into options with defaults for the
// rest.
absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address);

// A reply, or one element of a reply; cheap to copy (shares the underlying
// reply).
class RedisReply {
 public:
  bool IsNil() const;
  // A Redis error reply (e.g. a script's redis.error_reply); Str() holds the
  // message.
  bool IsError() const;
  // A bulk or status string.
  bool IsString() const;
  bool IsInteger() const;
  bool IsArray() const;
  // The text of a string, status or error reply; empty otherwise.
  absl::string_view Str() const;
  int64_t Integer() const;
  // The number of elements of an array reply; 0 otherwise.
  size_t Size() const;
  RedisReply operator[](size_t index) const;

 private:
  friend class RedisClient;
  RedisReply(std::shared_ptr<const redisReply> root, const redisReply* node)
      : root_(std::move(root)), node_(node) {}

  std::shared_ptr<const redisReply> root_;
  const redisReply* node_;
};

// A Lua script, loaded into Redis once (SCRIPT LOAD) and called with EVALSHA;
// loaded again when Redis answers NOSCRIPT (e.g. after a restart). Thread-safe.
class LuaScript {
 public:
  LuaScript(std::string name, absl::string_view body)
      : name_(std::move(name)), body_(body) {}

  const std::string& name() const { return name_; }
  const std::string& body() const { return body_; }

 private:
  friend class RedisClient;
  std::string Sha() const;
  void SetSha(std::string sha) const;

  const std::string name_;
  const std::string body_;
  mutable absl::Mutex mu_;
  mutable std::string sha_ ABSL_GUARDED_BY(mu_);
};

// Thread-safe. Every call answers kUnavailable when Redis cannot be reached,
// does not answer in time, or the connection breaks, or answers that it cannot
// serve now (LOADING after a restart, READONLY on a replica after a failover,
// BUSY, MASTERDOWN, TRYAGAIN, CLUSTERDOWN, NOREPLICAS); other Redis error
// replies are returned as replies (IsError()), not as a Status. A call that
// finds a connection broken (Redis restarted) reconnects and sends once more:
// callers must only send commands that are safe to repeat (reads, and writes
// guarded by an idempotency key).
//
// Calls share connections. A caller that finds its connection idle sends its
// commands and reads the replies itself; callers that arrive meanwhile queue
// theirs, and when the round trip is over one of them sends all queued commands
// in one write and reads all their replies (leader/follower, no I/O thread).
// Under load this batches commands, which saves Redis a read and a write
// system call per command.
class RedisClient {
 public:
  explicit RedisClient(RedisOptions options);
  ~RedisClient();
  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;

  absl::StatusOr<RedisReply> Command(
      const std::vector<absl::string_view>& argv);

  // Sends every command, then reads every reply, in one round trip; no other
  // caller's commands come between them.
  absl::StatusOr<std::vector<RedisReply>> Pipeline(
      const std::vector<std::vector<absl::string_view>>& commands);

  // EVALSHA `script` with `keys` and `args`.
  absl::StatusOr<RedisReply> Eval(const LuaScript& script,
                                  const std::vector<absl::string_view>& keys,
                                  const std::vector<absl::string_view>& args);

  const RedisOptions& options() const { return options_; }

 private:
  struct Connection;
  struct Request;

  // Connects `connection` if it is not connected. Fails fast while Redis is
  // known to be down. Called by a connection's leader only.
  absl::Status EnsureConnected(Connection& connection);
  // Sends the commands of `batch` and reads their replies; fills each request's
  // replies or status. Called by a connection's leader only.
  void RoundTrip(Connection& connection, const std::vector<Request*>& batch);
  // Queues `request` on a connection and returns when it has been answered.
  void Submit(Request& request);
  // Submit, once more if a connection that had worked before broke.
  absl::StatusOr<std::vector<RedisReply>> Send(
      const std::vector<std::vector<absl::string_view>>& commands);

  const RedisOptions options_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<uint32_t> next_connection_{0};
  absl::Mutex down_mu_;
  absl::Time down_until_ ABSL_GUARDED_BY(down_mu_) = absl::InfinitePast();
};

}  // namespace kepu
