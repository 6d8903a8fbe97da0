// The tenants a server serves come from its configuration: anything else is
// refused, naming the tenant, and nothing is made for it.
#include "services/rpc/tenants.h"

#include <memory>
#include <string>

#include "gtest/gtest.h"
#include "services/rpc/per_tenant.h"

namespace kepu {
namespace {

TEST(TenantsTest, ServedTenantsPassOthersAreNotFoundNamingThem) {
  absl::StatusOr<Tenants> tenants = Tenants::Make({"jining", "heze"}, "jining");
  ASSERT_TRUE(tenants.ok()) << tenants.status();
  EXPECT_EQ(tenants->default_tenant(), "jining");
  EXPECT_EQ(tenants->names(), (std::vector<std::string>{"heze", "jining"}));
  EXPECT_TRUE(tenants->Check("jining").ok());
  EXPECT_TRUE(tenants->Check("heze").ok());

  const absl::Status other = tenants->Check("qufu");
  EXPECT_EQ(other.code(), absl::StatusCode::kNotFound) << other;
  EXPECT_EQ(other.message(), "tenant \"qufu\" is not served here");
  // A malformed name is the caller's input, and is not echoed.
  const absl::Status malformed = tenants->Check("Not {a} tenant");
  EXPECT_EQ(malformed.code(), absl::StatusCode::kInvalidArgument) << malformed;
  EXPECT_EQ(malformed.message().find("{a}"), absl::string_view::npos);
  EXPECT_EQ(tenants->Check("").code(), absl::StatusCode::kInvalidArgument);
}

TEST(TenantsTest, TheConfigurationMustBeWellFormed) {
  EXPECT_EQ(Tenants::Make({}, "jining").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Tenants::Make({"jining", "Bad Name"}, "jining").status().code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status stray = Tenants::Make({"jining"}, "heze").status();
  EXPECT_EQ(stray.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(stray.message().find("heze"), absl::string_view::npos) << stray;
}

TEST(PerTenantTest, MakesObjectsForServedTenantsOnlyOnceEach) {
  const Tenants tenants = *Tenants::Make({"jining", "heze"}, "jining");
  int made = 0;
  PerTenant<std::string> objects(tenants, [&made](const std::string& tenant) {
    ++made;
    return std::make_unique<std::string>(tenant);
  });
  absl::StatusOr<std::string*> jining = objects.Get("jining");
  ASSERT_TRUE(jining.ok()) << jining.status();
  EXPECT_EQ(**jining, "jining");
  EXPECT_EQ(*objects.Get("jining"), *jining);
  EXPECT_TRUE(objects.Get("heze").ok());
  EXPECT_EQ(made, 2);

  for (const char* other : {"qufu", "x1", "jining2", "Jining", ""}) {
    EXPECT_FALSE(objects.Get(other).ok()) << other;
  }
  EXPECT_EQ(objects.Get("qufu").status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(made, 2);
}

}  // namespace
}  // namespace kepu
