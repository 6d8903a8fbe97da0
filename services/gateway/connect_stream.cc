#include "services/gateway/connect_stream.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/gateway/call_context.h"
#include "services/gateway/connect_protocol.h"
#include "services/gateway/event_stream.h"
#include "services/rpc/grpc_status.h"

namespace kepu::gateway {

namespace http = boost::beast::http;

namespace {

class ConnectStreamFraming final : public StreamFraming {
 public:
  absl::string_view content_type() const override {
    return "application/connect+json";
  }
  absl::string_view preamble() const override { return ""; }
  absl::string_view heartbeat() const override { return ""; }
  std::string Message(const google::protobuf::Message& message) const override {
    return Envelope(0, ToJson(message));
  }
  std::string End(const grpc::Status& status, bool) const override {
    return Envelope(0x02, status.ok()
                              ? "{}"
                              : absl::StrCat("{\"error\":",
                                             ErrorBody(status.error_code(),
                                                       status.error_message()),
                                             "}"));
  }
  bool refusal_is_http_error() const override { return false; }
};

const StreamFraming& Framing() {
  static const StreamFraming* const framing = new ConnectStreamFraming();
  return *framing;
}

}  // namespace

std::string Envelope(uint8_t flags, absl::string_view payload) {
  std::string out(5, '\0');
  out[0] = static_cast<char>(flags);
  const auto size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) {
    out[1 + i] = static_cast<char>((size >> (8 * (3 - i))) & 0xFF);
  }
  out.append(payload.data(), payload.size());
  return out;
}

absl::StatusOr<absl::string_view> FirstEnvelope(absl::string_view body) {
  if (body.size() < 5) {
    return absl::InvalidArgumentError("the request holds no message envelope");
  }
  if (body[0] != 0) {
    return absl::InvalidArgumentError(
        "compressed request messages are not accepted");
  }
  uint32_t size = 0;
  for (int i = 1; i <= 4; ++i)
    size = (size << 8) | static_cast<uint8_t>(body[i]);
  if (body.size() != 5 + static_cast<size_t>(size)) {
    return absl::InvalidArgumentError(
        "the request must hold exactly one message envelope");
  }
  return body.substr(5);
}

void ServeConnectStream(std::shared_ptr<Session> session,
                        const RpcMethod& method) {
  const Request& request = session->request();
  const std::string media =
      MediaType(std::string(request[http::field::content_type]));
  if (media != "application/connect+json" || method.client_streaming) {
    return session->SendError(
        http::status::unsupported_media_type,
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat(method.path,
                     " is a server-streaming method: send "
                     "application/connect+json, or use GET /sse",
                     method.path));
  }
  auto context = std::make_shared<grpc::ClientContext>();
  if (absl::Status prepared = PrepareCall(request, session->server().options(),
                                          session->ClientAddress(),
                                          /*streaming=*/true, *context);
      !prepared.ok()) {
    return RefuseEventStream(std::move(session), Framing(),
                             ToGrpcStatus(prepared));
  }
  absl::StatusOr<absl::string_view> json = FirstEnvelope(request.body());
  absl::StatusOr<grpc::ByteBuffer> message =
      json.ok() ? RequestFromJson(method, *json)
                : absl::StatusOr<grpc::ByteBuffer>(json.status());
  if (!message.ok()) {
    return RefuseEventStream(std::move(session), Framing(),
                             ToGrpcStatus(message.status()));
  }
  StartEventStream(std::move(session), method, std::move(context),
                   *std::move(message), Framing());
}

}  // namespace kepu::gateway
