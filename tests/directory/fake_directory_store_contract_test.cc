// The DirectoryStore contract held to the in-memory fake the domain tests use.
#include <memory>

#include "services/directory/testing/fake_directory_store.h"
#include "tests/directory/directory_store_contract.h"

namespace kepu::testing {
namespace {

class FakeHarness : public DirectoryStoreHarness {
 public:
  DirectoryStore& store() override { return store_; }
  std::vector<std::map<std::string, std::string>> AuditTrail() override {
    std::vector<std::map<std::string, std::string>> entries;
    for (const FakeDirectoryStore::AuditFieldList& fields :
         store_.AuditTrail()) {
      entries.emplace_back(fields.begin(), fields.end());
    }
    return entries;
  }
  std::string Digest() override { return store_.Digest(); }
  void MakeUnavailable() override { store_.SetUnavailable(true); }

 private:
  FakeDirectoryStore store_;
};

INSTANTIATE_TEST_SUITE_P(
    Fake, DirectoryStoreContract,
    ::testing::Values(DirectoryStoreImplementation{
        "fake",
        []() -> absl::StatusOr<std::unique_ptr<DirectoryStoreHarness>> {
          return std::make_unique<FakeHarness>();
        }}),
    DirectoryStoreName);

}  // namespace
}  // namespace kepu::testing
