#include "services/rpc/serve_unary.h"

#include "absl/strings/match.h"

namespace kepu {

std::string BearerToken(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return "";
  absl::string_view value(it->second.data(), it->second.size());
  if (!absl::StartsWithIgnoreCase(value, "bearer ")) return "";
  value.remove_prefix(7);
  return std::string(value);
}

}  // namespace kepu
