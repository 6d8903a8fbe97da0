#include "tests/support/cpu_time.h"

#include <sys/resource.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace kepu::testing {

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) /
             1e6;
}

double RedisCpuSeconds(RedisClient& redis) {
  absl::StatusOr<RedisReply> info = redis.Command({"INFO", "cpu"});
  if (!info.ok()) return 0;
  double total = 0;
  for (absl::string_view line : absl::StrSplit(info->Str(), "\r\n")) {
    for (absl::string_view key : {"used_cpu_sys:", "used_cpu_user:"}) {
      if (absl::StartsWith(line, key)) {
        double value = 0;
        if (absl::SimpleAtod(line.substr(key.size()), &value)) total += value;
      }
    }
  }
  return total;
}

}  // namespace kepu::testing
