// A DirectoryView that remembers what it read for a short while. Orders read
// the same service lines, communities and departments on every call, and the
// directory changes a few times a day; each read it saves is a Redis round
// trip, which under `appendfsync always` waits for the disk when anything else
// is being written.
//
// Staleness: a record is served from memory for at most `ttl` after it was
// read. Writes through this process's DirectoryService call Clear(), so an
// admin sees their own change at once; other replicas see it within `ttl`.
// Teams, volunteers and team searches are not cached (capacity and membership
// change with the work), nor are errors (a record created a moment ago is
// found).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/ttl_cache.h"

namespace kepu {

// Thread-safe.
class CachedDirectory : public DirectoryView {
 public:
  // `source` and `clock` must outlive this object. A zero `ttl` caches nothing.
  CachedDirectory(DirectoryView& source, const Clock& clock, absl::Duration ttl)
      : source_(source), clock_(clock), ttl_(ttl) {}

  // Forgets everything (after a write to the directory).
  void Clear();

  absl::StatusOr<v1::ServiceLine> GetServiceLine(absl::string_view id) override;
  absl::StatusOr<v1::Region> GetRegion(absl::string_view id) override;
  absl::StatusOr<v1::Department> GetDepartment(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Region>> RegionChain(
      absl::string_view region_id) override;
  absl::StatusOr<std::vector<v1::Department>> ListDepartments() override;

  // Not cached: read from `source` every time.
  absl::StatusOr<v1::Team> GetTeam(absl::string_view id) override;
  absl::StatusOr<v1::Volunteer> GetVolunteer(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Team>> TeamsServing(
      absl::string_view service_line_id,
      const std::vector<std::string>& region_ids) override;

 private:
  // The cached value of `key` in `table`, or `read()`'s, remembered if ok.
  template <typename Value, typename Read>
  absl::StatusOr<Value> Cached(TtlCache<Value>& table, absl::string_view key,
                               Read read);

  static constexpr size_t kMaxEntries = 20000;

  DirectoryView& source_;
  const Clock& clock_;
  const absl::Duration ttl_;
  TtlCache<v1::ServiceLine> lines_{kMaxEntries};
  TtlCache<v1::Region> regions_{kMaxEntries};
  TtlCache<v1::Department> departments_{kMaxEntries};
  TtlCache<std::vector<v1::Region>> chains_{kMaxEntries};
  TtlCache<std::vector<v1::Department>> department_lists_{kMaxEntries};
};

}  // namespace kepu
