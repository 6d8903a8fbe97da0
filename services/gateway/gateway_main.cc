// kepu-gateway: the HTTP gateway alone, in front of kepud servers elsewhere
// (kepud hosts the same gateway itself; this is for running it apart, e.g.
// one gateway per ingress and kepud replicas behind a gRPC load balancer).
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "kepu/v1/claims.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/matching.pb.h"
#include "kepu/v1/orders.pb.h"
#include "kepu/v1/report.pb.h"
#include "kepu/v1/watchdog.pb.h"
#include "services/core/log.h"
#include "services/core/stop_signals.h"
#include "services/gateway/gateway_flags.h"

ABSL_FLAG(std::string, backend, "127.0.0.1:7070",
          "host:port of the kepud servers (a name that resolves to several, "
          "or a load balancer)");
ABSL_FLAG(absl::Duration, shutdown_timeout, absl::Seconds(10),
          "on SIGTERM, how long calls in flight may take to finish");

namespace kepu {
namespace {

// Every Kepu service, by the descriptor of one of its messages (which also
// links the service's descriptors into this binary).
std::vector<std::string> KepuServices() {
  const google::protobuf::FileDescriptor* const files[] = {
      v1::RegisterRequest::descriptor()->file(),
      v1::ListProgramsRequest::descriptor()->file(),
      v1::CreateOrderRequest::descriptor()->file(),
      v1::ListQueueRequest::descriptor()->file(),
      v1::ListPoolRequest::descriptor()->file(),
      v1::ListOffersRequest::descriptor()->file(),
      v1::ExplainOfferRequest::descriptor()->file(),
      v1::GetSlaPolicyRequest::descriptor()->file(),
      v1::GetSummaryRequest::descriptor()->file(),
  };
  std::vector<std::string> names;
  for (const google::protobuf::FileDescriptor* file : files) {
    for (int i = 0; i < file->service_count(); ++i) {
      names.push_back(file->service(i)->full_name());
    }
  }
  return names;
}

int Run() {
  const sigset_t stop_signals = BlockStopSignals();

  std::shared_ptr<grpc::Channel> backend = grpc::CreateChannel(
      absl::GetFlag(FLAGS_backend), grpc::InsecureChannelCredentials());
  absl::StatusOr<std::unique_ptr<gateway::HttpGateway>> server =
      gateway::HttpGateway::Start(
          gateway::GatewayOptionsFromFlags(KepuServices()), backend);
  if (!server.ok()) {
    Log(LogLevel::kError, "gateway.failed",
        {{"error", std::string(server.status().message())}});
    return 1;
  }
  Log(LogLevel::kInfo, "gateway.listening",
      {{"address", (*server)->address()},
       {"backend", absl::GetFlag(FLAGS_backend)}});
  const int signal = WaitForStopSignal(stop_signals);
  Log(LogLevel::kInfo, "gateway.stopping", {{"signal", absl::StrCat(signal)}});
  (*server)->Stop(absl::Now() + absl::GetFlag(FLAGS_shutdown_timeout));
  Log(LogLevel::kInfo, "gateway.stopped");
  return 0;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kepu-gateway: HTTP/JSON (Connect) and server-sent events in front of "
      "kepud");
  absl::ParseCommandLine(argc, argv);
  kepu::RouteProtobufLogs();
  return kepu::Run();
}
