// kepud as a child process for end-to-end tests: started on a free loopback
// port against a test redis-server, ready once it logs "kepud.listening".
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "tests/support/redis_server.h"
#include "tests/support/subprocess.h"

namespace kepu::testing {

// The token key every test kepud shares, so tests can issue tokens and replicas
// agree.
inline constexpr char kTestTokenKey[] =
    "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff";

struct KepudOptions {
  std::vector<std::string> flags;
  // Extra environment, e.g. "KEPU_ADMIN_PHONE=...".
  std::vector<std::string> env;
};

class KepudProcess {
 public:
  // Starts the kepud binary at KEPUD_PATH (a compile definition of the test) or
  // `binary`.
  static absl::StatusOr<std::unique_ptr<KepudProcess>> Start(
      const std::string& binary, const RedisServer& redis,
      const KepudOptions& options = {});

  const std::string& address() const { return address_; }
  // host:port of its HTTP gateway (on a free port); empty when a test turned
  // the gateway off.
  const std::string& http_address() const { return http_address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }
  Subprocess& process() { return *process_; }

 private:
  KepudProcess() = default;

  std::unique_ptr<Subprocess> process_;
  std::string address_;
  std::string http_address_;
  std::shared_ptr<grpc::Channel> channel_;
};

// The value of `"key":"..."` in a JSON log line; empty if absent.
std::string JsonField(const std::string& line, const std::string& key);

}  // namespace kepu::testing
