#include "services/gateway/connect_unary.h"

#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "services/gateway/call_context.h"
#include "services/gateway/connect_protocol.h"
#include "services/rpc/grpc_status.h"

namespace kepu::gateway {

namespace http = boost::beast::http;

void ServeUnary(std::shared_ptr<Session> session, const RpcMethod& method) {
  const Request& request = session->request();
  const std::string media =
      MediaType(std::string(request[http::field::content_type]));
  if (media != "application/json" && media != "application/proto") {
    return session->SendError(
        http::status::unsupported_media_type,
        grpc::StatusCode::INVALID_ARGUMENT,
        absl::StrCat("content-type must be application/json or "
                     "application/proto, not \"",
                     media, "\""));
  }
  const bool binary = media == "application/proto";
  absl::StatusOr<grpc::ByteBuffer> message =
      binary ? RequestFromBinary(method, request.body())
             : RequestFromJson(method, request.body());
  if (!message.ok()) {
    return session->SendError(http::status::bad_request,
                              grpc::StatusCode::INVALID_ARGUMENT,
                              message.status().message());
  }
  auto call = std::make_shared<UnaryCall>();
  if (absl::Status prepared = PrepareCall(request, session->server().options(),
                                          session->ClientAddress(),
                                          /*streaming=*/false, call->context);
      !prepared.ok()) {
    return session->SendStatus(ToGrpcStatus(prepared));
  }
  call->request = *std::move(message);
  StartUnaryCall(std::move(session), method, std::move(call), binary,
                 [binary](Session& answering, std::string body) {
                   answering.SendBody(
                       http::status::ok,
                       binary ? "application/proto" : "application/json",
                       std::move(body));
                 });
}

void StartUnaryCall(std::shared_ptr<Session> session, const RpcMethod& method,
                    std::shared_ptr<UnaryCall> call, bool binary,
                    UnaryAnswer answer) {
  GatewayServer& server = session->server();
  if (!server.BeginCall(
          std::shared_ptr<grpc::ClientContext>(call, &call->context),
          /*streaming=*/false)) {
    return session->SendError(http::status::service_unavailable,
                              grpc::StatusCode::UNAVAILABLE,
                              "the gateway is shutting down");
  }
  session->stream().expires_never();  // the call's deadline bounds the wait
  grpc::ClientContext* context = &call->context;
  const grpc::ByteBuffer* request_bytes = &call->request;
  grpc::ByteBuffer* response_bytes = &call->response;
  server.stub().UnaryCall(
      context, method.path, grpc::StubOptions(), request_bytes, response_bytes,
      [session = std::move(session), call = std::move(call),
       answer = std::move(answer), &method, binary, &server,
       context](grpc::Status status) mutable {
        // Hand everything to the strand first: once EndCall returns the
        // server may be gone.
        auto executor = session->executor();
        boost::asio::post(
            executor, [session = std::move(session), call = std::move(call),
                       answer = std::move(answer), &method, binary,
                       status = std::move(status)] {
              if (!status.ok()) return session->SendStatus(status);
              absl::StatusOr<std::string> body =
                  ResponseBody(method, call->response, binary);
              if (!body.ok()) {
                return session->SendError(http::status::internal_server_error,
                                          grpc::StatusCode::INTERNAL,
                                          body.status().message());
              }
              answer(*session, *std::move(body));
            });
        server.EndCall(context);
      });
}

}  // namespace kepu::gateway
