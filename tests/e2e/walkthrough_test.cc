// The README's walkthrough, run exactly as written: the shell blocks between
// "<!-- walkthrough:begin -->" and "<!-- walkthrough:end -->" in README.md are
// run with bash against a live kepud (on a test redis-server, filled by
// `kepuctl demo load` as up.sh does), with kepuctl on the PATH. The test checks
// what a reader would see at each step and what the order's history holds.
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/support/kepud_process.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace kepu::testing {
namespace {

using ::testing::HasSubstr;

constexpr char kAdminPhone[] = "13800000000";
constexpr char kAdminPassword[] = "walkthrough2026";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)),
                     std::istreambuf_iterator<char>());
}

// The contents of the ```sh blocks between the walkthrough markers.
std::string WalkthroughScript(const std::string& readme) {
  const size_t begin = readme.find("<!-- walkthrough:begin -->");
  const size_t end = readme.find("<!-- walkthrough:end -->");
  if (begin == std::string::npos || end == std::string::npos || end < begin)
    return "";
  std::string script;
  bool in_block = false;
  for (absl::string_view line : absl::StrSplit(
           absl::string_view(readme).substr(begin, end - begin), '\n')) {
    if (!in_block && line == "```sh") {
      in_block = true;
    } else if (in_block && line == "```") {
      in_block = false;
    } else if (in_block) {
      absl::StrAppend(&script, line, "\n");
    }
  }
  return script;
}

// Runs `argv` to its end; returns its exit code and everything it printed.
std::pair<int, std::string> RunToEnd(const std::vector<std::string>& argv,
                                     const std::vector<std::string>& env) {
  auto process = Subprocess::Start(argv, env);
  if (!process.ok()) return {-1, process.status().ToString()};
  absl::StatusOr<int> status = (*process)->Wait(absl::Minutes(3));
  if (!status.ok()) return {-1, (*process)->Output()};
  return {WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, (*process)->Output()};
}

class WalkthroughTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto redis = RedisServer::Start();
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = std::move(*redis);
    KepudOptions options;
    // The demo loads 89 accounts; the cheapest password hashing keeps that
    // quick (what is checked here is the workflow, not argon2's cost).
    options.flags = {"--password_cost=min"};
    options.env = {absl::StrCat("KEPU_ADMIN_PHONE=", kAdminPhone),
                   absl::StrCat("KEPU_ADMIN_PASSWORD=", kAdminPassword)};
    auto kepud = KepudProcess::Start(KEPUD_PATH, *redis_, options);
    ASSERT_TRUE(kepud.ok()) << kepud.status();
    kepud_ = std::move(*kepud);

    config_ = absl::StrCat(redis_->dir(), "/kepuctl.json");
    const std::string kepuctl_dir(KEPUCTL_PATH,
                                  std::string(KEPUCTL_PATH).rfind('/'));
    const char* path = std::getenv("PATH");
    env_ = {
        absl::StrCat("KEPU_SERVER=", kepud_->address()),
        absl::StrCat("KEPUCTL_CONFIG=", config_),
        absl::StrCat("PATH=", kepuctl_dir, ":", path ? path : "/usr/bin:/bin"),
        "TZ=Asia/Shanghai"};

    // As up.sh does.
    auto [code, output] =
        RunToEnd({KEPUCTL_PATH, "demo", "load",
                  absl::StrCat("--admin-phone=", kAdminPhone),
                  absl::StrCat("--admin-password=", kAdminPassword),
                  absl::StrCat("--seed-dir=", KEPU_SOURCE_DIR, "/deploy/seed")},
                 env_);
    ASSERT_EQ(code, 0) << output;
  }

  std::unique_ptr<RedisServer> redis_;
  std::unique_ptr<KepudProcess> kepud_;
  std::string config_;
  std::vector<std::string> env_;
};

TEST_F(WalkthroughTest, TheReadmesCommandsTakeOneOrderThroughEveryRole) {
  const std::string script =
      WalkthroughScript(ReadFile(absl::StrCat(KEPU_SOURCE_DIR, "/README.md")));
  ASSERT_THAT(script, HasSubstr("kepuctl")) << "no walkthrough in README.md";

  auto [code, output] =
      RunToEnd({"bash", "-euo", "pipefail", "-c", script}, env_);
  ASSERT_EQ(code, 0) << output;

  // What each role sees, in order.
  size_t at = 0;
  for (const char* step :
       {"submitted 待审核", "dispatched 已派单", "claimed 已领单",
        "offered 待接单", "accepted 已接单", "in-service 服务中",
        "completed 已完成", "rated 已评价", "2.5 approved"}) {
    const size_t found = output.find(step, at);
    ASSERT_NE(found, std::string::npos)
        << "expected \"" << step << "\" after position " << at << " in:\n"
        << output;
    at = found;
  }

  // The tenant's event stream holds exactly the walkthrough's nine moves.
  RedisClient client(redis_->ClientOptions(1));
  absl::StatusOr<RedisReply> events =
      client.Command({"XRANGE", "kepu:{jining}:events", "-", "+"});
  ASSERT_TRUE(events.ok()) << events.status();
  EXPECT_EQ(events->Size(), 9u) << output;
}

}  // namespace
}  // namespace kepu::testing
