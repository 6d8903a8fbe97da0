// An in-memory DirectoryView for domain tests, with a fault switch. Never used
// in integration tests (services/directory has the Redis one).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "services/core/directory_view.h"

namespace kepu {

class FakeDirectory : public DirectoryView {
 public:
  // Adds or replaces a record.
  void Put(const v1::ServiceLine& line);
  void Put(const v1::Region& region);
  void Put(const v1::Department& department);
  void Put(const v1::Team& team);
  void Put(const v1::Volunteer& volunteer);
  // While set, every call answers kUnavailable.
  void SetUnavailable(bool unavailable);

  absl::StatusOr<v1::ServiceLine> GetServiceLine(absl::string_view id) override;
  absl::StatusOr<v1::Region> GetRegion(absl::string_view id) override;
  absl::StatusOr<v1::Department> GetDepartment(absl::string_view id) override;
  absl::StatusOr<v1::Team> GetTeam(absl::string_view id) override;
  absl::StatusOr<v1::Volunteer> GetVolunteer(absl::string_view id) override;
  absl::StatusOr<std::vector<v1::Region>> RegionChain(
      absl::string_view region_id) override;
  absl::StatusOr<std::vector<v1::Team>> TeamsServing(
      absl::string_view service_line_id,
      const std::vector<std::string>& region_ids) override;
  absl::StatusOr<std::vector<v1::Department>> ListDepartments() override;

 private:
  template <typename T>
  absl::StatusOr<T> Find(const std::map<std::string, T, std::less<>>& records,
                         absl::string_view id, absl::string_view kind) const
      ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  bool unavailable_ ABSL_GUARDED_BY(mu_) = false;
  std::map<std::string, v1::ServiceLine, std::less<>> lines_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Region, std::less<>> regions_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Department, std::less<>> departments_
      ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Team, std::less<>> teams_ ABSL_GUARDED_BY(mu_);
  std::map<std::string, v1::Volunteer, std::less<>> volunteers_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace kepu
