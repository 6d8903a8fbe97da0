// A gtest fixture with one fake provider process for the whole suite, reset
// (modes back to ok, records forgotten, stalled requests released) before and
// after every test.
#pragma once

#include <gtest/gtest.h>

#include <memory>

#include "tests/notify/fake_provider.h"

namespace kepu::testing {

class ProviderTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    absl::StatusOr<std::unique_ptr<FakeProvider>> started =
        FakeProvider::Start();
    ASSERT_TRUE(started.ok()) << started.status();
    provider_ = std::move(*started).release();
  }
  static void TearDownTestSuite() {
    delete provider_;
    provider_ = nullptr;
  }
  void SetUp() override {
    ASSERT_NE(provider_, nullptr);
    ASSERT_TRUE(provider_->Reset().ok());
  }
  void TearDown() override {
    if (provider_ != nullptr) {
      EXPECT_TRUE(provider_->Reset().ok());
    }
  }

  static FakeProvider& provider() { return *provider_; }

 private:
  static inline FakeProvider* provider_ = nullptr;
};

}  // namespace kepu::testing
