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

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"

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
  // Entries of one kind of value, by key. Bounded: when full it starts over
  // (the directory is small; a full table means keys nobody repeats).
  template <typename Value>
  class Table {
   public:
    std::shared_ptr<const Value> Find(absl::string_view key, absl::Time now)
        ABSL_LOCKS_EXCLUDED(mu_);
    void Put(absl::string_view key, std::shared_ptr<const Value> value,
             absl::Time expires) ABSL_LOCKS_EXCLUDED(mu_);
    void Clear() ABSL_LOCKS_EXCLUDED(mu_);

   private:
    static constexpr size_t kMaxEntries = 20000;
    struct Entry {
      std::shared_ptr<const Value> value;
      absl::Time expires;
    };
    absl::Mutex mu_;
    absl::flat_hash_map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
  };

  // The cached value of `key` in `table`, or `read()`'s, remembered if ok.
  template <typename Value, typename Read>
  absl::StatusOr<Value> Cached(Table<Value>& table, absl::string_view key,
                               Read read);

  DirectoryView& source_;
  const Clock& clock_;
  const absl::Duration ttl_;
  Table<v1::ServiceLine> lines_;
  Table<v1::Region> regions_;
  Table<v1::Department> departments_;
  Table<std::vector<v1::Region>> chains_;
  Table<std::vector<v1::Department>> department_lists_;
};

}  // namespace kepu
