// health: whether the server and each of its services are serving.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "google/protobuf/struct.pb.h"

namespace kepu::ctl {
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
  if (!status.ok()) {
    return absl::StrCat("UNREACHABLE (", status.error_message(), ")");
  }
  return grpc::health::v1::HealthCheckResponse::ServingStatus_Name(serving);
}

// Prints the health of the server and of each service; UNAVAILABLE when the
// server does not serve.
absl::Status Health(Cli& cli, const Args&) {
  bool serving = false;
  std::vector<std::pair<std::string, std::string>> rows;
  for (const char* service : kServices) {
    std::unique_ptr<grpc::ClientContext> context = cli.NewContext();
    grpc::health::v1::HealthCheckRequest request;
    request.set_service(service);
    grpc::health::v1::HealthCheckResponse response;
    grpc::Status status = cli.health().Check(context.get(), request, &response);
    if (*service == '\0') {
      serving =
          status.ok() &&
          response.status() == grpc::health::v1::HealthCheckResponse::SERVING;
    }
    rows.emplace_back(*service == '\0' ? "(server)" : service,
                      StatusName(status, response.status()));
  }
  if (cli.json()) {
    google::protobuf::Struct root;
    (*root.mutable_fields())["server"].set_string_value(cli.server());
    google::protobuf::Struct* services =
        (*root.mutable_fields())["services"].mutable_struct_value();
    for (const auto& [service, name] : rows) {
      (*services->mutable_fields())[service].set_string_value(name);
    }
    cli.PrintJson(root);
  } else {
    Table table({"SERVICE", "STATUS"});
    for (const auto& [service, name] : rows) table.AddRow({service, name});
    cli.out() << table.Render();
  }
  if (!serving) {
    return absl::UnavailableError(
        absl::StrCat("the server at ", cli.server(), " is not serving"));
  }
  return absl::OkStatus();
}

}  // namespace

void AddHealthCommands(std::vector<Command>& commands) {
  commands.push_back({"Server",
                      {"health"},
                      "",
                      0,
                      0,
                      "whether the server and each of its services serve",
                      {},
                      Health});
}

}  // namespace kepu::ctl
