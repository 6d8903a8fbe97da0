#include "services/core/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

absl::Status Unavailable(absl::string_view what, const RedisOptions& options) {
  return absl::UnavailableError(
      absl::StrCat("redis at ", options.host, ":", options.port, ": ", what));
}

// Error replies that mean "Redis cannot serve this now", as opposed to an
// answer.
bool IsTransientError(absl::string_view error) {
  for (absl::string_view prefix :
       {"LOADING ", "BUSY ", "MASTERDOWN ", "READONLY ", "TRYAGAIN ",
        "CLUSTERDOWN ", "NOREPLICAS "}) {
    if (absl::StartsWith(error, prefix)) return true;
  }
  return false;
}

}  // namespace

absl::StatusOr<RedisOptions> ParseRedisAddress(absl::string_view address) {
  RedisOptions options;
  const size_t colon = address.rfind(':');
  absl::string_view host = address.substr(0, colon);
  if (colon != absl::string_view::npos) {
    if (!absl::SimpleAtoi(address.substr(colon + 1), &options.port) ||
        options.port <= 0 || options.port > 65535) {
      return absl::InvalidArgumentError(
          absl::StrCat("redis address: bad port in ", address));
    }
  }
  if (!host.empty()) options.host = std::string(host);
  return options;
}

// RedisReply

bool RedisReply::IsNil() const { return node_->type == REDIS_REPLY_NIL; }
bool RedisReply::IsError() const { return node_->type == REDIS_REPLY_ERROR; }
bool RedisReply::IsString() const {
  return node_->type == REDIS_REPLY_STRING || node_->type == REDIS_REPLY_STATUS;
}
bool RedisReply::IsInteger() const {
  return node_->type == REDIS_REPLY_INTEGER;
}
bool RedisReply::IsArray() const { return node_->type == REDIS_REPLY_ARRAY; }

absl::string_view RedisReply::Str() const {
  if (IsString() || IsError()) return absl::string_view(node_->str, node_->len);
  return {};
}

int64_t RedisReply::Integer() const { return IsInteger() ? node_->integer : 0; }

size_t RedisReply::Size() const { return IsArray() ? node_->elements : 0; }

RedisReply RedisReply::operator[](size_t index) const {
  return RedisReply(root_, node_->element[index]);
}

// LuaScript

std::string LuaScript::Sha() const {
  absl::MutexLock lock(&mu_);
  return sha_;
}

void LuaScript::SetSha(std::string sha) const {
  absl::MutexLock lock(&mu_);
  sha_ = std::move(sha);
}

// RedisClient

namespace {

// Sets the socket's SO_SNDTIMEO or SO_RCVTIMEO (`option`, last set to `armed`)
// so that one blocking write or read ends by `deadline`; false when it has
// passed. The time left is rounded down to `step`, so successive round trips
// (whose leaders have nearly the whole timeout left) find the socket set
// already and save the system call; a read may end up to one step early.
bool ArmTimeout(int fd, int option, absl::Duration& armed, absl::Time deadline,
                absl::Duration step) {
  const absl::Duration left = deadline - absl::Now();
  if (left < absl::Microseconds(1)) return false;
  const absl::Duration wanted =
      absl::Floor(left, left >= step ? step : absl::Microseconds(1));
  if (wanted == armed) return true;
  const timeval timeout = absl::ToTimeval(wanted);
  if (setsockopt(fd, SOL_SOCKET, option, &timeout, sizeof(timeout)) != 0) {
    return false;
  }
  armed = wanted;
  return true;
}

// How I/O on a connection ended.
enum class Io { kOk, kTimedOut, kFailed };

// Why hiredis I/O failed: a socket timeout (EAGAIN on a blocking socket) is
// the deadline passing, anything else a broken connection.
Io FailureOf(const redisContext& context) {
  return context.err == REDIS_ERR_IO &&
                 (errno == EAGAIN || errno == EWOULDBLOCK)
             ? Io::kTimedOut
             : Io::kFailed;
}

}  // namespace

// One caller's commands, and what came back. Shared by the caller and the
// queue or batch that holds it: a leader may still write into a request whose
// caller has left at its deadline.
struct RedisClient::Request {
  // The commands in Redis protocol, ready to send.
  std::string wire;
  size_t commands = 0;
  // The caller leaves then, answered or not.
  absl::Time deadline;
  // Set by the leader that takes the request, then `done`.
  std::vector<RedisReply> replies;
  absl::Status status;
  // The connection had worked before this round trip broke it.
  bool stale = false;
  // Guarded by the connection's mutex:
  bool done = false;
  bool lead = false;  // chosen to lead the next round trip
};

struct RedisClient::Connection {
  // See ArmTimeout.
  explicit Connection(absl::Duration timeout_step) : step(timeout_step) {}

  absl::Mutex mu;
  // A leader is sending and reading on this connection.
  bool busy ABSL_GUARDED_BY(mu) = false;
  // Requests waiting for the next round trip; between round trips, one of
  // them is chosen to lead it (Request::lead).
  std::vector<std::shared_ptr<Request>> queue ABSL_GUARDED_BY(mu);

  // Touched only by the current leader.
  redisContext* context = nullptr;
  // The connection has answered before (an I/O error may mean it went stale).
  bool used = false;
  // The socket's SO_SNDTIMEO and SO_RCVTIMEO as last set (zero: not set).
  absl::Duration send_timeout;
  absl::Duration receive_timeout;
  const absl::Duration step;

  // Writes what was appended to the context, by `deadline`.
  Io Flush(absl::Time deadline) {
    int written = 0;
    while (written == 0) {
      if (!ArmTimeout(context->fd, SO_SNDTIMEO, send_timeout, deadline, step)) {
        return Io::kTimedOut;
      }
      if (redisBufferWrite(context, &written) != REDIS_OK) {
        return FailureOf(*context);
      }
    }
    return Io::kOk;
  }

  // Reads the next reply into `*reply`, by `deadline`. (redisGetReply would
  // wait up to the socket's timeout on every read.)
  Io Read(absl::Time deadline, void** reply) {
    *reply = nullptr;
    if (redisGetReplyFromReader(context, reply) != REDIS_OK) return Io::kFailed;
    while (*reply == nullptr) {
      if (!ArmTimeout(context->fd, SO_RCVTIMEO, receive_timeout, deadline,
                      step)) {
        return Io::kTimedOut;
      }
      if (redisBufferRead(context) != REDIS_OK) return FailureOf(*context);
      if (redisGetReplyFromReader(context, reply) != REDIS_OK) {
        return Io::kFailed;
      }
    }
    return Io::kOk;
  }

  void Break() {
    if (context != nullptr) redisFree(context);
    context = nullptr;
    used = false;
    send_timeout = receive_timeout = absl::ZeroDuration();
  }
  ~Connection() { Break(); }
};

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  const int count = options_.connections > 0 ? options_.connections : 1;
  const absl::Duration step =
      std::max(options_.command_timeout / 64, absl::Microseconds(1));
  for (int i = 0; i < count; ++i) {
    connections_.push_back(std::make_unique<Connection>(step));
  }
}

RedisClient::~RedisClient() = default;

absl::Status RedisClient::TimedOut() const {
  return Unavailable(
      absl::StrCat("no answer within ",
                   absl::FormatDuration(options_.command_timeout)),
      options_);
}

absl::Status RedisClient::EnsureConnected(Connection& connection,
                                          absl::Time deadline) {
  if (connection.context != nullptr) return absl::OkStatus();
  {
    absl::MutexLock lock(&down_mu_);
    if (absl::Now() < down_until_) {
      return Unavailable("down (retrying shortly)", options_);
    }
  }
  const absl::Duration left = deadline - absl::Now();
  if (left < absl::Milliseconds(1)) return TimedOut();
  const timeval connect_timeout =
      absl::ToTimeval(std::min(options_.connect_timeout, left));
  redisContext* context = redisConnectWithTimeout(
      options_.host.c_str(), options_.port, connect_timeout);
  if (context == nullptr || context->err != 0) {
    std::string error =
        context == nullptr ? "cannot allocate" : context->errstr;
    if (context != nullptr) redisFree(context);
    absl::MutexLock lock(&down_mu_);
    down_until_ = absl::Now() + options_.reconnect_backoff;
    return Unavailable(absl::StrCat("cannot connect: ", error), options_);
  }
  redisEnableKeepAlive(context);
  connection.context = context;
  if (!options_.password.empty()) {
    void* reply = nullptr;
    Io io = redisAppendCommand(context, "AUTH %b", options_.password.data(),
                               options_.password.size()) == REDIS_OK
                ? connection.Flush(deadline)
                : Io::kFailed;
    if (io == Io::kOk) io = connection.Read(deadline, &reply);
    const bool ok = io == Io::kOk &&
                    static_cast<redisReply*>(reply)->type != REDIS_REPLY_ERROR;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) {
      connection.Break();
      if (io == Io::kTimedOut) return TimedOut();
      return Unavailable("authentication failed", options_);
    }
  }
  return absl::OkStatus();
}

void RedisClient::RoundTrip(Connection& connection,
                            const std::vector<std::shared_ptr<Request>>& batch,
                            absl::Time deadline) {
  // A request whose caller has left (or is leaving) at its deadline is not
  // sent: its commands never run.
  const absl::Time now = absl::Now();
  bool any = false;
  for (const std::shared_ptr<Request>& request : batch) {
    if (request->deadline <= now) {
      request->status = TimedOut();
    } else {
      any = true;
    }
  }
  if (!any) return;
  auto fail_all = [&](const absl::Status& status, bool stale) {
    for (const std::shared_ptr<Request>& request : batch) {
      if (!request->status.ok() ||
          request->replies.size() == request->commands) {
        continue;
      }
      request->status = status;
      request->stale = stale;
    }
  };
  // Past the deadline, or broken: close the connection, so that no late reply
  // is read as the answer to a later command.
  auto drop = [&](Io io) {
    const std::string error = io == Io::kTimedOut ? ""
                              : connection.context->err != 0
                                  ? connection.context->errstr
                                  : "no reply";
    // A connection that worked before and now finds the other end gone went
    // stale (Redis restarted); a timeout is Redis being slow, not stale.
    const bool stale =
        connection.used && connection.context->err == REDIS_ERR_EOF;
    connection.Break();
    fail_all(io == Io::kTimedOut ? TimedOut() : Unavailable(error, options_),
             stale);
  };
  if (absl::Status connected = EnsureConnected(connection, deadline);
      !connected.ok()) {
    fail_all(connected, false);
    return;
  }
  redisContext* context = connection.context;
  for (const std::shared_ptr<Request>& request : batch) {
    if (!request->status.ok()) continue;
    if (redisAppendFormattedCommand(context, request->wire.data(),
                                    request->wire.size()) != REDIS_OK) {
      drop(Io::kFailed);
      return;
    }
  }
  if (Io io = connection.Flush(deadline); io != Io::kOk) {
    drop(io);
    return;
  }
  for (const std::shared_ptr<Request>& request : batch) {
    if (!request->status.ok()) continue;
    request->replies.reserve(request->commands);
    while (request->replies.size() < request->commands) {
      void* raw = nullptr;
      if (Io io = connection.Read(deadline, &raw); io != Io::kOk) {
        drop(io);
        return;
      }
      auto root = std::shared_ptr<const redisReply>(
          static_cast<redisReply*>(raw), [](const redisReply* r) {
            freeReplyObject(const_cast<redisReply*>(r));
          });
      const redisReply* node = root.get();
      request->replies.push_back(RedisReply(std::move(root), node));
    }
    connection.used = true;
  }
}

bool RedisClient::Submit(const std::shared_ptr<Request>& request) {
  Connection& connection =
      *connections_[next_connection_.fetch_add(1, std::memory_order_relaxed) %
                    connections_.size()];
  absl::MutexLock lock(&connection.mu);
  connection.queue.push_back(request);
  // Between round trips, the queued caller with the latest deadline is
  // chosen to lead the next one, as a leader reads the replies of its whole
  // batch but only until its own deadline; a caller that arrives before it
  // wakes up (with a later deadline still) leads instead.
  auto choose_leader =
      [&connection]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection.mu) {
        if (connection.queue.empty()) return;
        (*std::max_element(connection.queue.begin(), connection.queue.end(),
                           [](const std::shared_ptr<Request>& a,
                              const std::shared_ptr<Request>& b) {
                             return a->deadline < b->deadline;
                           }))
            ->lead = true;
      };
  if (connection.busy) {
    // A round trip is under way: its leader, or the next, sends ours.
    auto leading = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection.mu) {
      return request->lead && !connection.busy;
    };
    auto answered_or_leading =
        [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection.mu) {
          return request->done || leading();
        };
    connection.mu.AwaitWithDeadline(absl::Condition(&answered_or_leading),
                                    request->deadline);
    if (request->done) return true;
    if (!leading() || absl::Now() >= request->deadline) {
      // The deadline came first. Still queued, the request is taken back and
      // never sent; already sent, its leader reads its replies into it for
      // nobody.
      auto queued =
          std::find(connection.queue.begin(), connection.queue.end(), request);
      if (queued != connection.queue.end()) connection.queue.erase(queued);
      if (request->lead && !connection.busy) choose_leader();
      return false;
    }
  }
  // Lead one round trip: ours and whatever is queued.
  connection.busy = true;
  std::vector<std::shared_ptr<Request>> batch;
  batch.swap(connection.queue);
  connection.mu.Unlock();
  RoundTrip(connection, batch, request->deadline);
  connection.mu.Lock();
  for (const std::shared_ptr<Request>& answered : batch) {
    answered->done = true;
    answered->lead = false;
  }
  connection.busy = false;
  choose_leader();
  return true;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Send(
    const std::vector<std::vector<absl::string_view>>& commands,
    absl::Time deadline) {
  auto request = std::make_shared<Request>();
  request->deadline = deadline;
  request->commands = commands.size();
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& command : commands) {
    argv.clear();
    lengths.clear();
    for (absl::string_view arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    char* formatted = nullptr;
    const int length = redisFormatCommandArgv(
        &formatted, static_cast<int>(argv.size()), argv.data(), lengths.data());
    if (length < 0) return absl::InternalError("cannot format a redis command");
    request->wire.append(formatted, static_cast<size_t>(length));
    redisFreeCommand(formatted);
  }
  for (int attempt = 0;; ++attempt) {
    if (!Submit(request)) return TimedOut();
    if (request->status.ok()) break;
    if (!request->stale || attempt > 0) return request->status;
    // The connection went stale (Redis restarted): once more on a fresh one,
    // by the same deadline. (The answered request may still be in its
    // leader's hands, so the retry is a new one.)
    auto retry = std::make_shared<Request>();
    retry->deadline = deadline;
    retry->commands = request->commands;
    retry->wire = std::move(request->wire);
    request = std::move(retry);
  }
  // Redis answering "not now" (loading its data after a restart, a replica
  // after a failover, a busy script) is unavailability, not an answer.
  for (const RedisReply& reply : request->replies) {
    if (reply.IsError() && IsTransientError(reply.Str())) {
      return Unavailable(reply.Str(), options_);
    }
  }
  return std::move(request->replies);
}

absl::StatusOr<RedisReply> RedisClient::Command(
    const std::vector<absl::string_view>& argv) {
  return CommandBy(argv, absl::Now() + options_.command_timeout);
}

absl::StatusOr<RedisReply> RedisClient::CommandBy(
    const std::vector<absl::string_view>& argv, absl::Time deadline) {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Send({argv}, deadline));
  return replies.front();
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<absl::string_view>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>();
  return Send(commands, absl::Now() + options_.command_timeout);
}

absl::StatusOr<RedisReply> RedisClient::Eval(
    const LuaScript& script, const std::vector<absl::string_view>& keys,
    const std::vector<absl::string_view>& args) {
  // Loading the script and running it share the call's one deadline.
  const absl::Time deadline = absl::Now() + options_.command_timeout;
  const std::string key_count = absl::StrCat(keys.size());
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string sha = script.Sha();
    if (sha.empty()) {
      ASSIGN_OR_RETURN(RedisReply loaded,
                       CommandBy({"SCRIPT", "LOAD", script.body()}, deadline));
      if (!loaded.IsString()) {
        return absl::InternalError(
            absl::StrCat("loading script ", script.name(), ": ", loaded.Str()));
      }
      sha = std::string(loaded.Str());
      script.SetSha(sha);
    }
    std::vector<absl::string_view> argv = {"EVALSHA", sha, key_count};
    argv.insert(argv.end(), keys.begin(), keys.end());
    argv.insert(argv.end(), args.begin(), args.end());
    ASSIGN_OR_RETURN(RedisReply reply, CommandBy(argv, deadline));
    if (reply.IsError() && absl::StartsWith(reply.Str(), "NOSCRIPT")) {
      script.SetSha("");  // Redis lost its script cache (restart): load again
      continue;
    }
    return reply;
  }
  return absl::UnavailableError(
      absl::StrCat("redis keeps forgetting script ", script.name()));
}

}  // namespace kepu
