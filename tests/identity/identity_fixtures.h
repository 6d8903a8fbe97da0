// What the identity tests share: a small directory of Jining (two counties, a
// zone, towns, communities, a department, teams) and a dump of everything a
// Redis holds, to check what is and is not stored.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/testing/fake_directory.h"

namespace kepu::testing {

inline constexpr char kTenant[] = "jining";
// Regions of the fixture directory.
inline constexpr char kRencheng[] = "rencheng";       // a county
inline constexpr char kYanzhou[] = "yanzhou";         // a county
inline constexpr char kGaoxin[] = "gaoxin";           // a functional zone
inline constexpr char kGuhuai[] = "rencheng-guhuai";  // a town in Rencheng
inline constexpr char kZhuyuan[] =
    "rencheng-guhuai-zhuyuan";  // a community in Guhuai
inline constexpr char kXinglong[] =
    "yanzhou-gulou-xinglong";              // a community in Yanzhou
inline constexpr char kKexie[] = "kexie";  // a department
// Teams: one serving a town of Rencheng, one serving both counties, one
// serving Yanzhou.
inline constexpr char kRenchengTeam[] = "rencheng-health";
inline constexpr char kCrossTeam[] = "cross-county";
inline constexpr char kYanzhouTeam[] = "yanzhou-farm";

// Fills `directory` with the regions, department and teams above.
void FillDirectory(FakeDirectory& directory);

v1::RoleGrant Grant(v1::Role role, const std::string& scope = "");

// Every key of the Redis with every value it holds (strings, hash fields and
// values, set and sorted set members, list elements, stream fields and
// values), as text lines "key", "key value..." for searching.
absl::StatusOr<std::vector<std::string>> DumpRedis(RedisClient& redis);

// Whether any line of `dump` contains `text`.
bool DumpContains(const std::vector<std::string>& dump,
                  const std::string& text);

}  // namespace kepu::testing
