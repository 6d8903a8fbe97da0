#include "tests/support/subprocess.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

extern char** environ;

namespace kepu::testing {

absl::StatusOr<std::unique_ptr<Subprocess>> Subprocess::Start(
    const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int pipe_fds[2];
  if (pipe2(pipe_fds, O_CLOEXEC) != 0)
    return absl::InternalError("pipe failed");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null",
                                   O_RDONLY, 0);

  std::vector<char*> args;
  for (const std::string& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::vector<std::string> environment;
  for (char** e = environ; *e != nullptr; ++e) environment.emplace_back(*e);
  environment.insert(environment.end(), env.begin(), env.end());
  std::vector<char*> envp;
  for (std::string& e : environment) envp.push_back(e.data());
  envp.push_back(nullptr);

  // Children start with no signals blocked, whatever the test runner's threads
  // have.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  auto process = std::unique_ptr<Subprocess>(new Subprocess());
  const int error = posix_spawnp(&process->pid_, argv[0].c_str(), &actions,
                                 &attributes, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attributes);
  close(pipe_fds[1]);
  if (error != 0) {
    close(pipe_fds[0]);
    return absl::InternalError(absl::StrCat(
        "cannot start ", absl::StrJoin(argv, " "), ": ", strerror(error)));
  }
  const int read_fd = pipe_fds[0];
  process->reader_ =
      std::thread([p = process.get(), read_fd] { p->ReadLoop(read_fd); });
  return process;
}

Subprocess::~Subprocess() {
  if (!reaped_) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
  if (reader_.joinable()) reader_.join();
}

void Subprocess::ReadLoop(int fd) {
  char buffer[4096];
  while (true) {
    const ssize_t n = read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    absl::MutexLock lock(&mu_);
    if (n <= 0) {
      if (!partial_.empty()) lines_.push_back(std::move(partial_));
      closed_ = true;
      break;
    }
    partial_.append(buffer, static_cast<size_t>(n));
    size_t newline;
    while ((newline = partial_.find('\n')) != std::string::npos) {
      lines_.push_back(partial_.substr(0, newline));
      partial_.erase(0, newline + 1);
    }
  }
  close(fd);
}

absl::StatusOr<std::string> Subprocess::WaitForLine(
    const std::function<bool(absl::string_view)>& matches,
    absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  size_t seen = 0;
  const absl::Time deadline = absl::Now() + timeout;
  while (true) {
    for (; seen < lines_.size(); ++seen) {
      if (matches(lines_[seen])) return lines_[seen];
    }
    if (closed_) {
      return absl::FailedPreconditionError(absl::StrCat(
          "process ended; it printed:\n", absl::StrJoin(lines_, "\n")));
    }
    auto changed = [this, seen]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return closed_ || lines_.size() > seen;
    };
    if (!mu_.AwaitWithDeadline(absl::Condition(&changed), deadline)) {
      return absl::DeadlineExceededError(
          absl::StrCat("no such line within ", absl::FormatDuration(timeout),
                       "; printed:\n", absl::StrJoin(lines_, "\n")));
    }
  }
}

absl::StatusOr<std::string> Subprocess::WaitForText(absl::string_view text,
                                                    absl::Duration timeout) {
  const std::string wanted(text);
  return WaitForLine(
      [&wanted](absl::string_view line) {
        return absl::StrContains(line, wanted);
      },
      timeout);
}

void Subprocess::Signal(int signal) {
  if (!reaped_) kill(pid_, signal);
}

absl::StatusOr<int> Subprocess::Wait(absl::Duration timeout) {
  if (reaped_) return status_;
  // The reader sees end of file when the process (and anything holding its
  // output) exits.
  {
    absl::MutexLock lock(&mu_);
    auto closed = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return closed_; };
    if (!mu_.AwaitWithTimeout(absl::Condition(&closed), timeout)) {
      return absl::DeadlineExceededError("process did not end in time");
    }
  }
  if (waitpid(pid_, &status_, 0) != pid_)
    return absl::InternalError("waitpid failed");
  reaped_ = true;
  return status_;
}

bool Subprocess::running() const {
  absl::MutexLock lock(&mu_);
  return !closed_;
}

std::string Subprocess::Output() const {
  absl::MutexLock lock(&mu_);
  return absl::StrJoin(lines_, "\n");
}

int FreePort() {
  const int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address);
  socklen_t length = sizeof address;
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

std::string MakeTempDir(absl::string_view prefix) {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      absl::StrCat(base != nullptr ? base : "/tmp", "/", prefix, "-XXXXXX");
  if (mkdtemp(pattern.data()) == nullptr) return "";
  return pattern;
}

void RemoveTree(const std::string& path) {
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

}  // namespace kepu::testing
