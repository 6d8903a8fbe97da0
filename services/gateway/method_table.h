// The RPCs the gateway can reach, found from the protobuf descriptors of the
// services it fronts (no per-method code), and the transcoding between the
// HTTP side (Connect JSON, binary protobuf, query parameters) and the gRPC
// side (serialized request and response messages).
#ifndef KEPU_SERVICES_GATEWAY_METHOD_TABLE_H_
#define KEPU_SERVICES_GATEWAY_METHOD_TABLE_H_

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/byte_buffer.h"

namespace kepu::gateway {

struct RpcMethod {
  // "/kepu.v1.OrderService/CreateOrder": the HTTP path and the gRPC method.
  std::string path;
  const google::protobuf::MethodDescriptor* descriptor = nullptr;
  // Default instances (owned by the generated message factory).
  const google::protobuf::Message* request_prototype = nullptr;
  const google::protobuf::Message* response_prototype = nullptr;
  bool server_streaming = false;
  bool client_streaming = false;
};

class MethodTable {
 public:
  // Every method of the named services (full names, "kepu.v1.OrderService"),
  // looked up in the generated descriptor pool: the service's generated code
  // must be linked in. NOT_FOUND names the first service that is not.
  static absl::StatusOr<MethodTable> ForServices(
      const std::vector<std::string>& service_full_names);

  // The method at `path`, or nullptr.
  const RpcMethod* Find(absl::string_view path) const;

  size_t size() const { return methods_.size(); }

 private:
  absl::flat_hash_map<std::string, RpcMethod> methods_;
};

// One query parameter, decoded.
using QueryParameter = std::pair<std::string, std::string>;

// The request of `method` from a proto3 JSON body (field names in lowerCamel
// or as in the .proto; unknown fields rejected). INVALID_ARGUMENT says what is
// wrong and, when the parser knows it, names the field.
absl::StatusOr<grpc::ByteBuffer> RequestFromJson(const RpcMethod& method,
                                                 absl::string_view json);

// The request of `method` from binary protobuf; INVALID_ARGUMENT when the
// bytes are not one, naming the field when a string is not valid UTF-8.
absl::StatusOr<grpc::ByteBuffer> RequestFromBinary(const RpcMethod& method,
                                                   absl::string_view bytes);

// The request of `method` from query parameters: `message` holds the whole
// request as JSON; any other parameter sets the top-level field of that name
// (a scalar or enum; repeated fields may repeat). Parameters named in
// `ignored` are skipped. INVALID_ARGUMENT names an unknown parameter or a bad
// value (one that is not valid UTF-8 included).
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> RequestFromQuery(
    const RpcMethod& method, const std::vector<QueryParameter>& parameters,
    const std::vector<absl::string_view>& ignored);

// Serializes a message for the wire.
grpc::ByteBuffer ToByteBuffer(const google::protobuf::Message& message);

// The response in proto3 JSON (lowerCamel names, defaults omitted), or in
// binary protobuf when `binary`. INTERNAL when the bytes do not parse.
absl::StatusOr<std::string> ResponseBody(const RpcMethod& method,
                                         const grpc::ByteBuffer& response,
                                         bool binary);

// Parses a response into a new message.
absl::StatusOr<std::unique_ptr<google::protobuf::Message>> ParseResponse(
    const RpcMethod& method, const grpc::ByteBuffer& response);

// The message in proto3 JSON on one line.
std::string ToJson(const google::protobuf::Message& message);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_METHOD_TABLE_H_
