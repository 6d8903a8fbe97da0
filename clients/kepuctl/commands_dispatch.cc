// The community worker's side (DispatchService): queue, suggest, ask, reject,
// duplicate, dispatch, followup list|record.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

using Stub = v1::DispatchService::Stub;

absl::Status ListQueue(Cli& cli, const Args& args) {
  v1::ListQueueRequest request;
  request.set_community_id(args.GetOr("community", ""));
  RETURN_IF_ERROR(AddStates(args, request.mutable_states()));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListOrdersResponse response,
                   cli.Call(cli.dispatch(), &Stub::ListQueue, request));
  PrintOrderList(cli, response);
  return absl::OkStatus();
}

absl::Status Suggest(Cli& cli, const Args& args) {
  v1::SuggestDepartmentsRequest request;
  request.set_order_id(args.positional()[0]);
  ASSIGN_OR_RETURN(
      const v1::SuggestDepartmentsResponse response,
      cli.Call(cli.dispatch(), &Stub::SuggestDepartments, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"DEPARTMENT", "NAME", "SUGGESTED"});
  for (const v1::DepartmentSuggestion& suggestion : response.departments()) {
    table.AddRow({suggestion.department().id(), suggestion.department().name(),
                  suggestion.suggested() ? "yes" : ""});
  }
  cli.out() << (table.rows() == 0 ? "no departments\n" : table.Render());
  return absl::OkStatus();
}

absl::Status Ask(Cli& cli, const Args& args) {
  v1::RequestInfoRequest request;
  ASSIGN_OR_RETURN(*request.mutable_question(), args.Require("question"));
  return RunOrderMove(cli, args, cli.dispatch(), &Stub::RequestInfo, request);
}

absl::Status Reject(Cli& cli, const Args& args) {
  v1::RejectOrderRequest request;
  ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
  return RunOrderMove(cli, args, cli.dispatch(), &Stub::RejectOrder, request);
}

absl::Status Duplicate(Cli& cli, const Args& args) {
  v1::MarkDuplicateRequest request;
  ASSIGN_OR_RETURN(*request.mutable_duplicate_of_order_id(),
                   args.Require("of"));
  request.set_note(args.GetOr("note", ""));
  return RunOrderMove(cli, args, cli.dispatch(), &Stub::MarkDuplicate, request);
}

absl::Status Dispatch(Cli& cli, const Args& args) {
  v1::DispatchOrderRequest request;
  std::vector<std::string> departments;
  for (const std::string& value : args.GetAll("department")) {
    for (std::string& id : SplitList(value)) departments.push_back(id);
  }
  if (departments.empty()) return UsageError("--department is required");
  request.set_department_id(departments[0]);
  if (departments.size() > 1) {
    // Dispatch to several departments (the first claim wins) where the API
    // has it.
    const google::protobuf::FieldDescriptor* others =
        request.GetDescriptor()->FindFieldByName("other_department_ids");
    if (others == nullptr) {
      return UsageError("this API dispatches to one --department only");
    }
    for (size_t i = 1; i < departments.size(); ++i) {
      request.GetReflection()->AddString(&request, others, departments[i]);
    }
  }
  request.set_reason(args.GetOr("reason", ""));
  return RunOrderMove(cli, args, cli.dispatch(), &Stub::DispatchOrder, request);
}

std::string FollowUpState(const v1::FollowUp& follow_up) {
  return follow_up.done() ? "done" : "open";
}

absl::Status ListFollowUps(Cli& cli, const Args& args) {
  v1::ListFollowUpsRequest request;
  request.set_community_id(args.GetOr("community", ""));
  request.set_include_done(args.GetBool("all"));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListFollowUpsResponse response,
                   cli.Call(cli.dispatch(), &Stub::ListFollowUps, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table(
      {"FOLLOW-UP", "ORDER", "COMMUNITY", "CAUSE", "CREATED", "STATE", "V"});
  for (const v1::FollowUp& follow_up : response.follow_ups()) {
    table.AddRow({follow_up.id(), follow_up.order_id(),
                  follow_up.community_id(), follow_up.cause(),
                  TimeText(follow_up.created_at()), FollowUpState(follow_up),
                  absl::StrCat(follow_up.version())});
  }
  cli.out() << (table.rows() == 0 ? "no follow-ups\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

// There is no GetFollowUp: the version is found by listing (done ones too).
absl::StatusOr<int64_t> FollowUpVersion(Cli& cli, const Args& args,
                                        const std::string& id) {
  ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                   args.GetInt("version", 1, INT64_MAX));
  if (given.has_value()) return *given;
  v1::ListFollowUpsRequest request;
  request.set_community_id(args.GetOr("community", ""));
  request.set_include_done(true);
  request.mutable_page()->set_page_size(100);
  for (int page = 0; page < 100; ++page) {
    ASSIGN_OR_RETURN(const v1::ListFollowUpsResponse response,
                     cli.Call(cli.dispatch(), &Stub::ListFollowUps, request));
    for (const v1::FollowUp& follow_up : response.follow_ups()) {
      if (follow_up.id() == id) return follow_up.version();
    }
    if (response.next_page_token().empty()) break;
    request.mutable_page()->set_page_token(response.next_page_token());
  }
  return absl::NotFoundError(absl::StrCat(
      "follow-up ", id, " is not among the community's; pass --version"));
}

absl::Status RecordFollowUp(Cli& cli, const Args& args) {
  v1::RecordFollowUpRequest request;
  request.set_follow_up_id(args.positional()[0]);
  ASSIGN_OR_RETURN(*request.mutable_note(), args.Require("note"));
  ASSIGN_OR_RETURN(const int64_t version,
                   FollowUpVersion(cli, args, request.follow_up_id()));
  request.set_expected_version(version);
  request.set_request_id(cli.RequestId(args));
  cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
  ASSIGN_OR_RETURN(const v1::FollowUp follow_up,
                   cli.Call(cli.dispatch(), &Stub::RecordFollowUp, request));
  if (cli.json()) {
    cli.PrintJson(follow_up);
  } else {
    cli.out() << "follow-up " << follow_up.id() << "  "
              << FollowUpState(follow_up) << "  version " << follow_up.version()
              << "\n";
  }
  return absl::OkStatus();
}

}  // namespace

void AddDispatchCommands(std::vector<Command>& commands) {
  const std::string group = "Dispatch (community worker, 派单)";
  const FlagSpec community{"community", FlagKind::kValue, "<region>",
                           "needed when working for several communities"};
  commands.push_back(
      {group,
       {"queue"},
       "",
       0,
       0,
       "the community's review queue, oldest first (default: submitted, "
       "needs-info)",
       Concat({community,
               {"state", FlagKind::kRepeated, "<state>",
                "only these states (repeat, or comma-separated)"}},
              PageFlags()),
       ListQueue});
  commands.push_back({group,
                      {"suggest"},
                      "<order>",
                      1,
                      1,
                      "departments for the order: the catalog's first",
                      {},
                      Suggest});
  commands.push_back(
      {group,
       {"ask"},
       "<order>",
       1,
       1,
       "ask the resident for details (submitted -> needs-info)",
       {{"question", FlagKind::kValue, "<text>", "the question (required)"},
        VersionFlag(),
        RequestIdFlag()},
       Ask});
  commands.push_back({group,
                      {"reject"},
                      "<order>",
                      1,
                      1,
                      "reject the order",
                      {{"reason", FlagKind::kValue, "<text>", "why (required)"},
                       VersionFlag(),
                       RequestIdFlag()},
                      Reject});
  commands.push_back(
      {group,
       {"duplicate"},
       "<order>",
       1,
       1,
       "reject as a duplicate of another order",
       {{"of", FlagKind::kValue, "<order>", "the original (required)"},
        {"note", FlagKind::kValue, "<text>", "optional"},
        VersionFlag(),
        RequestIdFlag()},
       Duplicate});
  commands.push_back(
      {group,
       {"dispatch"},
       "<order>",
       1,
       1,
       "dispatch to a department (submitted -> dispatched)",
       {{"department", FlagKind::kRepeated, "<department>",
         "the department; more than one: the first to claim wins"},
        {"reason", FlagKind::kValue, "<text>",
         "required for a department the catalog does not suggest"},
        VersionFlag(),
        RequestIdFlag()},
       Dispatch});
  commands.push_back(
      {group,
       {"followup", "list"},
       "",
       0,
       0,
       "follow-up visits (回访) owed after low ratings and reopens",
       Concat(
           {community, {"all", FlagKind::kBool, "", "include the done ones"}},
           PageFlags()),
       ListFollowUps});
  commands.push_back(
      {group,
       {"followup", "record"},
       "<follow-up>",
       1,
       1,
       "record what a follow-up visit found",
       {{"note", FlagKind::kValue, "<text>", "what the visit found (required)"},
        community,
        VersionFlag(),
        RequestIdFlag()},
       RecordFollowUp});
}

}  // namespace kepu::ctl
