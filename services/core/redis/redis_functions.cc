#include "services/core/redis/redis_functions.h"

#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "services/core/status_macros.h"

namespace kepu {
namespace {

// FNV-1a, 64 bits: stable across processes and builds (a name, not a
// security measure).
uint64_t Digest(absl::string_view text) {
  uint64_t hash = 14695981039346656037ull;
  for (char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  return hash;
}

}  // namespace

FunctionLibrary::FunctionLibrary(absl::string_view prefix,
                                 absl::string_view placeholder,
                                 absl::string_view body)
    : name_(absl::StrFormat("%s_%016x", prefix, Digest(body))),
      code_(absl::StrCat("#!lua name=", name_, "\n",
                         absl::StrReplaceAll(body, {{placeholder, name_}}))) {}

std::string FunctionLibrary::FunctionName(absl::string_view function) const {
  return absl::StrCat(name_, "_", function);
}

absl::StatusOr<RedisReply> CallFunction(
    RedisClient& redis, const FunctionLibrary& library,
    absl::string_view function, const std::vector<absl::string_view>& keys,
    const std::vector<absl::string_view>& args) {
  const std::string name = library.FunctionName(function);
  const std::string key_count = absl::StrCat(keys.size());
  std::vector<absl::string_view> argv = {"FCALL", name, key_count};
  argv.insert(argv.end(), keys.begin(), keys.end());
  argv.insert(argv.end(), args.begin(), args.end());
  for (int attempt = 0; attempt < 2; ++attempt) {
    ASSIGN_OR_RETURN(RedisReply reply, redis.Command(argv));
    if (!reply.IsError() ||
        !absl::StartsWith(reply.Str(), "ERR Function not found")) {
      return reply;
    }
    // "ERR Function not found": a fresh Redis (or FUNCTION FLUSH). Loading
    // races with other processes doing the same: "already exists" is fine.
    ASSIGN_OR_RETURN(RedisReply loaded,
                     redis.Command({"FUNCTION", "LOAD", library.code()}));
    if (loaded.IsError() &&
        !absl::StrContains(loaded.Str(), "already exists")) {
      return absl::InternalError(absl::StrCat("loading redis function library ",
                                              library.name(), ": ",
                                              loaded.Str()));
    }
  }
  return absl::UnavailableError(
      absl::StrCat("redis keeps forgetting function library ", library.name()));
}

}  // namespace kepu
