#include "services/core/order_workflow.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/admin_scope.h"
#include "services/core/authorization.h"
#include "services/core/field_checks.h"
#include "services/core/fingerprint.h"
#include "services/core/notification_table.h"
#include "services/core/service_record.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

constexpr int kDefaultPageSize = 20;
// A new order is compared with the open orders of its community placed this
// long before it.
constexpr absl::Duration kDuplicateWindow = absl::Hours(24 * 14);

absl::Status OrderNotFound(absl::string_view order_id) {
  return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
}

// A reference to a directory record that does not fit: kFailedPrecondition
// naming the field.
absl::Status BadReference(absl::string_view field, absl::string_view problem) {
  return absl::FailedPreconditionError(absl::StrCat(field, ": ", problem));
}

int PageSize(const PageSpec& page) {
  return page.size > 0 ? page.size : kDefaultPageSize;
}

bool Contains(const google::protobuf::RepeatedPtrField<std::string>& ids,
              absl::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// A directory record that must exist: its NotFound becomes a bad reference of
// `field`.
template <typename T>
absl::StatusOr<T> Referenced(absl::StatusOr<T> record, absl::string_view field,
                             absl::string_view kind, absl::string_view id) {
  if (record.status().code() == absl::StatusCode::kNotFound) {
    return BadReference(field, absl::StrCat("there is no ", kind, " ", id));
  }
  return record;
}

v1::ListOrdersResponse ToResponse(const v1::Principal& principal,
                                  OrderPage page) {
  v1::ListOrdersResponse response;
  for (v1::Order& order : page.orders) {
    *response.add_orders() = AsSeenBy(principal, std::move(order));
  }
  response.set_next_page_token(page.next_cursor);
  response.set_total(page.total);
  return response;
}

// The scope the principal means: `scope_id`, which it must hold `roles` over,
// or the single scope it holds them over.
absl::StatusOr<std::string> ResolveScope(const v1::Principal& principal,
                                         const std::vector<v1::Role>& roles,
                                         absl::string_view scope_id,
                                         absl::string_view scope_field) {
  std::set<std::string> held;
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (std::find(roles.begin(), roles.end(), grant.role()) != roles.end()) {
      held.insert(grant.scope_id());
    }
  }
  if (!scope_id.empty()) {
    if (held.count(std::string(scope_id)) == 0) {
      return absl::NotFoundError(
          absl::StrCat(scope_field, ": ", scope_id, " not found"));
    }
    return std::string(scope_id);
  }
  if (held.empty())
    return absl::PermissionDeniedError("you hold no role for this list");
  if (held.size() > 1) {
    return FieldError(scope_field,
                      "you work for several: name the one you mean");
  }
  return *held.begin();
}

// The store's input for a planned move.
Transition TransitionOf(Move move, const RequestKey& request,
                        std::optional<v1::Order> before) {
  Transition transition;
  transition.request = request;
  transition.before = std::move(before);
  transition.after = std::move(move.after);
  transition.event = std::move(move.event);
  transition.enqueue_matching = move.enqueue_matching;
  transition.tallies = std::move(move.tallies);
  transition.hours = std::move(move.hours);
  transition.hours_changes = std::move(move.hours_changes);
  transition.follow_up = std::move(move.follow_up);
  transition.escalation = std::move(move.escalation);
  transition.notices = NoticesOf(transition);
  return transition;
}

std::vector<v1::Role> RolesOf(OrderIndex index) {
  switch (index) {
    case OrderIndex::kCommunity:
      return {v1::ROLE_COMMUNITY_WORKER};
    case OrderIndex::kDepartment:
      return {v1::ROLE_DEPARTMENT_STAFF};
    case OrderIndex::kTeam:
      return {v1::ROLE_TEAM_LEADER, v1::ROLE_VOLUNTEER};
    case OrderIndex::kResident:
      return {v1::ROLE_RESIDENT};
  }
  return {};
}

// The first result of `key` if the request was applied before.
template <typename Message>
absl::StatusOr<std::optional<Message>> Replayed(OrderStore& store,
                                                const RequestKey& key) {
  ASSIGN_OR_RETURN(std::optional<std::string> first, store.FindResult(key));
  if (!first.has_value()) return std::nullopt;
  Message replay;
  if (!replay.ParseFromString(*first))
    return absl::DataLossError("unreadable result");
  return replay;
}

absl::Status HoursNotFound(absl::string_view hours_id) {
  return absl::NotFoundError(absl::StrCat("hours ", hours_id, " not found"));
}

// A change of an hours entry by a team leader of the entry's team: the entry
// (kNotFound for anyone else), the request's key, and the request's first
// result if it was applied before.
struct LeadersChange {
  v1::VolunteerHours stored;
  RequestKey key;
  std::optional<v1::VolunteerHours> replay;
};
template <typename Request>
absl::StatusOr<LeadersChange> StartLeadersChange(OrderStore& store,
                                                 const v1::Principal& principal,
                                                 const Request& request) {
  LeadersChange change;
  ASSIGN_OR_RETURN(change.stored, store.GetHours(request.hours_id()));
  if (!HasRole(principal, v1::ROLE_TEAM_LEADER, change.stored.team_id())) {
    return HoursNotFound(request.hours_id());
  }
  change.key = {principal.user_id(), request.request_id(),
                Fingerprint(request)};
  ASSIGN_OR_RETURN(change.replay,
                   Replayed<v1::VolunteerHours>(store, change.key));
  return change;
}

// The principal's grant of `role` over `scope_id`, as the Actor it records.
v1::Actor ActorIn(const v1::Principal& principal, v1::Role role,
                  absl::string_view scope_id) {
  v1::RoleGrant grant;
  grant.set_role(role);
  grant.set_scope_id(std::string(scope_id));
  return ActorOf(principal, grant);
}

}  // namespace

OrderWorkflow::OrderWorkflow(OrderStore& store, DirectoryView& directory,
                             const Clock& clock, IdGenerator& ids,
                             LifecyclePolicy policy, std::string sign_in_key)
    : store_(store),
      directory_(directory),
      clock_(clock),
      ids_(ids),
      policy_(policy),
      codes_(sign_in_key.empty() ? NewSignInKey() : std::move(sign_in_key)) {}

absl::StatusOr<v1::Order> OrderWorkflow::Create(
    const v1::Principal& principal, const v1::CreateOrderRequest& request) {
  Command command;
  command.action = v1::ORDER_ACTION_CREATE;
  command.order_id = ids_.Next();
  command.request_id = request.request_id();
  command.fingerprint = Fingerprint(request);
  command.draft = request.draft();
  // Phone numbers are stored in one form, so they compare and mask alike.
  if (auto phone = NormalizeMainlandMobile(command.draft.contact().phone())) {
    command.draft.mutable_contact()->set_phone(*phone);
  }

  v1::Actor actor;
  if (request.has_on_behalf_of()) {
    if (!HasRole(principal, v1::ROLE_COMMUNITY_WORKER,
                 request.draft().community_id())) {
      return absl::PermissionDeniedError(
          "only a worker of the order's community may order on a resident's "
          "behalf");
    }
    v1::RoleGrant grant;
    grant.set_role(v1::ROLE_COMMUNITY_WORKER);
    grant.set_scope_id(request.draft().community_id());
    actor = ActorOf(principal, grant);
    v1::AssistedOrder assisted;
    assisted.set_worker_user_id(principal.user_id());
    *assisted.mutable_resident() = request.on_behalf_of();
    if (auto phone = NormalizeMainlandMobile(assisted.resident().phone())) {
      assisted.mutable_resident()->set_phone(*phone);
    }
    assisted.set_note(request.assist_note());
    command.assisted = std::move(assisted);
  } else {
    if (!HasRole(principal, v1::ROLE_RESIDENT)) {
      return absl::PermissionDeniedError(
          "only residents place orders for themselves");
    }
    actor = ActorOf(principal, v1::ROLE_RESIDENT);
  }

  const v1::OrderDraft& draft = command.draft;
  ASSIGN_OR_RETURN(
      v1::ServiceLine line,
      Referenced(directory_.GetServiceLine(draft.service_line_id()),
                 "draft.service_line_id", "service line",
                 draft.service_line_id()));
  if (!line.active() || !line.orderable()) {
    return BadReference(
        "draft.service_line_id",
        absl::StrCat("service line ", line.id(), " cannot be ordered"));
  }
  ASSIGN_OR_RETURN(
      v1::Region community,
      Referenced(directory_.GetRegion(draft.community_id()),
                 "draft.community_id", "community", draft.community_id()));
  if (!community.active() || community.level() != v1::REGION_LEVEL_COMMUNITY) {
    return BadReference(
        "draft.community_id",
        absl::StrCat(community.id(), " is not an active community"));
  }

  ASSIGN_OR_RETURN(
      Move move, PlanMove(v1::Order(), command, actor, clock_.Now(), policy_));
  move.after.set_county_id(community.county_id());
  move.after.set_program_id(line.program_id());

  Transition transition = TransitionOf(
      std::move(move),
      {principal.user_id(), command.request_id, command.fingerprint},
      std::nullopt);
  transition.duplicates_since =
      FromProto(transition.after.created_at()) - kDuplicateWindow;
  ASSIGN_OR_RETURN(Applied applied, store_.Apply(transition));
  return AsSeenBy(principal, std::move(applied.order));
}

absl::StatusOr<v1::Order> OrderWorkflow::Get(const v1::Principal& principal,
                                             absl::string_view order_id) {
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(order_id));
  if (!CanSee(principal, order)) return OrderNotFound(order_id);
  return AsSeenBy(principal, std::move(order));
}

absl::StatusOr<std::vector<v1::OrderEvent>> OrderWorkflow::History(
    const v1::Principal& principal, absl::string_view order_id,
    absl::string_view after_event_id, int limit) {
  RETURN_IF_ERROR(Get(principal, order_id).status());
  return store_.History(order_id, after_event_id, limit);
}

absl::StatusOr<std::vector<std::string>> OrderWorkflow::AreaOf(
    const v1::Order& order) {
  ASSIGN_OR_RETURN(std::vector<v1::Region> chain,
                   directory_.RegionChain(order.draft().community_id()));
  std::vector<std::string> ids;
  for (const v1::Region& region : chain) ids.push_back(region.id());
  return ids;
}

absl::StatusOr<int64_t> OrderWorkflow::HeldBy(absl::string_view team_id) {
  OrderQuery query;
  query.index = OrderIndex::kTeam;
  query.scope_id = std::string(team_id);
  query.states = {v1::ORDER_STATE_ACCEPTED, v1::ORDER_STATE_IN_SERVICE};
  query.limit = 1;
  ASSIGN_OR_RETURN(OrderPage page, store_.List(query));
  return page.total;
}

absl::StatusOr<v1::Team> OrderWorkflow::UsableTeam(const v1::Order& order,
                                                   absl::string_view team_id,
                                                   absl::string_view field) {
  ASSIGN_OR_RETURN(v1::Team team, Referenced(directory_.GetTeam(team_id), field,
                                             "team", team_id));
  if (!team.active())
    return BadReference(field, absl::StrCat("team ", team_id, " is inactive"));
  if (!Contains(team.service_line_ids(), order.draft().service_line_id())) {
    return BadReference(
        field, absl::StrCat("team ", team_id, " does not cover service line ",
                            order.draft().service_line_id()));
  }
  ASSIGN_OR_RETURN(std::vector<std::string> area, AreaOf(order));
  const bool serves =
      std::any_of(area.begin(), area.end(), [&team](const std::string& id) {
        return Contains(team.service_area_region_ids(), id);
      });
  if (!serves) {
    return BadReference(
        field, absl::StrCat("team ", team_id, " does not serve community ",
                            order.draft().community_id()));
  }
  return team;
}

absl::Status OrderWorkflow::CheckReferences(const TransitionRule& rule,
                                            const v1::Order& order,
                                            Command& command) {
  if (rule.references & kDepartments) {
    ASSIGN_OR_RETURN(
        v1::ServiceLine line,
        directory_.GetServiceLine(order.draft().service_line_id()));
    std::vector<std::pair<std::string, std::string>> departments = {
        {command.department_id, "department_id"}};
    for (size_t i = 0; i < command.other_department_ids.size(); ++i) {
      departments.emplace_back(command.other_department_ids[i],
                               absl::StrCat("other_department_ids[", i, "]"));
    }
    command.outside_suggested = false;
    for (const auto& [id, field] : departments) {
      ASSIGN_OR_RETURN(
          v1::Department department,
          Referenced(directory_.GetDepartment(id), field, "department", id));
      if (!department.active()) {
        return BadReference(field,
                            absl::StrCat("department ", id, " is inactive"));
      }
      command.outside_suggested |=
          !Contains(line.responsible_department_ids(), id);
    }
    if (command.outside_suggested && command.reason.empty()) {
      return FieldError(
          "reason",
          "is required to dispatch to a department the catalog does not name "
          "for this service line");
    }
  }
  if (rule.references & kOriginalOrder) {
    absl::StatusOr<v1::Order> original = store_.Get(command.duplicate_of);
    if (original.status().code() == absl::StatusCode::kNotFound ||
        (original.ok() &&
         original->draft().community_id() != order.draft().community_id())) {
      return BadReference(
          "duplicate_of_order_id",
          absl::StrCat("there is no order ", command.duplicate_of,
                       " in this community"));
    }
    RETURN_IF_ERROR(original.status());
  }
  if (rule.references & kUsableTeams) {
    if (command.offer_expires_at == absl::InfinitePast()) {
      command.offer_expires_at = clock_.Now() + policy_.default_offer_ttl;
    }
    std::vector<std::pair<std::string, std::string>> teams = {
        {command.team_id, "team_id"}};
    for (size_t i = 0; i < command.other_team_ids.size(); ++i) {
      teams.emplace_back(command.other_team_ids[i],
                         absl::StrCat("other_team_ids[", i, "]"));
    }
    for (const auto& [id, field] : teams) {
      ASSIGN_OR_RETURN(v1::Team team, UsableTeam(order, id, field));
      ASSIGN_OR_RETURN(int64_t held, HeldBy(id));
      if (held >= team.capacity()) {
        return BadReference(
            field, absl::StrCat("team ", id, " is at capacity (", held, " of ",
                                team.capacity(), ")"));
      }
    }
  }
  if (rule.references & kSignIns) {
    ASSIGN_OR_RETURN(command.sign_ins, store_.ListSignIns(order.id()));
  }
  if (rule.references & kHoursLedger) {
    HoursQuery query;
    query.order_id = order.id();
    query.limit = 100;
    std::vector<v1::VolunteerHours>& ledger = command.ledger.emplace();
    // At most 50 volunteers and their corrections: a few pages at most.
    for (int pages = 0; pages < 20; ++pages) {
      ASSIGN_OR_RETURN(HoursPage page, store_.ListHours(query));
      for (v1::VolunteerHours& hours : page.hours) {
        ledger.push_back(std::move(hours));
      }
      if (page.next_cursor.empty()) break;
      query.cursor = page.next_cursor;
    }
  }
  if (rule.references & kTeamMembers) {
    ASSIGN_OR_RETURN(v1::Team team, directory_.GetTeam(order.team_id()));
    for (int i = 0; i < command.completion.hours_size(); ++i) {
      const std::string& volunteer = command.completion.hours(i).volunteer_id();
      if (!Contains(team.member_volunteer_ids(), volunteer)) {
        return BadReference(
            absl::StrCat("hours[", i, "].volunteer_id"),
            absl::StrCat(volunteer, " is not a member of team ", team.id()));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status OrderWorkflow::Taken(const v1::Principal& principal,
                                  const v1::Order& order,
                                  absl::StatusCode code) {
  std::optional<Holder> holder = TakenBy(principal, order);
  if (!holder.has_value()) {
    return absl::Status(code, absl::StrCat("order ", order.id(),
                                           " is no longer yours to act on"));
  }
  std::string name;
  if (holder->kind == "team") {
    absl::StatusOr<v1::Team> team = directory_.GetTeam(holder->id);
    if (team.ok()) name = team->name();
  } else {
    absl::StatusOr<v1::Department> department =
        directory_.GetDepartment(holder->id);
    if (department.ok()) name = department->name();
  }
  const std::string who =
      absl::StrCat(holder->kind, " ", name.empty() ? holder->id : name,
                   name.empty() ? "" : absl::StrCat(" (", holder->id, ")"));
  // Still waiting (dispatched or offered to several): another one has it now,
  // but nobody took it yet.
  if (order.state() == v1::ORDER_STATE_DISPATCHED ||
      order.state() == v1::ORDER_STATE_OFFERED) {
    return absl::Status(code, absl::StrCat("order ", order.id(),
                                           " is no longer waiting for you: ",
                                           who, " has it now"));
  }
  return absl::Status(code,
                      absl::StrCat("order ", order.id(), " was taken by ", who,
                                   ": it is no longer yours to act on"));
}

absl::StatusOr<v1::Order> OrderWorkflow::Act(const v1::Principal& principal,
                                             const Command& request_command) {
  Command command = request_command;
  const RequestKey request{principal.user_id(), command.request_id,
                           command.fingerprint};
  ASSIGN_OR_RETURN(LoadedOrder loaded,
                   store_.LoadForUpdate(command.order_id, request));
  if (loaded.replay.has_value())
    return AsSeenBy(principal, std::move(*loaded.replay));
  if (!loaded.current.has_value() || !CanSee(principal, *loaded.current)) {
    return OrderNotFound(command.order_id);
  }
  const v1::Order& current = *loaded.current;
  const TransitionRule* rule = FindRule(command.action);
  if (rule == nullptr)
    return absl::InvalidArgumentError("action: unknown order action");
  absl::StatusOr<v1::Actor> actor = ActingAs(principal, *rule, current);
  if (absl::IsFailedPrecondition(actor.status())) {
    return Taken(principal, current, absl::StatusCode::kFailedPrecondition);
  }
  RETURN_IF_ERROR(actor.status());
  if (current.version() != command.expected_version) {
    return absl::AbortedError(absl::StrCat(
        "order ", current.id(), " is at version ", current.version(), ", not ",
        command.expected_version, ": read it again and retry"));
  }
  // The state decides first: a move from the wrong state says so, whatever it
  // refers to.
  RETURN_IF_ERROR(
      DecideMove(command.action, actor->role(), current.state()).status());
  RETURN_IF_ERROR(CheckReferences(*rule, current, command));
  ASSIGN_OR_RETURN(Move move,
                   PlanMove(current, command, *actor, clock_.Now(), policy_));
  std::optional<Transition::CapacityGuard> capacity;
  if (move.capacity_team.has_value()) {
    ASSIGN_OR_RETURN(v1::Team team, directory_.GetTeam(*move.capacity_team));
    if (!team.active()) {
      return absl::FailedPreconditionError(
          absl::StrCat("team ", team.id(), " is inactive"));
    }
    capacity = Transition::CapacityGuard{team.id(), team.capacity(),
                                         move.capacity_counts_offers};
  }
  Transition transition = TransitionOf(std::move(move), request, current);
  transition.capacity = std::move(capacity);
  absl::StatusOr<Applied> applied = store_.Apply(transition);
  if (absl::IsAborted(applied.status()) ||
      absl::IsFailedPrecondition(applied.status())) {
    // Lost a race: if another department or team took the order meanwhile,
    // say who.
    absl::StatusOr<v1::Order> now = store_.Get(current.id());
    if (now.ok() && TakenBy(principal, *now).has_value()) {
      return Taken(principal, *now, applied.status().code());
    }
  }
  RETURN_IF_ERROR(applied.status());
  return AsSeenBy(principal, std::move(applied->order));
}

v1::VolunteerHours OrderWorkflow::Effective(v1::VolunteerHours hours) const {
  const absl::Time due =
      FromProto(hours.recorded_at()) + policy_.hours_auto_approval;
  if (hours.status() == v1::VolunteerHours::STATUS_PENDING &&
      due <= clock_.Now()) {
    hours.set_status(v1::VolunteerHours::STATUS_APPROVED);
    *hours.mutable_decided_at() = ToProto(due);
  }
  return hours;
}

absl::StatusOr<v1::ListOrdersResponse> OrderWorkflow::ListMine(
    const v1::Principal& principal, const std::vector<v1::OrderState>& states,
    const PageSpec& page) {
  OrderQuery query;
  query.index = OrderIndex::kResident;
  query.scope_id = principal.user_id();
  query.states = states;
  query.newest_first = true;
  query.limit = PageSize(page);
  query.cursor = page.token;
  ASSIGN_OR_RETURN(OrderPage orders, store_.List(query));
  return ToResponse(principal, std::move(orders));
}

absl::StatusOr<v1::ListOrdersResponse> OrderWorkflow::ListScope(
    const v1::Principal& principal, OrderIndex index,
    absl::string_view scope_id, absl::string_view scope_field,
    const std::vector<v1::OrderState>& states,
    const std::vector<v1::OrderState>& default_states, const PageSpec& page) {
  ASSIGN_OR_RETURN(std::string scope, ResolveScope(principal, RolesOf(index),
                                                   scope_id, scope_field));
  OrderQuery query;
  query.index = index;
  query.scope_id = scope;
  query.states = states.empty() ? default_states : states;
  query.limit = PageSize(page);
  query.cursor = page.token;
  ASSIGN_OR_RETURN(OrderPage orders, store_.List(query));
  return ToResponse(principal, std::move(orders));
}

absl::StatusOr<std::string> OrderWorkflow::ScopeOf(
    const v1::Principal& principal, OrderIndex index,
    absl::string_view scope_id, absl::string_view scope_field) const {
  return ResolveScope(principal, RolesOf(index), scope_id, scope_field);
}

absl::StatusOr<std::vector<v1::DepartmentSuggestion>>
OrderWorkflow::SuggestDepartments(const v1::Principal& principal,
                                  absl::string_view order_id) {
  ASSIGN_OR_RETURN(v1::Order order, Get(principal, order_id));
  ASSIGN_OR_RETURN(v1::ServiceLine line,
                   directory_.GetServiceLine(order.draft().service_line_id()));
  ASSIGN_OR_RETURN(std::vector<v1::Department> departments,
                   directory_.ListDepartments());
  std::vector<v1::DepartmentSuggestion> suggestions;
  for (const std::string& id : line.responsible_department_ids()) {
    for (const v1::Department& department : departments) {
      if (department.id() == id && department.active()) {
        v1::DepartmentSuggestion suggestion;
        *suggestion.mutable_department() = department;
        suggestion.set_suggested(true);
        suggestions.push_back(std::move(suggestion));
      }
    }
  }
  for (const v1::Department& department : departments) {
    if (department.active() &&
        !Contains(line.responsible_department_ids(), department.id())) {
      v1::DepartmentSuggestion suggestion;
      *suggestion.mutable_department() = department;
      suggestions.push_back(std::move(suggestion));
    }
  }
  return suggestions;
}

absl::StatusOr<std::vector<v1::EligibleTeam>> OrderWorkflow::EligibleTeams(
    const v1::Principal& principal, absl::string_view order_id) {
  ASSIGN_OR_RETURN(v1::Order order, Get(principal, order_id));
  ASSIGN_OR_RETURN(std::vector<std::string> area, AreaOf(order));
  ASSIGN_OR_RETURN(
      std::vector<v1::Team> teams,
      directory_.TeamsServing(order.draft().service_line_id(), area));
  std::optional<v1::GeoPoint> site;
  if (order.draft().has_location()) {
    site = order.draft().location();
  } else if (absl::StatusOr<v1::Region> community =
                 directory_.GetRegion(order.draft().community_id());
             community.ok() && community->has_center()) {
    site = community->center();
  }
  std::vector<v1::EligibleTeam> eligible;
  for (v1::Team& team : teams) {
    if (!team.active() || Contains(order.excluded_team_ids(), team.id()))
      continue;
    ASSIGN_OR_RETURN(int64_t held, HeldBy(team.id()));
    if (held >= team.capacity()) continue;
    v1::EligibleTeam entry;
    entry.set_free_capacity(static_cast<int32_t>(team.capacity() - held));
    entry.set_distance_km(site.has_value() && team.has_base()
                              ? DistanceMeters(*site, team.base()) / 1000
                              : -1);
    team.mutable_contact()->set_phone(MaskPhone(team.contact().phone()));
    *entry.mutable_team() = std::move(team);
    eligible.push_back(std::move(entry));
  }
  std::sort(eligible.begin(), eligible.end(),
            [](const v1::EligibleTeam& a, const v1::EligibleTeam& b) {
              const bool a_known = a.distance_km() >= 0;
              const bool b_known = b.distance_km() >= 0;
              if (a_known != b_known) return a_known;
              if (a.distance_km() != b.distance_km())
                return a.distance_km() < b.distance_km();
              return a.team().id() < b.team().id();
            });
  return eligible;
}

absl::StatusOr<v1::ListHoursResponse> OrderWorkflow::ListHours(
    const v1::Principal& principal, const v1::ListHoursRequest& request) {
  HoursQuery query;
  AdminScope admin(principal, directory_);
  if (!request.volunteer_id().empty()) {
    ASSIGN_OR_RETURN(v1::Volunteer volunteer,
                     directory_.GetVolunteer(request.volunteer_id()));
    bool allowed = !volunteer.user_id().empty() &&
                   volunteer.user_id() == principal.user_id();
    for (const std::string& team : volunteer.team_ids()) {
      allowed |= HasRole(principal, v1::ROLE_TEAM_LEADER, team);
    }
    // An admin reads the hours of a volunteer it administers.
    if (!allowed) {
      ASSIGN_OR_RETURN(allowed, admin.CoversVolunteer(volunteer));
    }
    if (!allowed) {
      return absl::NotFoundError(
          absl::StrCat("volunteer ", request.volunteer_id(), " not found"));
    }
    query.volunteer_id = request.volunteer_id();
  } else if (!request.team_id().empty()) {
    bool allowed =
        HasRole(principal, v1::ROLE_TEAM_LEADER, request.team_id()) ||
        HasRole(principal, v1::ROLE_VOLUNTEER, request.team_id());
    if (!allowed) {
      ASSIGN_OR_RETURN(allowed, admin.CoversTeamId(request.team_id()));
    }
    if (!allowed) {
      return absl::NotFoundError(
          absl::StrCat("team ", request.team_id(), " not found"));
    }
    query.team_id = request.team_id();
  } else {
    RETURN_IF_ERROR(Get(principal, request.order_id()).status());
    query.order_id = request.order_id();
  }
  query.limit = PageSize({request.page().page_size(), ""});
  query.cursor = request.page().page_token();
  ASSIGN_OR_RETURN(HoursPage page, store_.ListHours(query));
  v1::ListHoursResponse response;
  for (v1::VolunteerHours& hours : page.hours)
    *response.add_hours() = Effective(std::move(hours));
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::VolunteerHours> OrderWorkflow::DeclineHours(
    const v1::Principal& principal, const v1::DeclineHoursRequest& request) {
  ASSIGN_OR_RETURN(LeadersChange change,
                   StartLeadersChange(store_, principal, request));
  if (change.replay.has_value()) return *std::move(change.replay);
  const v1::VolunteerHours& stored = change.stored;
  const RequestKey& key = change.key;
  if (stored.status() == v1::VolunteerHours::STATUS_DECLINED) {
    return absl::FailedPreconditionError("these hours are declined already");
  }
  if (!IsCurrent(stored)) {
    return absl::FailedPreconditionError(
        "these hours were corrected or are disputed: decide the current entry");
  }
  v1::VolunteerHours declined = stored;
  declined.set_status(v1::VolunteerHours::STATUS_DECLINED);
  declined.set_decline_reason(request.reason());
  *declined.mutable_decided_at() = ToProto(clock_.Now());
  return store_.UpdateHours(key, stored, declined);
}

absl::StatusOr<std::optional<v1::VolunteerSignIn>> OrderWorkflow::SignInOf(
    absl::string_view order_id, absl::string_view volunteer_id) {
  ASSIGN_OR_RETURN(std::vector<v1::VolunteerSignIn> sign_ins,
                   store_.ListSignIns(order_id));
  for (v1::VolunteerSignIn& sign_in : sign_ins) {
    if (sign_in.volunteer_id() == volunteer_id) return std::move(sign_in);
  }
  return std::nullopt;
}

absl::StatusOr<v1::VolunteerHours> OrderWorkflow::Correction(
    const v1::Principal& principal, const v1::VolunteerHours& stored,
    double hours, const std::string& reason, absl::string_view hours_field,
    absl::string_view reason_field) {
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(stored.order_id()));
  ASSIGN_OR_RETURN(std::optional<v1::VolunteerSignIn> sign_in,
                   SignInOf(order.id(), stored.volunteer_id()));
  const absl::Time now = clock_.Now();
  const absl::Time until =
      order.has_completion() ? FromProto(order.completion().at()) : now;
  RETURN_IF_ERROR(CheckHours(order, hours_field, reason_field, hours, reason,
                             sign_in, until, policy_,
                             /*always_reason=*/true));
  v1::VolunteerHours entry;
  entry.set_id(absl::StrCat(stored.order_id(), "-c", ids_.Next()));
  entry.set_order_id(stored.order_id());
  entry.set_volunteer_id(stored.volunteer_id());
  entry.set_team_id(stored.team_id());
  entry.set_hours(hours);
  entry.set_status(v1::VolunteerHours::STATUS_PENDING);
  *entry.mutable_recorded_at() = ToProto(now);
  entry.set_corrects_hours_id(stored.id());
  *entry.mutable_recorded_by() =
      ActorIn(principal, v1::ROLE_TEAM_LEADER, stored.team_id());
  entry.set_reason(reason);
  return entry;
}

absl::StatusOr<v1::VolunteerHours> OrderWorkflow::CorrectHours(
    const v1::Principal& principal, const v1::CorrectHoursRequest& request) {
  ASSIGN_OR_RETURN(LeadersChange change,
                   StartLeadersChange(store_, principal, request));
  if (change.replay.has_value()) return *std::move(change.replay);
  const v1::VolunteerHours& stored = change.stored;
  const RequestKey& key = change.key;
  if (!stored.superseded_by_id().empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("hours ", stored.id(), " were corrected by ",
                     stored.superseded_by_id(), ": correct that entry"));
  }
  if (stored.status() == v1::VolunteerHours::STATUS_DISPUTED) {
    return absl::FailedPreconditionError(
        absl::StrCat("hours ", stored.id(),
                     " are disputed: resolve the dispute (ResolveDispute)"));
  }
  if (stored.status() == v1::VolunteerHours::STATUS_DECLINED) {
    return absl::FailedPreconditionError(
        absl::StrCat("hours ", stored.id(), " are declined"));
  }
  ASSIGN_OR_RETURN(v1::VolunteerHours entry,
                   Correction(principal, stored, request.hours(),
                              request.reason(), "hours", "reason"));
  v1::VolunteerHours superseded = stored;
  superseded.set_superseded_by_id(entry.id());
  return store_.AppendHours(key, stored, superseded, entry);
}

absl::StatusOr<v1::VolunteerHours> OrderWorkflow::DisputeHours(
    const v1::Principal& principal, const v1::DisputeHoursRequest& request) {
  ASSIGN_OR_RETURN(v1::VolunteerHours stored,
                   store_.GetHours(request.hours_id()));
  ASSIGN_OR_RETURN(std::optional<v1::Volunteer> volunteer,
                   IfFound(directory_.GetVolunteer(stored.volunteer_id())));
  if (!volunteer.has_value() || volunteer->user_id().empty() ||
      volunteer->user_id() != principal.user_id()) {
    return HoursNotFound(request.hours_id());
  }
  const RequestKey key{principal.user_id(), request.request_id(),
                       Fingerprint(request)};
  ASSIGN_OR_RETURN(std::optional<v1::VolunteerHours> replay,
                   Replayed<v1::VolunteerHours>(store_, key));
  if (replay.has_value()) return *std::move(replay);
  if (!IsCurrent(stored)) {
    return absl::FailedPreconditionError(absl::StrCat(
        "hours ", stored.id(),
        stored.superseded_by_id().empty()
            ? " are disputed already"
            : absl::StrCat(" were corrected by ", stored.superseded_by_id(),
                           ": dispute that entry")));
  }
  v1::VolunteerHours disputed = Effective(stored);
  v1::HoursDispute& dispute = *disputed.mutable_dispute();
  dispute.Clear();
  dispute.set_reason(request.reason());
  *dispute.mutable_disputed_at() = ToProto(clock_.Now());
  *dispute.mutable_disputed_by() =
      ActorIn(principal, v1::ROLE_VOLUNTEER, stored.team_id());
  dispute.set_status_before(disputed.status());
  disputed.set_status(v1::VolunteerHours::STATUS_DISPUTED);
  return store_.UpdateHours(key, stored, disputed);
}

absl::StatusOr<v1::VolunteerHours> OrderWorkflow::ResolveDispute(
    const v1::Principal& principal, const v1::ResolveDisputeRequest& request) {
  ASSIGN_OR_RETURN(LeadersChange change,
                   StartLeadersChange(store_, principal, request));
  if (change.replay.has_value()) return *std::move(change.replay);
  const v1::VolunteerHours& stored = change.stored;
  const RequestKey& key = change.key;
  if (stored.status() != v1::VolunteerHours::STATUS_DISPUTED) {
    return absl::FailedPreconditionError(
        absl::StrCat("hours ", stored.id(), " are not disputed"));
  }
  v1::VolunteerHours resolved = stored;
  resolved.set_status(stored.dispute().status_before());
  v1::HoursDispute& dispute = *resolved.mutable_dispute();
  dispute.set_resolution(request.resolution());
  dispute.set_resolution_reason(request.reason());
  *dispute.mutable_resolved_at() = ToProto(clock_.Now());
  *dispute.mutable_resolved_by() =
      ActorIn(principal, v1::ROLE_TEAM_LEADER, stored.team_id());
  if (request.resolution() == v1::HoursDispute::RESOLUTION_KEEP) {
    return store_.UpdateHours(key, stored, resolved);
  }
  ASSIGN_OR_RETURN(v1::VolunteerHours entry,
                   Correction(principal, stored, request.hours(),
                              request.reason(), "hours", "reason"));
  resolved.set_superseded_by_id(entry.id());
  return store_.AppendHours(key, stored, resolved, entry);
}

absl::StatusOr<v1::SignInCode> OrderWorkflow::GetSignInCode(
    const v1::Principal& principal, const v1::GetSignInCodeRequest& request) {
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(request.order_id()));
  if (order.team_id().empty() ||
      !HasRole(principal, v1::ROLE_TEAM_LEADER, order.team_id()) ||
      !CanSee(principal, order)) {
    return OrderNotFound(request.order_id());
  }
  const absl::Time now = clock_.Now();
  if (order.state() == v1::ORDER_STATE_ACCEPTED) {
    RETURN_IF_ERROR(CheckInWindow(order, now, policy_, "sign-in"));
  } else if (order.state() != v1::ORDER_STATE_IN_SERVICE) {
    return absl::FailedPreconditionError(
        absl::StrCat("volunteers sign in only while the order is accepted or "
                     "in service; it is ",
                     StateName(order.state())));
  }
  const MintedCode code = codes_.Mint(principal.tenant(), order.id(), now);
  v1::SignInCode answer;
  answer.set_token(code.token);
  *answer.mutable_rotates_at() = ToProto(code.rotates_at);
  *answer.mutable_expires_at() = ToProto(code.expires_at);
  answer.set_path(absl::StrCat("/#/sign-in?t=", code.token));
  return answer;
}

absl::StatusOr<v1::VolunteerSignIn> OrderWorkflow::SignInVolunteer(
    const v1::Principal& principal, const v1::SignInVolunteerRequest& request) {
  // A retry answers the first result even after its code expired.
  const RequestKey key{principal.user_id(), request.request_id(),
                       Fingerprint(request)};
  ASSIGN_OR_RETURN(std::optional<v1::VolunteerSignIn> replay,
                   Replayed<v1::VolunteerSignIn>(store_, key));
  if (replay.has_value()) return *std::move(replay);
  const absl::Time now = clock_.Now();
  ASSIGN_OR_RETURN(std::string order_id,
                   codes_.Verify(principal.tenant(), request.token(), now));
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(order_id));
  std::optional<v1::Volunteer> volunteer;
  if (!order.team_id().empty()) {
    ASSIGN_OR_RETURN(v1::Team team, directory_.GetTeam(order.team_id()));
    for (const std::string& member : team.member_volunteer_ids()) {
      ASSIGN_OR_RETURN(std::optional<v1::Volunteer> record,
                       IfFound(directory_.GetVolunteer(member)));
      if (record.has_value() && !record->user_id().empty() &&
          record->user_id() == principal.user_id()) {
        volunteer = std::move(record);
        break;
      }
    }
  }
  if (!volunteer.has_value()) {
    return absl::PermissionDeniedError(
        absl::StrCat("you are not a volunteer of team ", order.team_id(),
                     ", which serves this order"));
  }
  if (order.state() == v1::ORDER_STATE_ACCEPTED) {
    RETURN_IF_ERROR(CheckInWindow(order, now, policy_, "sign-in"));
  } else if (order.state() != v1::ORDER_STATE_IN_SERVICE) {
    return absl::FailedPreconditionError(
        absl::StrCat("volunteers sign in and out only while the order is "
                     "accepted or in service; it is ",
                     StateName(order.state())));
  }
  ASSIGN_OR_RETURN(std::optional<v1::VolunteerSignIn> before,
                   SignInOf(order.id(), volunteer->id()));
  v1::VolunteerSignIn after;
  if (request.direction() == v1::SIGN_IN_DIRECTION_IN) {
    if (before.has_value()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "you signed in at ", LocalTimeText(FromProto(before->signed_in_at())),
          " already"));
    }
    after.set_order_id(order.id());
    after.set_volunteer_id(volunteer->id());
    after.set_team_id(order.team_id());
    after.set_user_id(principal.user_id());
    *after.mutable_signed_in_at() = ToProto(now);
    if (request.has_location())
      *after.mutable_in_location() = request.location();
    after.set_version(1);
  } else {
    if (!before.has_value()) {
      return absl::FailedPreconditionError(
          "sign in first: you have not signed in at this order");
    }
    if (before->has_signed_out_at()) {
      return absl::FailedPreconditionError(absl::StrCat(
          "you signed out at ",
          LocalTimeText(FromProto(before->signed_out_at())), " already"));
    }
    after = *before;
    *after.mutable_signed_out_at() = ToProto(now);
    if (request.has_location()) {
      *after.mutable_out_location() = request.location();
    }
    after.set_version(before->version() + 1);
  }
  return store_.PutSignIn(key, before, after);
}

absl::StatusOr<v1::ListSignInsResponse> OrderWorkflow::ListSignIns(
    const v1::Principal& principal, const v1::ListSignInsRequest& request) {
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(request.order_id()));
  const bool allowed =
      CanSee(principal, order) &&
      ((!order.team_id().empty() &&
        (HasRole(principal, v1::ROLE_TEAM_LEADER, order.team_id()) ||
         HasRole(principal, v1::ROLE_VOLUNTEER, order.team_id()))) ||
       HasRole(principal, v1::ROLE_COMMUNITY_WORKER,
               order.draft().community_id()));
  if (!allowed) return OrderNotFound(request.order_id());
  ASSIGN_OR_RETURN(std::vector<v1::VolunteerSignIn> sign_ins,
                   store_.ListSignIns(order.id()));
  const absl::Time until = order.has_completion()
                               ? FromProto(order.completion().at())
                               : clock_.Now();
  v1::ListSignInsResponse response;
  for (v1::VolunteerSignIn& sign_in : sign_ins) {
    v1::SignInEntry& entry = *response.add_entries();
    entry.set_proposed_hours(ProposedHours(order, sign_in, until));
    *entry.mutable_sign_in() = std::move(sign_in);
  }
  return response;
}

absl::StatusOr<v1::VolunteerSummary> OrderWorkflow::VolunteerSummary(
    const v1::Principal& principal) {
  v1::VolunteerSummary summary;
  std::set<std::string> teams;
  for (const v1::RoleGrant& grant : principal.grants()) {
    if (grant.role() == v1::ROLE_VOLUNTEER ||
        grant.role() == v1::ROLE_TEAM_LEADER) {
      teams.insert(grant.scope_id());
    }
  }
  bool found = false;
  for (const std::string& team_id : teams) {
    absl::StatusOr<v1::Team> team = directory_.GetTeam(team_id);
    if (!team.ok()) continue;
    for (const std::string& member : team->member_volunteer_ids()) {
      absl::StatusOr<v1::Volunteer> volunteer = directory_.GetVolunteer(member);
      if (volunteer.ok() && volunteer->user_id() == principal.user_id()) {
        *summary.mutable_volunteer() = *volunteer;
        found = true;
        break;
      }
    }
    if (found) break;
  }
  if (!found) return absl::NotFoundError("you have no volunteer record");
  for (const std::string& team_id : teams) {
    OrderQuery query;
    query.index = OrderIndex::kTeam;
    query.scope_id = team_id;
    query.states = {v1::ORDER_STATE_ACCEPTED, v1::ORDER_STATE_IN_SERVICE};
    query.limit = 100;
    ASSIGN_OR_RETURN(OrderPage page, store_.List(query));
    for (v1::Order& order : page.orders) {
      *summary.add_current_tasks() = AsSeenBy(principal, std::move(order));
    }
  }
  HoursQuery hours_query;
  hours_query.volunteer_id = summary.volunteer().id();
  hours_query.limit = 100;
  std::set<std::string> orders_served;
  for (int pages = 0; pages < 50; ++pages) {
    ASSIGN_OR_RETURN(HoursPage page, store_.ListHours(hours_query));
    for (v1::VolunteerHours& stored : page.hours) {
      const v1::VolunteerHours hours = Effective(std::move(stored));
      if (!IsCurrent(hours)) continue;
      if (hours.status() == v1::VolunteerHours::STATUS_APPROVED) {
        summary.set_approved_hours(summary.approved_hours() + hours.hours());
        orders_served.insert(hours.order_id());
      } else if (hours.status() == v1::VolunteerHours::STATUS_PENDING) {
        summary.set_pending_hours(summary.pending_hours() + hours.hours());
      }
    }
    if (page.next_cursor.empty()) break;
    hours_query.cursor = page.next_cursor;
  }
  summary.set_completed_services(static_cast<int32_t>(orders_served.size()));
  summary.mutable_volunteer()->set_approved_hours(summary.approved_hours());
  return summary;
}

absl::StatusOr<v1::ListFollowUpsResponse> OrderWorkflow::ListFollowUps(
    const v1::Principal& principal, const v1::ListFollowUpsRequest& request) {
  ASSIGN_OR_RETURN(std::string community,
                   ResolveScope(principal, {v1::ROLE_COMMUNITY_WORKER},
                                request.community_id(), "community_id"));
  ASSIGN_OR_RETURN(
      FollowUpPage page,
      store_.ListFollowUps(community, request.include_done(),
                           PageSize({request.page().page_size(), ""}),
                           request.page().page_token()));
  v1::ListFollowUpsResponse response;
  for (v1::FollowUp& follow_up : page.follow_ups) {
    *response.add_follow_ups() = std::move(follow_up);
  }
  response.set_next_page_token(page.next_cursor);
  return response;
}

absl::StatusOr<v1::FollowUp> OrderWorkflow::RecordFollowUp(
    const v1::Principal& principal, const v1::RecordFollowUpRequest& request) {
  ASSIGN_OR_RETURN(v1::FollowUp stored,
                   store_.GetFollowUp(request.follow_up_id()));
  if (!HasRole(principal, v1::ROLE_COMMUNITY_WORKER, stored.community_id())) {
    return absl::NotFoundError(
        absl::StrCat("follow-up ", request.follow_up_id(), " not found"));
  }
  const RequestKey key{principal.user_id(), request.request_id(),
                       Fingerprint(request)};
  ASSIGN_OR_RETURN(std::optional<v1::FollowUp> replay,
                   Replayed<v1::FollowUp>(store_, key));
  if (replay.has_value()) return *std::move(replay);
  if (stored.version() != request.expected_version()) {
    return absl::AbortedError(absl::StrCat("follow-up ", stored.id(),
                                           " is at version ", stored.version(),
                                           ": read it again and retry"));
  }
  if (stored.done())
    return absl::FailedPreconditionError("this follow-up is done already");
  v1::FollowUp done = stored;
  done.set_done(true);
  done.set_note(request.note());
  *done.mutable_done_by() = ActorOf(principal, v1::ROLE_COMMUNITY_WORKER);
  done.mutable_done_by()->set_scope_id(stored.community_id());
  *done.mutable_done_at() = ToProto(clock_.Now());
  done.set_version(stored.version() + 1);
  return store_.UpdateFollowUp(key, stored, done);
}

}  // namespace kepu
