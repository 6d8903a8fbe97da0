#include "services/gateway/health.h"

#include <string>
#include <utility>

#include "absl/strings/match.h"
#include "absl/time/time.h"
#include "services/gateway/connect_unary.h"

namespace kepu::gateway {

namespace http = boost::beast::http;

namespace {

constexpr absl::string_view kHealthCheckPath = "/grpc.health.v1.Health/Check";

}  // namespace

void ServeHealth(std::shared_ptr<Session> session) {
  const RpcMethod* method = session->server().methods().Find(kHealthCheckPath);
  auto call = std::make_shared<UnaryCall>();
  call->request = ToByteBuffer(*method->request_prototype);
  call->context.set_deadline(
      absl::ToChronoTime(absl::Now() + absl::Seconds(5)));
  StartUnaryCall(
      std::move(session), *method, std::move(call),
      /*binary=*/false, [](Session& answering, std::string body) {
        const http::status status = absl::StrContains(body, "\"SERVING\"")
                                        ? http::status::ok
                                        : http::status::service_unavailable;
        answering.SendBody(status, "application/json", std::move(body));
      });
}

}  // namespace kepu::gateway
