#include "services/gateway/event_stream.h"

#include <deque>
#include <functional>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "boost/asio/post.hpp"
#include "boost/asio/steady_timer.hpp"
#include "boost/asio/write.hpp"
#include "grpcpp/generic/generic_stub.h"
#include "grpcpp/support/client_callback.h"

namespace kepu::gateway {

namespace asio = boost::asio;
namespace beast = boost::beast;

namespace {

// The connection side of a stream: a queue of byte chunks written one after
// another on the session's socket. Every method runs on the session's strand.
class StreamWriter : public std::enable_shared_from_this<StreamWriter> {
 public:
  StreamWriter(std::shared_ptr<Session> session, const StreamFraming& framing)
      : session_(std::move(session)),
        framing_(framing),
        heartbeat_(session_->executor()) {}

  // Takes the connection over for a call (`context`, null when there is
  // none): watches for the client hanging up.
  void Begin(std::shared_ptr<grpc::ClientContext> context) {
    session_->BecomeStream();
    session_->OnClose([weak = weak_from_this()] {
      if (auto self = weak.lock()) self->heartbeat_.cancel();
    });
    call_context_ = std::move(context);
    if (call_context_) WatchForHangUp();
  }

  // The server accepted the call.
  void PostAccepted() {
    asio::post(session_->executor(), [self = shared_from_this()] {
      if (!self->closing_) self->WriteHeaders();
    });
  }
  // Queues bytes for the client; `written(ok)` runs on the strand once they
  // are written (or failed to be).
  void PostWrite(std::string bytes, std::function<void(bool)> written) {
    asio::post(session_->executor(),
               [self = shared_from_this(), bytes = std::move(bytes),
                written = std::move(written)]() mutable {
                 self->WriteHeaders();
                 self->Enqueue(std::move(bytes), std::move(written));
               });
  }
  // The call ended: writes its last words and closes.
  void PostEnd(grpc::Status status) {
    asio::post(session_->executor(),
               [self = shared_from_this(), status = std::move(status)] {
                 self->End(status);
               });
  }

  void End(const grpc::Status& status) {
    call_context_.reset();
    if (!headers_sent_ && framing_.refusal_is_http_error()) {
      // Refused before it started (no token, no such order): a plain HTTP
      // error.
      session_->CloseAfterAnswer();
      closing_ = true;
      heartbeat_.cancel();
      return session_->SendStatus(status);
    }
    WriteHeaders();
    std::string end = framing_.End(status, client_gone_);
    if (!end.empty()) Enqueue(std::move(end), nullptr);
    closing_ = true;
    if (!writing_) session_->Close();
  }

 private:
  struct Pending {
    std::string bytes;
    std::function<void(bool)> written;
  };

  // The 200 and the stream's headers, once.
  void WriteHeaders() {
    if (headers_sent_) return;
    headers_sent_ = true;
    session_->CloseAfterAnswer();
    Enqueue(absl::StrCat(
                "HTTP/1.1 200 OK\r\nContent-Type: ", framing_.content_type(),
                "\r\nCache-Control: no-cache\r\n"
                "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n",
                framing_.preamble()),
            nullptr);
    if (!framing_.heartbeat().empty()) Heartbeat();
  }

  // A read on an event stream only ends when the client goes away.
  void WatchForHangUp() {
    session_->stream().async_read_some(
        asio::buffer(hang_up_byte_),
        [self = shared_from_this()](beast::error_code, size_t) {
          self->client_gone_ = true;
          if (self->call_context_) self->call_context_->TryCancel();
        });
  }

  void Heartbeat() {
    heartbeat_.expires_after(
        absl::ToChronoNanoseconds(session_->server().options().heartbeat));
    heartbeat_.async_wait([self = shared_from_this()](beast::error_code error) {
      if (error || self->closing_) return;
      if (self->queue_.empty()) {
        self->Enqueue(std::string(self->framing_.heartbeat()), nullptr);
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
    beast::tcp_stream& stream = session_->stream();
    // A client that stops reading (a phone gone from the network) fails the
    // write after this long, which ends its call.
    stream.expires_after(
        absl::ToChronoNanoseconds(session_->server().options().read_timeout));
    asio::async_write(
        stream, asio::buffer(queue_.front().bytes),
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
            self->session_->Close();
          } else {
            self->session_->stream().expires_never();
          }
        });
  }

  std::shared_ptr<Session> session_;
  const StreamFraming& framing_;
  asio::steady_timer heartbeat_;
  std::shared_ptr<grpc::ClientContext> call_context_;
  std::deque<Pending> queue_;
  bool writing_ = false;
  bool write_failed_ = false;
  bool closing_ = false;
  bool client_gone_ = false;
  bool headers_sent_ = false;
  char hang_up_byte_[1] = {};
};

// A server-streaming call, run through the generic stub as a bidi call that
// writes its one request at once. Each message read is handed to the writer
// and the next read starts only when the client has it. Deletes itself when
// the call is done.
class EventStream final
    : public grpc::ClientBidiReactor<grpc::ByteBuffer, grpc::ByteBuffer> {
 public:
  EventStream(std::shared_ptr<StreamWriter> writer, const RpcMethod& method,
              std::shared_ptr<grpc::ClientContext> context,
              grpc::ByteBuffer request, const StreamFraming& framing,
              GatewayServer& server)
      : writer_(std::move(writer)),
        method_(method),
        context_(std::move(context)),
        request_(std::move(request)),
        framing_(framing),
        server_(server) {}

  void Start() {
    server_.stub().PrepareBidiStreamingCall(context_.get(), method_.path,
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
      writer_->PostAccepted();
    }
  }

  void OnReadDone(bool ok) override {
    if (!ok) return;  // the stream ended: OnDone follows
    absl::StatusOr<std::unique_ptr<google::protobuf::Message>> message =
        ParseResponse(method_, response_);
    if (!message.ok()) {
      context_->TryCancel();
      return;
    }
    // The hold keeps this reactor alive until the next read is started.
    AddHold();
    writer_->PostWrite(framing_.Message(**message), [this](bool written) {
      if (written) {
        StartRead(&response_);
      } else {
        context_->TryCancel();
      }
      RemoveHold();
    });
  }

  void OnDone(const grpc::Status& status) override {
    std::shared_ptr<StreamWriter> writer = std::move(writer_);
    writer->PostEnd(status);
    writer.reset();
    // The context goes before EndCall, the last thing done with the server:
    // released after it, on this gRPC thread, it could hold the last
    // reference to the channel once the server is gone, and a channel
    // destroyed on one of gRPC's callback threads tries to join that very
    // thread (and frees its completion queue under it).
    grpc::ClientContext* call = context_.get();
    context_.reset();
    server_.EndCall(call);
    delete this;
  }

 private:
  std::shared_ptr<StreamWriter> writer_;
  const RpcMethod& method_;
  std::shared_ptr<grpc::ClientContext> context_;
  grpc::ByteBuffer request_;
  grpc::ByteBuffer response_;
  const StreamFraming& framing_;
  GatewayServer& server_;
};

}  // namespace

void StartEventStream(std::shared_ptr<Session> session, const RpcMethod& method,
                      std::shared_ptr<grpc::ClientContext> context,
                      grpc::ByteBuffer request, const StreamFraming& framing) {
  GatewayServer& server = session->server();
  if (!server.BeginCall(context, /*streaming=*/true)) {
    return RefuseEventStream(std::move(session), framing,
                             grpc::Status(grpc::StatusCode::UNAVAILABLE,
                                          "the gateway is shutting down"));
  }
  auto writer = std::make_shared<StreamWriter>(std::move(session), framing);
  writer->Begin(context);
  auto* stream = new EventStream(std::move(writer), method, std::move(context),
                                 std::move(request), framing, server);
  stream->Start();
}

void RefuseEventStream(std::shared_ptr<Session> session,
                       const StreamFraming& framing,
                       const grpc::Status& status) {
  if (framing.refusal_is_http_error()) {
    return session->SendStatus(status);
  }
  auto writer = std::make_shared<StreamWriter>(std::move(session), framing);
  writer->Begin(nullptr);
  writer->End(status);
}

}  // namespace kepu::gateway
