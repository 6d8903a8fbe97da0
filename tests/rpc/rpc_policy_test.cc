// The role policy table covers exactly the RPCs of the API.
#include "services/rpc/rpc_policy.h"

#include <set>
#include <string>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "gtest/gtest.h"
#include "kepu/v1/claims.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/dispatch.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/identity.pb.h"
#include "kepu/v1/matching.pb.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/orders.pb.h"
#include "kepu/v1/report.pb.h"
#include "kepu/v1/watchdog.pb.h"

namespace kepu {
namespace {

TEST(RpcPolicyTest, EveryRpcOfTheApiHasAPolicyAndNothingElseHas) {
  // One message of each API file links the file in and reaches its service.
  std::set<std::string> api;
  for (const google::protobuf::FileDescriptor* file :
       {v1::RegisterRequest::descriptor()->file(),
        v1::ListProgramsRequest::descriptor()->file(),
        v1::CreateOrderRequest::descriptor()->file(),
        v1::ListQueueRequest::descriptor()->file(),
        v1::ListPoolRequest::descriptor()->file(),
        v1::ListOffersRequest::descriptor()->file(),
        v1::ExplainOfferRequest::descriptor()->file(),
        v1::GetSlaPolicyRequest::descriptor()->file(),
        v1::GetSummaryRequest::descriptor()->file(),
        v1::ListNotificationsRequest::descriptor()->file()}) {
    ASSERT_EQ(file->service_count(), 1) << file->name();
    const google::protobuf::ServiceDescriptor* descriptor = file->service(0);
    for (int i = 0; i < descriptor->method_count(); ++i) {
      api.insert(absl::StrCat(descriptor->full_name(), "/",
                              descriptor->method(i)->name()));
    }
  }
  std::vector<std::string> listed = PolicyMethods();
  EXPECT_EQ(std::set<std::string>(listed.begin(), listed.end()), api);
  EXPECT_EQ(api.size(), 100u);
}

TEST(RpcPolicyTest, RolesAreChecked) {
  v1::Principal clerk;
  clerk.add_grants()->set_role(v1::ROLE_DEPARTMENT_STAFF);
  const RpcPolicy* claim = PolicyFor("kepu.v1.ClaimService/ClaimOrder");
  ASSERT_NE(claim, nullptr);
  EXPECT_TRUE(
      CheckCallAllowed("kepu.v1.ClaimService/ClaimOrder", *claim, clerk).ok());
  const RpcPolicy* dispatch =
      PolicyFor("kepu.v1.DispatchService/DispatchOrder");
  ASSERT_NE(dispatch, nullptr);
  absl::Status denied = CheckCallAllowed(
      "kepu.v1.DispatchService/DispatchOrder", *dispatch, clerk);
  EXPECT_EQ(denied.code(), absl::StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "DispatchOrder is for ROLE_COMMUNITY_WORKER");
  EXPECT_TRUE(PolicyFor("kepu.v1.IdentityService/Login")->is_public);
  EXPECT_EQ(PolicyFor("kepu.v1.OrderService/NoSuchThing"), nullptr);
}

// The methods whose policy has `column` set.
std::set<std::string> With(bool RpcPolicy::*column) {
  std::set<std::string> methods;
  for (const std::string& method : PolicyMethods()) {
    if (PolicyFor(method)->*column) methods.insert(method);
  }
  return methods;
}

TEST(RpcPolicyTest, TheCallsThatHashPasswordsRunOnTheSignInPool) {
  // Written from accounts.h: what hashes a new password or checks one.
  EXPECT_EQ(With(&RpcPolicy::hashes_password),
            (std::set<std::string>{"kepu.v1.IdentityService/ChangePassword",
                                   "kepu.v1.IdentityService/CreateStaffAccount",
                                   "kepu.v1.IdentityService/Login",
                                   "kepu.v1.IdentityService/Register"}));
}

TEST(RpcPolicyTest, TheCallsThatEndOrChangeSessionsAreMarked) {
  // Written from accounts.h: what ends sessions or changes their grants.
  EXPECT_EQ(With(&RpcPolicy::changes_sessions),
            (std::set<std::string>{"kepu.v1.IdentityService/ChangePassword",
                                   "kepu.v1.IdentityService/DeactivateUser",
                                   "kepu.v1.IdentityService/GrantRole",
                                   "kepu.v1.IdentityService/Logout",
                                   "kepu.v1.IdentityService/RevokeRole",
                                   "kepu.v1.IdentityService/RevokeSessions"}));
}

}  // namespace
}  // namespace kepu
