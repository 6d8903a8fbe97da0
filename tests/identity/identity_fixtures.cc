#include "tests/identity/identity_fixtures.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "services/core/status_macros.h"

namespace kepu::testing {
namespace {

void PutRegion(FakeDirectory& directory, const std::string& id,
               v1::RegionLevel level, const std::string& parent,
               const std::string& county) {
  v1::Region region;
  region.set_id(id);
  region.set_level(level);
  region.set_parent_id(parent);
  region.set_name(id);
  region.set_county_id(county);
  region.set_active(true);
  region.set_version(1);
  directory.Put(region);
}

void PutTeam(FakeDirectory& directory, const std::string& id,
             const std::vector<std::string>& areas) {
  v1::Team team;
  team.set_id(id);
  team.set_name(id);
  for (const std::string& area : areas) team.add_service_area_region_ids(area);
  team.set_capacity(3);
  team.set_active(true);
  team.set_version(1);
  directory.Put(team);
}

// Every element of an array reply, appended to `line`.
void AppendAll(const RedisReply& reply, std::string& line) {
  for (size_t i = 0; i < reply.Size(); ++i) {
    if (reply[i].IsArray()) {
      AppendAll(reply[i], line);
    } else {
      absl::StrAppend(&line, " ", reply[i].Str());
    }
  }
}

}  // namespace

void FillDirectory(FakeDirectory& directory) {
  PutRegion(directory, kTenant, v1::REGION_LEVEL_CITY, "", "");
  PutRegion(directory, kRencheng, v1::REGION_LEVEL_COUNTY, kTenant, kRencheng);
  PutRegion(directory, kYanzhou, v1::REGION_LEVEL_COUNTY, kTenant, kYanzhou);
  PutRegion(directory, kGaoxin, v1::REGION_LEVEL_ZONE, kTenant, kGaoxin);
  PutRegion(directory, kGuhuai, v1::REGION_LEVEL_TOWN, kRencheng, kRencheng);
  PutRegion(directory, kZhuyuan, v1::REGION_LEVEL_COMMUNITY, kGuhuai,
            kRencheng);
  PutRegion(directory, "yanzhou-gulou", v1::REGION_LEVEL_TOWN, kYanzhou,
            kYanzhou);
  PutRegion(directory, kXinglong, v1::REGION_LEVEL_COMMUNITY, "yanzhou-gulou",
            kYanzhou);
  v1::Department department;
  department.set_id(kKexie);
  department.set_name("市科协");
  department.set_active(true);
  department.set_version(1);
  directory.Put(department);
  PutTeam(directory, kRenchengTeam, {kGuhuai});
  PutTeam(directory, kCrossTeam, {kRencheng, kYanzhou});
  PutTeam(directory, kYanzhouTeam, {kYanzhou});
}

v1::RoleGrant Grant(v1::Role role, const std::string& scope) {
  v1::RoleGrant grant;
  grant.set_role(role);
  grant.set_scope_id(scope);
  return grant;
}

absl::StatusOr<std::vector<std::string>> DumpRedis(RedisClient& redis) {
  std::vector<std::string> dump;
  ASSIGN_OR_RETURN(RedisReply keys, redis.Command({"KEYS", "*"}));
  for (size_t i = 0; i < keys.Size(); ++i) {
    const std::string key(keys[i].Str());
    ASSIGN_OR_RETURN(RedisReply type, redis.Command({"TYPE", key}));
    std::vector<absl::string_view> read;
    if (type.Str() == "string") read = {"GET", key};
    if (type.Str() == "hash") read = {"HGETALL", key};
    if (type.Str() == "set") read = {"SMEMBERS", key};
    if (type.Str() == "zset") read = {"ZRANGE", key, "0", "-1"};
    if (type.Str() == "list") read = {"LRANGE", key, "0", "-1"};
    if (type.Str() == "stream") read = {"XRANGE", key, "-", "+"};
    if (read.empty()) {
      return absl::InternalError(
          absl::StrCat("unknown type ", type.Str(), " of ", key));
    }
    ASSIGN_OR_RETURN(RedisReply value, redis.Command(read));
    std::string line = key;
    if (value.IsArray()) {
      AppendAll(value, line);
    } else {
      absl::StrAppend(&line, " ", value.Str());
    }
    dump.push_back(std::move(line));
  }
  return dump;
}

bool DumpContains(const std::vector<std::string>& dump,
                  const std::string& text) {
  for (const std::string& line : dump) {
    if (absl::StrContains(line, text)) return true;
  }
  return false;
}

}  // namespace kepu::testing
