// The command table of kepuctl: each command is words ("order create"),
// operands ("<order>"), its flags, and a handler. `kepuctl help` is generated
// from the table.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "clients/kepuctl/args.h"
#include "clients/kepuctl/cli.h"

namespace kepu::ctl {

using Handler = std::function<absl::Status(Cli& cli, const Args& args)>;

struct Command {
  // The help section, e.g. "Orders (resident)".
  std::string group;
  std::vector<std::string> words;
  // How the operands are shown, e.g. "<order>".
  std::string operands;
  int min_operands = 0;
  int max_operands = 0;
  std::string summary;
  std::vector<FlagSpec> flags;
  Handler run;
};

// Flags many commands share.
FlagSpec RequestIdFlag();  // --request-id: retry a mutating call safely
FlagSpec VersionFlag();    // --version: the expected version, else read first
std::vector<FlagSpec> PageFlags();  // --page-size, --page-token
std::vector<FlagSpec> Concat(std::vector<FlagSpec> a,
                             const std::vector<FlagSpec>& b);

// The commands of each area (commands_<area>.cc).
void AddIdentityCommands(std::vector<Command>& commands);
void AddDirectoryCommands(std::vector<Command>& commands);
void AddOrderCommands(std::vector<Command>& commands);
void AddDispatchCommands(std::vector<Command>& commands);
void AddClaimCommands(std::vector<Command>& commands);
void AddFulfilmentCommands(std::vector<Command>& commands);
void AddMatchingCommands(std::vector<Command>& commands);
void AddWatchdogCommands(std::vector<Command>& commands);
void AddWatchCommands(std::vector<Command>& commands);
void AddDemoCommands(std::vector<Command>& commands);
void AddHealthCommands(std::vector<Command>& commands);

// Every command, in help order.
const std::vector<Command>& AllCommands();

}  // namespace kepu::ctl
