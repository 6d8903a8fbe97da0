// One line of a tenant's audit trail: every write of a directory record or an
// account appends one, in the same atomic write (record_write.h), to the
// tenant's audit stream. Orders have their own history (OrderEvent).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"

namespace kepu {

struct AuditEntry {
  absl::Time at;
  // Who did it: user id ("system" for the platform itself), display name and
  // the role acted in.
  v1::Actor actor;
  // The RPC, e.g. "kepu.v1.IdentityService/GrantRole".
  std::string action;
  // What it was done to, e.g. "user/01JD...", "team/rencheng-smart-elderly".
  std::string target;
  std::string request_id;
  // Optional: why (e.g. of a deactivation).
  std::string reason;
};

// The entry's fields as the audit stream stores them: at (ms), actor,
// actor_name, role (number), action, target, request_id, outcome ("OK")
// [, reason].
std::vector<std::pair<std::string, std::string>> AuditFields(
    const AuditEntry& entry);

// The entry AuditFields made (unknown fields ignored; a malformed time or role
// reads as zero).
AuditEntry AuditEntryOf(
    const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace kepu
