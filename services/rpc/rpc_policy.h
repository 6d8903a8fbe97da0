// Which roles may call which RPC: one table, applied to every call by
// ServeUnary before the domain runs. Whether the caller may touch a particular
// order, team or region (scope) is the domain's decision.
#pragma once

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/identity.pb.h"

namespace kepu {

struct RpcPolicy {
  // Callable without a token (register, sign in).
  bool is_public = false;
  // Roles that may call it; empty (and not public): any signed-in caller.
  std::vector<v1::Role> roles;
  // Hashes or verifies a password (argon2id: 64 MiB and tens of milliseconds
  // of a core each): the call runs on the sign-in pool from start to end, so
  // a burst of sign-ins waits for that pool alone and never holds a thread
  // that order moves need.
  bool hashes_password = false;
  // May end sessions or change what a session grants (sign-outs, password
  // changes, roles, deactivation): afterwards the process checks every token
  // with Redis again rather than trust its session cache.
  bool changes_sessions = false;
};

// "CreateOrder" of "kepu.v1.OrderService/CreateOrder".
absl::string_view MethodName(absl::string_view method);

// The policy of a method named "kepu.v1.OrderService/CreateOrder"; nullptr for
// a method the table does not know (a bug: ServeUnary answers INTERNAL).
const RpcPolicy* PolicyFor(absl::string_view method);

// OK when `principal` holds one of the policy's roles (or the policy admits any
// signed-in caller); PERMISSION_DENIED naming the roles that may call
// otherwise.
absl::Status CheckCallAllowed(absl::string_view method, const RpcPolicy& policy,
                              const v1::Principal& principal);

// Every method in the table.
std::vector<std::string> PolicyMethods();

}  // namespace kepu
