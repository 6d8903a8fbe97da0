#include "services/directory/cached_directory.h"

namespace kepu {

template <typename Value, typename Read>
absl::StatusOr<Value> CachedDirectory::Cached(TtlCache<Value>& table,
                                              absl::string_view key,
                                              Read read) {
  if (ttl_ <= absl::ZeroDuration()) return read();
  // The expiry is taken before the read, so an entry never outlives `ttl` from
  // the moment its value was current.
  const absl::Time now = clock_.Now();
  if (std::shared_ptr<const Value> hit = table.Find(key, now)) return *hit;
  absl::StatusOr<Value> value = read();
  if (value.ok()) table.Put(key, *value, now + ttl_);
  return value;
}

void CachedDirectory::Clear() {
  lines_.Clear();
  regions_.Clear();
  departments_.Clear();
  chains_.Clear();
  department_lists_.Clear();
}

absl::StatusOr<v1::ServiceLine> CachedDirectory::GetServiceLine(
    absl::string_view id) {
  return Cached(lines_, id, [&] { return source_.GetServiceLine(id); });
}

absl::StatusOr<v1::Region> CachedDirectory::GetRegion(absl::string_view id) {
  return Cached(regions_, id, [&] { return source_.GetRegion(id); });
}

absl::StatusOr<v1::Department> CachedDirectory::GetDepartment(
    absl::string_view id) {
  return Cached(departments_, id, [&] { return source_.GetDepartment(id); });
}

absl::StatusOr<std::vector<v1::Region>> CachedDirectory::RegionChain(
    absl::string_view region_id) {
  return Cached(chains_, region_id,
                [&] { return source_.RegionChain(region_id); });
}

absl::StatusOr<std::vector<v1::Department>> CachedDirectory::ListDepartments() {
  return Cached(department_lists_, "",
                [&] { return source_.ListDepartments(); });
}

absl::StatusOr<v1::Team> CachedDirectory::GetTeam(absl::string_view id) {
  return source_.GetTeam(id);
}

absl::StatusOr<v1::Volunteer> CachedDirectory::GetVolunteer(
    absl::string_view id) {
  return source_.GetVolunteer(id);
}

absl::StatusOr<std::vector<v1::Team>> CachedDirectory::TeamsServing(
    absl::string_view service_line_id,
    const std::vector<std::string>& region_ids) {
  return source_.TeamsServing(service_line_id, region_ids);
}

}  // namespace kepu
