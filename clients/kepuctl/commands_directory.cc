// The directory: catalog programs|lines|line, and list|get|create|update|
// deactivate of service lines, regions, departments, teams and volunteers.
//
// Updates read the record, change only the fields whose flags are given (a
// list flag replaces the whole list) and send it with the version read (or
// --version).
#include <functional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/output.h"
#include "clients/kepuctl/views.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "services/core/status_macros.h"

namespace kepu::ctl {
namespace {

using Stub = v1::DirectoryService::Stub;

// Replaces `field` with the comma-separated values of every --`flag`, when
// the flag is given.
void SetList(const Args& args, absl::string_view flag,
             google::protobuf::RepeatedPtrField<std::string>* field) {
  if (!args.Has(flag)) return;
  field->Clear();
  for (const std::string& value : args.GetAll(flag)) {
    for (std::string& item : SplitList(value)) *field->Add() = std::move(item);
  }
}

void SetString(const Args& args, absl::string_view flag, std::string* field) {
  if (std::optional<std::string> value = args.Get(flag)) *field = *value;
}

absl::Status SetPoint(const Args& args, v1::GeoPoint* point) {
  ASSIGN_OR_RETURN(const std::optional<v1::GeoPoint> given,
                   GeoPointFrom(args, "lat", "lng"));
  if (given.has_value()) *point = *given;
  return absl::OkStatus();
}

std::string PointText(const v1::GeoPoint& point) {
  return absl::StrCat(FormatNumber(point.lat()), ",",
                      FormatNumber(point.lng()));
}

std::string ActiveText(bool active) { return active ? "yes" : "no"; }

// The four verbs every kind of directory record has.
template <typename Record, typename GetRequest, typename CreateRequest,
          typename UpdateRequest>
struct Kind {
  // "service line", "region", ...; the operand is <`operand`>.
  std::string noun;
  std::string operand;
  grpc::Status (Stub::*get)(grpc::ClientContext*, const GetRequest&, Record*);
  grpc::Status (Stub::*create)(grpc::ClientContext*, const CreateRequest&,
                               Record*);
  grpc::Status (Stub::*update)(grpc::ClientContext*, const UpdateRequest&,
                               Record*);
  grpc::Status (Stub::*deactivate)(grpc::ClientContext*,
                                   const v1::DeactivateRequest&, Record*);
  Record* (CreateRequest::*create_record)();
  Record* (UpdateRequest::*update_record)();
  // Sets the fields whose flags are given.
  std::function<absl::Status(const Args&, Record*)> apply;
  // The key/value view of one record.
  std::function<void(Table&, const Record&)> rows;
};

template <typename K, typename Record>
void PrintRecord(Cli& cli, const K& kind, const Record& record) {
  if (cli.json()) {
    cli.PrintJson(record);
    return;
  }
  Table table({});
  kind.rows(table, record);
  cli.out() << table.Render();
}

template <typename R, typename G, typename C, typename U>
using KindOf = Kind<R, G, C, U>;

template <typename R, typename G, typename C, typename U>
absl::StatusOr<R> Fetch(Cli& cli, const KindOf<R, G, C, U>& kind,
                        const std::string& id) {
  G request;
  request.set_id(id);
  return cli.Call(cli.directory(), kind.get, request);
}

template <typename R, typename G, typename C, typename U>
Handler GetHandler(KindOf<R, G, C, U> kind) {
  return [kind](Cli& cli, const Args& args) -> absl::Status {
    ASSIGN_OR_RETURN(const R record, Fetch(cli, kind, args.positional()[0]));
    PrintRecord(cli, kind, record);
    return absl::OkStatus();
  };
}

template <typename R, typename G, typename C, typename U>
Handler CreateHandler(KindOf<R, G, C, U> kind) {
  return [kind](Cli& cli, const Args& args) -> absl::Status {
    C request;
    R* record = (request.*kind.create_record)();
    ASSIGN_OR_RETURN(*record->mutable_id(), args.Require("id"));
    RETURN_IF_ERROR(kind.apply(args, record));
    request.set_request_id(cli.RequestId(args));
    ASSIGN_OR_RETURN(const R created,
                     cli.Call(cli.directory(), kind.create, request));
    PrintRecord(cli, kind, created);
    return absl::OkStatus();
  };
}

template <typename R, typename G, typename C, typename U>
Handler UpdateHandler(KindOf<R, G, C, U> kind) {
  return [kind](Cli& cli, const Args& args) -> absl::Status {
    ASSIGN_OR_RETURN(R record, Fetch(cli, kind, args.positional()[0]));
    ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                     args.GetInt("version", 1, INT64_MAX));
    const int64_t version = given.value_or(record.version());
    RETURN_IF_ERROR(kind.apply(args, &record));
    U request;
    *(request.*kind.update_record)() = record;
    request.set_expected_version(version);
    request.set_request_id(cli.RequestId(args));
    cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
    ASSIGN_OR_RETURN(const R updated,
                     cli.Call(cli.directory(), kind.update, request));
    PrintRecord(cli, kind, updated);
    return absl::OkStatus();
  };
}

template <typename R, typename G, typename C, typename U>
Handler DeactivateHandler(KindOf<R, G, C, U> kind) {
  return [kind](Cli& cli, const Args& args) -> absl::Status {
    v1::DeactivateRequest request;
    request.set_id(args.positional()[0]);
    ASSIGN_OR_RETURN(*request.mutable_reason(), args.Require("reason"));
    ASSIGN_OR_RETURN(const std::optional<int64_t> given,
                     args.GetInt("version", 1, INT64_MAX));
    int64_t version = 0;
    if (given.has_value()) {
      version = *given;
    } else {
      ASSIGN_OR_RETURN(const R record, Fetch(cli, kind, request.id()));
      version = record.version();
    }
    request.set_expected_version(version);
    request.set_request_id(cli.RequestId(args));
    cli.set_retry_hint(absl::StrCat(cli.retry_hint(), " --version=", version));
    ASSIGN_OR_RETURN(const R record,
                     cli.Call(cli.directory(), kind.deactivate, request));
    PrintRecord(cli, kind, record);
    return absl::OkStatus();
  };
}

// get, create, update and deactivate of one kind, under `words`.
template <typename R, typename G, typename C, typename U>
void AddVerbs(std::vector<Command>& commands, const std::string& group,
              std::vector<std::string> words, const KindOf<R, G, C, U>& kind,
              const std::vector<FlagSpec>& fields) {
  auto with = [&words](const char* verb) {
    std::vector<std::string> out = words;
    out.push_back(verb);
    return out;
  };
  const std::string operand = absl::StrCat("<", kind.operand, ">");
  commands.push_back({group,
                      with("get"),
                      operand,
                      1,
                      1,
                      absl::StrCat("one ", kind.noun),
                      {},
                      GetHandler(kind)});
  commands.push_back(
      {group, with("create"), "", 0, 0, absl::StrCat("create a ", kind.noun),
       Concat(Concat({{"id", FlagKind::kValue, "<id>",
                       "the new id: letters, digits, '.', '_', '-'"}},
                     fields),
              {RequestIdFlag()}),
       CreateHandler(kind)});
  commands.push_back({group, with("update"), operand, 1, 1,
                      absl::StrCat("change the given fields of a ", kind.noun),
                      Concat(fields, {VersionFlag(), RequestIdFlag()}),
                      UpdateHandler(kind)});
  commands.push_back(
      {group,
       with("deactivate"),
       operand,
       1,
       1,
       absl::StrCat("deactivate a ", kind.noun, " (never deleted)"),
       {{"reason", FlagKind::kValue, "<text>", "why (required)"},
        VersionFlag(),
        RequestIdFlag()},
       DeactivateHandler(kind)});
}

// Service lines ---------------------------------------------------------------

absl::Status ApplyLine(const Args& args, v1::ServiceLine* line) {
  SetString(args, "program", line->mutable_program_id());
  SetString(args, "name", line->mutable_name());
  SetString(args, "name-en", line->mutable_name_en());
  if (std::optional<std::string> orderable = args.Get("orderable")) {
    ASSIGN_OR_RETURN(const bool value, ParseBoolText(*orderable));
    line->set_orderable(value);
  }
  SetList(args, "example", line->mutable_example_services());
  SetList(args, "department", line->mutable_responsible_department_ids());
  return absl::OkStatus();
}

void LineRows(Table& table, const v1::ServiceLine& line) {
  table.AddRow({"line", line.id()});
  table.AddRow({"program", line.program_id()});
  table.AddRow({"name", line.name()});
  table.AddRow({"name (en)", line.name_en()});
  table.AddRow({"orderable", line.orderable() ? "yes" : "no"});
  table.AddRow({"services", absl::StrJoin(line.example_services(), "、")});
  table.AddRow(
      {"departments", absl::StrJoin(line.responsible_department_ids(), ", ")});
  table.AddRow({"active", ActiveText(line.active())});
  table.AddRow({"version", absl::StrCat(line.version())});
}

absl::Status ListPrograms(Cli& cli, const Args& args) {
  v1::ListProgramsRequest request;
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(const v1::ListProgramsResponse response,
                   cli.Call(cli.directory(), &Stub::ListPrograms, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"PROGRAM", "NAME", "AUDIENCE", "ACTIVE"});
  for (const v1::Program& program : response.programs()) {
    table.AddRow({program.id(), program.name(),
                  AudienceName(program.audience()),
                  ActiveText(program.active())});
  }
  cli.out() << (table.rows() == 0 ? "no programs\n" : table.Render());
  return absl::OkStatus();
}

absl::Status ListLines(Cli& cli, const Args& args) {
  v1::ListServiceLinesRequest request;
  request.set_program_id(args.GetOr("program", ""));
  if (std::optional<std::string> audience = args.Get("audience")) {
    ASSIGN_OR_RETURN(const v1::Audience parsed, ParseAudience(*audience));
    request.set_audience(parsed);
  }
  request.set_orderable_only(args.GetBool("orderable"));
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(const v1::ListServiceLinesResponse response,
                   cli.Call(cli.directory(), &Stub::ListServiceLines, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"LINE", "PROGRAM", "NAME", "ORDERABLE", "DEPARTMENTS"});
  table.SetMaxWidth(2, 40);
  table.SetMaxWidth(4, 40);
  for (const v1::ServiceLine& line : response.service_lines()) {
    table.AddRow({line.id(), line.program_id(), line.name(),
                  line.orderable() ? "yes" : "no",
                  absl::StrJoin(line.responsible_department_ids(), ",")});
  }
  cli.out() << (table.rows() == 0 ? "no service lines\n" : table.Render());
  return absl::OkStatus();
}

// Regions ---------------------------------------------------------------------

absl::Status ApplyRegion(const Args& args, v1::Region* region) {
  if (std::optional<std::string> level = args.Get("level")) {
    ASSIGN_OR_RETURN(const v1::RegionLevel parsed, ParseRegionLevel(*level));
    region->set_level(parsed);
  }
  SetString(args, "parent", region->mutable_parent_id());
  SetString(args, "name", region->mutable_name());
  SetString(args, "name-en", region->mutable_name_en());
  SetString(args, "county", region->mutable_county_id());
  if (args.Has("lat") || args.Has("lng")) {
    RETURN_IF_ERROR(SetPoint(args, region->mutable_center()));
  }
  return absl::OkStatus();
}

void RegionRows(Table& table, const v1::Region& region) {
  table.AddRow({"region", region.id()});
  table.AddRow({"level", LevelName(region.level())});
  table.AddRow({"parent", region.parent_id()});
  table.AddRow({"county", region.county_id()});
  table.AddRow({"name", region.name()});
  table.AddRow({"name (en)", region.name_en()});
  if (region.has_center()) table.AddRow({"center", PointText(region.center())});
  table.AddRow({"active", ActiveText(region.active())});
  table.AddRow({"version", absl::StrCat(region.version())});
}

absl::Status ListRegions(Cli& cli, const Args& args) {
  v1::ListRegionsRequest request;
  request.set_parent_id(args.GetOr("parent", ""));
  if (std::optional<std::string> level = args.Get("level")) {
    ASSIGN_OR_RETURN(const v1::RegionLevel parsed, ParseRegionLevel(*level));
    request.set_level(parsed);
  }
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListRegionsResponse response,
                   cli.Call(cli.directory(), &Stub::ListRegions, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"REGION", "LEVEL", "NAME", "NAME (EN)", "PARENT", "ACTIVE"});
  for (const v1::Region& region : response.regions()) {
    table.AddRow({region.id(), LevelName(region.level()), region.name(),
                  region.name_en(), region.parent_id(),
                  ActiveText(region.active())});
  }
  cli.out() << (table.rows() == 0 ? "no regions\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

// Departments -----------------------------------------------------------------

absl::Status ApplyDepartment(const Args& args, v1::Department* department) {
  SetString(args, "name", department->mutable_name());
  SetString(args, "name-en", department->mutable_name_en());
  return absl::OkStatus();
}

void DepartmentRows(Table& table, const v1::Department& department) {
  table.AddRow({"department", department.id()});
  table.AddRow({"name", department.name()});
  table.AddRow({"name (en)", department.name_en()});
  table.AddRow({"active", ActiveText(department.active())});
  table.AddRow({"version", absl::StrCat(department.version())});
}

absl::Status ListDepartments(Cli& cli, const Args& args) {
  v1::ListDepartmentsRequest request;
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(const v1::ListDepartmentsResponse response,
                   cli.Call(cli.directory(), &Stub::ListDepartments, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"DEPARTMENT", "NAME", "NAME (EN)", "ACTIVE"});
  for (const v1::Department& department : response.departments()) {
    table.AddRow({department.id(), department.name(), department.name_en(),
                  ActiveText(department.active())});
  }
  cli.out() << (table.rows() == 0 ? "no departments\n" : table.Render());
  return absl::OkStatus();
}

// Teams -----------------------------------------------------------------------

absl::Status ApplyTeam(const Args& args, v1::Team* team) {
  SetString(args, "name", team->mutable_name());
  SetString(args, "department", team->mutable_department_id());
  SetList(args, "line", team->mutable_service_line_ids());
  SetList(args, "area", team->mutable_service_area_region_ids());
  if (args.Has("lat") || args.Has("lng")) {
    RETURN_IF_ERROR(SetPoint(args, team->mutable_base()));
  }
  ASSIGN_OR_RETURN(const std::optional<int64_t> capacity,
                   args.GetInt("capacity", 1, 100));
  if (capacity.has_value()) team->set_capacity(static_cast<int32_t>(*capacity));
  SetString(args, "leader", team->mutable_leader_user_id());
  SetList(args, "member", team->mutable_member_volunteer_ids());
  if (args.Has("contact-name") || args.Has("contact-phone")) {
    SetString(args, "contact-name", team->mutable_contact()->mutable_name());
    SetString(args, "contact-phone", team->mutable_contact()->mutable_phone());
  }
  return absl::OkStatus();
}

void TeamRows(Table& table, const v1::Team& team) {
  table.AddRow({"team", team.id()});
  table.AddRow({"name", team.name()});
  table.AddRow({"department", team.department_id()});
  table.AddRow({"lines", absl::StrJoin(team.service_line_ids(), ", ")});
  table.AddRow({"areas", absl::StrJoin(team.service_area_region_ids(), ", ")});
  if (team.has_base()) table.AddRow({"base", PointText(team.base())});
  table.AddRow(
      {"capacity", absl::StrCat(team.capacity(), " (",
                                team.stats().active_orders(), " active)")});
  table.AddRow({"leader", team.leader_user_id()});
  table.AddRow({"contact", absl::StrCat(team.contact().name(), " ",
                                        team.contact().phone())});
  table.AddRow({"members", absl::StrJoin(team.member_volunteer_ids(), ", ")});
  table.AddRow(
      {"record",
       absl::StrCat(team.stats().completed_orders(), " completed, ",
                    team.stats().offers_accepted(), "/",
                    team.stats().offers_received(), " offers accepted, rating ",
                    FormatNumber(team.stats().mean_rating()), " (",
                    team.stats().ratings(), "), ",
                    FormatNumber(team.stats().approved_hours()), " hours")});
  table.AddRow({"active", ActiveText(team.active())});
  table.AddRow({"version", absl::StrCat(team.version())});
}

absl::Status ListTeams(Cli& cli, const Args& args) {
  v1::ListTeamsRequest request;
  request.set_service_line_id(args.GetOr("line", ""));
  request.set_region_id(args.GetOr("region", ""));
  request.set_department_id(args.GetOr("department", ""));
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListTeamsResponse response,
                   cli.Call(cli.directory(), &Stub::ListTeams, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"TEAM", "NAME", "AREAS", "LINES", "LOAD", "ACTIVE"});
  table.SetMaxWidth(1, 30);
  table.SetMaxWidth(2, 30);
  table.SetMaxWidth(3, 40);
  for (const v1::Team& team : response.teams()) {
    table.AddRow(
        {team.id(), team.name(),
         absl::StrJoin(team.service_area_region_ids(), ","),
         absl::StrJoin(team.service_line_ids(), ","),
         absl::StrCat(team.stats().active_orders(), "/", team.capacity()),
         ActiveText(team.active())});
  }
  cli.out() << (table.rows() == 0 ? "no teams\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

// Volunteers ------------------------------------------------------------------

absl::Status ApplyVolunteer(const Args& args, v1::Volunteer* volunteer) {
  SetString(args, "user", volunteer->mutable_user_id());
  SetString(args, "name", volunteer->mutable_name());
  SetString(args, "phone", volunteer->mutable_phone());
  SetList(args, "skill", volunteer->mutable_skill_service_line_ids());
  SetList(args, "team", volunteer->mutable_team_ids());
  return absl::OkStatus();
}

void VolunteerRows(Table& table, const v1::Volunteer& volunteer) {
  table.AddRow({"volunteer", volunteer.id()});
  table.AddRow({"name", volunteer.name()});
  table.AddRow({"phone", volunteer.phone()});
  table.AddRow({"account", volunteer.user_id()});
  table.AddRow({"teams", absl::StrJoin(volunteer.team_ids(), ", ")});
  table.AddRow(
      {"skills", absl::StrJoin(volunteer.skill_service_line_ids(), ", ")});
  table.AddRow({"hours", FormatNumber(volunteer.approved_hours())});
  table.AddRow({"joined", TimeText(volunteer.joined_at())});
  table.AddRow({"active", ActiveText(volunteer.active())});
  table.AddRow({"version", absl::StrCat(volunteer.version())});
}

absl::Status ListVolunteers(Cli& cli, const Args& args) {
  v1::ListVolunteersRequest request;
  request.set_team_id(args.GetOr("team", ""));
  request.set_include_inactive(args.GetBool("all"));
  ASSIGN_OR_RETURN(*request.mutable_page(), PageFrom(args));
  ASSIGN_OR_RETURN(const v1::ListVolunteersResponse response,
                   cli.Call(cli.directory(), &Stub::ListVolunteers, request));
  if (cli.json()) {
    cli.PrintJson(response);
    return absl::OkStatus();
  }
  Table table({"VOLUNTEER", "NAME", "PHONE", "TEAMS", "HOURS", "ACTIVE"});
  for (const v1::Volunteer& volunteer : response.volunteers()) {
    table.AddRow({volunteer.id(), volunteer.name(), volunteer.phone(),
                  absl::StrJoin(volunteer.team_ids(), ","),
                  FormatNumber(volunteer.approved_hours()),
                  ActiveText(volunteer.active())});
  }
  cli.out() << (table.rows() == 0 ? "no volunteers\n" : table.Render());
  PrintNextPage(cli, response.next_page_token());
  return absl::OkStatus();
}

const FlagSpec kAll{"all", FlagKind::kBool, "", "include inactive records"};
const FlagSpec kName{"name", FlagKind::kValue, "<text>", "name (Chinese)"};
const FlagSpec kNameEn{"name-en", FlagKind::kValue, "<text>", "English name"};
const FlagSpec kLat{"lat", FlagKind::kValue, "<deg>", "WGS-84 latitude"};
const FlagSpec kLng{"lng", FlagKind::kValue, "<deg>", "WGS-84 longitude"};

}  // namespace

void AddDirectoryCommands(std::vector<Command>& commands) {
  const std::string catalog = "Catalog";
  commands.push_back({catalog,
                      {"catalog", "programs"},
                      "",
                      0,
                      0,
                      "the programs of the science literacy plan",
                      {kAll},
                      ListPrograms});
  commands.push_back(
      {catalog,
       {"catalog", "lines"},
       "",
       0,
       0,
       "the service lines",
       {{"program", FlagKind::kValue, "<program>", "only this program"},
        {"audience", FlagKind::kValue, "<audience>", "only this audience"},
        {"orderable", FlagKind::kBool, "", "only lines residents can order"},
        kAll},
       ListLines});
  const KindOf<v1::ServiceLine, v1::GetServiceLineRequest,
               v1::CreateServiceLineRequest, v1::UpdateServiceLineRequest>
      line{"service line",
           "line",
           &Stub::GetServiceLine,
           &Stub::CreateServiceLine,
           &Stub::UpdateServiceLine,
           &Stub::DeactivateServiceLine,
           &v1::CreateServiceLineRequest::mutable_service_line,
           &v1::UpdateServiceLineRequest::mutable_service_line,
           ApplyLine,
           LineRows};
  commands.push_back({catalog,
                      {"catalog", "line"},
                      "<line>",
                      1,
                      1,
                      "one service line (same as catalog line get)",
                      {},
                      GetHandler(line)});
  AddVerbs(commands, catalog, {"catalog", "line"}, line,
           {{"program", FlagKind::kValue, "<program>", "program id"},
            kName,
            kNameEn,
            {"orderable", FlagKind::kValue, "true|false",
             "whether residents can order it"},
            {"example", FlagKind::kRepeated, "<service>",
             "an example service (repeat, or comma-separated)"},
            {"department", FlagKind::kRepeated, "<department>",
             "a responsible department (repeat, or comma-separated)"}});

  const std::string directory = "Directory";
  commands.push_back(
      {directory,
       {"region", "list"},
       "",
       0,
       0,
       "regions",
       Concat({{"parent", FlagKind::kValue, "<region>", "only its children"},
               {"level", FlagKind::kValue, "<level>",
                "city, county, zone, town or community"},
               kAll},
              PageFlags()),
       ListRegions});
  AddVerbs(
      commands, directory, {"region"},
      KindOf<v1::Region, v1::GetRegionRequest, v1::CreateRegionRequest,
             v1::UpdateRegionRequest>{
          "region", "region", &Stub::GetRegion, &Stub::CreateRegion,
          &Stub::UpdateRegion, &Stub::DeactivateRegion,
          &v1::CreateRegionRequest::mutable_region,
          &v1::UpdateRegionRequest::mutable_region, ApplyRegion, RegionRows},
      {{"level", FlagKind::kValue, "<level>",
        "city, county, zone, town or community"},
       {"parent", FlagKind::kValue, "<region>", "the region above"},
       kName,
       kNameEn,
       {"county", FlagKind::kValue, "<region>",
        "the county-level region it lies in"},
       kLat,
       kLng});

  commands.push_back({directory,
                      {"department", "list"},
                      "",
                      0,
                      0,
                      "departments",
                      {kAll},
                      ListDepartments});
  AddVerbs(commands, directory, {"department"},
           KindOf<v1::Department, v1::GetDepartmentRequest,
                  v1::CreateDepartmentRequest, v1::UpdateDepartmentRequest>{
               "department", "department", &Stub::GetDepartment,
               &Stub::CreateDepartment, &Stub::UpdateDepartment,
               &Stub::DeactivateDepartment,
               &v1::CreateDepartmentRequest::mutable_department,
               &v1::UpdateDepartmentRequest::mutable_department,
               ApplyDepartment, DepartmentRows},
           {kName, kNameEn});

  commands.push_back(
      {directory,
       {"team", "list"},
       "",
       0,
       0,
       "volunteer teams",
       Concat(
           {{"line", FlagKind::kValue, "<line>", "only teams covering it"},
            {"region", FlagKind::kValue, "<region>", "only teams serving it"},
            {"department", FlagKind::kValue, "<department>",
             "only teams of it"},
            kAll},
           PageFlags()),
       ListTeams});
  AddVerbs(
      commands, directory, {"team"},
      KindOf<v1::Team, v1::GetTeamRequest, v1::CreateTeamRequest,
             v1::UpdateTeamRequest>{
          "team", "team", &Stub::GetTeam, &Stub::CreateTeam, &Stub::UpdateTeam,
          &Stub::DeactivateTeam, &v1::CreateTeamRequest::mutable_team,
          &v1::UpdateTeamRequest::mutable_team, ApplyTeam, TeamRows},
      {kName,
       {"department", FlagKind::kValue, "<department>",
        "the department it belongs to"},
       {"line", FlagKind::kRepeated, "<line>",
        "a service line it delivers (repeat, or comma-separated)"},
       {"area", FlagKind::kRepeated, "<region>",
        "a region it serves (repeat, or comma-separated)"},
       kLat,
       kLng,
       {"capacity", FlagKind::kValue, "<n>",
        "accepted orders it can hold at once, 1 to 100"},
       {"leader", FlagKind::kValue, "<user>", "the leader's account"},
       {"member", FlagKind::kRepeated, "<volunteer>",
        "a member (repeat, or comma-separated)"},
       {"contact-name", FlagKind::kValue, "<name>", "leader's name"},
       {"contact-phone", FlagKind::kValue, "<mobile>", "leader's phone"}});

  commands.push_back(
      {directory,
       {"volunteer", "list"},
       "",
       0,
       0,
       "volunteers",
       Concat({{"team", FlagKind::kValue, "<team>", "only this team's"}, kAll},
              PageFlags()),
       ListVolunteers});
  AddVerbs(
      commands, directory, {"volunteer"},
      KindOf<v1::Volunteer, v1::GetVolunteerRequest, v1::CreateVolunteerRequest,
             v1::UpdateVolunteerRequest>{
          "volunteer", "volunteer", &Stub::GetVolunteer, &Stub::CreateVolunteer,
          &Stub::UpdateVolunteer, &Stub::DeactivateVolunteer,
          &v1::CreateVolunteerRequest::mutable_volunteer,
          &v1::UpdateVolunteerRequest::mutable_volunteer, ApplyVolunteer,
          VolunteerRows},
      {kName,
       {"phone", FlagKind::kValue, "<mobile>", "mobile number"},
       {"user", FlagKind::kValue, "<user>", "the volunteer's account"},
       {"skill", FlagKind::kRepeated, "<line>",
        "a service line (repeat, or comma-separated)"},
       {"team", FlagKind::kRepeated, "<team>",
        "a team (repeat, or comma-separated)"}});
}

}  // namespace kepu::ctl
