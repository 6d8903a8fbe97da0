#include "clients/kepuctl/views.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/strip.h"
#include "clients/kepuctl/output.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"

namespace kepu::ctl {
namespace {

std::string StateText(v1::OrderState state) {
  return absl::StrCat(StateName(state), " ", StateLabel(state));
}

std::string PointText(const v1::GeoPoint& point) {
  return absl::StrCat(FormatNumber(point.lat()), ",",
                      FormatNumber(point.lng()));
}

std::string ContactText(const v1::Contact& contact) {
  return absl::StrCat(contact.name(), contact.phone().empty() ? "" : " ",
                      contact.phone());
}

// A repeated string field by name, empty when this version of the API does
// not have it (fields added while the API grows are read by reflection).
std::vector<std::string> RepeatedStrings(const google::protobuf::Message& m,
                                         const char* name) {
  std::vector<std::string> out;
  const google::protobuf::FieldDescriptor* field =
      m.GetDescriptor()->FindFieldByName(name);
  if (field == nullptr || !field->is_repeated() ||
      field->type() != google::protobuf::FieldDescriptor::TYPE_STRING) {
    return out;
  }
  const google::protobuf::Reflection* reflection = m.GetReflection();
  for (int i = 0; i < reflection->FieldSize(m, field); ++i) {
    out.push_back(reflection->GetRepeatedString(m, field, i));
  }
  return out;
}

// When the order happens: its schedule, else its first preferred window.
std::string WhenText(const v1::Order& order) {
  if (order.has_schedule()) return FormatWindow(order.schedule());
  if (order.draft().preferred_windows_size() > 0) {
    return FormatWindow(order.draft().preferred_windows(0));
  }
  return "";
}

}  // namespace

std::string StageName(v1::Stage stage) {
  std::string name = v1::Stage_Name(stage);
  absl::string_view view = name;
  if (absl::ConsumePrefix(&view, "STAGE_")) name = std::string(view);
  return absl::AsciiStrToLower(name);
}

absl::StatusOr<v1::PageRequest> PageFrom(const Args& args) {
  v1::PageRequest page;
  ASSIGN_OR_RETURN(const std::optional<int64_t> size,
                   args.GetInt("page-size", 1, 100));
  if (size.has_value()) page.set_page_size(static_cast<int32_t>(*size));
  page.set_page_token(args.GetOr("page-token", ""));
  return page;
}

void PrintNextPage(Cli& cli, const std::string& token) {
  if (!token.empty()) cli.out() << "more: --page-token=" << token << "\n";
}

absl::Status AddStates(const Args& args,
                       google::protobuf::RepeatedField<int>* states) {
  for (const std::string& value : args.GetAll("state")) {
    for (const std::string& item : SplitList(value)) {
      ASSIGN_OR_RETURN(const v1::OrderState state, ParseState(item));
      states->Add(state);
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::optional<v1::GeoPoint>> GeoPointFrom(
    const Args& args, absl::string_view lat, absl::string_view lng) {
  ASSIGN_OR_RETURN(const std::optional<double> latitude, args.GetDouble(lat));
  ASSIGN_OR_RETURN(const std::optional<double> longitude, args.GetDouble(lng));
  if (latitude.has_value() != longitude.has_value()) {
    return UsageError(absl::StrCat("--", lat, " and --", lng, " go together"));
  }
  if (!latitude.has_value()) return std::optional<v1::GeoPoint>();
  v1::GeoPoint point;
  point.set_lat(*latitude);
  point.set_lng(*longitude);
  return std::optional<v1::GeoPoint>(point);
}

void PrintOrderSummary(Cli& cli, const v1::Order& order) {
  if (cli.json()) {
    cli.PrintJson(order);
    return;
  }
  cli.out() << "order " << order.id() << "  " << StateText(order.state())
            << "  version " << order.version() << "\n";
}

void PrintOrderDetail(Cli& cli, const v1::Order& order) {
  if (cli.json()) {
    cli.PrintJson(order);
    return;
  }
  const v1::OrderDraft& draft = order.draft();
  Table table({});
  auto row = [&table](std::string key, std::string value) {
    if (!value.empty()) table.AddRow({std::move(key), std::move(value)});
  };
  row("order", order.id());
  row("state", absl::StrCat(StateText(order.state()), "  (version ",
                            order.version(), ")"));
  row("service line", absl::StrCat(draft.service_line_id(),
                                   draft.service_name().empty() ? "" : "  ",
                                   draft.service_name()));
  row("program", order.program_id());
  row("community",
      absl::StrCat(draft.community_id(),
                   order.county_id().empty() ? "" : "  (county ",
                   order.county_id(), order.county_id().empty() ? "" : ")"));
  row("address", draft.address());
  if (draft.has_location()) row("location", PointText(draft.location()));
  if (draft.audience() != v1::AUDIENCE_UNSPECIFIED ||
      draft.expected_attendees() > 0) {
    row("audience", absl::StrCat(AudienceName(draft.audience()), ", ",
                                 draft.expected_attendees(), " expected"));
  }
  std::vector<std::string> windows;
  for (const v1::TimeWindow& window : draft.preferred_windows()) {
    windows.push_back(FormatWindow(window));
  }
  row("windows", absl::StrJoin(windows, ", "));
  row("description", draft.description());
  row("contact", ContactText(draft.contact()));
  if (order.has_assisted()) {
    row("ordered for",
        absl::StrCat(ContactText(order.assisted().resident()), "  by worker ",
                     order.assisted().worker_user_id(),
                     order.assisted().note().empty() ? "" : "  — ",
                     order.assisted().note()));
  }
  row("resident", order.resident_id());
  std::vector<std::string> departments =
      RepeatedStrings(order, "dispatched_department_ids");
  row("department",
      departments.size() > 1
          ? absl::StrCat(order.department_id(), "  (dispatched to ",
                         absl::StrJoin(departments, ", "), ")")
          : order.department_id());
  std::vector<std::string> teams = RepeatedStrings(order, "offered_team_ids");
  row("team", teams.size() > 1 ? absl::StrCat(order.team_id(), "  (offered to ",
                                              absl::StrJoin(teams, ", "), ")")
                               : order.team_id());
  if (order.has_offer()) {
    row("offer",
        absl::StrCat(order.offer().team_id(), "  until ",
                     TimeText(order.offer().expires_at()),
                     order.offer().direct_assignment() ? "  (assigned)"
                                                       : "  (matched)"));
  }
  row("excluded teams", absl::StrJoin(order.excluded_team_ids(), ", "));
  if (order.awaiting_match()) row("matching", "waiting for the engine");
  if (order.has_schedule()) row("schedule", FormatWindow(order.schedule()));
  if (order.has_check_in()) {
    row("checked in",
        absl::StrCat(TimeText(order.check_in().at()),
                     order.check_in().has_location() ? "  at " : "",
                     order.check_in().has_location()
                         ? PointText(order.check_in().location())
                         : ""));
  }
  if (order.has_completion()) {
    const v1::Completion& completion = order.completion();
    row("completed", absl::StrCat(TimeText(completion.at()), "  ",
                                  completion.actual_attendees(), " attended"));
    row("summary", completion.summary());
    std::vector<std::string> hours;
    for (const v1::VolunteerHours& entry : completion.hours()) {
      hours.push_back(absl::StrCat(entry.volunteer_id(), " ",
                                   FormatNumber(entry.hours()), "h"));
    }
    row("hours", absl::StrJoin(hours, ", "));
  }
  if (order.has_rating()) {
    const v1::Rating& rating = order.rating();
    row("rating",
        absl::StrCat(rating.overall(), "/5 (punctuality ", rating.punctuality(),
                     ", content ", rating.content(), ", attitude ",
                     rating.attitude(), ")"));
    row("comment", rating.comment());
  }
  if (order.reopen_count() > 0) {
    row("reopened", absl::StrCat(order.reopen_count(), " times"));
  }
  row("duplicate of", order.duplicate_of());
  row("possible duplicates",
      absl::StrJoin(order.possible_duplicate_ids(), ", "));
  row("last reason", order.last_reason());
  if (order.has_next_deadline()) {
    row("next deadline",
        absl::StrCat(StageName(order.next_deadline().stage()), " by ",
                     TimeText(order.next_deadline().due_at()), "  (",
                     FormatDue(order.next_deadline().due_at(), cli.Now()),
                     ")"));
  }
  if (order.escalation_level() > 0) {
    row("escalated",
        order.escalation_level() == 1 ? "to the county" : "to the city");
  }
  std::string created = TimeText(order.created_at());
  if (!order.created_by().display_name().empty()) {
    absl::StrAppend(&created, created.empty() ? "" : "  ", "by ",
                    order.created_by().display_name(), " (",
                    RoleName(order.created_by().role()), ")");
  }
  row("created", created);
  row("updated", TimeText(order.updated_at()));
  cli.out() << table.Render();
}

void PrintOrderList(Cli& cli, const v1::ListOrdersResponse& response) {
  if (cli.json()) {
    cli.PrintJson(response);
    return;
  }
  Table table(
      {"ORDER", "STATE", "LINE", "COMMUNITY", "WHEN", "PEOPLE", "DUE", "V"});
  table.SetMaxWidth(2, 28);
  table.SetMaxWidth(3, 32);
  for (const v1::Order& order : response.orders()) {
    table.AddRow({order.id(), StateText(order.state()),
                  order.draft().service_line_id(), order.draft().community_id(),
                  WhenText(order),
                  absl::StrCat(order.draft().expected_attendees()),
                  order.has_next_deadline()
                      ? FormatDue(order.next_deadline().due_at(), cli.Now())
                      : "",
                  absl::StrCat(order.version())});
  }
  if (table.rows() == 0) {
    cli.out() << "no orders\n";
  } else {
    cli.out() << table.Render();
    const int64_t total =
        std::max<int64_t>(response.total(), response.orders_size());
    cli.out() << response.orders_size() << " of " << total << " orders\n";
  }
  PrintNextPage(cli, response.next_page_token());
}

std::string EventLine(const v1::OrderEvent& event) {
  std::string line = absl::StrCat(
      event.event_id(), "  ", TimeText(event.at()), "  ", event.order_id(),
      "  v", event.version(), "  ", ActionName(event.action()), "  ",
      StateName(event.from_state()), " -> ", StateName(event.to_state()));
  if (!event.actor().user_id().empty() ||
      !event.actor().display_name().empty()) {
    absl::StrAppend(&line, "  by ",
                    event.actor().display_name().empty()
                        ? event.actor().user_id()
                        : event.actor().display_name(),
                    " (", RoleName(event.actor().role()), ")");
  }
  std::vector<std::string> departments =
      RepeatedStrings(event, "department_ids");
  if (departments.size() > 1) {
    absl::StrAppend(&line, "  departments=", absl::StrJoin(departments, ","));
  } else if (!event.department_id().empty()) {
    absl::StrAppend(&line, "  department=", event.department_id());
  }
  std::vector<std::string> teams = RepeatedStrings(event, "team_ids");
  if (teams.size() > 1) {
    absl::StrAppend(&line, "  teams=", absl::StrJoin(teams, ","));
  } else if (!event.team_id().empty()) {
    absl::StrAppend(&line, "  team=", event.team_id());
  }
  if (event.has_schedule()) {
    absl::StrAppend(&line, "  schedule=", FormatWindow(event.schedule()));
  }
  if (event.has_rating()) {
    absl::StrAppend(&line, "  rating=", event.rating().overall(), "/5");
  }
  if (!event.duplicate_of().empty()) {
    absl::StrAppend(&line, "  duplicate-of=", event.duplicate_of());
  }
  if (event.escalation_level() > 0) {
    absl::StrAppend(&line, "  escalation=", event.escalation_level());
  }
  if (!event.reason().empty()) {
    std::string reason = event.reason();
    for (char& c : reason) {
      if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    }
    absl::StrAppend(&line, "  reason=\"", reason, "\"");
  }
  return line;
}

absl::StatusOr<int64_t> ExpectedOrderVersion(Cli& cli, const Args& args,
                                             const std::string& order_id) {
  ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                   args.GetInt("version", 1, INT64_MAX));
  if (given.has_value()) return *given;
  v1::GetOrderRequest request;
  request.set_order_id(order_id);
  ASSIGN_OR_RETURN(
      const v1::Order order,
      cli.Call(cli.orders(), &v1::OrderService::Stub::GetOrder, request));
  return order.version();
}

}  // namespace kepu::ctl
