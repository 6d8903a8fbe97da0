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

struct RedisClient::Connection {
  redisContext* context = nullptr;
  // The connection has carried a command before (so an I/O error may just mean
  // it went stale).
  bool used = false;

  void Break() {
    if (context != nullptr) redisFree(context);
    context = nullptr;
    used = false;
  }
  ~Connection() { Break(); }
};

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {
  const int size = options_.pool_size > 0 ? options_.pool_size : 1;
  for (int i = 0; i < size; ++i) {
    connections_.push_back(std::make_unique<Connection>());
    idle_.push_back(connections_.back().get());
  }
}

RedisClient::~RedisClient() = default;

absl::StatusOr<RedisClient::Connection*> RedisClient::Acquire() {
  absl::MutexLock lock(&mu_);
  auto has_idle = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !idle_.empty();
  };
  if (!mu_.AwaitWithTimeout(absl::Condition(&has_idle),
                            options_.command_timeout)) {
    return Unavailable("all connections busy", options_);
  }
  Connection* connection = idle_.back();
  idle_.pop_back();
  return connection;
}

void RedisClient::Release(Connection* connection) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(connection);
}

absl::Status RedisClient::EnsureConnected(Connection& connection) {
  if (connection.context != nullptr) return absl::OkStatus();
  {
    absl::MutexLock lock(&mu_);
    if (absl::Now() < down_until_)
      return Unavailable("down (retrying shortly)", options_);
  }
  const timeval connect_timeout = absl::ToTimeval(options_.connect_timeout);
  redisContext* context = redisConnectWithTimeout(
      options_.host.c_str(), options_.port, connect_timeout);
  if (context == nullptr || context->err != 0) {
    std::string error =
        context == nullptr ? "cannot allocate" : context->errstr;
    if (context != nullptr) redisFree(context);
    absl::MutexLock lock(&mu_);
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

absl::StatusOr<std::vector<RedisReply>> RedisClient::RoundTrip(
    Connection& connection,
    const std::vector<std::vector<absl::string_view>>& commands) {
  RETURN_IF_ERROR(EnsureConnected(connection));
  redisContext* context = connection.context;
  std::vector<const char*> argv;
  std::vector<size_t> lengths;
  for (const auto& command : commands) {
    argv.clear();
    lengths.clear();
    for (absl::string_view arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    if (redisAppendCommandArgv(context, static_cast<int>(argv.size()),
                               argv.data(), lengths.data()) != REDIS_OK) {
      std::string error = context->errstr;
      connection.Break();
      return Unavailable(error, options_);
    }
  }
  std::vector<RedisReply> replies;
  replies.reserve(commands.size());
  for (size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context, &raw) != REDIS_OK || raw == nullptr) {
      std::string error = context->err != 0 ? context->errstr : "no reply";
      connection.Break();
      return Unavailable(error, options_);
    }
    auto root = std::shared_ptr<const redisReply>(
        static_cast<redisReply*>(raw), [](const redisReply* r) {
          freeReplyObject(const_cast<redisReply*>(r));
        });
    const redisReply* node = root.get();
    replies.push_back(RedisReply(std::move(root), node));
  }
  connection.used = true;
  return replies;
}

absl::StatusOr<std::vector<RedisReply>> RedisClient::Send(
    const std::vector<std::vector<absl::string_view>>& commands) {
  ASSIGN_OR_RETURN(Connection * connection, Acquire());
  const bool reused = connection->used;
  absl::StatusOr<std::vector<RedisReply>> replies =
      RoundTrip(*connection, commands);
  if (!replies.ok() && reused) {
    // A pooled connection may have gone stale (Redis restarted): try once on a
    // fresh one.
    replies = RoundTrip(*connection, commands);
  }
  Release(connection);
  return replies;
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
