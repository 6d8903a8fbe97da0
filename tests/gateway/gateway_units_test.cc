// The gateway's pure parts: Connect's code and status mapping, the static
// file resolver (no way out of the root), the transcoding from the
// descriptors, and the checks of a request's framing. The HTTP server itself
// is tested over raw sockets in gateway_http_test and through real clients in
// tests/web.
#include <filesystem>
#include <fstream>

#include "boost/asio/error.hpp"
#include "boost/beast/http/error.hpp"
#include "gmock/gmock.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"
#include "kepu/v1/orders.pb.h"
#include "services/gateway/connect_protocol.h"
#include "services/gateway/method_table.h"
#include "services/gateway/request_framing.h"
#include "services/gateway/static_files.h"

namespace kepu::gateway {
namespace {

using ::testing::HasSubstr;

TEST(ConnectProtocolTest, MapsEveryCodeAsTheSpecSays) {
  struct Case {
    grpc::StatusCode code;
    absl::string_view name;
    int http;
  };
  const Case cases[] = {
      {grpc::StatusCode::CANCELLED, "canceled", 499},
      {grpc::StatusCode::UNKNOWN, "unknown", 500},
      {grpc::StatusCode::INVALID_ARGUMENT, "invalid_argument", 400},
      {grpc::StatusCode::DEADLINE_EXCEEDED, "deadline_exceeded", 504},
      {grpc::StatusCode::NOT_FOUND, "not_found", 404},
      {grpc::StatusCode::ALREADY_EXISTS, "already_exists", 409},
      {grpc::StatusCode::PERMISSION_DENIED, "permission_denied", 403},
      {grpc::StatusCode::RESOURCE_EXHAUSTED, "resource_exhausted", 429},
      {grpc::StatusCode::FAILED_PRECONDITION, "failed_precondition", 400},
      {grpc::StatusCode::ABORTED, "aborted", 409},
      {grpc::StatusCode::OUT_OF_RANGE, "out_of_range", 400},
      {grpc::StatusCode::UNIMPLEMENTED, "unimplemented", 501},
      {grpc::StatusCode::INTERNAL, "internal", 500},
      {grpc::StatusCode::UNAVAILABLE, "unavailable", 503},
      {grpc::StatusCode::DATA_LOSS, "data_loss", 500},
      {grpc::StatusCode::UNAUTHENTICATED, "unauthenticated", 401},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(ConnectCodeName(c.code), c.name);
    EXPECT_EQ(HttpStatusOf(c.code), c.http) << c.name;
  }
}

TEST(ConnectProtocolTest, ErrorBodyIsValidJsonWhateverTheMessage) {
  EXPECT_EQ(ErrorBody(grpc::StatusCode::NOT_FOUND, ""),
            R"({"code":"not_found"})");
  const std::string body = ErrorBody(grpc::StatusCode::INVALID_ARGUMENT,
                                     "draft.address: \"引号\"\n\x01\xff end");
  EXPECT_EQ(body,
            "{\"code\":\"invalid_argument\",\"message\":\"draft.address: "
            "\\\"引号\\\"\\n\\u0001\xEF\xBF\xBD end\"}");
}

TEST(ConnectProtocolTest, TimeoutHeaderIsPositiveDigitsOnly) {
  EXPECT_EQ(ParseTimeoutMs("1500"), absl::Milliseconds(1500));
  EXPECT_EQ(ParseTimeoutMs("9999999999"), absl::Milliseconds(9999999999));
  for (absl::string_view bad :
       {"", "0", "-1", "1.5", "10s", "12345678901", " 5"}) {
    EXPECT_EQ(ParseTimeoutMs(bad), std::nullopt) << bad;
  }
}

class StaticFilesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ =
        std::filesystem::temp_directory_path() /
        absl::StrCat(
            "kepu-static-", getpid(), "-",
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(root_ / "assets");
    Write(root_ / "index.html", "<html>");
    Write(root_ / "assets" / "app-1a2b.js", "js");
    Write(root_.parent_path() /
              absl::StrCat(root_.filename().string(), "-secret.txt"),
          "secret");
  }
  void TearDown() override {
    std::filesystem::remove_all(root_);
    std::filesystem::remove(
        root_.parent_path() /
        absl::StrCat(root_.filename().string(), "-secret.txt"));
  }
  static void Write(const std::filesystem::path& path, absl::string_view text) {
    std::ofstream(path) << text;
  }
  std::filesystem::path root_;
};

TEST_F(StaticFilesTest, ServesFilesIndexesAndTheClientsRoutes) {
  EXPECT_EQ(ResolveStaticPath(root_, "/assets/app-1a2b.js"),
            root_ / "assets" / "app-1a2b.js");
  EXPECT_EQ(ResolveStaticPath(root_, "/"), root_ / "index.html");
  // A client route (no extension) gets the app; a missing file does not.
  EXPECT_EQ(ResolveStaticPath(root_, "/orders/01ABC"), root_ / "index.html");
  EXPECT_EQ(ResolveStaticPath(root_, "/assets/missing.js"), std::nullopt);
  EXPECT_EQ(ResolveStaticPath("", "/index.html"), std::nullopt);
}

TEST_F(StaticFilesTest, NothingOutsideTheRoot) {
  const std::string secret =
      absl::StrCat("/../", root_.filename().string(), "-secret.txt");
  for (const std::string& path :
       {secret, std::string("/assets/../../etc/passwd"),
        std::string("/./index.html"), std::string("/assets\\..\\x"),
        std::string("relative/index.html"), std::string("/a\0b", 4)}) {
    EXPECT_EQ(ResolveStaticPath(root_, path), std::nullopt) << path;
  }
  // Escapes are decoded before the path is checked.
  std::optional<std::string> decoded = PercentDecode(
      absl::StrCat("/%2e%2e/", root_.filename().string(), "-secret.txt"));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(ResolveStaticPath(root_, *decoded), std::nullopt);
  EXPECT_EQ(PercentDecode("%zz"), std::nullopt);
  EXPECT_EQ(PercentDecode("%4"), std::nullopt);
  EXPECT_EQ(PercentDecode("%E7%AB%B9"), "竹");
}

TEST(StaticFileLabelsTest, TypesAndCaching) {
  EXPECT_EQ(MimeTypeOf("a/b/app.JS"), "text/javascript; charset=utf-8");
  EXPECT_EQ(MimeTypeOf("manifest.webmanifest"), "application/manifest+json");
  EXPECT_EQ(MimeTypeOf("blob"), "application/octet-stream");
  EXPECT_EQ(CacheControlOf("/assets/app-1a2b.js"),
            "public, max-age=31536000, immutable");
  EXPECT_EQ(CacheControlOf("/index.html"), "no-cache");
  EXPECT_EQ(CacheControlOf("/sw.js"), "no-cache");
}

class MethodTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Linked by this reference.
    ASSERT_NE(v1::CreateOrderRequest::descriptor(), nullptr);
    absl::StatusOr<MethodTable> table =
        MethodTable::ForServices({"kepu.v1.OrderService"});
    ASSERT_TRUE(table.ok()) << table.status();
    table_ = *std::move(table);
  }
  static v1::CreateOrderRequest Decode(const grpc::ByteBuffer& buffer) {
    grpc::Slice slice;
    EXPECT_TRUE(buffer.DumpToSingleSlice(&slice).ok());
    v1::CreateOrderRequest request;
    EXPECT_TRUE(
        request.ParseFromArray(slice.begin(), static_cast<int>(slice.size())));
    return request;
  }
  MethodTable table_;
};

TEST_F(MethodTableTest, FindsEveryMethodFromTheDescriptors) {
  const RpcMethod* create = table_.Find("/kepu.v1.OrderService/CreateOrder");
  ASSERT_NE(create, nullptr);
  EXPECT_FALSE(create->server_streaming);
  const RpcMethod* watch = table_.Find("/kepu.v1.OrderService/WatchOrder");
  ASSERT_NE(watch, nullptr);
  EXPECT_TRUE(watch->server_streaming);
  EXPECT_EQ(table_.size(),
            static_cast<size_t>(create->descriptor->service()->method_count()));
  EXPECT_EQ(table_.Find("/kepu.v1.OrderService/Nope"), nullptr);
  EXPECT_EQ(table_.Find("kepu.v1.OrderService/CreateOrder"), nullptr);
  EXPECT_EQ(MethodTable::ForServices({"kepu.v1.NoSuchService"}).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(MethodTableTest, JsonTakesBothNameFormsAndRejectsUnknownFields) {
  const RpcMethod& create = *table_.Find("/kepu.v1.OrderService/CreateOrder");
  absl::StatusOr<grpc::ByteBuffer> camel = RequestFromJson(
      create, R"({"requestId":"r-1234567","draft":{"serviceLineId":"x",
                  "audience":"AUDIENCE_ELDERLY","expectedAttendees":"30"}})");
  ASSERT_TRUE(camel.ok()) << camel.status();
  v1::CreateOrderRequest request = Decode(*camel);
  EXPECT_EQ(request.request_id(), "r-1234567");
  EXPECT_EQ(request.draft().audience(), v1::AUDIENCE_ELDERLY);
  EXPECT_EQ(request.draft().expected_attendees(), 30);
  absl::StatusOr<grpc::ByteBuffer> snake = RequestFromJson(
      create, R"({"request_id":"r-1234567","draft":{"service_line_id":"x"}})");
  ASSERT_TRUE(snake.ok()) << snake.status();
  EXPECT_EQ(Decode(*snake).draft().service_line_id(), "x");
  // An empty body is the empty request.
  ASSERT_TRUE(RequestFromJson(create, " ").ok());

  // Messages start with the field's path, as Kepu's validation's do.
  const std::pair<absl::string_view, absl::string_view> named[] = {
      {R"({"draft":{"adress":"typo"}})", "draft.adress: unknown field"},
      {R"({"bogus":1})", "bogus: unknown field"},
      {R"({"draft":{"expectedAttendees":"many"}})",
       "draft.expected_attendees: "},
      {R"({"draft":{"audience":"NOPE"}})", "draft.audience: "},
      {R"({"draft":{"preferredWindows":[{"start":"tomorrow"}]}})",
       "draft.preferred_windows"},
  };
  for (const auto& [body, prefix] : named) {
    absl::StatusOr<grpc::ByteBuffer> result = RequestFromJson(create, body);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(std::string(result.status().message()),
                ::testing::StartsWith(std::string(prefix)))
        << body;
  }
  EXPECT_THAT(
      std::string(RequestFromJson(create, R"({"draft":)").status().message()),
      ::testing::StartsWith("the body is not valid JSON: "));
  for (absl::string_view bad :
       {R"({"draft":)", R"([1,2])", R"({"draft":{"audience":"NOPE"}})",
        R"({"draft":{"expectedAttendees":"many"}})", "null"}) {
    EXPECT_EQ(RequestFromJson(create, bad).status().code(),
              absl::StatusCode::kInvalidArgument)
        << bad;
  }
  EXPECT_EQ(RequestFromBinary(create, "\xff\xff\xff").status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(MethodTableTest, TextThatIsNotUtf8IsRefusedNamingTheField) {
  const RpcMethod& create = *table_.Find("/kepu.v1.OrderService/CreateOrder");
  v1::CreateOrderRequest request;
  request.set_request_id("r-1234567");
  request.mutable_draft()->mutable_contact()->set_name("潘文");
  std::string good = request.SerializeAsString();
  ASSERT_TRUE(RequestFromBinary(create, good).ok());
  // The name's last byte cut off: a truncated character, deep in the draft.
  const size_t at = good.find("潘文");
  ASSERT_NE(at, std::string::npos);
  std::string bad = good;
  bad[at + 5] = '\x41';
  absl::StatusOr<grpc::ByteBuffer> refused = RequestFromBinary(create, bad);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(refused.status().message(),
            "draft.contact.name: is not valid UTF-8");

  const RpcMethod& watch = *table_.Find("/kepu.v1.OrderService/WatchOrder");
  EXPECT_EQ(
      RequestFromQuery(watch, {{"order_id", "01\xff"}}, {}).status().message(),
      "order_id: is not valid UTF-8");
}

TEST_F(MethodTableTest, QueryParametersNameTopLevelFields) {
  const RpcMethod& watch = *table_.Find("/kepu.v1.OrderService/WatchOrder");
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> request =
      RequestFromQuery(watch,
                       {{"order_id", "01ABC"},
                        {"afterEventId", "17-0"},
                        {"access_token", "secret"}},
                       {"access_token"});
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(ToJson(**request), R"({"orderId":"01ABC","afterEventId":"17-0"})");

  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> whole =
      RequestFromQuery(watch, {{"message", R"({"orderId":"01XYZ"})"}}, {});
  ASSERT_TRUE(whole.ok()) << whole.status();
  EXPECT_EQ(ToJson(**whole), R"({"orderId":"01XYZ"})");

  EXPECT_THAT(RequestFromQuery(watch, {{"token", "x"}}, {}).status().message(),
              HasSubstr("token"));
  EXPECT_EQ(RequestFromQuery(watch, {{"order_id", "a"}, {"order_id", "b"}}, {})
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  // A quote in a value cannot break out of the JSON it is put into.
  absl::StatusOr<std::unique_ptr<google::protobuf::Message>> quoted =
      RequestFromQuery(watch, {{"order_id", R"(a","afterEventId":"1)"}}, {});
  ASSERT_TRUE(quoted.ok()) << quoted.status();
  EXPECT_EQ(ToJson(**quoted), R"({"orderId":"a\",\"afterEventId\":\"1"})");
}

TEST(RequestFramingTest, FindsTheEndOfAHeadWhateverItsLinesEndIn) {
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r\nnext"), 27u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\n\r\n"), 18u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\nHost: a\n\n"), 24u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\n"), 26u);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n"), std::nullopt);
  EXPECT_EQ(FindHeadEnd("GET / HTTP/1.1\r\nHost: a\r\n\r"), std::nullopt);
  EXPECT_EQ(FindHeadEnd(""), std::nullopt);
}

TEST(RequestFramingTest, AcceptsWellFormedHeads) {
  for (absl::string_view head : {
           "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
           "GET /sse/x?a=%E7%AB%B9&b=1 HTTP/1.1\r\nhost:a\r\nX-A:\t b "
           "\t\r\n\r\n",
           "POST /x HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n",
           "POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: Chunked\r\n\r\n",
           "GET / HTTP/1.0\r\n\r\n",
           // obs-text is allowed in a value, but for the headers passed on
           // as text.
           "GET / HTTP/1.1\r\nHost: a\r\nUser-Agent: \xe7\xab\xb9\r\n\r\n",
       }) {
    EXPECT_EQ(CheckRequestHead(head, 16384), std::nullopt) << head;
  }
}

TEST(RequestFramingTest, RefusesNamingWhatIsWrong) {
  struct Case {
    std::string head;
    int status;
    std::string message;
  };
  const std::string get = "GET / HTTP/1.1\r\nHost: a\r\n";
  const Case cases[] = {
      {"GET /\r\n\r\n", 400,
       "the request line \"GET /\" is not \"METHOD TARGET HTTP/1.1\""},
      {"GET / HTTP/1.1 x\r\nHost: a\r\n\r\n", 400,
       "the request line \"GET / HTTP/1.1 x\" is not \"METHOD TARGET "
       "HTTP/1.1\" (one space between the parts)"},
      {"G@T / HTTP/1.1\r\nHost: a\r\n\r\n", 400,
       "the request line: the method \"G@T\" is not a token"},
      {"GET / HTTP/1.x\r\nHost: a\r\n\r\n", 400,
       "the request line: the version \"HTTP/1.x\" is not HTTP/1.1"},
      {"GET / HTTP/3.0\r\nHost: a\r\n\r\n", 505,
       "the request line: HTTP/3.0 is not supported; use HTTP/1.1"},
      {"GET /\x7f HTTP/1.1\r\nHost: a\r\n\r\n", 400,
       "the request line holds the byte 0x7f; it must be \"METHOD TARGET "
       "HTTP/1.1\" in printable ASCII"},
      {"GET / HTTP/1.1\nHost: a\r\n\r\n", 400,
       "the request line ends in LF alone; lines end in CRLF"},
      {get + "X: a\n\r\n", 400,
       "x: the line ends in LF alone; lines end in CRLF"},
      {get + "\n", 400,
       "the empty line that ends the headers is LF alone; lines end in CRLF"},
      {get + "X: a\x7f\r\n\r\n", 400, "x: holds the control byte 0x7f"},
      {get + "X: a\rb\r\n\r\n", 400, "x: holds the control byte 0x0d"},
      {get + "X: a\r\r\n\r\n", 400, "x: holds the control byte 0x0d"},
      {get + "X: a\r\n\tb\r\n\r\n", 400,
       "x: continued on a line that starts with whitespace (obs-fold), which "
       "is not accepted"},
      {"GET / HTTP/1.1\r\n Host: a\r\n\r\n", 400,
       "the first header line starts with whitespace"},
      {get + "X\r\n\r\n", 400, "the header line \"X\" has no colon"},
      {get + ": a\r\n\r\n", 400, "the header name \"\" is not a token"},
      {get + "X\xff: a\r\n\r\n", 400,
       "the header name \"X\\xff\" is not a token"},
      {get + "X-A\t: a\r\n\r\n", 400,
       "x-a: whitespace between the header's name and its colon"},
      {get + "Authorization: Bearer \xc3\xa9\r\n\r\n", 400,
       "authorization: must be printable ASCII"},
      {get + "X-Kepu-Tenant: jin\tning\r\n\r\n", 400,
       "x-kepu-tenant: must be printable ASCII"},
      {get + "Last-Event-ID: 17\xff-0\r\n\r\n", 400,
       "last-event-id: must be printable ASCII"},
      {"GET / HTTP/1.1\r\n\r\n", 400,
       "host: missing; an HTTP/1.1 request must send it"},
      {get + "host: b\r\n\r\n", 400, "host: sent more than once"},
      {get + "Content-Length: 1\r\ncontent-length: 1\r\n\r\n", 400,
       "content-length: sent more than once"},
      {get + "Content-Length: 1,1\r\n\r\n", 400,
       "content-length: \"1,1\" is not a number of bytes"},
      {get + "Content-Length: 1234567890123456789\r\n\r\n", 400,
       "content-length: \"1234567890123456789\" is not a number of bytes"},
      {get + "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "transfer-encoding and content-length: a request carries one or the "
       "other, not both"},
      {get + "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
       400, "transfer-encoding: sent more than once"},
      {get + "Transfer-Encoding: chunked, gzip\r\n\r\n", 400,
       "transfer-encoding: only chunked is accepted, not \"chunked, gzip\""},
      {"GET / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400,
       "transfer-encoding: not accepted in HTTP/1.0"},
  };
  for (const Case& c : cases) {
    std::optional<BadFraming> bad = CheckRequestHead(c.head, 16384);
    ASSERT_TRUE(bad.has_value()) << c.head;
    EXPECT_EQ(bad->http_status, c.status) << c.head;
    EXPECT_EQ(bad->message, c.message) << c.head;
  }
}

TEST(RequestFramingTest, SizeLimitsNameTheRequestLineOrTheHeaders) {
  const std::string line = absl::StrCat("GET /", std::string(100, 'a'));
  std::optional<BadFraming> long_line = CheckHeadSoFar(line, 64);
  ASSERT_TRUE(long_line.has_value());
  EXPECT_EQ(long_line->http_status, 414);
  EXPECT_EQ(long_line->message, "the request line is longer than 64 bytes");
  const std::string head =
      absl::StrCat("GET / HTTP/1.1\r\nX: ", std::string(100, 'a'));
  std::optional<BadFraming> long_head = CheckHeadSoFar(head, 64);
  ASSERT_TRUE(long_head.has_value());
  EXPECT_EQ(long_head->http_status, 431);
  EXPECT_EQ(CheckRequestHead(absl::StrCat(head, "\r\n\r\n"), 64)->http_status,
            431);
  // Up to the limit, a head still arriving is waited for.
  EXPECT_EQ(CheckHeadSoFar("GET / HTTP/1.1\r\nHost: a\r\n", 64), std::nullopt);
  EXPECT_EQ(CheckHeadSoFar("GET / HT", 64), std::nullopt);
  // A byte no request line holds is refused at once.
  EXPECT_EQ(CheckHeadSoFar("\x16\x03\x01", 64)->message,
            "the request line holds the byte 0x16; it must be \"METHOD TARGET "
            "HTTP/1.1\" in printable ASCII");
}

TEST(RequestFramingTest, BeastsBodyErrorsNameTheChunkedBody) {
  namespace http = boost::beast::http;
  EXPECT_THAT(BadChunkedBody(http::error::bad_chunk)->message,
              ::testing::StartsWith("the chunked body: a chunk size"));
  EXPECT_THAT(BadChunkedBody(http::error::bad_chunk_extension)->message,
              ::testing::StartsWith("the chunked body: a chunk's size line"));
  EXPECT_THAT(BadChunkedBody(http::error::bad_field)->message,
              ::testing::StartsWith("the chunked body: its trailer section"));
  // The client went away: nothing to answer.
  EXPECT_EQ(BadChunkedBody(http::error::partial_message), std::nullopt);
  EXPECT_EQ(BadChunkedBody(http::error::end_of_stream), std::nullopt);
  EXPECT_EQ(BadChunkedBody(boost::asio::error::connection_reset), std::nullopt);
}

}  // namespace
}  // namespace kepu::gateway
