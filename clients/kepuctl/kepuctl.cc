#include "clients/kepuctl/kepuctl.h"

#include <algorithm>
#include <cstdlib>
#include <utility>

#include "absl/flags/flag.h"
#include "absl/flags/reflection.h"
#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "clients/kepuctl/args.h"
#include "clients/kepuctl/cli.h"
#include "clients/kepuctl/command.h"
#include "clients/kepuctl/config.h"
#include "clients/kepuctl/output.h"

ABSL_FLAG(std::string, server, std::string(kepu::ctl::kDefaultServer),
          "host:port of kepud (default: the profile's server, else "
          "127.0.0.1:7070)");
ABSL_FLAG(std::string, profile, "default",
          "the profile of the configuration file: its server, tenant, token");
ABSL_FLAG(bool, json, false,
          "print responses in protobuf's JSON mapping, one object per line");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(10), "deadline of each call");

namespace kepu::ctl {
namespace {

constexpr absl::string_view kOverview =
    R"(kepuctl — the command-line client of Kepu (科普)

usage: kepuctl [global flags] <command words> [<operands>] [--flag=value ...]

Global flags (anywhere on the line):
  --server=<host:port>   kepud to call (default: $KEPU_SERVER, else the profile's, else
                         127.0.0.1:7070)
  --profile=<name>       which profile of the config file (default "default")
  --json                 print responses in protobuf's JSON mapping, one object per line
  --timeout=<duration>   deadline of each call (default 10s)

The config file ($KEPUCTL_CONFIG, else ~/.config/kepu/kepuctl.json, mode 0600) holds per profile
the server, the tenant (sent as x-kepu-tenant; default jining) and the token that `login` stores;
every call sends it as "authorization: Bearer <token>". Use one profile per person:
  kepuctl --profile=worker login --phone=13800010001

Mutating commands send a fresh random request id; --request-id=<id> repeats a call safely.
Moves on an existing record send the version read just before, or --version=<n>.
Times are local time (Asia/Shanghai), ISO-8601: 2026-12-01T09:00; a window is
2026-12-01T09:00/11:00. Exit codes: 0 done, 1 the call failed, 2 a wrong command line.
)";

std::string FlagUsage(const FlagSpec& flag) {
  if (flag.kind == FlagKind::kBool) return absl::StrCat("--", flag.name);
  return absl::StrCat("--", flag.name, "=",
                      flag.value_name.empty() ? "<value>" : flag.value_name);
}

std::string CommandLine(const Command& command) {
  std::string line = absl::StrJoin(command.words, " ");
  if (!command.operands.empty()) absl::StrAppend(&line, " ", command.operands);
  return line;
}

// The command whose words are the longest prefix of `tokens`; `used` is how
// many tokens they take.
const Command* Match(const std::vector<std::string>& tokens, size_t* used) {
  const Command* best = nullptr;
  *used = 0;
  for (const Command& command : AllCommands()) {
    const size_t n = command.words.size();
    if (n > tokens.size() || n <= *used) continue;
    if (std::equal(command.words.begin(), command.words.end(),
                   tokens.begin())) {
      best = &command;
      *used = n;
    }
  }
  return best;
}

void PrintError(std::ostream& err, const absl::Status& status,
                absl::string_view hint) {
  std::string message(status.message());
  for (char& c : message) {
    if (c == '\n') c = ' ';
  }
  err << "kepuctl: " << absl::StatusCodeToString(status.code());
  if (!message.empty()) err << ": " << message;
  if (!hint.empty()) err << " (" << hint << ")";
  err << "\n";
}

void ResetGlobalFlags() {
  for (const std::string& name : GlobalFlagNames()) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag != nullptr) flag->ParseFrom(flag->DefaultValue(), &error);
  }
}

}  // namespace

FlagSpec RequestIdFlag() {
  return {"request-id", FlagKind::kValue, "<id>",
          "repeat an earlier call safely (8-64 of A-Z a-z 0-9 _ -)"};
}

FlagSpec VersionFlag() {
  return {"version", FlagKind::kValue, "<n>",
          "the version the move expects (default: read it first)"};
}

std::vector<FlagSpec> PageFlags() {
  return {{"page-size", FlagKind::kValue, "<n>", "1 to 100 (default 20)"},
          {"page-token", FlagKind::kValue, "<token>",
           "the next page (printed after a page)"}};
}

std::vector<FlagSpec> Concat(std::vector<FlagSpec> a,
                             const std::vector<FlagSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const std::vector<Command>& AllCommands() {
  static const std::vector<Command>* const kCommands = [] {
    auto* commands = new std::vector<Command>;
    AddIdentityCommands(*commands);
    AddDirectoryCommands(*commands);
    AddOrderCommands(*commands);
    AddDispatchCommands(*commands);
    AddClaimCommands(*commands);
    AddFulfilmentCommands(*commands);
    AddMatchingCommands(*commands);
    AddWatchdogCommands(*commands);
    AddWatchCommands(*commands);
    AddDemoCommands(*commands);
    AddHealthCommands(*commands);
    return commands;
  }();
  return *kCommands;
}

std::string HelpText() {
  std::string text(kOverview);
  std::string group;
  Table* table = nullptr;
  std::vector<std::pair<std::string, Table>> sections;
  for (const Command& command : AllCommands()) {
    if (table == nullptr || command.group != group) {
      group = command.group;
      sections.emplace_back(group, Table({}));
      table = &sections.back().second;
    }
    table->AddRow({absl::StrCat("  ", CommandLine(command)), command.summary});
  }
  for (const auto& [name, section] : sections) {
    absl::StrAppend(&text, "\n", name, ":\n", section.Render());
  }
  absl::StrAppend(&text,
                  "\n'kepuctl help <command>' shows a command's flags, e.g. "
                  "kepuctl help order create\n");
  return text;
}

std::string CommandHelp(const std::vector<std::string>& words) {
  size_t used = 0;
  const Command* command = Match(words, &used);
  if (command == nullptr) return "";
  std::string text = absl::StrCat("usage: kepuctl ", CommandLine(*command));
  if (!command->flags.empty()) absl::StrAppend(&text, " [flags]");
  absl::StrAppend(&text, "\n\n", command->summary, "\n");
  if (!command->flags.empty()) {
    Table table({});
    for (const FlagSpec& flag : command->flags) {
      table.AddRow({absl::StrCat("  ", FlagUsage(flag)), flag.help});
    }
    absl::StrAppend(&text, "\nflags:\n", table.Render());
  }
  return text;
}

int Run(const std::vector<std::string>& args, std::ostream& out,
        std::ostream& err, bool err_is_terminal) {
  ResetGlobalFlags();
  absl::StatusOr<SplitArgs> split = SplitGlobalFlags(args);
  if (!split.ok()) {
    PrintError(err, split.status(), "");
    return kExitUsage;
  }
  Options options;
  for (const auto& [name, value] : split->globals) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    std::string error;
    if (flag == nullptr || !flag->ParseFrom(value, &error)) {
      PrintError(err, UsageError(absl::StrCat("--", name, ": ", error)), "");
      return kExitUsage;
    }
    if (name == "server") options.server_given = true;
  }
  options.server = absl::GetFlag(FLAGS_server);
  // KEPU_SERVER stands in for --server (scripts, the README walkthrough).
  if (const char* server = std::getenv("KEPU_SERVER");
      !options.server_given && server != nullptr && *server != '\0') {
    options.server = server;
    options.server_given = true;
  }
  options.profile = absl::GetFlag(FLAGS_profile);
  options.json = absl::GetFlag(FLAGS_json);
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.config_path = Config::DefaultPath();

  std::vector<std::string> tokens = std::move(split->command);
  if (!tokens.empty() && tokens[0] == "help") {
    tokens.erase(tokens.begin());
    split->help = true;
  }
  if (split->help) {
    if (tokens.empty()) {
      out << HelpText();
      return kExitOk;
    }
    std::string help = CommandHelp(tokens);
    if (help.empty()) {
      PrintError(err,
                 UsageError(absl::StrCat("no command '",
                                         absl::StrJoin(tokens, " "), "'")),
                 "see kepuctl help");
      return kExitUsage;
    }
    out << help;
    return kExitOk;
  }
  if (tokens.empty()) {
    err << HelpText();
    return kExitUsage;
  }

  size_t used = 0;
  const Command* command = Match(tokens, &used);
  if (command == nullptr) {
    std::vector<std::string> close;
    for (const Command& candidate : AllCommands()) {
      if (candidate.words[0] == tokens[0])
        close.push_back(CommandLine(candidate));
    }
    PrintError(
        err,
        UsageError(
            absl::StrCat("unknown command '", absl::StrJoin(tokens, " "), "'")),
        close.empty()
            ? "see kepuctl help"
            : absl::StrCat("did you mean: ", absl::StrJoin(close, "; "), "?"));
    return kExitUsage;
  }
  const std::string help_hint =
      absl::StrCat("see kepuctl help ", absl::StrJoin(command->words, " "));
  absl::StatusOr<Args> parsed =
      Args::Parse(std::vector<std::string>(tokens.begin() + used, tokens.end()),
                  command->flags);
  if (!parsed.ok()) {
    PrintError(err, parsed.status(), help_hint);
    return kExitUsage;
  }
  const int operands = static_cast<int>(parsed->positional().size());
  if (operands < command->min_operands || operands > command->max_operands) {
    PrintError(err,
               UsageError(command->operands.empty()
                              ? absl::StrCat("unexpected operand '",
                                             parsed->positional().back(), "'")
                              : absl::StrCat("expected ", command->operands,
                                             operands == 0 ? "" : " only")),
               help_hint);
    return kExitUsage;
  }

  absl::StatusOr<Config> config = Config::Load(options.config_path);
  if (!config.ok()) {
    PrintError(err, config.status(), "");
    return kExitFailure;
  }
  Cli cli(std::move(options), *std::move(config), out, err);
  cli.set_err_is_terminal(err_is_terminal);
  const absl::Status status = command->run(cli, *parsed);
  out.flush();
  if (status.ok()) return kExitOk;
  if (IsUsageError(status)) {
    PrintError(err, status, help_hint);
    return kExitUsage;
  }
  // The outcome of a mutating call that timed out or lost its connection is
  // unknown: say how to repeat exactly that call.
  const bool unknown_outcome =
      status.code() == absl::StatusCode::kUnavailable ||
      status.code() == absl::StatusCode::kDeadlineExceeded;
  PrintError(err, status,
             unknown_outcome && !cli.retry_hint().empty()
                 ? absl::StrCat("retry safely with ", cli.retry_hint())
                 : "");
  return kExitFailure;
}

}  // namespace kepu::ctl
