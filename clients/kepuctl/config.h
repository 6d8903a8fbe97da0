// kepuctl's configuration file: per profile the server, the tenant and the
// session token. JSON:
//
//   {"profiles": {"default": {"server": "127.0.0.1:7070",
//                             "tenant": "jining", "token": "..."}}}
//
// The file holds tokens, so it is written with mode 0600 (its directory, when
// kepuctl creates it, 0700), atomically (a temporary file renamed over it).
#pragma once

#include <map>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace kepu::ctl {

inline constexpr absl::string_view kDefaultServer = "127.0.0.1:7070";
inline constexpr absl::string_view kDefaultTenant = "jining";

struct Profile {
  // host:port; empty: the --server flag's default.
  std::string server;
  // Sent as x-kepu-tenant on public calls; empty: "jining".
  std::string tenant;
  // The session token of `kepuctl login`; empty when signed out.
  std::string token;
};

class Config {
 public:
  // $KEPUCTL_CONFIG, or $HOME/.config/kepu/kepuctl.json.
  static std::string DefaultPath();

  // A missing file is an empty configuration. INVALID_ARGUMENT: the file is
  // not a kepuctl configuration (the message names the path); UNAVAILABLE:
  // it cannot be read.
  static absl::StatusOr<Config> Load(const std::string& path);
  // UNAVAILABLE when the file or its directory cannot be written.
  absl::Status Save(const std::string& path) const;

  // The named profile, created empty when missing.
  Profile& profile(absl::string_view name);
  // nullptr when missing.
  const Profile* Find(absl::string_view name) const;

  const std::map<std::string, Profile, std::less<>>& profiles() const {
    return profiles_;
  }

 private:
  std::map<std::string, Profile, std::less<>> profiles_;
};

}  // namespace kepu::ctl
