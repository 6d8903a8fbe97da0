// Every entry of a Redis stream (the audit trail), as field -> value maps,
// oldest first; a failed read is a test failure and reads as no entries.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "services/core/redis/redis_client.h"

namespace kepu::testing {

inline std::vector<std::map<std::string, std::string>> StreamEntries(
    RedisClient& redis, const std::string& key) {
  std::vector<std::map<std::string, std::string>> entries;
  absl::StatusOr<RedisReply> reply = redis.Command({"XRANGE", key, "-", "+"});
  EXPECT_TRUE(reply.ok()) << reply.status();
  if (!reply.ok()) return entries;
  for (size_t i = 0; i < reply->Size(); ++i) {
    RedisReply fields = (*reply)[i][1];
    std::map<std::string, std::string> entry;
    for (size_t j = 0; j + 1 < fields.Size(); j += 2) {
      entry[std::string(fields[j].Str())] = std::string(fields[j + 1].Str());
    }
    entries.push_back(std::move(entry));
  }
  return entries;
}

}  // namespace kepu::testing
