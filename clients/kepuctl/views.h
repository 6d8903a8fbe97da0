// How orders, events and pages are shown (tables or JSON), and the shared
// shape of a move on an existing order: read its version unless --version is
// given, send with a request id, print the result.
#pragma once

#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "clients/kepuctl/args.h"
#include "clients/kepuctl/cli.h"
#include "google/protobuf/repeated_field.h"
#include "kepu/v1/order.pb.h"
#include "kepu/v1/orders.pb.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {

// --page-size and --page-token.
absl::StatusOr<v1::PageRequest> PageFrom(const Args& args);
// "more: --page-token=<token>" after a table, when there is a next page.
void PrintNextPage(Cli& cli, const std::string& token);

// "awaiting_dispatch" for STAGE_AWAITING_DISPATCH.
std::string StageName(v1::Stage stage);

// Every --state, parsed.
absl::Status AddStates(const Args& args,
                       google::protobuf::RepeatedField<int>* states);

// A --lat/--lng pair: both or neither; nullopt for neither.
absl::StatusOr<std::optional<v1::GeoPoint>> GeoPointFrom(const Args& args,
                                                         absl::string_view lat,
                                                         absl::string_view lng);

// The result of a move: JSON, or "order <id>  <state> <label>  version <n>".
void PrintOrderSummary(Cli& cli, const v1::Order& order);
// One order in full: JSON, or a list of its fields.
void PrintOrderDetail(Cli& cli, const v1::Order& order);
// A page of orders: JSON, or a table with the total and the next page.
void PrintOrderList(Cli& cli, const v1::ListOrdersResponse& response);
// One line per event, for history and watch.
std::string EventLine(const v1::OrderEvent& event);

// The version an order move is sent with: --version, or the order's version
// now (GetOrder).
absl::StatusOr<int64_t> ExpectedOrderVersion(Cli& cli, const Args& args,
                                             const std::string& order_id);

// A move on the order named by the first operand: fills order_id,
// expected_version and request_id of `request`, calls `method`, prints the
// order.
template <typename Stub, typename Request>
absl::Status RunOrderMove(Cli& cli, const Args& args, Stub& stub,
                          grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                       const Request&,
                                                       v1::Order*),
                          Request request) {
  const std::string& order_id = args.positional().at(0);
  request.set_order_id(order_id);
  ASSIGN_OR_RETURN(const int64_t version,
                   ExpectedOrderVersion(cli, args, order_id));
  request.set_expected_version(version);
  request.set_request_id(cli.RequestId(args));
  cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
  ASSIGN_OR_RETURN(const v1::Order order, cli.Call(stub, method, request));
  PrintOrderSummary(cli, order);
  return absl::OkStatus();
}

}  // namespace kepu::ctl
