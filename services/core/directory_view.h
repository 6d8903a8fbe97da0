// What the order and identity domains read of the directory (catalog, regions,
// departments, teams, volunteers). Implemented on Redis by services/directory;
// FakeDirectory for domain tests.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/directory.pb.h"

namespace kepu {

// A record the directory may not know: nullopt for kNotFound, the record, or
// any other error as it is.
template <typename T>
absl::StatusOr<std::optional<T>> IfFound(absl::StatusOr<T> found) {
  if (absl::IsNotFound(found.status())) return std::nullopt;
  if (!found.ok()) return found.status();
  return *std::move(found);
}

// Thread-safe. Every method answers kUnavailable when the store cannot be
// reached. Records are returned whether active or not: callers decide what an
// inactive record means.
class DirectoryView {
 public:
  virtual ~DirectoryView() = default;

  // kNotFound: no record with that id.
  virtual absl::StatusOr<v1::ServiceLine> GetServiceLine(
      absl::string_view id) = 0;
  virtual absl::StatusOr<v1::Region> GetRegion(absl::string_view id) = 0;
  virtual absl::StatusOr<v1::Department> GetDepartment(
      absl::string_view id) = 0;
  virtual absl::StatusOr<v1::Team> GetTeam(absl::string_view id) = 0;
  virtual absl::StatusOr<v1::Volunteer> GetVolunteer(absl::string_view id) = 0;

  // The region and every region above it, up to the city: [region, parent, ...,
  // city]. kNotFound: no such region.
  virtual absl::StatusOr<std::vector<v1::Region>> RegionChain(
      absl::string_view region_id) = 0;

  // The active teams that cover `service_line_id` and serve one of `region_ids`
  // (typically a community's RegionChain ids), in id order.
  virtual absl::StatusOr<std::vector<v1::Team>> TeamsServing(
      absl::string_view service_line_id,
      const std::vector<std::string>& region_ids) = 0;

  // Every department, active or not, in id order.
  virtual absl::StatusOr<std::vector<v1::Department>> ListDepartments() = 0;
};

}  // namespace kepu
