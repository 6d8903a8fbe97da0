// Connect's unary protocol (connectrpc.com/docs/protocol#unary-request):
// POST /<service>/<method> with a JSON (application/json) or binary
// (application/proto) body, answered with the response in the same encoding,
// or with Connect's JSON error and the HTTP status of its code.
#ifndef KEPU_SERVICES_GATEWAY_CONNECT_UNARY_H_
#define KEPU_SERVICES_GATEWAY_CONNECT_UNARY_H_

#include <functional>
#include <memory>
#include <string>

#include "grpcpp/client_context.h"
#include "grpcpp/support/byte_buffer.h"
#include "grpcpp/support/status.h"
#include "services/gateway/method_table.h"
#include "services/gateway/session.h"

namespace kepu::gateway {

// Answers the session's request with the unary call of `method`. Refusals
// before the call (415 for another content type, 400 invalid_argument for a
// body the request message cannot hold or a bad Connect header) reach no
// service.
void ServeUnary(std::shared_ptr<Session> session, const RpcMethod& method);

// One unary call through the backend's generic stub.
struct UnaryCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

// Answers with `body`, the call's response in JSON (or binary protobuf when
// asked), once the call succeeded; runs on the session's strand and must
// answer with one of the session's Send methods.
using UnaryAnswer = std::function<void(Session& session, std::string body)>;

// Starts `call` (its context and request filled in) and answers its outcome:
// Connect's error when it failed, 500 internal when its response does not
// parse, `answer` otherwise. Once the server is stopping, answers 503
// unavailable and starts nothing. The call's deadline, not the connection's
// read timeout, bounds the wait.
void StartUnaryCall(std::shared_ptr<Session> session, const RpcMethod& method,
                    std::shared_ptr<UnaryCall> call, bool binary,
                    UnaryAnswer answer);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_CONNECT_UNARY_H_
