// The one place where absl::Status and grpc::Status meet (their numeric codes
// are equal).
#pragma once

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace kepu {

grpc::Status ToGrpcStatus(const absl::Status& status);
absl::Status ToAbslStatus(const grpc::Status& status);

}  // namespace kepu
