#include "services/core/order_workflow.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/authorization.h"
#include "services/core/fingerprint.h"
#include "services/core/status_macros.h"
#include "services/core/text.h"

namespace kepu {
namespace {

absl::Status OrderNotFound(absl::string_view order_id) {
  return absl::NotFoundError(absl::StrCat("order ", order_id, " not found"));
}

}  // namespace

OrderWorkflow::OrderWorkflow(OrderStore& store, const Clock& clock,
                             IdGenerator& ids, LifecyclePolicy policy)
    : store_(store), clock_(clock), ids_(ids), policy_(policy) {}

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
    actor = ActorOf(principal, v1::ROLE_COMMUNITY_WORKER);
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

  ASSIGN_OR_RETURN(
      Move move, PlanMove(v1::Order(), command, actor, clock_.Now(), policy_));
  Transition transition;
  transition.request = {principal.user_id(), command.request_id,
                        command.fingerprint};
  transition.after = std::move(move.after);
  transition.event = std::move(move.event);
  ASSIGN_OR_RETURN(Applied applied, store_.Apply(transition));
  return std::move(applied.order);
}

absl::StatusOr<v1::Order> OrderWorkflow::Get(const v1::Principal& principal,
                                             absl::string_view order_id) {
  ASSIGN_OR_RETURN(v1::Order order, store_.Get(order_id));
  if (!CanSee(principal, order)) return OrderNotFound(order_id);
  return order;
}

absl::StatusOr<std::vector<v1::OrderEvent>> OrderWorkflow::History(
    const v1::Principal& principal, absl::string_view order_id,
    absl::string_view after_event_id, int limit) {
  RETURN_IF_ERROR(Get(principal, order_id).status());
  return store_.History(order_id, after_event_id, limit);
}

absl::StatusOr<v1::Order> OrderWorkflow::Act(const v1::Principal& principal,
                                             const Command& command) {
  const RequestKey request{principal.user_id(), command.request_id,
                           command.fingerprint};
  ASSIGN_OR_RETURN(LoadedOrder loaded,
                   store_.LoadForUpdate(command.order_id, request));
  if (loaded.replay.has_value()) return std::move(*loaded.replay);
  if (!loaded.current.has_value() || !CanSee(principal, *loaded.current)) {
    return OrderNotFound(command.order_id);
  }
  const v1::Order& current = *loaded.current;
  const TransitionRule* rule = FindRule(command.action);
  if (rule == nullptr)
    return absl::InvalidArgumentError("action: unknown order action");
  ASSIGN_OR_RETURN(v1::Actor actor, ActingAs(principal, *rule, current));
  if (current.version() != command.expected_version) {
    return absl::AbortedError(absl::StrCat(
        "order ", current.id(), " is at version ", current.version(), ", not ",
        command.expected_version, ": read it again and retry"));
  }
  ASSIGN_OR_RETURN(Move move,
                   PlanMove(current, command, actor, clock_.Now(), policy_));
  Transition transition;
  transition.request = request;
  transition.before = current;
  transition.after = std::move(move.after);
  transition.event = std::move(move.event);
  transition.enqueue_matching = move.enqueue_matching;
  ASSIGN_OR_RETURN(Applied applied, store_.Apply(transition));
  return std::move(applied.order);
}

}  // namespace kepu
