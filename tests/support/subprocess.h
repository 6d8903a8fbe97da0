// A child process for tests: started with its stdout and stderr captured line
// by line, so a test can wait for what it prints (readiness) instead of
// sleeping.
#pragma once

#include <sys/types.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace kepu::testing {

class Subprocess {
 public:
  // Starts `argv` (argv[0] is looked up in PATH) with `env` added to the
  // environment.
  static absl::StatusOr<std::unique_ptr<Subprocess>> Start(
      const std::vector<std::string>& argv,
      const std::vector<std::string>& env = {});
  // Kills the process (SIGKILL) if it is still running, and reaps it.
  ~Subprocess();

  pid_t pid() const { return pid_; }

  // Waits until the process has printed a line (stdout or stderr) for which
  // `matches` holds, and returns it. kDeadlineExceeded after `timeout`;
  // kFailedPrecondition if the process ended first (the message holds what it
  // printed).
  absl::StatusOr<std::string> WaitForLine(
      const std::function<bool(absl::string_view)>& matches,
      absl::Duration timeout);
  // WaitForLine for a line containing `text`.
  absl::StatusOr<std::string> WaitForText(absl::string_view text,
                                          absl::Duration timeout);

  // Sends `signal`.
  void Signal(int signal);
  // Waits for the process to end and returns its wait status (as waitpid gives
  // it). kDeadlineExceeded after `timeout` (the process is left running).
  absl::StatusOr<int> Wait(absl::Duration timeout);
  bool running() const;

  // Everything printed so far.
  std::string Output() const;

 private:
  Subprocess() = default;
  void ReadLoop(int fd);

  pid_t pid_ = -1;
  bool reaped_ = false;
  int status_ = 0;
  std::thread reader_;
  mutable absl::Mutex mu_;
  std::vector<std::string> lines_ ABSL_GUARDED_BY(mu_);
  std::string partial_ ABSL_GUARDED_BY(mu_);
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

// A TCP port on 127.0.0.1 that nothing listened on a moment ago.
int FreePort();

// A fresh temporary folder (mkdtemp under $TMPDIR or /tmp) and recursive
// removal.
std::string MakeTempDir(absl::string_view prefix);
void RemoveTree(const std::string& path);

}  // namespace kepu::testing
