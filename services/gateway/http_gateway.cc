#include "services/gateway/http_gateway.h"

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <thread>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "boost/asio/dispatch.hpp"
#include "boost/asio/ip/tcp.hpp"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/strand.hpp"
#include "boost/asio/write.hpp"
#include "boost/beast/core.hpp"
#include "boost/beast/http.hpp"
#include "grpc/health/v1/health.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/client_callback.h"
#include "services/gateway/connect_protocol.h"
#include "services/gateway/method_table.h"
#include "services/gateway/static_files.h"

namespace kepu::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

namespace {

constexpr absl::string_view kHealthCheckPath = "/grpc.health.v1.Health/Check";
constexpr absl::string_view kEventStreamPrefix = "/sse/";
constexpr uint32_t kHeaderLimit = 16 * 1024;

beast::string_view View(absl::string_view text) {
  return beast::string_view(text.data(), text.size());
}

std::chrono::steady_clock::duration ToSteady(absl::Duration duration) {
  return absl::ToChronoNanoseconds(duration);
}

// The media type without parameters, lower case.
std::string MediaType(absl::string_view content_type) {
  content_type = content_type.substr(0, content_type.find(';'));
  return absl::AsciiStrToLower(absl::StripAsciiWhitespace(content_type));
}

// name=value pairs of a query, decoded ('+' is a space).
absl::StatusOr<std::vector<QueryParameter>> ParseQuery(
    absl::string_view query) {
  std::vector<QueryParameter> parameters;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    std::string name(pair.substr(0, equals));
    std::string value(equals == absl::string_view::npos
                          ? absl::string_view()
                          : pair.substr(equals + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    std::optional<std::string> decoded_name = PercentDecode(name);
    std::optional<std::string> decoded_value = PercentDecode(value);
    if (!decoded_name || !decoded_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is not URL-encoded"));
    }
    parameters.emplace_back(std::move(*decoded_name),
                            std::move(*decoded_value));
  }
  return parameters;
}

// A Connect streaming envelope: flags, big-endian length, payload.
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

// The payload of the one message a Connect streaming request carries.
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

// The "data:" lines of one server-sent event (a JSON value has no newlines,
// but a field may, so each line gets its own prefix).
std::string EventData(absl::string_view payload) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(payload, '\n')) {
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  return out;
}

// Whether gRPC takes `value` as text metadata: printable ASCII only.
bool IsMetadataText(absl::string_view value) {
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c >= 0x20 && c <= 0x7E; });
}

// An address as gRPC names peers, without the port: "ipv4:203.0.113.7",
// "ipv6:[2001:db8::1]".
std::string PeerName(const asio::ip::address& address) {
  return address.is_v6() ? absl::StrCat("ipv6:[", address.to_string(), "]")
                         : absl::StrCat("ipv4:", address.to_string());
}

enum class Framing { kServerSentEvents, kConnectStream };

class Session;

}  // namespace

class HttpGateway::Impl {
 public:
  Impl(GatewayOptions options, std::shared_ptr<grpc::Channel> backend,
       MethodTable methods)
      : options_(std::move(options)),
        methods_(std::move(methods)),
        backend_(std::move(backend)),
        stub_(backend_),
        io_(std::max(1, options_.threads)),
        acceptor_(asio::make_strand(io_)),
        accept_backoff_(acceptor_.get_executor()) {}

  absl::Status Listen();
  void Run();
  void Stop(absl::Time deadline);

  const GatewayOptions& options() const { return options_; }
  const MethodTable& methods() const { return methods_; }
  grpc::GenericStub& stub() { return stub_; }
  const std::string& address() const { return address_; }

  // Registers a call about to start; false once stopping (the call must not
  // start). Every registered call ends with EndCall, the last thing its
  // completion does with the gateway.
  bool BeginCall(std::shared_ptr<grpc::ClientContext> context, bool streaming) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return false;
    grpc::ClientContext* key = context.get();
    (streaming ? streams_ : unary_).emplace(key, std::move(context));
    return true;
  }
  void EndCall(grpc::ClientContext* context) {
    absl::MutexLock lock(&mu_);
    unary_.erase(context);
    streams_.erase(context);
  }

  // Every connection, so Stop can close them (pruned of closed ones as it
  // grows).
  void AddSession(std::weak_ptr<Session> session) {
    absl::MutexLock lock(&sessions_mu_);
    if (sessions_.size() >= prune_sessions_at_) {
      sessions_.erase(std::remove_if(sessions_.begin(), sessions_.end(),
                                     [](const std::weak_ptr<Session>& s) {
                                       return s.expired();
                                     }),
                      sessions_.end());
      prune_sessions_at_ = std::max<size_t>(64, 2 * sessions_.size());
    }
    sessions_.push_back(std::move(session));
  }

  // A request has been read and its answer is not written yet: Stop lets it
  // finish.
  void BeginResponse() {
    absl::MutexLock lock(&mu_);
    ++responding_;
  }
  void EndResponse() {
    absl::MutexLock lock(&mu_);
    --responding_;
  }

 private:
  void Accept();

  const GatewayOptions options_;
  const MethodTable methods_;
  std::shared_ptr<grpc::Channel> backend_;
  grpc::GenericStub stub_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  // Waits before accepting again after a failed accept (out of descriptors).
  asio::steady_timer accept_backoff_;
  std::vector<std::thread> threads_;
  std::string address_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool stopped_ ABSL_GUARDED_BY(mu_) = false;
  // Calls in flight, kept alive here so Stop can cancel them outside the lock.
  using Calls = absl::flat_hash_map<grpc::ClientContext*,
                                    std::shared_ptr<grpc::ClientContext>>;
  // Cancels every call of `calls` (copied out under the lock: a reaction may
  // run inline and take the lock).
  void CancelAll(const Calls& calls) ABSL_LOCKS_EXCLUDED(mu_);
  Calls unary_ ABSL_GUARDED_BY(mu_);
  Calls streams_ ABSL_GUARDED_BY(mu_);
  int responding_ ABSL_GUARDED_BY(mu_) = 0;

  absl::Mutex sessions_mu_;
  std::vector<std::weak_ptr<Session>> sessions_ ABSL_GUARDED_BY(sessions_mu_);
  size_t prune_sessions_at_ ABSL_GUARDED_BY(sessions_mu_) = 64;
};

namespace {

struct UnaryCall {
  grpc::ClientContext context;
  grpc::ByteBuffer request;
  grpc::ByteBuffer response;
};

// One HTTP connection: reads requests one after another (keep-alive), answers
// each, or turns into an event stream for the rest of its life. Every handler
// runs on the connection's strand.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, HttpGateway::Impl& gateway)
      : stream_(std::move(socket)),
        heartbeat_(stream_.get_executor()),
        gateway_(gateway) {}

  void Start() {
    beast::error_code error;
    const tcp::endpoint peer = stream_.socket().remote_endpoint(error);
    client_address_ = error ? "unknown" : PeerName(peer.address());
    gateway_.AddSession(weak_from_this());
    asio::dispatch(stream_.get_executor(),
                   [self = shared_from_this()] { self->ReadRequest(); });
  }

  // Event streams: the server accepted the call.
  void PostAccepted() {
    asio::post(stream_.get_executor(), [self = shared_from_this()] {
      if (!self->closing_) self->WriteStreamHeaders();
    });
  }
  // Event streams: queue bytes for the client; `written(ok)` runs on the
  // strand once they are written (or failed to be).
  void PostWrite(std::string bytes, std::function<void(bool)> written) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), bytes = std::move(bytes),
                written = std::move(written)]() mutable {
                 self->WriteStreamHeaders();
                 self->Enqueue(std::move(bytes), std::move(written));
               });
  }
  // Event streams: the call ended; write its last words and close.
  void PostEnd(grpc::Status status) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), status = std::move(status)] {
                 self->EndStream(status);
               });
  }
  Framing framing() const { return framing_; }
  // Closes the connection (Stop, after the answers in flight are written).
  void PostClose() {
    asio::post(stream_.get_executor(),
               [self = shared_from_this()] { self->Close(); });
  }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(gateway_.options().max_body_bytes);
    parser_->header_limit(kHeaderLimit);
    stream_.expires_after(ToSteady(gateway_.options().read_timeout));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code error, size_t) {
          self->OnRequest(error);
        });
  }

  void OnRequest(beast::error_code error) {
    if (error == http::error::body_limit) {
      keep_alive_ = false;
      linger_ = true;
      SendError(http::status::payload_too_large,
                grpc::StatusCode::RESOURCE_EXHAUSTED,
                absl::StrCat("the request body is larger than ",
                             gateway_.options().max_body_bytes, " bytes"));
      return;
    }
    if (error == http::error::header_limit) {
      keep_alive_ = false;
      linger_ = true;
      SendError(http::status::request_header_fields_too_large,
                grpc::StatusCode::RESOURCE_EXHAUSTED,
                "the request headers are too large");
      return;
    }
    if (error) {  // closed, timed out, or not HTTP: nothing to answer
      Close();
      return;
    }
    request_ = parser_->release();
    keep_alive_ = request_.keep_alive();
    gateway_.BeginResponse();
    responding_ = true;
    Route();
  }

  void Route() {
    const absl::string_view target(request_.target().data(),
                                   request_.target().size());
    const size_t question = target.find('?');
    const absl::string_view path = target.substr(0, question);
    query_ = question == absl::string_view::npos ? absl::string_view()
                                                 : target.substr(question + 1);
    const http::verb verb = request_.method();
    if (const RpcMethod* method = gateway_.methods().Find(path)) {
      if (verb != http::verb::post) {
        return SendMethodNotAllowed("POST");
      }
      return method->server_streaming || method->client_streaming
                 ? ServeConnectStream(*method)
                 : ServeUnary(*method);
    }
    if (absl::StartsWith(path, kEventStreamPrefix)) {
      const RpcMethod* method =
          gateway_.methods().Find(path.substr(kEventStreamPrefix.size() - 1));
      if (method == nullptr || !method->server_streaming ||
          method->client_streaming) {
        return SendError(http::status::not_found,
                         grpc::StatusCode::UNIMPLEMENTED,
                         absl::StrCat("no server-streaming method at ", path));
      }
      if (verb != http::verb::get) return SendMethodNotAllowed("GET");
      return ServeEvents(*method);
    }
    if (path == "/healthz") {
      if (verb != http::verb::get && verb != http::verb::head) {
        return SendMethodNotAllowed("GET, HEAD");
      }
      return ServeHealth();
    }
    if (verb == http::verb::post) {
      // A Connect client calling a method this gateway does not know.
      return SendError(http::status::not_found, grpc::StatusCode::UNIMPLEMENTED,
                       absl::StrCat("no method at ", path));
    }
    if (verb != http::verb::get && verb != http::verb::head) {
      return SendMethodNotAllowed("GET, HEAD, POST");
    }
    ServeStatic(path);
  }

  // --- Unary calls

  // Checks the Connect headers and fills the call's metadata and deadline.
  // Returns false after answering the error itself.
  bool PrepareCall(grpc::ClientContext& context, bool streaming) {
    const auto version = request_.find("connect-protocol-version");
    if (version != request_.end() && version->value() != "1") {
      Refuse(grpc::StatusCode::INVALID_ARGUMENT,
             "connect-protocol-version must be 1");
      return false;
    }
    std::optional<absl::Duration> timeout;
    if (const auto header = request_.find("connect-timeout-ms");
        header != request_.end()) {
      timeout = ParseTimeoutMs(
          absl::string_view(header->value().data(), header->value().size()));
      if (!timeout) {
        Refuse(grpc::StatusCode::INVALID_ARGUMENT,
               "connect-timeout-ms must be a positive number of milliseconds");
        return false;
      }
    }
    if (!timeout && !streaming) timeout = gateway_.options().call_timeout;
    if (timeout) {
      timeout = std::min(*timeout, gateway_.options().max_call_timeout);
      context.set_deadline(absl::ToChronoTime(absl::Now() + *timeout));
    }
    // gRPC takes printable ASCII only in metadata (anything else aborts the
    // process), so other bytes are refused here.
    for (const char* key : {"authorization", "x-kepu-tenant"}) {
      const auto header = request_.find(key);
      if (header == request_.end()) continue;
      const absl::string_view value(header->value().data(),
                                    header->value().size());
      if (!IsMetadataText(value)) {
        Refuse(grpc::StatusCode::INVALID_ARGUMENT,
               absl::StrCat(key, ": must be printable ASCII"));
        return false;
      }
      context.AddMetadata(key, std::string(value));
    }
    context.AddMetadata("x-kepu-client-address", ClientAddress());
    return true;
  }

  // Answers an error before any call started: Connect's JSON error for a
  // unary call or an event stream; for a Connect stream, its end-of-stream
  // message (Connect puts every stream error there, with HTTP 200).
  void Refuse(grpc::StatusCode code, absl::string_view message) {
    if (connect_stream_) {
      stream_content_type_ = "application/connect+json";
      DoneResponding();
      return EndStream(grpc::Status(code, std::string(message)));
    }
    SendError(static_cast<http::status>(HttpStatusOf(code)), code, message);
  }

  std::string ClientAddress() const {
    if (gateway_.options().trust_forwarded_for) {
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
    return client_address_;
  }

  void ServeUnary(const RpcMethod& method) {
    const std::string media =
        MediaType(std::string(request_[http::field::content_type]));
    if (media != "application/json" && media != "application/proto") {
      return SendError(http::status::unsupported_media_type,
                       grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat("content-type must be application/json or "
                                    "application/proto, not \"",
                                    media, "\""));
    }
    const bool binary = media == "application/proto";
    absl::StatusOr<grpc::ByteBuffer> request =
        binary ? RequestFromBinary(method, request_.body())
               : RequestFromJson(method, request_.body());
    if (!request.ok()) {
      return SendError(http::status::bad_request,
                       grpc::StatusCode::INVALID_ARGUMENT,
                       request.status().message());
    }
    auto call = std::make_shared<UnaryCall>();
    if (!PrepareCall(call->context, /*streaming=*/false)) return;
    call->request = *std::move(request);
    StartUnary(method, std::move(call), binary, /*health=*/false);
  }

  void ServeHealth() {
    const RpcMethod* method = gateway_.methods().Find(kHealthCheckPath);
    auto call = std::make_shared<UnaryCall>();
    call->request = ToByteBuffer(*method->request_prototype);
    call->context.set_deadline(
        absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
    StartUnary(*method, std::move(call), /*binary=*/false, /*health=*/true);
  }

  void StartUnary(const RpcMethod& method, std::shared_ptr<UnaryCall> call,
                  bool binary, bool health) {
    if (!gateway_.BeginCall(
            std::shared_ptr<grpc::ClientContext>(call, &call->context),
            /*streaming=*/false)) {
      return SendError(http::status::service_unavailable,
                       grpc::StatusCode::UNAVAILABLE,
                       "the gateway is shutting down");
    }
    stream_.expires_never();  // the call's deadline bounds the wait
    grpc::ClientContext* context = &call->context;
    const grpc::ByteBuffer* request_bytes = &call->request;
    grpc::ByteBuffer* response_bytes = &call->response;
    HttpGateway::Impl& gateway = gateway_;
    gateway_.stub().UnaryCall(
        context, method.path, grpc::StubOptions(), request_bytes,
        response_bytes,
        [self = shared_from_this(), call = std::move(call), &method, binary,
         health, &gateway, context](grpc::Status status) mutable {
          // Hand everything to the strand first: once EndCall returns the
          // gateway may be gone.
          auto executor = self->stream_.get_executor();
          asio::post(executor,
                     [self = std::move(self), call = std::move(call), &method,
                      binary, health, status = std::move(status)] {
                       self->FinishUnary(method, *call, binary, health, status);
                     });
          gateway.EndCall(context);
        });
  }

  void FinishUnary(const RpcMethod& method, UnaryCall& call, bool binary,
                   bool health, const grpc::Status& status) {
    if (!status.ok()) {
      return SendError(
          static_cast<http::status>(HttpStatusOf(status.error_code())),
          status.error_code(), status.error_message());
    }
    absl::StatusOr<std::string> body =
        ResponseBody(method, call.response, binary);
    if (!body.ok()) {
      return SendError(http::status::internal_server_error,
                       grpc::StatusCode::INTERNAL, body.status().message());
    }
    http::status code = http::status::ok;
    if (health && !absl::StrContains(*body, "\"SERVING\"")) {
      code = http::status::service_unavailable;
    }
    SendBody(code, binary ? "application/proto" : "application/json",
             *std::move(body));
  }

  // --- Event streams

  void ServeEvents(const RpcMethod& method) {
    absl::StatusOr<std::vector<QueryParameter>> parameters = ParseQuery(query_);
    if (!parameters.ok()) {
      return SendError(http::status::bad_request,
                       grpc::StatusCode::INVALID_ARGUMENT,
                       parameters.status().message());
    }
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
        RequestFromQuery(method, *parameters, {"access_token"});
    if (!request.ok()) {
      return SendError(http::status::bad_request,
                       grpc::StatusCode::INVALID_ARGUMENT,
                       request.status().message());
    }
    // EventSource resends the id of the last event it saw.
    if (const auto last = request_.find("last-event-id");
        last != request_.end() && !last->value().empty()) {
      const google::protobuf::FieldDescriptor* after =
          (*request)->GetDescriptor()->FindFieldByName("after_event_id");
      if (after != nullptr &&
          after->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
          !after->is_repeated()) {
        (*request)->GetReflection()->SetString(request->get(), after,
                                               std::string(last->value()));
      }
    }
    auto context = std::make_shared<grpc::ClientContext>();
    if (!PrepareCall(*context, /*streaming=*/true)) return;
    if (request_.find(http::field::authorization) == request_.end()) {
      for (const auto& [name, value] : *parameters) {
        if (name != "access_token") continue;
        if (!IsMetadataText(value)) {
          return Refuse(grpc::StatusCode::INVALID_ARGUMENT,
                        "access_token: must be printable ASCII");
        }
        context->AddMetadata("authorization", absl::StrCat("Bearer ", value));
      }
    }
    framing_ = Framing::kServerSentEvents;
    StartStream(method, std::move(context), ToByteBuffer(**request),
                "text/event-stream");
  }

  void ServeConnectStream(const RpcMethod& method) {
    const std::string media =
        MediaType(std::string(request_[http::field::content_type]));
    if (media != "application/connect+json" || method.client_streaming) {
      return SendError(http::status::unsupported_media_type,
                       grpc::StatusCode::INVALID_ARGUMENT,
                       absl::StrCat(method.path,
                                    " is a server-streaming method: send "
                                    "application/connect+json, or use GET /sse",
                                    method.path));
    }
    framing_ = Framing::kConnectStream;
    connect_stream_ = true;
    auto context = std::make_shared<grpc::ClientContext>();
    if (!PrepareCall(*context, /*streaming=*/true)) return;
    absl::StatusOr<absl::string_view> json = FirstEnvelope(request_.body());
    absl::StatusOr<grpc::ByteBuffer> request =
        json.ok() ? RequestFromJson(method, *json)
                  : absl::StatusOr<grpc::ByteBuffer>(json.status());
    if (!request.ok()) {
      return Refuse(grpc::StatusCode::INVALID_ARGUMENT,
                    request.status().message());
    }
    StartStream(method, std::move(context), *std::move(request),
                "application/connect+json");
  }

  void StartStream(const RpcMethod& method,
                   std::shared_ptr<grpc::ClientContext> context,
                   grpc::ByteBuffer request, absl::string_view content_type);

  // The 200 and the stream's headers, once: when the server has accepted the
  // call (its initial metadata), or with the first message.
  void WriteStreamHeaders() {
    if (headers_sent_) return;
    headers_sent_ = true;
    keep_alive_ = false;
    Enqueue(
        absl::StrCat(
            "HTTP/1.1 200 OK\r\nContent-Type: ", stream_content_type_,
            "\r\nCache-Control: no-cache\r\n"
            "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
            framing_ == Framing::kServerSentEvents ? "retry: 2000\n\n" : ""),
        nullptr);
    Heartbeat();
  }

  // A read on an event stream only ends when the client goes away.
  void WatchForHangUp() {
    stream_.async_read_some(
        asio::buffer(hang_up_byte_),
        [self = shared_from_this()](beast::error_code, size_t) {
          self->client_gone_ = true;
          if (self->stream_context_) self->stream_context_->TryCancel();
        });
  }

  void Heartbeat() {
    heartbeat_.expires_after(ToSteady(gateway_.options().heartbeat));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || self->closing_) return;
      if (self->framing_ == Framing::kServerSentEvents &&
          self->queue_.empty()) {
        self->Enqueue(": ping\n\n", nullptr);
      }
      self->Heartbeat();
    });
  }

  void Enqueue(std::string bytes, std::function<void(bool)> written) {
    if (write_failed_) {
      if (written) written(false);
      return;
    }
    queue_.push_back({std::move(bytes), std::move(written)});
    if (!writing_) WriteNext();
  }

  void WriteNext() {
    writing_ = true;
    // A client that stops reading (a phone gone from the network) fails the
    // write after this long, which ends its call.
    stream_.expires_after(ToSteady(gateway_.options().read_timeout));
    asio::async_write(
        stream_, asio::buffer(queue_.front().bytes),
        [self = shared_from_this()](beast::error_code error, size_t) {
          Pending done = std::move(self->queue_.front());
          self->queue_.pop_front();
          self->writing_ = false;
          if (error) self->write_failed_ = true;
          if (done.written) done.written(!error);
          if (self->write_failed_) {
            while (!self->queue_.empty()) {
              Pending rest = std::move(self->queue_.front());
              self->queue_.pop_front();
              if (rest.written) rest.written(false);
            }
          }
          if (!self->queue_.empty()) {
            self->WriteNext();
          } else if (self->closing_) {
            self->Close();
          } else {
            self->stream_.expires_never();
          }
        });
  }

  void EndStream(const grpc::Status& status) {
    stream_context_.reset();
    if (!headers_sent_ && framing_ == Framing::kServerSentEvents) {
      // Refused before it started (no token, no such order): a plain HTTP
      // error, which also stops EventSource from reconnecting.
      keep_alive_ = false;
      closing_ = true;
      heartbeat_.cancel();
      return SendError(
          static_cast<http::status>(HttpStatusOf(status.error_code())),
          status.error_code(), status.error_message());
    }
    WriteStreamHeaders();
    if (framing_ == Framing::kServerSentEvents) {
      if (!status.ok() && !client_gone_) {
        Enqueue(absl::StrCat("event: error\n",
                             EventData(ErrorBody(status.error_code(),
                                                 status.error_message())),
                             "\n"),
                nullptr);
      }
    } else {
      const std::string end =
          status.ok() ? "{}"
                      : absl::StrCat("{\"error\":",
                                     ErrorBody(status.error_code(),
                                               status.error_message()),
                                     "}");
      Enqueue(Envelope(0x02, end), nullptr);
    }
    closing_ = true;
    if (!writing_) Close();
  }

  // --- Static files and plain responses

  void ServeStatic(absl::string_view path) {
    const std::string& root = gateway_.options().static_root;
    std::optional<std::string> decoded = PercentDecode(path);
    std::optional<std::filesystem::path> file;
    if (decoded) file = ResolveStaticPath(root, *decoded);
    if (!file) {
      return SendBody(http::status::not_found, "text/plain; charset=utf-8",
                      "not found\n");
    }
    http::file_body::value_type body;
    beast::error_code error;
    body.open(file->c_str(), beast::file_mode::scan, error);
    if (error) {
      return SendBody(http::status::not_found, "text/plain; charset=utf-8",
                      "not found\n");
    }
    const uint64_t size = body.size();
    auto response = std::make_shared<http::response<http::file_body>>(
        std::piecewise_construct, std::make_tuple(std::move(body)),
        std::make_tuple(http::status::ok, request_.version()));
    response->set(http::field::content_type, View(MimeTypeOf(*file)));
    // The app's page (also what a client route gets) is always revalidated.
    response->set(
        http::field::cache_control,
        View(file->filename() == "index.html" ? absl::string_view("no-cache")
                                              : CacheControlOf(*decoded)));
    response->set("X-Content-Type-Options", "nosniff");
    response->content_length(size);
    if (request_.method() == http::verb::head) {
      auto head = std::make_shared<http::response<http::empty_body>>(
          http::status::ok, request_.version());
      head->base() = response->base();
      return Send(std::move(head), /*skip_body=*/true);
    }
    Send(std::move(response));
  }

  void SendMethodNotAllowed(absl::string_view allowed) {
    auto response = std::make_shared<http::response<http::string_body>>(
        http::status::method_not_allowed, request_.version());
    response->set(http::field::allow, View(allowed));
    response->set(http::field::content_type, "application/json");
    response->body() = ErrorBody(grpc::StatusCode::UNIMPLEMENTED,
                                 absl::StrCat("use ", allowed));
    Send(std::move(response));
  }

  void SendError(http::status http_status, grpc::StatusCode code,
                 absl::string_view message) {
    SendBody(http_status, "application/json", ErrorBody(code, message));
  }

  void SendBody(http::status status, absl::string_view content_type,
                std::string body) {
    auto response = std::make_shared<http::response<http::string_body>>(
        status, request_.version());
    response->set(http::field::content_type, View(content_type));
    response->body() = std::move(body);
    Send(std::move(response));
  }

  template <class Response>
  void Send(std::shared_ptr<Response> response, bool skip_body = false) {
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
    stream_.expires_after(ToSteady(gateway_.options().read_timeout));
    http::async_write(
        stream_, *response,
        [self = shared_from_this(), response](beast::error_code error, size_t) {
          self->DoneResponding();
          if (!error && self->linger_) return self->Linger();
          if (error || !self->keep_alive_) return self->Close();
          self->ReadRequest();
        });
  }

  void DoneResponding() {
    if (!responding_) return;
    responding_ = false;
    gateway_.EndResponse();
  }

  // After refusing a request whose body is still arriving: stop sending, and
  // read (and drop) what the client still sends for a moment, so its kernel
  // does not answer our close with a reset that destroys the answer before
  // the client reads it (RFC 9112, 9.6).
  void Linger() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(2));
    Drain();
  }
  void Drain() {
    stream_.async_read_some(
        asio::buffer(drain_buffer_),
        [self = shared_from_this()](beast::error_code error, size_t) {
          if (error) return self->Close();
          self->Drain();
        });
  }

  void Close() {
    heartbeat_.cancel();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.close();
  }

  struct Pending {
    std::string bytes;
    std::function<void(bool)> written;
  };

  beast::tcp_stream stream_;
  asio::steady_timer heartbeat_;
  HttpGateway::Impl& gateway_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::request<http::string_body> request_;
  absl::string_view query_;  // into request_
  std::string client_address_;
  bool keep_alive_ = true;
  bool responding_ = false;
  bool linger_ = false;
  std::array<char, 16 * 1024> drain_buffer_;

  // Event streams.
  Framing framing_ = Framing::kServerSentEvents;
  std::shared_ptr<grpc::ClientContext> stream_context_;
  std::deque<Pending> queue_;
  bool writing_ = false;
  bool write_failed_ = false;
  bool closing_ = false;
  bool client_gone_ = false;
  bool headers_sent_ = false;
  bool connect_stream_ = false;
  std::string stream_content_type_;
  char hang_up_byte_[1] = {};
};

// A server-streaming call, run through the generic stub as a bidi call that
// writes its one request at once. Each message read is handed to the session
// and the next read starts only when the client has it (a slow phone slows its
// own stream, nothing else). Deletes itself when the call is done.
class EventStream final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  EventStream(std::shared_ptr<Session> session, const RpcMethod& method,
              std::shared_ptr<grpc::ClientContext> context,
              grpc::ByteBuffer request, HttpGateway::Impl& gateway)
      : session_(std::move(session)),
        method_(method),
        context_(std::move(context)),
        request_(std::move(request)),
        gateway_(gateway) {}

  void Start() {
    gateway_.stub().PrepareBidiStreamingCall(context_.get(), method_.path,
                                             grpc::StubOptions(), this);
    StartWriteLast(&request_, grpc::WriteOptions());
    StartRead(&response_);
    StartCall();
  }

  // A server that accepts the call says so in its initial metadata (kepud's
  // watches send "x-kepu-watch: open"); a refusal carries none. Without it the
  // stream's headers wait for the first message.
  void OnReadInitialMetadataDone(bool ok) override {
    if (ok && !context_->GetServerInitialMetadata().empty()) {
      session_->PostAccepted();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    std::string bytes;
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
        ParseResponse(method_, response_);
    if (!message.ok()) {
      context_->TryCancel();
      return;
    }
    const std::string json = ToJson(**message);
    if (session_->framing() == Framing::kServerSentEvents) {
      const google::protobuf::FieldDescriptor* id =
          (*message)->GetDescriptor()->FindFieldByName("event_id");
      if (id != nullptr &&
          id->type() == google::protobuf::FieldDescriptor::TYPE_STRING &&
          !id->is_repeated()) {
        const std::string value =
            (*message)->GetReflection()->GetString(**message, id);
        if (!value.empty()) absl::StrAppend(&bytes, "id: ", value, "\n");
      }
      absl::StrAppend(&bytes, EventData(json), "\n");
    } else {
      bytes = Envelope(0, json);
    }
    // The hold keeps this reactor alive until the next read is started.
    AddHold();
    session_->PostWrite(std::move(bytes), [this](bool written) {
      if (written) {
        StartRead(&response_);
      } else {
        context_->TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<Session> session = std::move(session_);
    session->PostEnd(status);
    session.reset();
    gateway_.EndCall(context_.get());
    delete this;
  }

 private:
  std::shared_ptr<Session> session_;
  const RpcMethod& method_;
  std::shared_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  HttpGateway::Impl& gateway_;
};

void Session::StartStream(const RpcMethod& method,
                          std::shared_ptr<grpc::ClientContext> context,
                          grpc::ByteBuffer request,
                          absl::string_view content_type) {
  if (!gateway_.BeginCall(context, /*streaming=*/true)) {
    return Refuse(grpc::StatusCode::UNAVAILABLE,
                  "the gateway is shutting down");
  }
  DoneResponding();  // a stream is a call: Stop cancels it
  stream_.expires_never();
  stream_content_type_ = std::string(content_type);
  WatchForHangUp();
  stream_context_ = context;
  auto* stream = new EventStream(shared_from_this(), method, std::move(context),
                                 std::move(request), gateway_);
  stream->Start();
}

// host:port → endpoint ("localhost" is 127.0.0.1; IPv6 in brackets).
absl::StatusOr<tcp::endpoint> EndpointOf(absl::string_view listen) {
  const size_t colon = listen.rfind(':');
  int port = -1;
  if (colon == absl::string_view::npos ||
      !absl::SimpleAtoi(listen.substr(colon + 1), &port) || port < 0 ||
      port > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen address \"", listen, "\" is not host:port"));
  }
  std::string host(listen.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  if (host.empty() || host == "localhost") host = "127.0.0.1";
  beast::error_code error;
  const asio::ip::address address = asio::ip::make_address(host, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat("listen host \"", host, "\" is not an IP address"));
  }
  return tcp::endpoint(address, static_cast<uint16_t>(port));
}

}  // namespace

absl::Status HttpGateway::Impl::Listen() {
  absl::StatusOr<tcp::endpoint> endpoint = EndpointOf(options_.listen);
  if (!endpoint.ok()) return endpoint.status();
  beast::error_code error;
  acceptor_.open(endpoint->protocol(), error);
  if (!error)
    acceptor_.set_option(asio::socket_base::reuse_address(true), error);
  if (!error) acceptor_.bind(*endpoint, error);
  if (!error)
    acceptor_.listen(asio::socket_base::max_listen_connections, error);
  if (error) {
    return absl::UnavailableError(absl::StrCat(
        "cannot listen on ", options_.listen, ": ", error.message()));
  }
  const tcp::endpoint bound = acceptor_.local_endpoint(error);
  const std::string host = bound.address().to_string();
  address_ =
      absl::StrCat(bound.address().is_v6() ? "[" : "", host,
                   bound.address().is_v6() ? "]" : "", ":", bound.port());
  return absl::OkStatus();
}

void HttpGateway::Impl::Accept() {
  acceptor_.async_accept(asio::make_strand(io_), [this](beast::error_code error,
                                                        tcp::socket socket) {
    if (error == asio::error::operation_aborted || !acceptor_.is_open()) {
      return;
    }
    if (error) {
      // Say, out of file descriptors: the listener stays readable, so an
      // immediate retry would spin.
      accept_backoff_.expires_after(std::chrono::milliseconds(100));
      accept_backoff_.async_wait([this](beast::error_code waited) {
        if (!waited && acceptor_.is_open()) Accept();
      });
      return;
    }
    beast::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    std::make_shared<Session>(std::move(socket), *this)->Start();
    Accept();
  });
}

void HttpGateway::Impl::Run() {
  asio::dispatch(acceptor_.get_executor(), [this] { Accept(); });
  for (int i = 0; i < std::max(1, options_.threads); ++i) {
    threads_.emplace_back([this] { io_.run(); });
  }
}

void HttpGateway::Impl::Stop(absl::Time deadline) {
  Calls streams;
  {
    absl::MutexLock lock(&mu_);
    if (stopped_) return;
    stopped_ = stopping_ = true;
    streams = streams_;
  }
  CancelAll(streams);
  // No new connection from here on.
  absl::Notification closed;
  asio::post(acceptor_.get_executor(), [this, &closed] {
    beast::error_code ignored;
    acceptor_.close(ignored);
    accept_backoff_.cancel();
    closed.Notify();
  });
  closed.WaitForNotification();
  // Unary calls in flight finish until the deadline, then are cancelled.
  auto unary_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return unary_.empty();
  };
  Calls late;
  {
    absl::MutexLock lock(&mu_);
    if (!mu_.AwaitWithDeadline(absl::Condition(&unary_done), deadline)) {
      late = unary_;
    }
  }
  CancelAll(late);
  {
    absl::MutexLock lock(&mu_);
    mu_.Await(absl::Condition(&unary_done));
    // Their answers are on the strands: let them be written (a moment past
    // the deadline at most).
    auto answered = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return responding_ == 0;
    };
    mu_.AwaitWithDeadline(
        absl::Condition(&answered),
        std::max(deadline, absl::Now() + absl::Milliseconds(200)));
  }
  // Close every connection: idle keep-alive ones, and event streams (one
  // stuck on a client that stopped reading ends here too, its write failing).
  std::vector<std::weak_ptr<Session>> sessions;
  {
    absl::MutexLock lock(&sessions_mu_);
    sessions.swap(sessions_);
  }
  for (const std::weak_ptr<Session>& weak : sessions) {
    if (std::shared_ptr<Session> session = weak.lock()) session->PostClose();
  }
  {
    absl::MutexLock lock(&mu_);
    auto calls_done = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return unary_.empty() && streams_.empty();
    };
    mu_.Await(absl::Condition(&calls_done));
  }
  io_.stop();
  for (std::thread& thread : threads_) thread.join();
  threads_.clear();
}

void HttpGateway::Impl::CancelAll(const Calls& calls) {
  for (const auto& [key, context] : calls) context->TryCancel();
}

HttpGateway::HttpGateway(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

HttpGateway::~HttpGateway() { Stop(absl::Now()); }

std::string HttpGateway::address() const { return impl_->address(); }

void HttpGateway::Stop(absl::Time deadline) { impl_->Stop(deadline); }

absl::StatusOr<std::unique_ptr<HttpGateway>> HttpGateway::Start(
    GatewayOptions options, std::shared_ptr<grpc::Channel> backend) {
  std::vector<std::string> services = options.services;
  // Referenced so the health service's descriptor is linked in.
  services.push_back(grpc::health::v1::HealthCheckRequest::descriptor()
                         ->file()
                         ->service(0)
                         ->full_name());
  absl::StatusOr<MethodTable> methods = MethodTable::ForServices(services);
  if (!methods.ok()) return methods.status();
  if (options.threads < 1) {
    return absl::InvalidArgumentError("the gateway needs at least one thread");
  }
  auto impl = std::make_unique<Impl>(std::move(options), std::move(backend),
                                     *std::move(methods));
  if (absl::Status listening = impl->Listen(); !listening.ok()) {
    return listening;
  }
  impl->Run();
  return std::unique_ptr<HttpGateway>(new HttpGateway(std::move(impl)));
}

}  // namespace kepu::gateway
