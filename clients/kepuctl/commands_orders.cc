// The resident's side (OrderService): order create|edit|resubmit|cancel|rate|
// reopen|get|history|list.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

using Stub = v1::OrderService::Stub;

// Sets the draft fields whose flags are given; --window replaces every
// window.
absl::Status ApplyDraft(const Args& args, v1::OrderDraft* draft) {
  if (std::optional<std::string> line = args.Get("line")) {
    draft->set_service_line_id(*line);
  }
  if (std::optional<std::string> service = args.Get("service")) {
    draft->set_service_name(*service);
  }
  if (std::optional<std::string> community = args.Get("community")) {
    draft->set_community_id(*community);
  }
  if (std::optional<std::string> address = args.Get("address")) {
    draft->set_address(*address);
  }
  ASSIGN_OR_RETURN(const std::optional<v1::GeoPoint> location,
                   GeoPointFrom(args, "lat", "lng"));
  if (location.has_value()) *draft->mutable_location() = *location;
  if (std::optional<std::string> audience = args.Get("audience")) {
    ASSIGN_OR_RETURN(const v1::Audience parsed, ParseAudience(*audience));
    draft->set_audience(parsed);
  }
  ASSIGN_OR_RETURN(const std::optional<int64_t> attendees,
                   args.GetInt("attendees", 0, 1000000));
  if (attendees.has_value()) {
    draft->set_expected_attendees(static_cast<int32_t>(*attendees));
  }
  if (args.Has("window")) {
    draft->clear_preferred_windows();
    for (const std::string& text : args.GetAll("window")) {
      ASSIGN_OR_RETURN(*draft->add_preferred_windows(),
                       ParseWindow(text, LocalZone()));
    }
  }
  if (std::optional<std::string> description = args.Get("description")) {
    draft->set_description(*description);
  }
  if (std::optional<std::string> name = args.Get("contact-name")) {
    draft->mutable_contact()->set_name(*name);
  }
  if (std::optional<std::string> phone = args.Get("contact-phone")) {
    draft->mutable_contact()->set_phone(*phone);
  }
  return absl::OkStatus();
}

absl::Status CreateOrder(Cli& cli, const Args& args) {
  v1::CreateOrderRequest request;
  for (const char* required :
       {"line", "community", "address", "audience", "attendees", "window",
        "contact-name", "contact-phone"}) {
    RETURN_IF_ERROR(args.Require(required).status());
  }
  RETURN_IF_ERROR(ApplyDraft(args, request.mutable_draft()));
  if (args.Has("on-behalf-name") || args.Has("on-behalf-phone")) {
    ASSIGN_OR_RETURN(*request.mutable_on_behalf_of()->mutable_name(),
                     args.Require("on-behalf-name"));
    request.mutable_on_behalf_of()->set_phone(
        args.GetOr("on-behalf-phone", ""));
  }
  request.set_assist_note(args.GetOr("assist-note", ""));
  request.set_request_id(cli.RequestId(args));
  ASSIGN_OR_RETURN(const v1::Order order,
                   cli.Call(cli.orders(), &Stub::CreateOrder, request));
  PrintOrderSummary(cli, order);
  if (!cli.json() && order.possible_duplicate_ids_size() > 0) {
    cli.out() << "possible duplicates: ";
    for (int i = 0; i < order.possible_duplicate_ids_size(); ++i) {
      cli.out() << (i == 0 ? "" : ", ") << order.possible_duplicate_ids(i);
    }
    cli.out() << "\n";
  }
  return absl::OkStatus();
}

absl::Status EditOrder(Cli& cli, const Args& args) {
  v1::GetOrderRequest get;
  get.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::Order order,
                   cli.Call(cli.orders(), &Stub::GetOrder, get));
  ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                   args.GetInt("version", 1, INT64_MAX));
  v1::UpdateOrderRequest request;
  request.set_order_id(order.id());
  request.set_expected_version(given.value_or(order.version()));
  *request.mutable_draft() = order.draft();
  RETURN_IF_ERROR(ApplyDraft(args, request.mutable_draft()));
  request.set_request_id(cli.RequestId(args));
  cli.set_retry_hint(absl::StrCat(cli.retry_hint(),
                                  " --version=", request.expected_version()));
  ASSIGN_OR_RETURN(const v1::Order updated,
                   cli.Call(cli.orders(), &Stub::UpdateOrder, request));
  PrintOrderSummary(cli, updated);
  return absl::OkStatus();
}

absl::Status ResubmitOrder(Cli& cli, const Args& args) {
  v1::ResubmitOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_answer(), args.Require("answer"));
  return RunOrderMove(cli, args, cli.orders(), &Stub::ResubmitOrder, request);
}

absl::Status CancelOrder(Cli& cli, const Args& args) {
  v1::CancelOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.orders(), &Stub::CancelOrder, request);
}

absl::Status RateOrder(Cli& cli, const Args& args) {
  v1::RateOrderRequest request;
  v1::Rating& rating = *request.mutable_rating();
  ASSIGN_OR_RETURN(const std::optional<int64_t> overall,
                   args.GetInt("overall", 1, 5));
  if (!overall.has_value()) return UsageError("--overall is required");
  rating.set_overall(static_cast<int32_t>(*overall));
  // Each part defaults to the overall score.
  for (const auto& [flag, setter] :
       std::vector<std::pair<const char*, void (v1::Rating::*)(int32_t)>>{
           {"punctuality", &v1::Rating::set_punctuality},
           {"content", &v1::Rating::set_content},
           {"attitude", &v1::Rating::set_attitude}}) {
    ASSIGN_OR_RETURN(const std::optional<int64_t> value,
                     args.GetInt(flag, 1, 5));
    (rating.*setter)(static_cast<int32_t>(value.value_or(*overall)));
  }
  rating.set_comment(args.GetOr("comment", ""));
  return RunOrderMove(cli, args, cli.orders(), &Stub::RateOrder, request);
}

absl::Status ReopenOrder(Cli& cli, const Args& args) {
  v1::ReopenOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.orders(), &Stub::ReopenOrder, request);
}

absl::Status GetOrder(Cli& cli, const Args& args) {
  v1::GetOrderRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::Order order,
                   cli.Call(cli.orders(), &Stub::GetOrder, request));
  PrintOrderDetail(cli, order);
  return absl::OkStatus();
}

absl::Status OrderHistory(Cli& cli, const Args& args) {
  v1::GetOrderHistoryRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::GetOrderHistoryResponse response,
                   cli.Call(cli.orders(), &Stub::GetOrderHistory, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  for (const v1::OrderEvent& event : response.events()) {
    cli.out() << EventLine(event) << "\n";
  }
  if (response.events_size() == 0) cli.out() << "no events\n";
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status ListMyOrders(Cli& cli, const Args& args) {
  v1::ListMyOrdersRequest request;
  RETURN_IF_ERROR(AddStates(args, request.mutable_states()));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListOrdersResponse response,
                   cli.Call(cli.orders(), &Stub::ListMyOrders, request));
  PrintOrderList(cli, response);
  return absl::OkStatus();
}

std::vector<FlagSpec> DraftFlags() {
  return {
      {"line", FlagKind::kValue, "<line>", "service line (catalog lines)"},
      {"service", FlagKind::kValue, "<text>", "the service wanted (optional)"},
      {"community", FlagKind::kValue, "<region>", "the community it is for"},
      {"address", FlagKind::kValue, "<text>", "where, one line"},
      {"lat", FlagKind::kValue, "<deg>", "place on the map (with --lng)"},
      {"lng", FlagKind::kValue, "<deg>", "place on the map (with --lat)"},
      {"audience", FlagKind::kValue, "<audience>",
       "youth, farmers, workers, elderly, officials or public"},
      {"attendees", FlagKind::kValue, "<n>", "expected people, 1 to 5000"},
      {"window", FlagKind::kRepeated, "<start>/<end>",
       "1 to 3 preferred windows, local time: 2026-12-01T09:00/11:00"},
      {"description", FlagKind::kValue, "<text>", "what people hope to learn"},
      {"contact-name", FlagKind::kValue, "<name>", "who to reach"},
      {"contact-phone", FlagKind::kValue, "<mobile>", "their mobile number"},
  };
}

const FlagSpec kReason{"reason", FlagKind::kValue, "<text>", "why (required)"};

}  // namespace

void AddOrderCommands(std::vector<Command>& commands) {
  const std::string group = "Orders (resident; community workers too)";
  commands.push_back(
      {group,
       {"order", "create"},
       "",
       0,
       0,
       "place an order (点单); a worker may order for a resident "
       "without an account",
       Concat(DraftFlags(), {{"on-behalf-name", FlagKind::kValue, "<name>",
                              "workers: the resident ordered for"},
                             {"on-behalf-phone", FlagKind::kValue, "<mobile>",
                              "workers: their phone, if any"},
                             {"assist-note", FlagKind::kValue, "<text>",
                              "workers: how the request was taken"},
                             RequestIdFlag()}),
       CreateOrder});
  commands.push_back(
      {group,
       {"order", "edit"},
       "<order>",
       1,
       1,
       "change the given fields of a SUBMITTED or NEEDS_INFO order",
       Concat(DraftFlags(), {VersionFlag(), RequestIdFlag()}),
       EditOrder});
  commands.push_back(
      {group,
       {"order", "resubmit"},
       "<order>",
       1,
       1,
       "answer the community's question (needs-info -> submitted)",
       {{"answer", FlagKind::kValue, "<text>", "the answer (required)"},
        VersionFlag(),
        RequestIdFlag()},
       ResubmitOrder});
  commands.push_back({group,
                      {"order", "cancel"},
                      "<order>",
                      1,
                      1,
                      "cancel before service starts",
                      {kReason, VersionFlag(), RequestIdFlag()},
                      CancelOrder});
  commands.push_back(
      {group,
       {"order", "rate"},
       "<order>",
       1,
       1,
       "rate a completed order (评单)",
       {{"overall", FlagKind::kValue, "1-5", "overall score (required)"},
        {"punctuality", FlagKind::kValue, "1-5", "default: --overall"},
        {"content", FlagKind::kValue, "1-5", "default: --overall"},
        {"attitude", FlagKind::kValue, "1-5", "default: --overall"},
        {"comment", FlagKind::kValue, "<text>", "optional"},
        VersionFlag(),
        RequestIdFlag()},
       RateOrder});
  commands.push_back(
      {group,
       {"order", "reopen"},
       "<order>",
       1,
       1,
       "it was not actually done: back to the team (within 7 days)",
       {kReason, VersionFlag(), RequestIdFlag()},
       ReopenOrder});
  commands.push_back({group,
                      {"order", "get"},
                      "<order>",
                      1,
                      1,
                      "one order in full",
                      {},
                      GetOrder});
  commands.push_back({group,
                      {"order", "history"},
                      "<order>",
                      1,
                      1,
                      "the order's events, oldest first",
                      PageFlags(),
                      OrderHistory});
  commands.push_back(
      {group,
       {"order", "list"},
       "",
       0,
       0,
       "my orders, newest first",
       Concat({{"state", FlagKind::kRepeated, "<state>",
                "only these states (repeat, or comma-separated)"}},
              PageFlags()),
       ListMyOrders});
}

}  // namespace kepu::ctl
