// The HTTP gateway: browsers and phones reach every Kepu RPC over HTTP/1.1.
//
//   POST /<service>/<method>   Connect unary (application/json or
//                              application/proto) for unary methods, Connect
//                              server streaming (application/connect+json) for
//                              the Watch methods
//   GET  /sse/<service>/<method>?field=value...
//                              server-sent events from a Watch method,
//                              resumable with Last-Event-ID
//   GET  /healthz              the backend's gRPC health, as JSON
//   GET  anything else         a file under the static root (the mobile client)
//
// Requests are turned into gRPC calls on one channel (kepud's in-process
// channel, or a remote kepud) from the protobuf descriptors alone: a new RPC is
// reachable without gateway code. The bearer token and tenant travel as
// metadata, the client's address as "x-kepu-client-address".
//
// Built on Boost.Beast: an asynchronous server on a few threads, so thousands
// of keep-alive connections and open event streams cost memory, not threads.
//
// The parts: gateway_server.h (listener, threads, stop), session.h (one
// connection: reading, routing, answering), connect_unary.h,
// connect_stream.h, server_sent_events.h and event_stream.h (the calls),
// health.h, static_files.h, call_context.h (what a call takes from its
// request), method_table.h and connect_protocol.h (pure transcoding rules).
#ifndef KEPU_SERVICES_GATEWAY_HTTP_GATEWAY_H_
#define KEPU_SERVICES_GATEWAY_HTTP_GATEWAY_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "grpcpp/channel.h"

namespace kepu::gateway {

class GatewayServer;

struct GatewayOptions {
  // host:port to listen on; port 0 picks a free one (see address()).
  std::string listen = "127.0.0.1:8080";
  // Full names of the services to expose ("kepu.v1.OrderService").
  std::vector<std::string> services;
  // Folder of static files; empty serves none.
  std::string static_root;
  int threads = 2;
  // Largest request body; a larger one is refused with 413 before it is read.
  size_t max_body_bytes = 1 << 20;
  // Time to read one request, and how long an idle keep-alive connection
  // stays open.
  absl::Duration read_timeout = absl::Seconds(30);
  // Deadline of a call whose client sent no Connect-Timeout-Ms, and the
  // largest one a client may ask for.
  absl::Duration call_timeout = absl::Seconds(30);
  absl::Duration max_call_timeout = absl::Minutes(5);
  // How often an open event stream gets a comment line, so proxies and
  // phones keep the connection.
  absl::Duration heartbeat = absl::Seconds(15);
  // Take the client's address from the last X-Forwarded-For entry (only when
  // a proxy you run sits in front of the gateway).
  bool trust_forwarded_for = false;
};

class HttpGateway {
 public:
  // Listens and serves until Stop. `backend` carries the calls.
  static absl::StatusOr<std::unique_ptr<HttpGateway>> Start(
      GatewayOptions options, std::shared_ptr<grpc::Channel> backend);

  HttpGateway(const HttpGateway&) = delete;
  HttpGateway& operator=(const HttpGateway&) = delete;
  ~HttpGateway();

  // "host:port" actually listened on.
  std::string address() const;

  // Stops accepting, ends open event streams, lets unary calls in flight
  // finish until `deadline` (then cancels them), and closes every connection.
  // Idempotent.
  void Stop(absl::Time deadline);

 private:
  explicit HttpGateway(std::unique_ptr<GatewayServer> server);
  std::unique_ptr<GatewayServer> server_;
};

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_HTTP_GATEWAY_H_
