// kepuctl as a function, so tests can run it: parses the global flags and the
// command, runs it, prints errors as "kepuctl: <CODE>: <message>".
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kepu::ctl {

// Exit codes.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the call failed (the server said no)
inline constexpr int kExitUsage = 2;    // the command line is wrong

// Runs kepuctl with `args` (args[0] is the program name) and returns its exit
// code. Output goes to `out`, errors and progress to `err`. The configuration
// file is $KEPUCTL_CONFIG or ~/.config/kepu/kepuctl.json.
int Run(const std::vector<std::string>& args, std::ostream& out,
        std::ostream& err, bool err_is_terminal = false);

// The help text: the overview, or of the command named by `words`.
std::string HelpText();
std::string CommandHelp(const std::vector<std::string>& words);

}  // namespace kepu::ctl
