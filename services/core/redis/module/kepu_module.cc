// Kepu's Redis module: the record-write protocol (record_write.h builds its
// argument; write_check.h says what it holds) as one command,
//
//   KEPU.WRITE.V1 numkeys key [key ...] argument
//
// which checks the whole argument before it reads or writes anything, then the
// request key, the record's version (and state), the other checks, and only
// then writes. A refused or malformed write writes nothing. Every write goes
// through RedisModule_Call with "!", so AOF and replicas receive the plain
// commands (wrapped in MULTI/EXEC): they, and a Redis restoring the files, do
// not need the module. The version in the command's name changes with any
// change of the protocol, so two versions can be loaded side by side during an
// upgrade.
//
// Answers ["applied", log entry id or "", [linked members]] or
// ["replayed", first result]. Refusals are error replies: KEPU_MALFORMED
// <what>, KEPU_REQUEST_REUSED, KEPU_EXISTS, KEPU_NOT_FOUND, KEPU_STALE
// <version>, KEPU_STATE <state>, KEPU_CHANGED <n>, KEPU_NOT_EMPTY <n>,
// KEPU_TAKEN <n>, KEPU_CAPACITY <count>. An error of a command it calls (a key
// of the wrong type, say) is answered as it is; after the first write it leaves
// what was written (Redis does not roll back), as a Lua script would.
//
// Why a module and not a Redis Function: README, "The record-write protocol
// (#11)". It is built without sanitizers (redis-server is), and without
// exceptions; write_check.cc, the part that reads untrusted bytes, is unit
// tested under the sanitizers.
#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>

#include "redismodule.h"
#include "services/core/redis/module/write_check.h"

namespace kepu::records_module {
namespace {

// A string that ends with NUL, for RedisModule_ReplyWithError.
int ReplyError(RedisModuleCtx* ctx, const std::string& error) {
  return RedisModule_ReplyWithError(ctx, error.c_str());
}

// Appends the protobuf varint of n.
void AppendVarint(std::string& out, uint64_t n) {
  while (n >= 128) {
    out.push_back(static_cast<char>(n % 128 + 128));
    n /= 128;
  }
  out.push_back(static_cast<char>(n));
}

std::string_view ReplyText(RedisModuleCallReply* reply) {
  size_t length = 0;
  const char* text = RedisModule_CallReplyStringPtr(reply, &length);
  return text == nullptr ? std::string_view() : std::string_view(text, length);
}

bool IsString(RedisModuleCallReply* reply) {
  return reply != nullptr &&
         RedisModule_CallReplyType(reply) == REDISMODULE_REPLY_STRING;
}

// One write, from its checks to its reply.
class Write {
 public:
  Write(RedisModuleCtx* ctx, RedisModuleString** keys, const CheckedWrite& w)
      : ctx_(ctx), keys_(keys), w_(w) {}

  int Run();

 private:
  RedisModuleString* Key(int i) const { return keys_[w_.Int(i) - 1]; }
  RedisModuleString* Str(int i) const { return Str(w_.Text(i)); }
  RedisModuleString* Str(std::string_view text) const {
    return RedisModule_CreateString(ctx_, text.data(), text.size());
  }
  // A reply that is an error (or no reply: RedisModule_Call refused the
  // command) stops the write; `failed_` says what to answer.
  bool Failed(RedisModuleCallReply* reply, const char* command) {
    if (reply == nullptr) {
      failed_ = Cat({"ERR kepu.write: ", command, " refused (",
                     std::strerror(errno), ")"});
      return true;
    }
    if (RedisModule_CallReplyType(reply) == REDISMODULE_REPLY_ERROR) {
      failed_ = std::string(ReplyText(reply));
      return true;
    }
    return false;
  }
  // Runs a write command (replicated); false when it failed.
  template <typename... Args>
  bool Do(const char* command, const char* format, Args... args) {
    RedisModuleCallReply* reply =
        RedisModule_Call(ctx_, command, format, args...);
    return !Failed(reply, command);
  }
  // Sorted-set add of `member` at the decimal `score`.
  bool ZAdd(RedisModuleString* key, std::string_view score,
            RedisModuleString* member) {
    return Do("ZADD", "!sbs", key, score.data(), score.size(), member);
  }
  // XADD key [MAXLEN ~ maxlen] * pairs from `first` (the count).
  RedisModuleCallReply* XAdd(RedisModuleString* key, const Token* max_length,
                             int first);

  // The request key's prior result: answers whether the write stops there
  // (replayed or reused; the reply is sent).
  bool Replayed(int& status);
  // The record's and the other checks: answers whether one refused (the
  // reply is sent).
  bool Refused(int& status);
  bool Checks(int& status);
  // Sends the refusal `error`; answers true (the write stops there).
  bool Refuse(int& status, const std::string& error) {
    status = ReplyError(ctx_, error);
    return true;
  }

  RedisModuleCtx* ctx_;
  RedisModuleString** keys_;
  const CheckedWrite& w_;
  std::string failed_;
};

bool Write::Replayed(int& status) {
  if (w_.request == 0) return false;
  RedisModuleCallReply* prior =
      RedisModule_Call(ctx_, "GET", "s", Key(w_.request + 1));
  if (Failed(prior, "GET")) {
    status = ReplyError(ctx_, failed_);
    return true;
  }
  if (!IsString(prior)) return false;
  const std::string_view text = ReplyText(prior);
  if (text.substr(0, 32) != w_.Text(w_.request + 2)) {
    status = RedisModule_ReplyWithError(
        ctx_, "KEPU_REQUEST_REUSED request id used for other content");
    return true;
  }
  RedisModule_ReplyWithArray(ctx_, 2);
  RedisModule_ReplyWithStringBuffer(ctx_, "replayed", 8);
  const std::string_view result =
      text.size() > 33 ? text.substr(33) : std::string_view();
  status =
      RedisModule_ReplyWithStringBuffer(ctx_, result.data(), result.size());
  return true;
}

bool Write::Refused(int& status) {
  RedisModuleString* record = Key(w_.record + 1);
  if (w_.hash()) {
    RedisModuleCallReply* stored =
        RedisModule_Call(ctx_, "HMGET", "scc", record, "v", "s");
    if (Failed(stored, "HMGET")) return Refuse(status, failed_);
    RedisModuleCallReply* version =
        RedisModule_CallReplyArrayElement(stored, 0);
    RedisModuleCallReply* state = RedisModule_CallReplyArrayElement(stored, 1);
    const std::string_view expected = w_.Text(w_.record + 2);
    if (expected == "0") {
      if (IsString(version)) return Refuse(status, "KEPU_EXISTS record exists");
    } else {
      if (!IsString(version))
        return Refuse(status, "KEPU_NOT_FOUND no such record");
      if (ReplyText(version) != expected) {
        return Refuse(status, Cat({"KEPU_STALE ", ReplyText(version)}));
      }
      const Token& expected_state = w_[w_.record + 3];
      if (expected_state.IsText() &&
          (!IsString(state) || ReplyText(state) != expected_state.text)) {
        return Refuse(
            status,
            Cat({"KEPU_STATE ", IsString(state) ? ReplyText(state) : "false"}));
      }
    }
  } else {
    RedisModuleCallReply* stored = RedisModule_Call(ctx_, "GET", "s", record);
    if (Failed(stored, "GET")) return Refuse(status, failed_);
    const Token& expected = w_[w_.record + 2];
    if (expected.IsFalse()) {
      if (IsString(stored)) return Refuse(status, "KEPU_EXISTS record exists");
    } else {
      if (!IsString(stored))
        return Refuse(status, "KEPU_NOT_FOUND no such record");
      if (ReplyText(stored) != expected.text) {
        return Refuse(status, "KEPU_STALE changed");
      }
    }
  }
  return Checks(status);
}

bool Write::Checks(int& status) {
  if (w_.checks == 0) return false;
  int i = w_.checks + 2;
  for (int64_t number = 1; number <= w_.Int(w_.checks + 1); ++number) {
    const std::string n = std::to_string(number);
    RedisModuleString* key = Key(i + 1);
    if (w_[i].Is("version")) {
      RedisModuleCallReply* v = RedisModule_Call(ctx_, "HGET", "sc", key, "v");
      if (Failed(v, "HGET")) return Refuse(status, failed_);
      if (!IsString(v) || ReplyText(v) != w_.Text(i + 2)) {
        return Refuse(status, Cat({"KEPU_CHANGED ", n}));
      }
      i += 3;
    } else if (w_[i].Is("empty")) {
      RedisModuleCallReply* count = RedisModule_Call(ctx_, "ZCARD", "s", key);
      if (Failed(count, "ZCARD")) return Refuse(status, failed_);
      if (RedisModule_CallReplyInteger(count) > 0) {
        return Refuse(status, Cat({"KEPU_NOT_EMPTY ", n}));
      }
      i += 2;
    } else if (w_[i].Is("absent")) {
      RedisModuleCallReply* exists = RedisModule_Call(ctx_, "EXISTS", "s", key);
      if (Failed(exists, "EXISTS")) return Refuse(status, failed_);
      if (RedisModule_CallReplyInteger(exists) == 1) {
        return Refuse(status, Cat({"KEPU_TAKEN ", n}));
      }
      i += 2;
    } else {  // capacity
      const int ranges = static_cast<int>(w_.Int(i + 3));
      long long held = 0;
      for (int j = i + 4; j <= i + 3 + 2 * ranges; j += 2) {
        const std::string high = Cat({"(", w_.Text(j + 1)});
        RedisModuleCallReply* count =
            RedisModule_Call(ctx_, "ZCOUNT", "sbb", key, w_.Text(j).data(),
                             w_.Text(j).size(), high.data(), high.size());
        if (Failed(count, "ZCOUNT")) return Refuse(status, failed_);
        held += RedisModule_CallReplyInteger(count);
      }
      if (held >= w_.Int(i + 2)) {
        return Refuse(status, Cat({"KEPU_CAPACITY ", std::to_string(held)}));
      }
      i += 4 + 2 * ranges;
    }
  }
  return false;
}

RedisModuleCallReply* Write::XAdd(RedisModuleString* key,
                                  const Token* max_length, int first) {
  const int pairs = static_cast<int>(w_.Int(first));
  auto* argv = static_cast<RedisModuleString**>(RedisModule_PoolAlloc(
      ctx_, sizeof(RedisModuleString*) * (2 * pairs + 5)));
  int m = 0;
  argv[m++] = key;
  if (max_length != nullptr) {
    argv[m++] = Str("MAXLEN");
    argv[m++] = Str("~");
    argv[m++] = Str(max_length->text);
  }
  argv[m++] = Str("*");
  for (int j = first + 1; j <= first + 2 * pairs; ++j) argv[m++] = Str(j);
  return RedisModule_Call(ctx_, "XADD", "!v", argv, static_cast<size_t>(m));
}

int Write::Run() {
  int status = REDISMODULE_OK;
  if (Replayed(status) || Refused(status)) return status;

  // Links: found before the record is written (it may be listed in that set
  // itself). They extend the written field r (or make it).
  RedisModuleCallReply* linked = nullptr;
  const int r_at = w_.hash() ? FieldAt(w_, "r") : 0;
  std::string r;
  if (w_.links != 0) {
    const std::string limit = std::to_string(w_.Int(w_.links + 3));
    linked = RedisModule_Call(ctx_, "ZRANGE", "sbccccc", Key(w_.links + 1),
                              w_.Text(w_.links + 2).data(),
                              w_.Text(w_.links + 2).size(), "+inf", "BYSCORE",
                              "LIMIT", "0", limit.c_str());
    if (Failed(linked, "ZRANGE")) return ReplyError(ctx_, failed_);
    if (r_at != 0) r = w_.Text(r_at);
    const std::string_view exclude = w_.Text(w_.links + 4);
    const std::string_view tag = w_.Text(w_.links + 5);
    for (size_t j = 0; j < RedisModule_CallReplyLength(linked); ++j) {
      const std::string_view member =
          ReplyText(RedisModule_CallReplyArrayElement(linked, j));
      if (member == exclude) continue;
      r.append(tag);
      AppendVarint(r, member.size());
      r.append(member);
    }
  }

  // The record.
  RedisModuleString* record = Key(w_.record + 1);
  std::string_view result;
  if (w_.hash()) {
    const int pairs = static_cast<int>(w_.Int(w_.write + 1));
    auto* argv = static_cast<RedisModuleString**>(RedisModule_PoolAlloc(
        ctx_, sizeof(RedisModuleString*) * (2 * pairs + 1)));
    argv[0] = record;
    for (int j = 0; j < 2 * pairs; ++j) {
      const int at = w_.write + 2 + j;
      argv[1 + j] = w_.links != 0 && at == r_at ? Str(r) : Str(at);
    }
    if (!Do("HSET", "!v", argv, static_cast<size_t>(2 * pairs + 1))) {
      return ReplyError(ctx_, failed_);
    }
    if (w_.links != 0 && r_at == 0 &&
        !Do("HSET", "!scb", record, "r", r.data(), r.size())) {
      return ReplyError(ctx_, failed_);
    }
    result = w_.links != 0 ? std::string_view(r)
             : r_at != 0   ? w_.Text(r_at)
                           : std::string_view();
  } else {
    result = w_.Text(w_.write + 1);
    if (!Do("SET", "!ss", record, Str(result)))
      return ReplyError(ctx_, failed_);
  }
  if (w_.result != 0) result = w_.Text(w_.result + 1);

  // The index moves.
  if (w_.index != 0) {
    RedisModuleString* member = Str(w_.index + 1);
    const int last = w_.index + 2 + 3 * static_cast<int>(w_.Int(w_.index + 2));
    for (int j = w_.index + 3; j <= last; j += 3) {
      const Token& before = w_[j + 1];
      const Token& after = w_[j + 2];
      bool ok = true;
      if (after.IsFalse()) {
        if (!before.IsFalse()) ok = Do("ZREM", "!ss", Key(j), member);
      } else if (before.IsFalse() || before.text != after.text) {
        ok = ZAdd(Key(j), after.text, member);
      }
      if (!ok) return ReplyError(ctx_, failed_);
    }
  }

  // Side writes.
  if (w_.ops != 0) {
    int i = w_.ops + 2;
    for (int64_t q = 0; q < w_.Int(w_.ops + 1); ++q) {
      RedisModuleString* key = Key(i + 1);
      bool ok = true;
      if (w_[i].Is("set")) {
        ok = Do("SET", "!ss", key, Str(i + 2));
        i += 3;
      } else if (w_[i].Is("setif")) {
        RedisModuleCallReply* held = RedisModule_Call(ctx_, "GET", "s", key);
        if (Failed(held, "GET")) return ReplyError(ctx_, failed_);
        if (IsString(held) && ReplyText(held) == w_.Text(i + 2)) {
          ok = Do("SET", "!ss", key, Str(i + 3));
        }
        i += 4;
      } else if (w_[i].Is("zadd")) {
        ok = ZAdd(key, w_.Text(i + 2), Str(i + 3));
        i += 4;
      } else if (w_[i].Is("zrem")) {
        ok = Do("ZREM", "!ss", key, Str(i + 2));
        i += 3;
      } else if (w_[i].Is("hincrby")) {
        ok = Do("HINCRBY", "!sss", key, Str(i + 2), Str(i + 3));
        i += 4;
      } else {  // end_sessions
        const Token& keep = w_[i + 2];
        RedisModuleCallReply* sessions =
            RedisModule_Call(ctx_, "ZRANGE", "scc", key, "0", "-1");
        ok = !Failed(sessions, "ZRANGE");
        for (size_t j = 0; ok && j < RedisModule_CallReplyLength(sessions);
             ++j) {
          RedisModuleCallReply* session =
              RedisModule_CallReplyArrayElement(sessions, j);
          if (keep.IsText() && ReplyText(session) == keep.text) continue;
          RedisModuleString* name =
              RedisModule_CreateStringFromCallReply(session);
          ok = Do("DEL", "!s", name) && Do("ZREM", "!ss", key, name);
        }
        i += 3;
      }
      if (!ok) return ReplyError(ctx_, failed_);
    }
  }

  // The log entry and its history line.
  RedisModuleCallReply* log_id = nullptr;
  if (w_.log != 0) {
    const Token& max_length = w_[w_.log + 2];
    log_id = XAdd(Key(w_.log + 1), max_length.IsText() ? &max_length : nullptr,
                  w_.log + 3);
    if (Failed(log_id, "XADD")) return ReplyError(ctx_, failed_);
    if (w_.history != 0) {
      std::string line(ReplyText(log_id));
      line.push_back(' ');
      line.append(w_.Text(w_.history + 2));
      if (!Do("RPUSH", "!sb", Key(w_.history + 1), line.data(), line.size())) {
        return ReplyError(ctx_, failed_);
      }
    }
  }
  // The queues.
  if (w_.enqueue != 0) {
    int i = w_.enqueue + 2;
    for (int64_t q = 0; q < w_.Int(w_.enqueue + 1); ++q) {
      if (Failed(XAdd(Key(i), nullptr, i + 1), "XADD")) {
        return ReplyError(ctx_, failed_);
      }
      i += 2 + 2 * static_cast<int>(w_.Int(i + 1));
    }
  }
  // The request key, last.
  if (w_.request != 0) {
    std::string remembered(w_.Text(w_.request + 2));
    remembered.push_back(':');
    remembered.append(result);
    if (!Do("SET", "!sbcs", Key(w_.request + 1), remembered.data(),
            remembered.size(), "EX", Str(w_.request + 3))) {
      return ReplyError(ctx_, failed_);
    }
  }

  RedisModule_ReplyWithArray(ctx_, 3);
  RedisModule_ReplyWithStringBuffer(ctx_, "applied", 7);
  const std::string_view id = log_id != nullptr ? ReplyText(log_id) : "";
  RedisModule_ReplyWithStringBuffer(ctx_, id.data(), id.size());
  if (linked == nullptr) return RedisModule_ReplyWithArray(ctx_, 0);
  const std::string_view exclude = w_.Text(w_.links + 4);
  long count = 0;
  RedisModule_ReplyWithArray(ctx_, REDISMODULE_POSTPONED_LEN);
  for (size_t j = 0; j < RedisModule_CallReplyLength(linked); ++j) {
    const std::string_view member =
        ReplyText(RedisModule_CallReplyArrayElement(linked, j));
    if (member == exclude) continue;
    RedisModule_ReplyWithStringBuffer(ctx_, member.data(), member.size());
    ++count;
  }
  RedisModule_ReplySetArrayLength(ctx_, count);
  return REDISMODULE_OK;
}

int WriteCommand(RedisModuleCtx* ctx, RedisModuleString** argv, int argc) {
  RedisModule_AutoMemory(ctx);
  if (argc < 2) return RedisModule_WrongArity(ctx);
  long long key_count = 0;
  if (RedisModule_StringToLongLong(argv[1], &key_count) != REDISMODULE_OK ||
      key_count < 0 || key_count > argc - 2) {
    return RedisModule_ReplyWithError(
        ctx, "ERR Number of keys can't be greater than number of args");
  }
  if (argc - 2 - key_count != 1) {
    return RedisModule_ReplyWithError(
        ctx, argc - 2 - key_count == 0
                 ? "KEPU_MALFORMED write: is missing"
                 : "KEPU_MALFORMED write: one argument expected");
  }
  size_t length = 0;
  const char* argument = RedisModule_StringPtrLen(argv[argc - 1], &length);
  // The checked write's tokens point into the argument. One write at a time
  // (Redis runs commands on one thread; nothing the write calls runs this
  // command again), its token list reused, and given back after a write of
  // unusual size.
  static CheckedWrite* const checked = new CheckedWrite();
  static bool running = false;
  if (running) {
    return RedisModule_ReplyWithError(ctx,
                                      "ERR kepu.write.v1 called within itself");
  }
  const std::string error = CheckWrite(std::string_view(argument, length),
                                       static_cast<int>(key_count), *checked);
  int status = REDISMODULE_OK;
  if (!error.empty()) {
    status = ReplyError(ctx, error);
  } else {
    running = true;
    status = Write(ctx, argv + 2, *checked).Run();
    running = false;
  }
  if (checked->tokens.capacity() > 4096) {
    checked->tokens.clear();
    checked->tokens.shrink_to_fit();
  }
  return status;
}

}  // namespace
}  // namespace kepu::records_module

extern "C" __attribute__((visibility("default"))) int RedisModule_OnLoad(
    RedisModuleCtx* ctx, RedisModuleString** /*argv*/, int /*argc*/) {
  using kepu::records_module::WriteCommand;
  if (RedisModule_Init(ctx, "kepu", 1, REDISMODULE_APIVER_1) ==
      REDISMODULE_ERR) {
    return REDISMODULE_ERR;
  }
  // Keys as EVAL declares them: a count, then the keys (so Cluster routes the
  // command by them and checks they share a slot).
  if (RedisModule_CreateCommand(ctx, "kepu.write.v1", WriteCommand,
                                "write deny-oom", 0, 0, 0) == REDISMODULE_ERR) {
    return REDISMODULE_ERR;
  }
  // Key specs came with Redis 7.0: an older Redis refuses the module.
  if (RedisModule_GetCommand == nullptr ||
      RedisModule_SetCommandInfo == nullptr) {
    return REDISMODULE_ERR;
  }
  RedisModuleCommand* command = RedisModule_GetCommand(ctx, "kepu.write.v1");
  RedisModuleCommandKeySpec key_specs[2] = {};
  key_specs[0].flags = REDISMODULE_CMD_KEY_RW | REDISMODULE_CMD_KEY_ACCESS |
                       REDISMODULE_CMD_KEY_UPDATE;
  key_specs[0].begin_search_type = REDISMODULE_KSPEC_BS_INDEX;
  key_specs[0].bs.index.pos = 1;
  key_specs[0].find_keys_type = REDISMODULE_KSPEC_FK_KEYNUM;
  key_specs[0].fk.keynum.keynumidx = 0;
  key_specs[0].fk.keynum.firstkey = 1;
  key_specs[0].fk.keynum.keystep = 1;
  RedisModuleCommandInfo info = {};
  info.version = REDISMODULE_COMMAND_INFO_VERSION;
  info.summary = "Applies one Kepu record write, all or nothing.";
  info.since = "1";
  info.arity = -3;
  info.key_specs = key_specs;
  return RedisModule_SetCommandInfo(command, &info);
}
