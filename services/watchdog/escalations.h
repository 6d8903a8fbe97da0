// Escalations as people see them: who lists which, and acknowledging one.
// Pure of gRPC (the adapter is watchdog_service.h).
#pragma once

#include "absl/status/statusor.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/watchdog.pb.h"
#include "services/core/directory_view.h"
#include "services/core/order_store.h"

namespace kepu {

// Thread-safe as the store and directory are. Requests are assumed validated
// (validation.h). kUnavailable when the store or directory is down.
class Escalations {
 public:
  Escalations(OrderStore& store, DirectoryView& directory);

  // Escalations newest first:
  //   a city admin: every one, or those of `region_id` (a county or a
  //     community; the city's own id means every one);
  //   a county admin: its county's, or those of a community in it;
  //   a community worker: its community's.
  // kNotFound naming region_id for a region outside the caller's scope (or
  // none at all); kInvalidArgument naming region_id for a region that is
  // neither the city, a county nor a community, or when the caller holds the
  // role over several regions and names none.
  absl::StatusOr<v1::ListEscalationsResponse> List(
      const v1::Principal& principal,
      const v1::ListEscalationsRequest& request);

  // Marks the escalation seen and handled with a note: admins of its county
  // or of the city (anyone else: kNotFound). Idempotent under request_id.
  // kAborted: not at expected_version; kFailedPrecondition: acknowledged
  // already.
  absl::StatusOr<v1::Escalation> Acknowledge(
      const v1::Principal& principal,
      const v1::AcknowledgeEscalationRequest& request);

 private:
  OrderStore& store_;
  DirectoryView& directory_;
};

}  // namespace kepu
