#include "services/core/redis/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

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

// One caller's commands, and what came back.
struct RedisClient::Request {
  // The commands in Redis protocol, ready to send.
  std::string wire;
  size_t commands = 0;
  // Set by the leader that sent the request, then `done`.
  std::vector<RedisReply> replies;
  absl::Status status;
  // The connection had worked before this round trip broke it.
  bool stale = false;
  bool done = false;  // guarded by the connection's mutex
};

struct RedisClient::Connection {
  absl::Mutex mu;
  // A leader is sending and reading on this connection.
  bool busy ABSL_GUARDED_BY(mu) = false;
  // Requests waiting for the next round trip.
  std::vector<Request*> queue ABSL_GUARDED_BY(mu);

  // Touched only by the current leader.
  redisContext* context = nullptr;
  // The connection has answered before (an I/O error may mean it went stale).
  bool used = false;

  void Break() {
    if (context != nullptr) redisFree(context);
    context = nullptr;
    used = false;
  }
  ~Connection() { Break(); }
};

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  const int count = options_.connections > 0 ? options_.connections : 1;
  for (int i = 0; i < count; ++i) {
    connections_.push_back(std::make_unique<Connection>());
  }
}

RedisClient::~RedisClient() = default;

absl::Status RedisClient::EnsureConnected(Connection& connection) {
  if (connection.context != nullptr) return absl::OkStatus();
  {
    absl::MutexLock lock(&down_mu_);
    if (absl::Now() < down_until_) {
      return Unavailable("down (retrying shortly)", options_);
    }
  }
  const timeval connect_timeout = absl::ToTimeval(options_.connect_timeout);
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
  const timeval command_timeout = absl::ToTimeval(options_.command_timeout);
  redisSetTimeout(context, command_timeout);
  redisEnableKeepAlive(context);
  connection.context = context;
  if (!options_.password.empty()) {
    auto* reply = static_cast<redisReply*>(
        redisCommand(context, "AUTH %b", options_.password.data(),
                     options_.password.size()));
    const bool ok = reply != nullptr && reply->type != REDIS_REPLY_ERROR;
    if (reply != nullptr) freeReplyObject(reply);
    if (!ok) {
      connection.Break();
      return Unavailable("authentication failed", options_);
    }
  }
  return absl::OkStatus();
}

void RedisClient::RoundTrip(Connection& connection,
                            const std::vector<Request*>& batch) {
  auto fail_all = [&](const absl::Status& status, bool stale) {
    for (Request* request : batch) {
      if (request->replies.size() == request->commands) continue;
      request->status = status;
      request->stale = stale;
    }
  };
  if (absl::Status connected = EnsureConnected(connection); !connected.ok()) {
    fail_all(connected, false);
    return;
  }
  redisContext* context = connection.context;
  for (const Request* request : batch) {
    if (redisAppendFormattedCommand(context, request->wire.data(),
                                    request->wire.size()) != REDIS_OK) {
      const std::string error = context->errstr;
      const bool stale = connection.used;
      connection.Break();
      fail_all(Unavailable(error, options_), stale);
      return;
    }
  }
  for (Request* request : batch) {
    request->replies.reserve(request->commands);
    while (request->replies.size() < request->commands) {
      void* raw = nullptr;
      if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) {
        const std::string error =
            context->err != 0 ? context->errstr : "no reply";
        // A connection that worked before and now finds the other end gone went
        // stale (Redis restarted); a timeout is Redis being slow, not stale.
        const bool stale = connection.used && context->err == REDIS_ERR_EOF;
        connection.Break();
        fail_all(Unavailable(error, options_), stale);
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

void RedisClient::Submit(Request& request) {
  Connection& connection =
      *connections_[next_connection_.fetch_add(1, std::memory_order_relaxed) %
                    connections_.size()];
  absl::MutexLock lock(&connection.mu);
  connection.queue.push_back(&request);
  if (connection.busy) {
    // A leader is in a round trip: it (or the next leader) sends ours.
    auto answered_or_free = [&]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(connection.mu) {
      return request.done || !connection.busy;
    };
    connection.mu.Await(absl::Condition(&answered_or_free));
    if (request.done) return;
    // The leader left with our request still queued: lead the next round trip.
  }
  connection.busy = true;
  while (!request.done) {
    std::vector<Request*> batch;
    batch.swap(connection.queue);
    connection.mu.Unlock();
    RoundTrip(connection, batch);
    connection.mu.Lock();
    for (Request* answered : batch) answered->done = true;
  }
  connection.busy = false;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Send(
    const std::vector<std::vector<absl::string_view>>& commands) {
  Request request;
  request.commands = commands.size();
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
    request.wire.append(formatted, static_cast<size_t>(length));
    redisFreeCommand(formatted);
  }
  Submit(request);
  if (request.status.ok()) {
    // Redis answering "not now" (loading its data after a restart, a replica
    // after a failover, a busy script) is unavailability, not an answer.
    for (const RedisReply& reply : request.replies) {
      if (reply.IsError() && IsTransientError(reply.Str())) {
        return Unavailable(reply.Str(), options_);
      }
    }
  }
  if (!request.status.ok() && request.stale) {
    // The connection went stale (Redis restarted): once more on a fresh one.
    request.replies.clear();
    request.status = absl::OkStatus();
    request.stale = false;
    request.done = false;
    Submit(request);
  }
  if (!request.status.ok()) return request.status;
  return std::move(request.replies);
}

absl::StatusOr<RedisReply> RedisClient::Command(
    const std::vector<absl::string_view>& argv) {
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, Send({argv}));
  return replies.front();
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Pipeline(
    const std::vector<std::vector<absl::string_view>>& commands) {
  if (commands.empty()) return std::vector<RedisReply>();
  return Send(commands);
}

absl::StatusOr<RedisReply> RedisClient::Eval(
    const LuaScript& script, const std::vector<absl::string_view>& keys,
    const std::vector<absl::string_view>& args) {
  const std::string key_count = absl::StrCat(keys.size());
  for (int attempt = 0; attempt < 2; ++attempt) {
    std::string sha = script.Sha();
    if (sha.empty()) {
      ASSIGN_OR_RETURN(RedisReply loaded,
                       Command({"SCRIPT", "LOAD", script.body()}));
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
    ASSIGN_OR_RETURN(RedisReply reply, Command(argv));
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
