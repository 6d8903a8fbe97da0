// Grants name scopes of the directory: which scope fits which role.
#pragma once

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"
#include "services/core/directory_view.h"

namespace kepu {

// Whether `grant` names a scope that exists and fits its role: a community or
// town for a community worker, a department for department staff, a team for a
// team leader or volunteer, the tenant (the city) or a county or zone for an
// admin; a resident's grant has none.
//   kInvalidArgument: "<path>.scope_id: ..." naming what is wrong;
//   kUnavailable:     the directory cannot be read.
absl::Status CheckGrantScope(const v1::RoleGrant& grant,
                             absl::string_view tenant, DirectoryView& directory,
                             absl::string_view path);

}  // namespace kepu
