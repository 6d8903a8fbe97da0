// The demo data of deploy/seed/ (see its README.md), read into the records
// `kepuctl demo load` creates. No I/O but reading the files.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "google/protobuf/message.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/directory.pb.h"

namespace kepu::ctl {

struct DemoAccount {
  v1::Role role = v1::ROLE_UNSPECIFIED;
  // One grant per scope (several for a worker of several communities); empty
  // for residents.
  std::vector<std::string> scopes;
  std::string phone;
  std::string password;
  std::string name;
  std::string note;
};

struct DemoData {
  // Parents before children.
  std::vector<v1::Region> regions;
  std::vector<v1::Department> departments;
  std::vector<v1::ServiceLine> service_lines;
  // Without leader_user_id and members (set once the accounts and volunteers
  // exist); contact is the leader's name and phone.
  std::vector<v1::Team> teams;
  // team id -> the leader's phone.
  std::map<std::string, std::string> team_leader_phones;
  // Without user_id (linked by phone to a volunteer account, if any).
  std::vector<v1::Volunteer> volunteers;
  std::vector<DemoAccount> accounts;
  // The programs the service lines belong to, by id (created by the server,
  // not by the loader: there is no RPC to create one).
  std::map<std::string, v1::Program> programs;
};

// Reads the files of `dir`. NOT_FOUND: a file is missing; INVALID_ARGUMENT:
// a malformed line (the message names the file and line) or a reference
// between the files that does not resolve (a line's department, a team's
// leader, ...).
absl::StatusOr<DemoData> LoadDemoData(const std::string& dir);

// Whether the data is consistent: every id valid (CheckId), every reference
// resolving (parents, counties, teams' lines, areas and departments,
// volunteers' teams and skills, account scopes), every phone a mainland
// mobile number and unique, capacities 2 to 6, 3 to 6 volunteers per team.
// Returns the problems found, empty when there are none.
std::vector<std::string> CheckDemoData(const DemoData& data);

// The request id of one demo write: "demo-<kind>-<id>-<hash>", where the hash
// covers the id and the content, so that the same record gets the same id on
// every run and a changed record a new one. At most 64 characters of
// [A-Za-z0-9_-].
std::string DemoRequestId(absl::string_view kind, absl::string_view id,
                          const google::protobuf::Message& content);

}  // namespace kepu::ctl
