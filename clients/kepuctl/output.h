// What kepuctl prints: aligned tables (Chinese text counts two columns), times
// in local time, enum names, JSON, and the progress bar.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "google/protobuf/message.h"
#include "google/protobuf/timestamp.pb.h"
#include "kepu/v1/common.pb.h"
#include "kepu/v1/directory.pb.h"
#include "kepu/v1/order.pb.h"

namespace kepu::ctl {

// The width of UTF-8 text on a terminal: East Asian wide and fullwidth
// characters (汉字, ，（）, emoji) take 2 columns, combining marks 0, others 1.
// A byte that is not valid UTF-8 counts as one column.
int DisplayWidth(absl::string_view text);

// `text` cut to at most `width` columns, ending in "…" when cut.
std::string Truncate(absl::string_view text, int width);

// `text` followed by spaces up to `width` columns.
std::string PadRight(absl::string_view text, int width);

// A table printed with aligned columns, two spaces apart, by display width.
class Table {
 public:
  // An empty header prints no header line (a key/value list).
  explicit Table(std::vector<std::string> header);

  // Missing cells are empty; extra cells are ignored.
  void AddRow(std::vector<std::string> cells);
  // Cells of `column` longer than `width` columns are cut with "…".
  void SetMaxWidth(size_t column, int width);

  size_t rows() const { return rows_.size(); }
  // The lines of the table, each ending in '\n', without trailing spaces.
  std::string Render() const;

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<int> max_width_;
};

// "[#####.....] 120/260 teams": `width` cells filled in proportion to
// done/total (a total of 0 counts as done).
std::string RenderProgress(int64_t done, int64_t total, absl::string_view label,
                           int width = 30);

// A progress bar on a stream. On a terminal it redraws one line ('\r');
// otherwise it prints a line when the label changes and at the end, so logs
// stay readable.
class Progress {
 public:
  Progress(std::ostream& out, bool terminal, int64_t total);
  // One more item of the stage `label` done.
  void Advance(absl::string_view label);
  // Ends the bar with a newline.
  void Finish();
  int64_t done() const { return done_; }

 private:
  std::ostream& out_;
  const bool terminal_;
  const int64_t total_;
  int64_t done_ = 0;
  std::string label_;
  bool finished_ = false;
};

// Times in LocalZone(): "2026-12-01T09:00" (seconds only when not zero); ""
// for an unset timestamp.
std::string TimeText(const google::protobuf::Timestamp& time);
std::string TimeText(absl::Time time);
// "2026-12-01T09:00/11:00" (the end's date only when it differs).
std::string FormatWindow(const v1::TimeWindow& window);
// "in 2h10m", "5m ago" relative to `now`; "" for an unset timestamp.
std::string FormatDue(const google::protobuf::Timestamp& time, absl::Time now);

// Short lower-case names: "needs-info", "community-worker", "elderly",
// "county", "dispatch".
std::string StateName(v1::OrderState state);
std::string RoleName(v1::Role role);
std::string AudienceName(v1::Audience audience);
std::string LevelName(v1::RegionLevel level);
std::string ActionName(v1::OrderAction action);
// 待审核, 待补充, ... for each state.
std::string StateLabel(v1::OrderState state);
// "community-worker:rencheng-guhuai-zhuyuan", "resident".
std::string GrantText(const v1::RoleGrant& grant);

// The message in protobuf's JSON mapping, on one line.
std::string ToJson(const google::protobuf::Message& message);

// "3.5" and "2" (no trailing zeros).
std::string FormatNumber(double value);

}  // namespace kepu::ctl
