// kepuctl: the command-line client of Kepu.
//
//   kepuctl [--server=127.0.0.1:7070] [--json] <command> [arguments]
//
// Commands:
//   health    whether the server and each of its services are serving
//
// The workflow commands (login, order, queue, dispatch, claim, offer, watch,
// demo) arrive with the workflow services.
#include <grpcpp/grpcpp.h>

#include <cstdio>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, server, "127.0.0.1:7070", "host:port of kepud");
ABSL_FLAG(bool, json, false, "print JSON instead of a table");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");

namespace kepu {
namespace {

constexpr const char* kServices[] = {"",  // the server as a whole
                                     "kepu.v1.IdentityService",
                                     "kepu.v1.DirectoryService",
                                     "kepu.v1.OrderService",
                                     "kepu.v1.DispatchService",
                                     "kepu.v1.ClaimService",
                                     "kepu.v1.FulfilmentService",
                                     "kepu.v1.MatchingService",
                                     "kepu.v1.WatchdogService",
                                     "kepu.v1.ReportService"};

std::string StatusName(
    const grpc::Status& status,
    grpc::health::v1::HealthCheckResponse::ServingStatus serving) {
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return "NOT_HOSTED";
  if (!status.ok())
    return absl::StrCat("UNREACHABLE (", status.error_message(), ")");
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(serving);
}

// Prints the health of the server and of each service; exit code 0 when the
// server serves.
int Health() {
  auto channel = grpc::CreateChannel(absl::GetFlag(FLAGS_server),
                                     grpc::InsecureChannelCredentials());
  auto stub = grpc::health::v1::Health::NewStub(channel);
  bool serving = false;
  std::vector<std::pair<std::string, std::string>> rows;
  for (const char* service : kServices) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoSeconds(absl::GetFlag(FLAGS_timeout)));
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = stub->Check(&context, request, &response);
    const std::string name = StatusName(status, response.status());
    if (*service == '\0') {
      serving =
          status.ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    }
    rows.emplace_back(*service == '\0' ? "(server)" : service, name);
  }
  if (absl::GetFlag(FLAGS_json)) {
    std::string out = absl::StrCat(
        "{\"server\":\"", absl::GetFlag(FLAGS_server), "\",\"services\":{");
    for (size_t i = 0; i < rows.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? "" : ",", "\"", rows[i].first, "\":\"",
                      rows[i].second, "\"");
    }
    std::printf("%s}}\n", out.c_str());
  } else {
    std::printf("%-28s %s\n", "SERVICE", "STATUS");
    for (const auto& [service, name] : rows) {
      std::printf("%-28s %s\n", service.c_str(), name.c_str());
    }
  }
  return serving ? 0 : 1;
}

int Usage() {
  std::fprintf(stderr, "%s\n", absl::ProgramUsageMessage().data());
  return 2;
}

}  // namespace
}  // namespace kepu

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "kepuctl [--server=host:port] [--json] <command>\n"
      "commands:\n"
      "  health   whether the server and each of its services are serving");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() < 2) return kepu::Usage();
  const std::string command = args[1];
  if (command == "health") return kepu::Health();
  std::fprintf(stderr, "kepuctl: unknown command '%s'\n", command.c_str());
  return kepu::Usage();
}
