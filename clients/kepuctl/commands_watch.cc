// Live events: watch mine|order|queue|pool|team. Each event is printed as it
// comes, one line (one JSON object with --json), until Ctrl-C or the server
// ends the stream.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

template <typename Stub, typename Request>
absl::Status Watch(Cli& cli, Stub& stub,
                   std::unique_ptr<grpc::ClientReader<v1::OrderEvent>> (
                       Stub::*method)(grpc::ClientContext*, const Request&),
                   const Request& request) {
  std::unique_ptr<grpc::ClientContext> context =
      cli.NewContext(/*streaming=*/true);
  std::unique_ptr<grpc::ClientReader<v1::OrderEvent>> reader =
      (stub.*method)(context.get(), request);
  if (cli.err_is_terminal() && !cli.json()) {
    cli.err() << "watching (Ctrl-C to stop)\n";
  }
  std::string last_event_id = request.after_event_id();
  v1::OrderEvent event;
  while (reader->Read(&event)) {
    cli.out() << (cli.json() ? ToJson(event) : EventLine(event)) << std::endl;
    last_event_id = event.event_id();
  }
  absl::Status status = ToAbslStatus(reader->Finish());
  if (!status.ok() && !last_event_id.empty()) {
    return absl::Status(status.code(),
                        absl::StrCat(status.message(), " (resume with --after=",
                                     last_event_id, ")"));
  }
  return status;
}

absl::Status WatchMine(Cli& cli, const Args& args) {
  v1::WatchMyOrdersRequest request;
  request.set_after_event_id(args.GetOr("after", ""));
  return Watch(cli, cli.orders(), &v1::OrderService::Stub::WatchMyOrders,
               request);
}

absl::Status WatchOrder(Cli& cli, const Args& args) {
  v1::WatchOrderRequest request;
  request.set_order_id(args.positional()[0]);
  request.set_after_event_id(args.GetOr("after", ""));
  return Watch(cli, cli.orders(), &v1::OrderService::Stub::WatchOrder, request);
}

absl::Status WatchQueue(Cli& cli, const Args& args) {
  v1::WatchQueueRequest request;
  request.set_community_id(args.GetOr("community", ""));
  request.set_after_event_id(args.GetOr("after", ""));
  return Watch(cli, cli.dispatch(), &v1::DispatchService::Stub::WatchQueue,
               request);
}

absl::Status WatchPool(Cli& cli, const Args& args) {
  v1::WatchPoolRequest request;
  request.set_department_id(args.GetOr("department", ""));
  request.set_after_event_id(args.GetOr("after", ""));
  return Watch(cli, cli.claims(), &v1::ClaimService::Stub::WatchPool, request);
}

absl::Status WatchTeam(Cli& cli, const Args& args) {
  v1::WatchTeamRequest request;
  request.set_team_id(args.GetOr("team", ""));
  request.set_after_event_id(args.GetOr("after", ""));
  return Watch(cli, cli.fulfilment(), &v1::FulfilmentService::Stub::WatchTeam,
               request);
}

}  // namespace

void AddWatchCommands(std::vector<Command>& commands) {
  const std::string group = "Live events";
  const FlagSpec after{"after", FlagKind::kValue, "<event>",
                       "first replay every event after this one"};
  commands.push_back({group,
                      {"watch", "mine"},
                      "",
                      0,
                      0,
                      "events of my orders (residents)",
                      {after},
                      WatchMine});
  commands.push_back({group,
                      {"watch", "order"},
                      "<order>",
                      1,
                      1,
                      "events of one order",
                      {after},
                      WatchOrder});
  commands.push_back({group,
                      {"watch", "queue"},
                      "",
                      0,
                      0,
                      "events of the community's orders (community workers)",
                      {{"community", FlagKind::kValue, "<region>",
                        "needed when working for several"},
                       after},
                      WatchQueue});
  commands.push_back({group,
                      {"watch", "pool"},
                      "",
                      0,
                      0,
                      "events of the department's orders (department staff)",
                      {{"department", FlagKind::kValue, "<department>",
                        "needed when working for several"},
                       after},
                      WatchPool});
  commands.push_back(
      {group,
       {"watch", "team"},
       "",
       0,
       0,
       "events of the team's offers and tasks (leaders, volunteers)",
       {{"team", FlagKind::kValue, "<team>", "needed when in several"}, after},
       WatchTeam});
}

}  // namespace kepu::ctl
