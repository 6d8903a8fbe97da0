// Command-line parsing of kepuctl: the words and --flags of a command, and the
// values flags carry (times, windows, durations, enums, grants, hours).
//
// Every parse error is a usage error (see UsageError): kepuctl prints it and
// exits with 2.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/fulfilment.pb.h"
#include "kepu/v1/order.pb.h"

namespace kepu::ctl {

// INVALID_ARGUMENT marked as a mistake on the command line (exit code 2), as
// opposed to an INVALID_ARGUMENT answered by the server (exit code 1).
absl::Status UsageError(absl::string_view message);
bool IsUsageError(const absl::Status& status);

enum class FlagKind {
  kValue,     // --name=value (or --name value); the last one counts
  kRepeated,  // --name=value, any number of times
  kBool,      // --name, --name=true|false, --noname
};

struct FlagSpec {
  std::string name;
  FlagKind kind = FlagKind::kValue;
  // How the value is shown in help, e.g. "<order>", "2h"; empty for bools.
  std::string value_name;
  std::string help;
};

// The positional operands and flags of one command. Parse() accepts only the
// flags of `specs`; "--" ends the flags.
class Args {
 public:
  static absl::StatusOr<Args> Parse(const std::vector<std::string>& tokens,
                                    const std::vector<FlagSpec>& specs);

  const std::vector<std::string>& positional() const { return positional_; }

  bool Has(absl::string_view name) const;
  // The last value of the flag; nullopt when absent.
  std::optional<std::string> Get(absl::string_view name) const;
  std::string GetOr(absl::string_view name, absl::string_view fallback) const;
  std::vector<std::string> GetAll(absl::string_view name) const;
  // A bool flag: false when absent.
  bool GetBool(absl::string_view name) const;
  // The value, or a usage error "--<name> is required".
  absl::StatusOr<std::string> Require(absl::string_view name) const;
  // An integer in [min, max]; nullopt when absent.
  absl::StatusOr<std::optional<int64_t>> GetInt(absl::string_view name,
                                                int64_t min, int64_t max) const;
  // A finite decimal number; nullopt when absent.
  absl::StatusOr<std::optional<double>> GetDouble(absl::string_view name) const;

 private:
  std::vector<std::string> positional_;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

// Global flags ----------------------------------------------------------------

// The names of kepuctl's global flags (server, profile, json, timeout).
const std::vector<std::string>& GlobalFlagNames();

struct SplitArgs {
  // name -> value of each global flag given ("true"/"false" for --json).
  std::vector<std::pair<std::string, std::string>> globals;
  // Everything else, in order: the command's words, operands and flags.
  std::vector<std::string> command;
  // --help, -h or "help" anywhere before "--".
  bool help = false;
};

// Takes the global flags out of `args` (args[0] is the program), wherever
// they stand, so that "kepuctl order get X --json" works.
absl::StatusOr<SplitArgs> SplitGlobalFlags(
    const std::vector<std::string>& args);

// Values ----------------------------------------------------------------------

// The time zone kepuctl reads and prints times in: Asia/Shanghai (UTC+8; a
// fixed UTC+8 when the system has no time zone data, which is the same: China
// has no daylight saving time).
absl::TimeZone LocalZone();

// "2026-12-01T09:00", "2026-12-01T09:00:30", "2026-12-01 09:00" in `zone`, or
// with an explicit offset ("...+08:00", "...Z").
absl::StatusOr<absl::Time> ParseTime(absl::string_view text,
                                     absl::TimeZone zone);

// "START/END" where END is a full time or just "HH:MM" on START's day, e.g.
// "2026-12-01T09:00/11:00".
absl::StatusOr<v1::TimeWindow> ParseWindow(absl::string_view text,
                                           absl::TimeZone zone);

// "90m", "2h", "1h30m", "3d" (days are 24 hours).
absl::StatusOr<absl::Duration> ParseDurationText(absl::string_view text);

// "<volunteer id>:<hours>[:<reason>]", e.g. "v-rc-01:2.5" or
// "v-rc-01:2:签到表" (the reason a completion needs for a volunteer who did
// not sign in, or for hours that differ from the signed time).
absl::StatusOr<v1::HoursEntry> ParseHours(absl::string_view text);

// "<role>[:<scope>]", e.g. "worker:rencheng-guhuai-zhuyuan", "resident".
absl::StatusOr<v1::RoleGrant> ParseGrant(absl::string_view text);

// Enum values by their short names, case-insensitive, '-' or '_':
// roles: resident, worker (community-worker), department (department-staff,
//   dept), leader (team-leader), volunteer, admin;
// audiences: youth, farmers, workers (industrial-workers), elderly, officials,
//   public (general-public);
// states: submitted, needs-info, rejected, dispatched, claimed, offered,
//   accepted, in-service, completed, rated, closed, cancelled;
// region levels: city, county, zone, town, community.
// The full enum names (ROLE_TEAM_LEADER, ...) work too.
absl::StatusOr<v1::Role> ParseRole(absl::string_view text);
absl::StatusOr<v1::Audience> ParseAudience(absl::string_view text);
absl::StatusOr<v1::OrderState> ParseState(absl::string_view text);
absl::StatusOr<v1::RegionLevel> ParseRegionLevel(absl::string_view text);

// true/false, yes/no, 1/0, on/off.
absl::StatusOr<bool> ParseBoolText(absl::string_view text);

// Comma-separated values, each trimmed; empty items dropped.
std::vector<std::string> SplitList(absl::string_view text);

}  // namespace kepu::ctl
