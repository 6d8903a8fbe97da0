// Walks every (state, action, role) triple through DecideMove and compares it
// with the lifecycle written out independently below (from ARCHITECTURE §2), so
// a change to the table that the lifecycle does not allow fails here.
#include "services/core/transition_table.h"

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <tuple>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace kepu {
namespace {

using v1::OrderAction;
using v1::OrderState;
using v1::Role;

// Each line: action, role, from-state, to-state, with the names of the protos.
// "-" as from means no order yet; "=" as to means the state does not change.
constexpr const char* kLegalMoves[] = {
    "CREATE RESIDENT - SUBMITTED",
    "CREATE COMMUNITY_WORKER - SUBMITTED",
    "EDIT RESIDENT SUBMITTED =",
    "EDIT RESIDENT NEEDS_INFO =",
    "EDIT COMMUNITY_WORKER SUBMITTED =",
    "EDIT COMMUNITY_WORKER NEEDS_INFO =",
    "REQUEST_INFO COMMUNITY_WORKER SUBMITTED NEEDS_INFO",
    "RESUBMIT RESIDENT NEEDS_INFO SUBMITTED",
    "RESUBMIT COMMUNITY_WORKER NEEDS_INFO SUBMITTED",
    "REJECT COMMUNITY_WORKER SUBMITTED REJECTED",
    "REJECT COMMUNITY_WORKER NEEDS_INFO REJECTED",
    "MARK_DUPLICATE COMMUNITY_WORKER SUBMITTED REJECTED",
    "MARK_DUPLICATE COMMUNITY_WORKER NEEDS_INFO REJECTED",
    "DISPATCH COMMUNITY_WORKER SUBMITTED DISPATCHED",
    "RETURN DEPARTMENT_STAFF DISPATCHED SUBMITTED",
    "RETURN DEPARTMENT_STAFF CLAIMED SUBMITTED",
    "CLAIM DEPARTMENT_STAFF DISPATCHED CLAIMED",
    "ASSIGN_TEAM DEPARTMENT_STAFF CLAIMED OFFERED",
    "RELEASE_TO_MATCHING DEPARTMENT_STAFF CLAIMED =",
    "OFFER SYSTEM CLAIMED OFFERED",
    "ACCEPT TEAM_LEADER OFFERED ACCEPTED",
    "DECLINE TEAM_LEADER OFFERED CLAIMED",
    "EXPIRE_OFFER SYSTEM OFFERED CLAIMED",
    "WITHDRAW TEAM_LEADER ACCEPTED CLAIMED",
    "SCHEDULE TEAM_LEADER ACCEPTED =",
    "CHECK_IN TEAM_LEADER ACCEPTED IN_SERVICE",
    "COMPLETE TEAM_LEADER IN_SERVICE COMPLETED",
    "RATE RESIDENT COMPLETED RATED",
    "RATE COMMUNITY_WORKER COMPLETED RATED",
    "REOPEN RESIDENT COMPLETED ACCEPTED",
    "REOPEN COMMUNITY_WORKER COMPLETED ACCEPTED",
    "CLOSE SYSTEM COMPLETED CLOSED",
    "CANCEL RESIDENT SUBMITTED CANCELLED",
    "CANCEL RESIDENT NEEDS_INFO CANCELLED",
    "CANCEL RESIDENT DISPATCHED CANCELLED",
    "CANCEL RESIDENT CLAIMED CANCELLED",
    "CANCEL RESIDENT OFFERED CANCELLED",
    "CANCEL RESIDENT ACCEPTED CANCELLED",
    "CANCEL COMMUNITY_WORKER SUBMITTED CANCELLED",
    "CANCEL COMMUNITY_WORKER NEEDS_INFO CANCELLED",
    "CANCEL COMMUNITY_WORKER DISPATCHED CANCELLED",
    "CANCEL COMMUNITY_WORKER CLAIMED CANCELLED",
    "CANCEL COMMUNITY_WORKER OFFERED CANCELLED",
    "CANCEL COMMUNITY_WORKER ACCEPTED CANCELLED",
    // A missed deadline escalates where someone must act; an offer that is
    // not taken lapses instead (EXPIRE_OFFER) and an order left unrated
    // closes (CLOSE): those two are never escalated.
    "ESCALATE SYSTEM SUBMITTED =",
    "ESCALATE SYSTEM NEEDS_INFO =",
    "ESCALATE SYSTEM DISPATCHED =",
    "ESCALATE SYSTEM CLAIMED =",
    "ESCALATE SYSTEM ACCEPTED =",
};

using Triple = std::tuple<OrderAction, Role, OrderState>;

OrderAction ParseAction(const std::string& name) {
  OrderAction action = v1::ORDER_ACTION_UNSPECIFIED;
  EXPECT_TRUE(v1::OrderAction_Parse("ORDER_ACTION_" + name, &action)) << name;
  return action;
}
Role ParseRole(const std::string& name) {
  Role role = v1::ROLE_UNSPECIFIED;
  EXPECT_TRUE(v1::Role_Parse("ROLE_" + name, &role)) << name;
  return role;
}
OrderState ParseState(const std::string& name) {
  if (name == "-") return v1::ORDER_STATE_UNSPECIFIED;
  OrderState state = v1::ORDER_STATE_UNSPECIFIED;
  EXPECT_TRUE(v1::OrderState_Parse("ORDER_STATE_" + name, &state)) << name;
  return state;
}

std::map<Triple, OrderState> ExpectedMoves() {
  std::map<Triple, OrderState> moves;
  for (const char* line : kLegalMoves) {
    std::istringstream in(line);
    std::string action, role, from, to;
    in >> action >> role >> from >> to;
    const OrderState from_state = ParseState(from);
    const OrderState to_state = to == "=" ? from_state : ParseState(to);
    moves[{ParseAction(action), ParseRole(role), from_state}] = to_state;
  }
  return moves;
}

TEST(TransitionTableTest, EveryStateActionRoleTripleDecidesAsTheLifecycleSays) {
  const std::map<Triple, OrderState> expected = ExpectedMoves();
  const auto* actions = v1::OrderAction_descriptor();
  const auto* roles = v1::Role_descriptor();
  const auto* states = v1::OrderState_descriptor();
  int legal = 0;
  int checked = 0;
  for (int a = 0; a < actions->value_count(); ++a) {
    const auto action = static_cast<OrderAction>(actions->value(a)->number());
    if (action == v1::ORDER_ACTION_UNSPECIFIED) continue;
    // Which roles may make the action at all, according to the lifecycle.
    std::set<Role> allowed_roles;
    for (const auto& [triple, to] : expected) {
      if (std::get<0>(triple) == action)
        allowed_roles.insert(std::get<1>(triple));
    }
    for (int r = 0; r < roles->value_count(); ++r) {
      const auto role = static_cast<Role>(roles->value(r)->number());
      for (int s = 0; s < states->value_count(); ++s) {
        const auto from = static_cast<OrderState>(states->value(s)->number());
        ++checked;
        SCOPED_TRACE(actions->value(a)->name() + " by " +
                     roles->value(r)->name() + " from " +
                     states->value(s)->name());
        absl::StatusOr<OrderState> decided = DecideMove(action, role, from);
        auto it = expected.find({action, role, from});
        if (it != expected.end()) {
          ++legal;
          ASSERT_TRUE(decided.ok()) << decided.status();
          EXPECT_EQ(*decided, it->second);
        } else if (!allowed_roles.contains(role)) {
          EXPECT_EQ(decided.status().code(),
                    absl::StatusCode::kPermissionDenied);
        } else {
          EXPECT_EQ(decided.status().code(),
                    absl::StatusCode::kFailedPrecondition);
        }
      }
    }
  }
  EXPECT_EQ(legal, static_cast<int>(expected.size()));
  EXPECT_EQ(checked, (actions->value_count() - 1) * roles->value_count() *
                         states->value_count());
}

TEST(TransitionTableTest, EveryActionHasExactlyOneRule) {
  const auto* actions = v1::OrderAction_descriptor();
  for (int a = 0; a < actions->value_count(); ++a) {
    const auto action = static_cast<OrderAction>(actions->value(a)->number());
    int rules = 0;
    for (const TransitionRule& rule : TransitionTable())
      rules += rule.action == action;
    EXPECT_EQ(rules, action == v1::ORDER_ACTION_UNSPECIFIED ? 0 : 1)
        << actions->value(a)->name();
  }
}

TEST(TransitionTableTest, UnknownActionIsInvalidArgument) {
  EXPECT_EQ(DecideMove(v1::ORDER_ACTION_UNSPECIFIED, v1::ROLE_RESIDENT,
                       v1::ORDER_STATE_SUBMITTED)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(DecideMove(static_cast<OrderAction>(999), v1::ROLE_RESIDENT,
                       v1::ORDER_STATE_SUBMITTED)
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(TransitionTableTest, MessagesSayWhatWasTriedAndWhy) {
  absl::StatusOr<OrderState> wrong_state =
      DecideMove(v1::ORDER_ACTION_CLAIM, v1::ROLE_DEPARTMENT_STAFF,
                 v1::ORDER_STATE_CLAIMED);
  EXPECT_EQ(wrong_state.status().message(),
            "cannot claim an order that is claimed");
  absl::StatusOr<OrderState> wrong_role = DecideMove(
      v1::ORDER_ACTION_CLAIM, v1::ROLE_RESIDENT, v1::ORDER_STATE_DISPATCHED);
  EXPECT_THAT(std::string(wrong_role.status().message()),
              testing::HasSubstr("may not claim"));
}

TEST(TransitionTableTest, FinalStatesHaveNoWayOut) {
  for (const TransitionRule& rule : TransitionTable()) {
    for (OrderState from : rule.from) {
      EXPECT_FALSE(IsFinal(from))
          << ActionName(rule.action) << " leaves a final state";
    }
  }
}

TEST(TransitionTableTest, EveryNonFinalStateCanBeLeft) {
  const auto* states = v1::OrderState_descriptor();
  for (int s = 0; s < states->value_count(); ++s) {
    const auto state = static_cast<OrderState>(states->value(s)->number());
    if (IsFinal(state)) continue;
    bool leaves = false;
    for (const TransitionRule& rule : TransitionTable()) {
      for (OrderState from : rule.from) {
        leaves |= from == state && rule.target != TargetChoice::kStays &&
                  rule.to != state;
      }
    }
    EXPECT_TRUE(leaves) << states->value(s)->name() << " is a dead end";
  }
}

// The states' deadlines and the system moves agree: the move a missed deadline
// makes starts from that state, and a system move that only deadlines make
// (ESCALATE, EXPIRE_OFFER, CLOSE) starts from nowhere else.
TEST(TransitionTableTest, DeadlineMovesStartFromTheStatesThatMissThem) {
  std::map<OrderAction, std::set<OrderState>> made_from;
  for (const StateRule& state : StateTable()) {
    if (state.on_deadline == v1::ORDER_ACTION_UNSPECIFIED) {
      EXPECT_EQ(state.due, Due::kNever) << StateName(state.state);
      continue;
    }
    EXPECT_NE(state.due, Due::kNever) << StateName(state.state);
    EXPECT_NE(state.stage, v1::STAGE_UNSPECIFIED) << StateName(state.state);
    made_from[state.on_deadline].insert(state.state);
    absl::StatusOr<OrderState> decided =
        DecideMove(state.on_deadline, v1::ROLE_SYSTEM, state.state);
    EXPECT_TRUE(decided.ok())
        << StateName(state.state) << ": " << decided.status();
  }
  EXPECT_EQ(made_from.size(), 3u);
  for (const auto& [action, states] : made_from) {
    const TransitionRule* rule = FindRule(action);
    ASSERT_NE(rule, nullptr);
    EXPECT_EQ(std::set<OrderState>(rule->from.begin(), rule->from.end()),
              states)
        << ActionName(action);
  }
}

TEST(TransitionTableTest, EveryStateHasOneRuleAndFinalStatesWaitForNothing) {
  const auto* states = v1::OrderState_descriptor();
  for (int s = 0; s < states->value_count(); ++s) {
    const auto state = static_cast<OrderState>(states->value(s)->number());
    if (state == v1::ORDER_STATE_UNSPECIFIED) continue;
    const StateRule* rule = FindState(state);
    ASSERT_NE(rule, nullptr) << states->value(s)->name();
    if (rule->final) {
      EXPECT_EQ(rule->due, Due::kNever);
    }
  }
  // The lifecycle's final states, written out.
  for (OrderState state : {v1::ORDER_STATE_REJECTED, v1::ORDER_STATE_RATED,
                           v1::ORDER_STATE_CLOSED, v1::ORDER_STATE_CANCELLED}) {
    EXPECT_TRUE(IsFinal(state)) << StateName(state);
  }
  EXPECT_FALSE(IsFinal(v1::ORDER_STATE_COMPLETED));
}

}  // namespace
}  // namespace kepu
