// One HTTP/1.1 connection of the gateway: reads requests one after another
// (keep-alive), routes each to its handler, and writes the handler's answer;
// a handler that streams (event_stream.h) takes the connection over for the
// rest of its life.
//
// Routes, in order:
//   a method of the table       POST only: Connect unary (connect_unary.h),
//                               or Connect streaming (connect_stream.h)
//   /sse/<service>/<method>     GET only: server-sent events
//                               (server_sent_events.h)
//   /healthz                    GET or HEAD: the backend's health (health.h)
//   POST anything else          404 unimplemented (a method we do not know)
//   GET or HEAD anything else   a static file (static_files.h)
//
// Threads: every method runs on the connection's strand (the handlers are
// called there), except PostClose and executor(), which any thread may call.
// A handler answers each request exactly once, with one of the Send
// methods, or hands the connection to an event stream.
#ifndef KEPU_SERVICES_GATEWAY_SESSION_H_
#define KEPU_SERVICES_GATEWAY_SESSION_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "boost/asio/ip/tcp.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpcpp/support/status.h"
#include "services/gateway/gateway_server.h"
#include "services/gateway/request_framing.h"

namespace kepu::gateway {

using Request = boost::beast::http::request<boost::beast::http::string_body>;

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(boost::asio::ip::tcp::socket socket, GatewayServer& server);

  // Registers with the server and starts reading requests.
  void Start();
  // Closes the connection soon, from any thread (Stop does, once the answers
  // in flight are written).
  void PostClose();

  // --- For handlers, while they answer request().

  GatewayServer& server() const { return server_; }
  const Request& request() const { return request_; }
  // The query of the request's target (after '?'), undecoded.
  absl::string_view query() const { return query_; }
  // The client's address as gRPC names peers ("ipv4:203.0.113.7"): the
  // connection's peer or, with trust_forwarded_for, what the proxy appended
  // to the last X-Forwarded-For line.
  std::string ClientAddress() const;

  // Connect's JSON error body with HTTP status `http_status`.
  void SendError(boost::beast::http::status http_status, grpc::StatusCode code,
                 absl::string_view message);
  // Connect's JSON error for `status` (not OK), with the HTTP status of its
  // code.
  void SendStatus(const grpc::Status& status);
  void SendBody(boost::beast::http::status status,
                absl::string_view content_type, std::string body);
  // 405 with Allow: `allowed`.
  void SendMethodNotAllowed(absl::string_view allowed);
  // Writes `response` (only its header for HEAD), then reads the next
  // request, or closes the connection when it is not kept alive.
  // `skip_body`: the response is already a header alone.
  template <class Response>
  void Send(std::shared_ptr<Response> response, bool skip_body = false);

  // --- For event streams (event_stream.cc), which write raw bytes.

  // The request is now a call, which Stop cancels, so Stop no longer waits
  // for its answer; the connection has no read deadline from here on.
  void BecomeStream();
  // No more requests on this connection after the current answer.
  void CloseAfterAnswer() { keep_alive_ = false; }
  boost::beast::tcp_stream& stream() { return stream_; }
  boost::beast::tcp_stream::executor_type executor() {
    return stream_.get_executor();
  }
  // Runs once, on the strand, when the connection closes.
  void OnClose(std::function<void()> hook) { on_close_ = std::move(hook); }
  // Shuts the connection down now.
  void Close();

 private:
  void ReadRequest();
  // What has arrived and is not parsed yet.
  absl::string_view Buffered() const;
  // Reads until the buffer holds a whole head, and checks it before Beast
  // parses it.
  void ReadHead();
  // Parses the checked head and what of the body has arrived; reads the rest.
  void ParseRequest();
  void OnRequest(boost::beast::error_code error);
  // Answers a request refused for its framing and closes the connection.
  void RefuseFraming(const BadFraming& bad);
  void Route();
  void AfterWrite(boost::beast::error_code error);
  void DoneResponding();
  void Linger();
  void Drain();

  boost::beast::tcp_stream stream_;
  GatewayServer& server_;
  boost::beast::flat_buffer buffer_;
  std::optional<
      boost::beast::http::request_parser<boost::beast::http::string_body>>
      parser_;
  Request request_;
  // How many fields the head of a chunked request has: those after them came
  // in its trailer section.
  size_t head_fields_ = 0;
  absl::string_view query_;  // into request_
  std::string peer_address_;
  bool keep_alive_ = true;
  bool responding_ = false;
  bool linger_ = false;
  std::function<void()> on_close_;
  std::array<char, 16 * 1024> drain_buffer_;
};

template <class Response>
void Session::Send(std::shared_ptr<Response> response, bool skip_body) {
  namespace http = boost::beast::http;
  if (request_.method() == http::verb::head && !skip_body) {
    // The header of the answer a GET would get, without its body.
    response->keep_alive(keep_alive_);
    response->prepare_payload();
    auto head = std::make_shared<http::response<http::empty_body>>();
    head->base() = response->base();
    return Send(std::move(head), /*skip_body=*/true);
  }
  response->set(http::field::server, "kepu");
  response->keep_alive(keep_alive_);
  if (!skip_body) response->prepare_payload();
  if (skip_body) response->keep_alive(keep_alive_);
  stream_.expires_after(
      absl::ToChronoNanoseconds(server_.options().read_timeout));
  http::async_write(
      stream_, *response,
      [self = shared_from_this(), response](
          boost::beast::error_code error, size_t) { self->AfterWrite(error); });
}

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_SESSION_H_
