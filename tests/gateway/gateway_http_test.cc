// The gateway's HTTP server in-process (127.0.0.1:0) in front of a fake
// OrderService, driven over raw sockets with requests no client library would
// send: malformed framing and bytes a header or a request message cannot
// hold. Each must get its 4xx with Connect's JSON error naming what is wrong,
// the connection must close after that one answer, and everything logged
// meanwhile must be one JSON object a line (libprotobuf, for one, writes its
// complaints to stderr as plain text).
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "grpcpp/health_check_service_interface.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "gtest/gtest.h"
#include "kepu/v1/orders.grpc.pb.h"
#include "services/gateway/http_gateway.h"

namespace kepu::gateway {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// GetOrder echoes the order id, and the tenant metadata as county_id;
// WatchMyOrders accepts, sends one event whose id is after_event_id + "+1",
// and ends.
class FakeOrders final : public v1::OrderService::CallbackService {
 public:
  grpc::ServerUnaryReactor* GetOrder(grpc::CallbackServerContext* context,
                                     const v1::GetOrderRequest* request,
                                     v1::Order* response) override {
    response->set_id(request->order_id());
    const auto& metadata = context->client_metadata();
    if (auto tenant = metadata.find("x-kepu-tenant");
        tenant != metadata.end()) {
      response->set_county_id(
          std::string(tenant->second.data(), tenant->second.size()));
    }
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }

  grpc::ServerWriteReactor<v1::OrderEvent>* WatchMyOrders(
      grpc::CallbackServerContext* context,
      const v1::WatchMyOrdersRequest* request) override {
    class OneEvent final : public grpc::ServerWriteReactor<v1::OrderEvent> {
     public:
      OneEvent(grpc::CallbackServerContext* context, std::string id) {
        context->AddInitialMetadata("x-kepu-watch", "open");
        event_.set_event_id(std::move(id));
        StartWriteAndFinish(&event_, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }

     private:
      v1::OrderEvent event_;
    };
    return new OneEvent(context, absl::StrCat(request->after_event_id(), "+1"));
  }
};

// What is written to stderr (fd 2, where the gateway logs and libprotobuf
// complains) while it lives, kept in a file and copied to the real stderr at
// the end. After a crash (a sanitizer's report) the file stays: its path is
// printed first.
class StderrCapture {
 public:
  StderrCapture()
      : path_(absl::StrCat(::testing::TempDir(), "gateway_http_test.", getpid(),
                           ".stderr")),
        // O_APPEND: every write lands at the end, whoever reads meanwhile.
        fd_(open(path_.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_APPEND, 0600)) {
    std::printf("(stderr goes to %s during the test)\n", path_.c_str());
    std::fflush(stdout);
    std::fflush(stderr);
    saved_ = dup(STDERR_FILENO);
    dup2(fd_, STDERR_FILENO);
  }
  ~StderrCapture() {
    std::fflush(stderr);
    dup2(saved_, STDERR_FILENO);
    close(saved_);
    const std::string text = Text();
    (void)!write(STDERR_FILENO, text.data(), text.size());
    close(fd_);
    unlink(path_.c_str());
  }
  std::vector<std::string> Lines() const {
    return absl::StrSplit(Text(), '\n', absl::SkipEmpty());
  }

 private:
  std::string Text() const {
    std::fflush(stderr);
    std::string text;
    char chunk[4096];
    for (off_t at = 0;;) {
      const ssize_t n = pread(fd_, chunk, sizeof chunk, at);
      if (n <= 0) break;
      text.append(chunk, static_cast<size_t>(n));
      at += n;
    }
    return text;
  }

  const std::string path_;
  const int fd_;
  int saved_ = -1;
};

bool IsJsonObject(const std::string& line) {
  google::protobuf::Struct object;
  return absl::StartsWith(line, "{") &&
         google::protobuf::util::JsonStringToMessage(line, &object).ok();
}

struct Answer {
  int status = 0;
  std::string head;
  std::string body;
  // The server closed the connection (after its answer, if any).
  bool closed = false;
  // Status lines read: one answer per request, nothing after a refusal.
  int answers = 0;
};

// Sends `bytes` on a new connection to `port` and reads until the server
// closes it, or `within` passes (closed stays false).
Answer Exchange(int port, absl::string_view bytes,
                absl::Duration within = absl::Seconds(10)) {
  Answer answer;
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    close(fd);
    return answer;
  }
  for (size_t sent = 0; sent < bytes.size();) {
    const ssize_t n =
        send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server may refuse before it read everything
    sent += static_cast<size_t>(n);
  }
  std::string received;
  const absl::Time deadline = absl::Now() + within;
  while (absl::Now() < deadline) {
    pollfd poll_fd{fd, POLLIN, 0};
    const int ready = poll(
        &poll_fd, 1,
        static_cast<int>(absl::ToInt64Milliseconds(deadline - absl::Now())) +
            1);
    if (ready <= 0) continue;
    char chunk[16384];
    const ssize_t n = read(fd, chunk, sizeof chunk);
    if (n <= 0) {
      answer.closed = true;  // EOF, or a reset after the answer
      break;
    }
    received.append(chunk, static_cast<size_t>(n));
  }
  close(fd);
  for (size_t at = 0;
       (at = received.find("HTTP/1.1 ", at)) != std::string::npos; ++at) {
    if (at == 0 || received.compare(at - 2, 2, "\r\n") == 0) ++answer.answers;
  }
  const size_t blank = received.find("\r\n\r\n");
  answer.head = received.substr(0, blank);
  if (blank != std::string::npos) answer.body = received.substr(blank + 4);
  if (received.size() >= 12) {
    (void)absl::SimpleAtoi(received.substr(9, 3), &answer.status);
  }
  return answer;
}

class GatewayHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.RegisterService(&orders_);
    backend_ = builder.BuildAndStart();
    ASSERT_NE(backend_, nullptr);
    GatewayOptions options;
    options.listen = "127.0.0.1:0";
    options.services = {"kepu.v1.OrderService"};
    options.threads = 2;
    absl::StatusOr<std::unique_ptr<HttpGateway>> gateway = HttpGateway::Start(
        options, backend_->InProcessChannel(grpc::ChannelArguments()));
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    ASSERT_TRUE(absl::SimpleAtoi(
        gateway_->address().substr(gateway_->address().rfind(':') + 1),
        &port_));
  }
  void TearDown() override {
    if (gateway_) gateway_->Stop(absl::Now() + absl::Seconds(5));
    if (backend_) backend_->Shutdown(absl::ToChronoTime(absl::Now()));
  }

  // Every line logged so far is one JSON object.
  void ExpectOnlyJsonLogged() {
    for (const std::string& line : log_.Lines()) {
      EXPECT_TRUE(IsJsonObject(line)) << "not JSON: " << line;
    }
  }

  StderrCapture log_;
  FakeOrders orders_;
  std::unique_ptr<grpc::Server> backend_;
  std::unique_ptr<HttpGateway> gateway_;
  int port_ = 0;
};

struct Refusal {
  const char* what;
  std::string request;
  int status;
  // The start of the error's message: the header or part it names.
  std::string message;
};

// A chunked POST of GetOrder with `chunks` as its body; `headers` are added
// to the head.
std::string Chunked(absl::string_view chunks, absl::string_view headers = "") {
  return absl::StrCat(
      "POST /kepu.v1.OrderService/GetOrder HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n",
      headers, "\r\n", chunks);
}

// One chunk of `data`, with `extension` after its size.
std::string Chunk(absl::string_view data, absl::string_view extension = "") {
  return absl::StrCat(absl::Hex(data.size()), extension, "\r\n", data, "\r\n");
}

std::vector<Refusal> Refusals() {
  const std::string get = "GET /healthz HTTP/1.1\r\nHost: x\r\n";
  const std::string post =
      "POST /kepu.v1.OrderService/GetOrder HTTP/1.1\r\nHost: x\r\n"
      "Content-Type: application/json\r\n";
  return {
      {"Last-Event-ID not UTF-8",
       "GET /sse/kepu.v1.OrderService/WatchMyOrders HTTP/1.1\r\nHost: x\r\n"
       "Last-Event-ID: 17\xff\xfe-0\r\n\r\n",
       400, "last-event-id: "},
      {"Last-Event-ID with a tab",
       "GET /sse/kepu.v1.OrderService/WatchMyOrders HTTP/1.1\r\nHost: x\r\n"
       "Last-Event-ID: 17\t-0\r\n\r\n",
       400, "last-event-id: "},
      {"no version on the request line", "GET /healthz\r\nHost: x\r\n\r\n", 400,
       "the request line "},
      {"two spaces on the request line",
       "GET  /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400, "the request line "},
      {"a method that is not a token",
       "G(T /healthz HTTP/1.1\r\nHost: x\r\n\r\n", 400,
       "the request line: the method"},
      {"a version that is not HTTP", "GET /healthz FOO/1.1\r\nHost: x\r\n\r\n",
       400, "the request line: the version"},
      {"HTTP/2.0 on an HTTP/1 connection",
       "GET /healthz HTTP/2.0\r\nHost: x\r\n\r\n", 505,
       "the request line: HTTP/2.0"},
      {"raw UTF-8 in the target", "GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n",
       400, "the request line holds the byte 0xc3"},
      {"a TLS handshake", std::string("\x16\x03\x01\x02\x00\x01\x00\x01", 8),
       400, "the request line holds the byte 0x16"},
      {"a request line over the limit",
       absl::StrCat("GET /", std::string(20000, 'a'),
                    " HTTP/1.1\r\nHost: x\r\n\r\n"),
       414, "the request line is longer than 16384 bytes"},
      {"headers over the limit",
       absl::StrCat(get, "X-Big: ", std::string(20000, 'a'), "\r\n\r\n"), 431,
       "the request headers are too large"},
      {"lines ending in LF alone", "GET /healthz HTTP/1.1\nHost: x\n\n", 400,
       "the request line ends in LF alone"},
      {"a header line ending in LF alone",
       "GET /healthz HTTP/1.1\r\nHost: x\nAccept: */*\r\n\r\n", 400,
       "host: the line ends in LF alone"},
      {"the empty line LF alone", absl::StrCat(get, "\n"), 400,
       "the empty line that ends the headers is LF alone"},
      {"a bare CR in a header", absl::StrCat(get, "X-Note: a\rb\r\n\r\n"), 400,
       "x-note: holds the control byte 0x0d"},
      {"a control byte in a header",
       absl::StrCat(get, "X-Note: a\x01z\r\n\r\n"), 400,
       "x-note: holds the control byte 0x01"},
      {"NUL in a header",
       absl::StrCat(get, std::string("X-Note: a\0z\r\n\r\n", 15)), 400,
       "x-note: holds the control byte 0x00"},
      {"a header name that is not a token",
       absl::StrCat(get, "X(y): z\r\n\r\n"), 400,
       "the header name \"X(y)\" is not a token"},
      {"whitespace before the colon", absl::StrCat(get, "X-Note : z\r\n\r\n"),
       400, "x-note: whitespace between"},
      {"a header line without a colon",
       absl::StrCat(get, "no colon here\r\n\r\n"), 400,
       "the header line \"no colon here\" has no colon"},
      {"obs-fold", absl::StrCat(get, "X-Note: a\r\n b\r\n\r\n"), 400,
       "x-note: continued on a line that starts with whitespace (obs-fold)"},
      {"whitespace before the first header",
       "GET /healthz HTTP/1.1\r\n Host: x\r\n\r\n", 400,
       "the first header line starts with whitespace"},
      {"no Host in HTTP/1.1", "GET /healthz HTTP/1.1\r\n\r\n", 400, "host: "},
      {"Host twice", absl::StrCat(get, "Host: y\r\n\r\n"), 400, "host: "},
      {"Content-Length and Transfer-Encoding",
       absl::StrCat(post,
                    "Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "2\r\n{}\r\n0\r\n\r\n"),
       400, "transfer-encoding and content-length: "},
      {"Content-Length twice, the same",
       absl::StrCat(post, "Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}"),
       400, "content-length: sent more than once"},
      {"Content-Length twice, different",
       absl::StrCat(post, "Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}"),
       400, "content-length: sent more than once"},
      {"a Content-Length list",
       absl::StrCat(post, "Content-Length: 2, 2\r\n\r\n{}"), 400,
       "content-length: \"2, 2\" is not a number of bytes"},
      {"a negative Content-Length",
       absl::StrCat(post, "Content-Length: -2\r\n\r\n{}"), 400,
       "content-length: "},
      {"Transfer-Encoding gzip",
       absl::StrCat(post, "Transfer-Encoding: gzip\r\n\r\n{}"), 400,
       "transfer-encoding: only chunked is accepted, not \"gzip\""},
      {"Transfer-Encoding gzip, chunked",
       absl::StrCat(post,
                    "Transfer-Encoding: gzip, chunked\r\n\r\n2\r\n{}\r\n0\r\n"
                    "\r\n"),
       400, "transfer-encoding: only chunked is accepted"},
      {"Transfer-Encoding twice",
       absl::StrCat(post,
                    "Transfer-Encoding: chunked\r\nTransfer-Encoding: "
                    "chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
       400, "transfer-encoding: sent more than once"},
      {"Transfer-Encoding in HTTP/1.0",
       "POST /kepu.v1.OrderService/GetOrder HTTP/1.0\r\nContent-Type: "
       "application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n"
       "\r\n",
       400, "transfer-encoding: not accepted in HTTP/1.0"},
      {"a chunk size that is not hexadecimal", Chunked("zz\r\n{}\r\n0\r\n\r\n"),
       400, "the chunked body: "},
      {"a chunk size that overflows",
       Chunked("fffffffffffffffffff\r\n{}\r\n0\r\n\r\n"), 400,
       "the chunked body: "},
      {"a chunk longer than its size", Chunked("1\r\n{}\r\n0\r\n\r\n"), 400,
       "the chunked body: "},
      {"a bad chunk extension", Chunked("2;=\r\n{}\r\n0\r\n\r\n"), 400,
       "the chunked body: a chunk's size line"},
      {"a chunk size line ending in LF alone", Chunked("2\n{}\r\n0\r\n\r\n"),
       400, "the chunked body: "},
      {"a trailer line without a colon",
       Chunked("2\r\n{}\r\n0\r\nno colon\r\n\r\n"), 400,
       "the chunked body: its trailer section"},
      {"a control byte in a trailer",
       Chunked("2\r\n{}\r\n0\r\nX-T: a\x01z\r\n\r\n"), 400,
       "the chunked body: its trailer section"},
  };
}

TEST_F(GatewayHttpTest, MalformedRequestsGetTheirRefusalNamingWhatIsWrong) {
  for (const Refusal& refusal : Refusals()) {
    SCOPED_TRACE(refusal.what);
    const Answer answer = Exchange(port_, refusal.request);
    EXPECT_EQ(answer.status, refusal.status) << answer.head << answer.body;
    google::protobuf::Struct error;
    if (!google::protobuf::util::JsonStringToMessage(answer.body, &error)
             .ok()) {
      ADD_FAILURE() << "not a JSON error: " << answer.body;
      continue;
    }
    const auto message = error.fields().find("message");
    EXPECT_THAT(message == error.fields().end()
                    ? std::string()
                    : message->second.string_value(),
                StartsWith(refusal.message));
    EXPECT_THAT(answer.head, HasSubstr("Content-Type: application/json"));
    EXPECT_TRUE(answer.closed) << "the connection stayed open";
    EXPECT_EQ(answer.answers, 1) << "one answer, nothing after it";
  }
  // Nothing broke: the gateway answers a good request.
  EXPECT_EQ(Exchange(port_,
                     "GET /healthz HTTP/1.1\r\nHost: x\r\n"
                     "Connection: close\r\n\r\n")
                .status,
            200);
  ExpectOnlyJsonLogged();
}

TEST_F(GatewayHttpTest, TextThatIsNotUtf8IsRefusedBeforeProtobufSeesIt) {
  // A well-framed request whose message is not: a plain 400 naming the
  // field, and no plain-text complaint from protobuf in the log.
  const std::string order = "\x0a\x02\xff\xfe";  // order_id, not UTF-8
  const Answer answer = Exchange(
      port_, absl::StrCat("POST /kepu.v1.OrderService/GetOrder HTTP/1.1\r\n"
                          "Host: x\r\nContent-Type: application/proto\r\n"
                          "Connection: close\r\nContent-Length: ",
                          order.size(), "\r\n\r\n", order));
  EXPECT_EQ(answer.status, 400);
  EXPECT_THAT(answer.body,
              HasSubstr(R"("message":"order_id: is not valid UTF-8")"));
  const Answer query = Exchange(
      port_,
      "GET /sse/kepu.v1.OrderService/WatchOrder?order_id=%FF%FE HTTP/1.1\r\n"
      "Host: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(query.status, 400);
  EXPECT_THAT(query.body,
              HasSubstr(R"("message":"order_id: is not valid UTF-8")"));
  ExpectOnlyJsonLogged();
}

TEST_F(GatewayHttpTest, WellFormedRequestsStillGetThrough) {
  // Empty lines before a request line are ignored (RFC 9112, 2.2); a
  // chunked body with an extension is read; Last-Event-ID reaches the call.
  const Answer chunked = Exchange(
      port_,
      absl::StrCat("\r\n\r\n",
                   Chunked(absl::StrCat(Chunk(R"({"orde)", ";ext=1"),
                                        Chunk(R"(rId":"01ABC"})"), "0\r\n\r\n"),
                           "Connection: close\r\n")));
  EXPECT_EQ(chunked.status, 200) << chunked.body;
  EXPECT_THAT(chunked.body, HasSubstr(R"("id":"01ABC")"));
  EXPECT_TRUE(chunked.closed);

  const Answer events = Exchange(
      port_,
      "GET /sse/kepu.v1.OrderService/WatchMyOrders HTTP/1.1\r\nHost: x\r\n"
      "Last-Event-ID: 17-0\r\n\r\n");
  EXPECT_EQ(events.status, 200);
  EXPECT_THAT(events.body, HasSubstr("id: 17-0+1\n"));
  EXPECT_TRUE(events.closed);
  ExpectOnlyJsonLogged();
}

TEST_F(GatewayHttpTest, TrailerFieldsSetNoHeader) {
  // A field in the chunked body's trailer section would otherwise land among
  // the headers (after a proxy's X-Forwarded-For, say): it is dropped.
  const Answer answer = Exchange(
      port_, Chunked(absl::StrCat(Chunk(R"({"orderId":"01TRAILER"})"),
                                  "0\r\nX-Kepu-Tenant: elsewhere\r\n\r\n"),
                     "Connection: close\r\n"));
  EXPECT_EQ(answer.status, 200) << answer.body;
  EXPECT_THAT(answer.body, HasSubstr(R"("id":"01TRAILER")"));
  EXPECT_THAT(answer.body, ::testing::Not(HasSubstr("elsewhere")));
  // The same header in the head does reach the call.
  const std::string body = R"({"orderId":"01HEAD"})";
  const Answer head = Exchange(
      port_,
      absl::StrCat("POST /kepu.v1.OrderService/GetOrder HTTP/1.1\r\nHost: x"
                   "\r\nContent-Type: application/json\r\nX-Kepu-Tenant: "
                   "jining\r\nConnection: close\r\nContent-Length: ",
                   body.size(), "\r\n\r\n", body));
  EXPECT_THAT(head.body, HasSubstr(R"("countyId":"jining")"));
  ExpectOnlyJsonLogged();
}

}  // namespace
}  // namespace kepu::gateway
