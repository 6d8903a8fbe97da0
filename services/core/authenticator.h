// Turning a bearer token into the principal that makes a call.
#pragma once

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/identity.pb.h"

namespace kepu {

// Thread-safe.
class Authenticator {
 public:
  virtual ~Authenticator() = default;

  // The principal a token was issued to.
  //   kUnauthenticated: the token is malformed, unknown, revoked or expired;
  //   kUnavailable:     the session store cannot be reached.
  virtual absl::StatusOr<v1::Principal> Authenticate(
      absl::string_view token) = 0;
};

}  // namespace kepu
