// The matching engine (MatchingService): why an offer went to its team, the
// queue, and the entries set aside.
#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

using Stub = v1::MatchingService::Stub;

// Two decimals, without a "-0.00" for a term that is next to nothing.
std::string Cost(double value) {
  return absl::StrFormat("%.2f", std::abs(value) < 0.005 ? 0.0 : value);
}

absl::Status Explain(Cli& cli, const Args& args) {
  v1::ExplainOfferRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::ExplainOfferResponse response,
                   cli.Call(cli.matching(), &Stub::ExplainOffer, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  const v1::Offer& offer = response.offer();
  const v1::OfferExplanation& why = offer.explanation();
  Table facts({});
  facts.AddRow({"order", response.order_id()});
  facts.AddRow({"team", offer.team_id()});
  facts.AddRow({"offered", TimeText(offer.offered_at())});
  facts.AddRow({"expires", TimeText(offer.expires_at())});
  if (offer.has_window()) {
    facts.AddRow(
        {"window", absl::StrCat(TimeText(offer.window().start()), " – ",
                                TimeText(offer.window().end()))});
  }
  if (offer.direct_assignment()) {
    facts.AddRow({"chosen by", "the department (direct assignment)"});
    cli.out() << facts.Render();
    return absl::OkStatus();
  }
  facts.AddRow({"chosen by", "the matching engine"});
  facts.AddRow(
      {"cost", absl::StrCat(Cost(why.total_cost()), " (lower is better)")});
  facts.AddRow(
      {"distance", why.distance_km() < 0
                       ? "unknown"
                       : absl::StrFormat("%.1f km", why.distance_km())});
  facts.AddRow({"candidates", absl::StrCat(why.candidates())});
  facts.AddRow({"runners-up", why.runners_up().empty()
                                  ? "none"
                                  : absl::StrJoin(why.runners_up(), ", ")});
  cli.out() << facts.Render() << "\n";
  // The terms, largest first: what weighed most.
  std::vector<std::pair<std::string, double>> terms(why.terms().begin(),
                                                    why.terms().end());
  std::sort(terms.begin(), terms.end(), [](const auto& a, const auto& b) {
    return a.second > b.second || (a.second == b.second && a.first < b.first);
  });
  Table table({"TERM", "COST"});
  for (const auto& [term, value] : terms) table.AddRow({term, Cost(value)});
  cli.out() << table.Render();
  return absl::OkStatus();
}

absl::Status Status(Cli& cli, const Args&) {
  ASSIGN_OR_RETURN(const v1::MatchingStatus status,
                   cli.Call(cli.matching(), &Stub::GetMatchingStatus,
                            v1::GetMatchingStatusRequest()));
  if (cli.json()) {
    cli.PrintJson(status);
    return absl::OkStatus();
  }
  Table table({});
  table.AddRow({"queued", absl::StrCat(status.queued())});
  table.AddRow({"in progress", absl::StrCat(status.pending())});
  table.AddRow({"workers", absl::StrCat(status.consumers())});
  table.AddRow({"dead letters", absl::StrCat(status.dead_letters())});
  if (status.has_last_batch_at()) {
    table.AddRow(
        {"last batch",
         absl::StrFormat("%d orders, %d offers, %.1f ms, at %s",
                         status.last_batch_orders(), status.last_batch_offers(),
                         status.last_batch_millis(),
                         TimeText(status.last_batch_at()))});
  }
  cli.out() << table.Render();
  return absl::OkStatus();
}

absl::Status DeadLetters(Cli& cli, const Args& args) {
  v1::ListDeadLettersRequest request;
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListDeadLettersResponse response,
                   cli.Call(cli.matching(), &Stub::ListDeadLetters, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"ENTRY", "ORDER", "TRIES", "SET ASIDE", "LAST ERROR"});
  table.SetMaxWidth(4, 60);
  for (const v1::DeadLetter& letter : response.dead_letters()) {
    table.AddRow({letter.entry_id(),
                  letter.order_id().empty() ? "-" : letter.order_id(),
                  absl::StrCat(letter.deliveries()), TimeText(letter.dead_at()),
                  letter.last_error()});
  }
  cli.out() << (table.rows() == 0 ? "no dead letters\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

absl::Status Retry(Cli& cli, const Args& args) {
  v1::RetryDeadLetterRequest request;
  request.set_request_id(cli.RequestId(args));
  request.set_entry_id(args.positional()[0]);
  ASSIGN_OR_RETURN(const v1::RetryDeadLetterResponse response,
                   cli.Call(cli.matching(), &Stub::RetryDeadLetter, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  cli.out() << "back on the matching queue as " << response.entry_id() << "\n";
  return absl::OkStatus();
}

}  // namespace

void AddMatchingCommands(std::vector<Command>& commands) {
  const std::string group = "Matching engine";
  commands.push_back(
      {group,
       {"explain"},
       "<order>",
       1,
       1,
       "why the order's offer went to its team: cost terms and runners-up",
       {},
       Explain});
  commands.push_back({group,
                      {"matching", "status"},
                      "",
                      0,
                      0,
                      "queue depth, work in progress, workers, the last batch",
                      {},
                      Status});
  commands.push_back({group,
                      {"matching", "dead-letters"},
                      "",
                      0,
                      0,
                      "entries set aside after failing too often, newest first",
                      PageFlags(),
                      DeadLetters});
  commands.push_back({group,
                      {"matching", "retry"},
                      "<entry>",
                      1,
                      1,
                      "put a dead letter back on the matching queue",
                      {RequestIdFlag()},
                      Retry});
}

}  // namespace kepu::ctl
