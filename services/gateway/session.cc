#include "services/gateway/session.h"

#include <iterator>
#include <optional>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/post.hpp"
#include "services/gateway/connect_protocol.h"
#include "services/gateway/connect_stream.h"
#include "services/gateway/connect_unary.h"
#include "services/gateway/health.h"
#include "services/gateway/server_sent_events.h"
#include "services/gateway/static_files.h"

namespace kepu::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr absl::string_view kEventStreamPrefix = "/sse/";
// The largest head (request line and headers) read.
constexpr uint32_t kHeaderLimit = 16 * 1024;
// The most read from the socket at once.
constexpr size_t kReadSize = 64 * 1024;

// An address as gRPC names peers, without the port: "ipv4:203.0.113.7",
// "ipv6:[2001:db8::1]".
std::string PeerName(const asio::ip::address& address) {
  return address.is_v6() ? absl::StrCat("ipv6:[", address.to_string(), "]")
                         : absl::StrCat("ipv4:", address.to_string());
}

}  // namespace

Session::Session(tcp::socket socket, GatewayServer& server)
    : stream_(std::move(socket)), server_(server) {}

void Session::Start() {
  beast::error_code error;
  const tcp::endpoint peer = stream_.socket().remote_endpoint(error);
  peer_address_ = error ? "unknown" : PeerName(peer.address());
  server_.AddSession(weak_from_this());
  asio::dispatch(stream_.get_executor(),
                 [self = shared_from_this()] { self->ReadRequest(); });
}

void Session::PostClose() {
  asio::post(stream_.get_executor(),
             [self = shared_from_this()] { self->Close(); });
}

void Session::ReadRequest() {
  parser_.emplace();
  parser_->body_limit(server_.options().max_body_bytes);
  parser_->header_limit(kHeaderLimit);
  stream_.expires_after(
      absl::ToChronoNanoseconds(server_.options().read_timeout));
  ReadHead();
}

absl::string_view Session::Buffered() const {
  const auto bytes = buffer_.data();
  return absl::string_view(static_cast<const char*>(bytes.data()),
                           bytes.size());
}

void Session::ReadHead() {
  // Empty lines before a request line are ignored (RFC 9112, 2.2).
  while (absl::StartsWith(Buffered(), "\r\n")) buffer_.consume(2);
  const absl::string_view bytes = Buffered();
  if (const std::optional<size_t> end = FindHeadEnd(bytes)) {
    if (std::optional<BadFraming> bad =
            CheckRequestHead(bytes.substr(0, *end), kHeaderLimit)) {
      return RefuseFraming(*bad);
    }
    return ParseRequest();
  }
  if (std::optional<BadFraming> bad = CheckHeadSoFar(bytes, kHeaderLimit)) {
    return RefuseFraming(*bad);
  }
  stream_.async_read_some(
      buffer_.prepare(beast::read_size(buffer_, kReadSize)),
      [self = shared_from_this()](beast::error_code error, size_t read) {
        // Closed or timed out before a whole head: nothing to answer.
        if (error) return self->Close();
        self->buffer_.commit(read);
        self->ReadHead();
      });
}

void Session::ParseRequest() {
  // The head first, alone, so the fields of a chunked body's trailer section
  // can be told from it.
  beast::error_code error;
  parser_->eager(false);
  buffer_.consume(parser_->put(buffer_.data(), error));
  if (error) return OnRequest(error);
  if (parser_->chunked()) {
    head_fields_ = static_cast<size_t>(
        std::distance(parser_->get().begin(), parser_->get().end()));
  }
  // Then what has arrived of the body, and the rest as it comes.
  parser_->eager(true);
  if (!parser_->is_done() && buffer_.size() > 0) {
    buffer_.consume(parser_->put(buffer_.data(), error));
    if (error == http::error::need_more) error = {};
    if (error) return OnRequest(error);
  }
  if (parser_->is_done()) return OnRequest({});
  http::async_read(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code read_error, size_t) {
        self->OnRequest(read_error);
      });
}

void Session::OnRequest(beast::error_code error) {
  if (error == http::error::body_limit) {
    return RefuseFraming(
        {413, grpc::StatusCode::RESOURCE_EXHAUSTED,
         absl::StrCat("the request body is larger than ",
                      server_.options().max_body_bytes, " bytes")});
  }
  if (error == http::error::header_limit) {
    return RefuseFraming({431, grpc::StatusCode::RESOURCE_EXHAUSTED,
                          "the request headers are too large"});
  }
  if (error) {
    if (std::optional<BadFraming> bad = BadChunkedBody(error)) {
      return RefuseFraming(*bad);
    }
    return Close();  // closed or timed out: nothing to answer
  }
  const bool chunked = parser_->chunked();
  request_ = parser_->release();
  if (chunked) {
    // Fields of the trailer section are dropped (RFC 9110, 6.5.1): merged
    // into the headers they would set what the head did not, or come after
    // what a proxy added (X-Forwarded-For).
    auto field = request_.begin();
    std::advance(field, static_cast<std::ptrdiff_t>(head_fields_));
    while (field != request_.end()) field = request_.erase(field);
  }
  keep_alive_ = request_.keep_alive();
  server_.BeginResponse();
  responding_ = true;
  Route();
}

void Session::RefuseFraming(const BadFraming& bad) {
  // Whatever follows on the connection cannot be trusted to start a request.
  // The answer is not to a HEAD before it, so it keeps its body.
  request_ = {};
  keep_alive_ = false;
  linger_ = true;
  SendError(static_cast<http::status>(bad.http_status), bad.code, bad.message);
}

void Session::Route() {
  const absl::string_view target(request_.target().data(),
                                 request_.target().size());
  const size_t question = target.find('?');
  const absl::string_view path = target.substr(0, question);
  query_ = question == absl::string_view::npos ? absl::string_view()
                                               : target.substr(question + 1);
  const http::verb verb = request_.method();
  if (const RpcMethod* method = server_.methods().Find(path)) {
    if (verb != http::verb::post) {
      return SendMethodNotAllowed("POST");
    }
    return method->server_streaming || method->client_streaming
               ? ServeConnectStream(shared_from_this(), *method)
               : ServeUnary(shared_from_this(), *method);
  }
  if (absl::StartsWith(path, kEventStreamPrefix)) {
    const RpcMethod* method =
        server_.methods().Find(path.substr(kEventStreamPrefix.size() - 1));
    if (method == nullptr || !method->server_streaming ||
        method->client_streaming) {
      return SendError(http::status::not_found, grpc::StatusCode::UNIMPLEMENTED,
                       absl::StrCat("no server-streaming method at ", path));
    }
    if (verb != http::verb::get) return SendMethodNotAllowed("GET");
    return ServeEvents(shared_from_this(), *method);
  }
  if (path == "/healthz") {
    if (verb != http::verb::get && verb != http::verb::head) {
      return SendMethodNotAllowed("GET, HEAD");
    }
    return ServeHealth(shared_from_this());
  }
  if (verb == http::verb::post) {
    // A Connect client calling a method this gateway does not know.
    return SendError(http::status::not_found, grpc::StatusCode::UNIMPLEMENTED,
                     absl::StrCat("no method at ", path));
  }
  if (verb != http::verb::get && verb != http::verb::head) {
    return SendMethodNotAllowed("GET, HEAD, POST");
  }
  ServeStaticFile(shared_from_this(), path);
}

std::string Session::ClientAddress() const {
  if (server_.options().trust_forwarded_for) {
    // The proxy appends the address it saw: the last entry of the last
    // line (a client may send lines of its own before it).
    beast::string_view last_line;
    for (auto [it, end] = request_.equal_range("x-forwarded-for"); it != end;
         ++it) {
      last_line = it->value();
    }
    if (!last_line.empty()) {
      absl::string_view list(last_line.data(), last_line.size());
      absl::string_view last = list.substr(list.rfind(',') + 1);
      last = absl::StripAsciiWhitespace(last);
      beast::error_code error;
      const asio::ip::address address =
          asio::ip::make_address(std::string(last), error);
      if (!error) return PeerName(address);
    }
  }
  return peer_address_;
}

void Session::SendMethodNotAllowed(absl::string_view allowed) {
  auto response = std::make_shared<http::response<http::string_body>>(
      http::status::method_not_allowed, request_.version());
  response->set(http::field::allow,
                beast::string_view(allowed.data(), allowed.size()));
  response->set(http::field::content_type, "application/json");
  response->body() =
      ErrorBody(grpc::StatusCode::UNIMPLEMENTED, absl::StrCat("use ", allowed));
  Send(std::move(response));
}

void Session::SendError(http::status http_status, grpc::StatusCode code,
                        absl::string_view message) {
  SendBody(http_status, "application/json", ErrorBody(code, message));
}

void Session::SendStatus(const grpc::Status& status) {
  SendError(static_cast<http::status>(HttpStatusOf(status.error_code())),
            status.error_code(), status.error_message());
}

void Session::SendBody(http::status status, absl::string_view content_type,
                       std::string body) {
  auto response = std::make_shared<http::response<http::string_body>>(
      status, request_.version());
  response->set(http::field::content_type,
                beast::string_view(content_type.data(), content_type.size()));
  response->body() = std::move(body);
  Send(std::move(response));
}

void Session::AfterWrite(beast::error_code error) {
  DoneResponding();
  if (!error && linger_) return Linger();
  if (error || !keep_alive_) return Close();
  ReadRequest();
}

void Session::BecomeStream() {
  DoneResponding();
  stream_.expires_never();
}

void Session::DoneResponding() {
  if (!responding_) return;
  responding_ = false;
  server_.EndResponse();
}

// After refusing a request whose body is still arriving: stop sending, and
// read (and drop) what the client still sends for a moment, so its kernel
// does not answer our close with a reset that destroys the answer before
// the client reads it (RFC 9112, 9.6).
void Session::Linger() {
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.expires_after(std::chrono::seconds(2));
  Drain();
}

void Session::Drain() {
  stream_.async_read_some(
      asio::buffer(drain_buffer_),
      [self = shared_from_this()](beast::error_code error, size_t) {
        if (error) return self->Close();
        self->Drain();
      });
}

void Session::Close() {
  if (on_close_) std::exchange(on_close_, nullptr)();
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.close();
}

}  // namespace kepu::gateway
