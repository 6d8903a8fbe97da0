// Redis Functions (Redis 7): a library of Lua functions loaded with FUNCTION
// LOAD, persisted and replicated with the data, called with FCALL.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/core/redis/redis_client.h"

namespace kepu {

// A library whose text names itself: every occurrence of `placeholder` in
// `body` becomes the library's name, "<prefix>_<16 hex digits of a digest of
// the body>", so two builds with different texts load side by side (as during
// a rolling upgrade) and a changed text is never mistaken for the old one.
// Thread-safe.
class FunctionLibrary {
 public:
  FunctionLibrary(absl::string_view prefix, absl::string_view placeholder,
                  absl::string_view body);

  const std::string& name() const { return name_; }
  // The text FUNCTION LOAD takes ("#!lua name=<name>\n..." ).
  const std::string& code() const { return code_; }
  // The full name of the library's function `function`: "<name>_<function>".
  std::string FunctionName(absl::string_view function) const;

 private:
  std::string name_;
  std::string code_;
};

// FCALL of `function` of `library`; loads the library when Redis does not know
// it (a fresh or flushed Redis) and calls again. Redis's reply as it is;
// kUnavailable as RedisClient; kInternal when the library cannot be loaded.
absl::StatusOr<RedisReply> CallFunction(
    RedisClient& redis, const FunctionLibrary& library,
    absl::string_view function, const std::vector<absl::string_view>& keys,
    const std::vector<absl::string_view>& args);

}  // namespace kepu
