// A small Redis client over hiredis: a few shared, automatically pipelined
// connections, one deadline per call, reconnects, pipelines and Lua scripts
// run with EVALSHA.
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
  // The longest one connect may take (within the call's command_timeout).
  absl::Duration connect_timeout = absl::Milliseconds(500);
  // How long a call may take, from its start to its answer, before it answers
  // kUnavailable: everything it waits for comes out of this (see RedisClient).
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

// Thread-safe.
//
// Time: every call (Command, Pipeline, Eval) answers within
// options().command_timeout of its start, plus the time the machine takes to
// schedule its thread. That budget is the call's deadline and covers all it
// may wait for: its turn on a shared connection, a connect, the round trip, a
// second round trip after a broken connection, and for Eval the script's
// loading. Whatever other callers do (a hung Redis included), no call waits
// past its own deadline.
//
// Answers: kUnavailable when Redis cannot be reached, does not answer by the
// deadline, or the connection breaks, or when it answers that it cannot serve
// now (LOADING after a restart, READONLY on a replica after a failover, BUSY,
// MASTERDOWN, TRYAGAIN, CLUSTERDOWN, NOREPLICAS); other Redis error replies
// are returned as replies (IsError()), not as a Status. kUnavailable does not
// say whether Redis ran the commands: sent commands may have run, or may still
// run later (a hung Redis runs what it had received when it resumes); commands
// whose caller gave up before they were sent are never sent. A call that finds
// a connection broken (Redis restarted) reconnects and sends once more. So
// callers must only send commands that are safe to repeat (reads, and writes
// guarded by an idempotency key), and may retry a kUnavailable call.
//
// Recovery: a connection whose round trip failed or timed out is closed, so a
// late reply is never taken for another call's; the next call on it connects
// again (each connect bounded by connect_timeout and by the call's deadline).
// After a failed connect, calls answer kUnavailable at once for
// reconnect_backoff, then one tries again. So calls answer OK again by
// themselves, without any restart, as soon as Redis does.
//
// Calls share connections. A caller that finds its connection idle sends its
// commands and reads the replies itself; callers that arrive meanwhile queue
// theirs, and when the round trip is over the one of them with the latest
// deadline (or a caller arriving before it wakes) sends all queued commands in
// one write and reads all their replies (leader/follower, no I/O thread). Under
// load this batches commands, which saves Redis a read and a write system call
// per command. A leader waits for Redis until its own deadline at most, then
// fails the commands of its batch still unanswered (so a call may answer
// kUnavailable a little before its own deadline); a queued caller leaves at
// its own deadline, whether its commands were sent or not.
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

  // Connects `connection` if it is not connected, giving up at `deadline`.
  // Fails fast while Redis is known to be down. Called by a connection's
  // leader only.
  absl::Status EnsureConnected(Connection& connection, absl::Time deadline);
  // Sends the commands of `batch` and reads their replies, waiting until
  // `deadline` at most; fills each request's replies or status. Called by a
  // connection's leader only.
  void RoundTrip(Connection& connection,
                 const std::vector<std::shared_ptr<Request>>& batch,
                 absl::Time deadline);
  // Queues `request` on a connection and returns true when it has been
  // answered, false when its deadline came first.
  bool Submit(const std::shared_ptr<Request>& request);
  // Submit, once more if a connection that had worked before broke; all by
  // `deadline`.
  absl::StatusOr<std::vector<RedisReply>> Send(
      const std::vector<std::vector<absl::string_view>>& commands,
      absl::Time deadline);
  // Command, by `deadline`.
  absl::StatusOr<RedisReply> CommandBy(
      const std::vector<absl::string_view>& argv, absl::Time deadline);
  // kUnavailable: no answer within the command timeout.
  absl::Status TimedOut() const;

  const RedisOptions options_;
  std::vector<std::unique_ptr<Connection>> connections_;
  std::atomic<uint32_t> next_connection_{0};
  absl::Mutex down_mu_;
  absl::Time down_until_ ABSL_GUARDED_BY(down_mu_) = absl::InfinitePast();
};

}  // namespace kepu
