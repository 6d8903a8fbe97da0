#include "clients/kepuctl/config.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace kepu::ctl {
namespace {

absl::Status Unavailable(absl::string_view what, const std::string& path) {
  return absl::UnavailableError(
      absl::StrCat(what, " ", path, ": ", std::strerror(errno)));
}

// mkdir -p of the directory of `path`, new directories with mode 0700.
absl::Status MakeParents(const std::string& path) {
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    const std::string dir = path.substr(0, slash);
    if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
      return Unavailable("cannot create directory", dir);
    }
  }
  return absl::OkStatus();
}

std::string StringField(const google::protobuf::Struct& object,
                        const std::string& key) {
  auto it = object.fields().find(key);
  if (it == object.fields().end() ||
      it->second.kind_case() != google::protobuf::Value::kStringValue) {
    return "";
  }
  return it->second.string_value();
}

}  // namespace

std::string Config::DefaultPath() {
  if (const char* path = std::getenv("KEPUCTL_CONFIG");
      path != nullptr && *path != '\0') {
    return path;
  }
  const char* home = std::getenv("HOME");
  return absl::StrCat(home != nullptr ? home : ".",
                      "/.config/kepu/kepuctl.json");
}

absl::StatusOr<Config> Config::Load(const std::string& path) {
  Config config;
  struct stat info;
  if (stat(path.c_str(), &info) != 0) {
    if (errno == ENOENT) return config;
    return Unavailable("cannot read", path);
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return Unavailable("cannot read", path);
  std::stringstream text;
  text << in.rdbuf();
  google::protobuf::Struct root;
  if (text.str().find_first_not_of(" \t\r\n") == std::string::npos) {
    return config;
  }
  if (!google::protobuf::util::JsonStringToMessage(text.str(), &root).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a kepuctl configuration (bad JSON)"));
  }
  auto profiles = root.fields().find("profiles");
  if (profiles == root.fields().end()) return config;
  if (profiles->second.kind_case() != google::protobuf::Value::kStructValue) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": \"profiles\" must be an object"));
  }
  for (const auto& [name, value] : profiles->second.struct_value().fields()) {
    if (value.kind_case() != google::protobuf::Value::kStructValue) {
      return absl::InvalidArgumentError(
          absl::StrCat(path, ": profile \"", name, "\" must be an object"));
    }
    Profile& profile = config.profiles_[name];
    profile.server = StringField(value.struct_value(), "server");
    profile.tenant = StringField(value.struct_value(), "tenant");
    profile.token = StringField(value.struct_value(), "token");
  }
  return config;
}

absl::Status Config::Save(const std::string& path) const {
  google::protobuf::Struct root;
  google::protobuf::Struct* profiles =
      (*root.mutable_fields())["profiles"].mutable_struct_value();
  for (const auto& [name, profile] : profiles_) {
    google::protobuf::Struct* object =
        (*profiles->mutable_fields())[name].mutable_struct_value();
    auto set = [object](const char* key, const std::string& value) {
      if (!value.empty())
        (*object->mutable_fields())[key].set_string_value(value);
    };
    set("server", profile.server);
    set("tenant", profile.tenant);
    set("token", profile.token);
  }
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  if (!google::protobuf::util::MessageToJsonString(root, &json, options).ok()) {
    return absl::InternalError("cannot encode the configuration");
  }

  if (absl::Status made = MakeParents(path); !made.ok()) return made;
  const std::string temporary = absl::StrCat(path, ".tmp.", getpid());
  const int fd =
      open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return Unavailable("cannot write", temporary);
  int error = 0;
  // The mode of open() is reduced by the umask, never widened; fchmod makes it
  // exactly 0600 even for a file left over from an earlier attempt.
  if (fchmod(fd, 0600) != 0) error = errno;
  size_t written = 0;
  while (error == 0 && written < json.size()) {
    const ssize_t n = write(fd, json.data() + written, json.size() - written);
    if (n < 0) {
      if (errno != EINTR) error = errno;
    } else {
      written += static_cast<size_t>(n);
    }
  }
  if (error == 0 && fsync(fd) != 0) error = errno;
  close(fd);
  if (error == 0 && rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
  }
  if (error != 0) {
    unlink(temporary.c_str());
    return absl::UnavailableError(
        absl::StrCat("cannot write ", path, ": ", std::strerror(error)));
  }
  return absl::OkStatus();
}

Profile& Config::profile(absl::string_view name) {
  auto it = profiles_.find(name);
  if (it == profiles_.end()) it = profiles_.emplace(name, Profile{}).first;
  return it->second;
}

const Profile* Config::Find(absl::string_view name) const {
  auto it = profiles_.find(name);
  return it == profiles_.end() ? nullptr : &it->second;
}

}  // namespace kepu::ctl
