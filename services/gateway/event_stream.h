// A server-streaming call answered on an HTTP connection, for Connect
// streaming (connect_stream.h) and server-sent events
// (server_sent_events.h), which differ only in their StreamFraming.
//
// The gRPC side reads one message at a time and the next only once the
// client has taken the last one, so a slow phone slows its own stream and
// nothing else. The connection side writes the 200 and the headers when the
// server accepts the call (its initial metadata) or with the first message,
// then each message, a heartbeat when idle, and the framing's last words when
// the call ends; then it closes the connection. The client hanging up, or a
// write that does not finish within the read timeout, cancels the call; Stop
// cancels it too.
#ifndef KEPU_SERVICES_GATEWAY_EVENT_STREAM_H_
#define KEPU_SERVICES_GATEWAY_EVENT_STREAM_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/status.h"
#include "services/gateway/method_table.h"
#include "services/gateway/session.h"

namespace kepu::gateway {

// How a stream's messages are written on the wire. Implementations are
// stateless and live for the whole program.
class StreamFraming {
 public:
  virtual ~StreamFraming() = default;
  // The response's Content-Type.
  virtual absl::string_view content_type() const = 0;
  // Written right after the response's headers (may be empty).
  virtual absl::string_view preamble() const = 0;
  // Written when nothing else was for GatewayOptions::heartbeat; empty for
  // no heartbeat.
  virtual absl::string_view heartbeat() const = 0;
  // One message of the call.
  virtual std::string Message(
      const google::protobuf::Message& message) const = 0;
  // The last bytes, once the call ended with `status` (may be empty);
  // `client_gone` when the client hung up first.
  virtual std::string End(const grpc::Status& status,
                          bool client_gone) const = 0;
  // Whether a call that ends before its stream started (no header written:
  // the server refused it) is answered as a plain HTTP error, like any
  // refusal of the request (server-sent events: EventSource then stops
  // retrying), rather than as a stream that holds only End.
  virtual bool refusal_is_http_error() const = 0;
};

// Answers the session's request with the stream of `method` called with
// `request` and `context` (its metadata and deadline filled in). Once the
// server is stopping, refuses with unavailable (RefuseEventStream).
void StartEventStream(std::shared_ptr<Session> session, const RpcMethod& method,
                      std::shared_ptr<grpc::ClientContext> context,
                      grpc::ByteBuffer request, const StreamFraming& framing);

// Answers the session's request with `status` (not OK) before any call
// started: a plain HTTP error when framing.refusal_is_http_error(), else a
// stream of the framing's End alone.
void RefuseEventStream(std::shared_ptr<Session> session,
                       const StreamFraming& framing,
                       const grpc::Status& status);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_EVENT_STREAM_H_
