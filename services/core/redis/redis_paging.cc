#include "services/core/redis/redis_paging.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace kepu {
namespace {

// Whether `a` comes before `b` in the listing's order.
bool Before(const Cursor& a, const Cursor& b, bool newest_first) {
  if (a.millis != b.millis) {
    return newest_first ? a.millis > b.millis : a.millis < b.millis;
  }
  return newest_first ? a.id > b.id : a.id < b.id;
}

}  // namespace

int64_t ParseScore(absl::string_view text) {
  double value = 0;
  if (!absl::SimpleAtod(text, &value)) return 0;
  return static_cast<int64_t>(value);
}

std::string EncodeCursor(const Cursor& cursor) {
  return absl::StrCat(cursor.millis, ".", cursor.id);
}

absl::StatusOr<std::optional<Cursor>> DecodeCursor(absl::string_view text) {
  if (text.empty()) return std::nullopt;
  std::vector<absl::string_view> parts =
      absl::StrSplit(text, absl::MaxSplits('.', 1));
  Cursor cursor;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &cursor.millis) ||
      cursor.millis < 0 || cursor.millis >= kStateScoreSpan ||
      parts[1].empty()) {
    return absl::InvalidArgumentError("page.page_token: is not a page token");
  }
  cursor.id = std::string(parts[1]);
  return cursor;
}

absl::StatusOr<RangePage> ReadRanges(RedisClient& redis,
                                     const std::vector<IndexRange>& ranges,
                                     const std::optional<Cursor>& cursor,
                                     bool newest_first, int limit) {
  // Per range: how many it holds, the members tied with the cursor's time
  // (few: same millisecond), and up to limit + 1 members strictly past it.
  std::vector<std::string> strings;  // owns the arguments below
  strings.reserve(ranges.size() * 6);
  auto text = [&strings](std::string value) -> absl::string_view {
    strings.push_back(std::move(value));
    return strings.back();
  };
  const std::string fetch = absl::StrCat(limit + 1);
  std::vector<std::vector<absl::string_view>> commands;
  for (const IndexRange& range : ranges) {
    const int64_t low = range.offset;
    const int64_t high = range.offset + kStateScoreSpan;
    commands.push_back({"ZCOUNT", range.key, text(absl::StrCat(low)),
                        text(absl::StrCat("(", high))});
    absl::string_view start;
    absl::string_view end;
    if (cursor.has_value()) {
      const absl::string_view tie = text(absl::StrCat(low + cursor->millis));
      commands.push_back({"ZRANGE", range.key, tie, tie, "BYSCORE"});
      start = text(absl::StrCat("(", low + cursor->millis));
    } else {
      start = newest_first ? text(absl::StrCat("(", high))
                           : text(absl::StrCat(low));
    }
    end =
        newest_first ? text(absl::StrCat(low)) : text(absl::StrCat("(", high));
    if (newest_first) {
      commands.push_back({"ZRANGE", range.key, start, end, "BYSCORE", "REV",
                          "LIMIT", "0", fetch, "WITHSCORES"});
    } else {
      commands.push_back({"ZRANGE", range.key, start, end, "BYSCORE", "LIMIT",
                          "0", fetch, "WITHSCORES"});
    }
  }
  ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(commands));

  RangePage page;
  size_t r = 0;
  for (const IndexRange& range : ranges) {
    page.total += replies[r++].Integer();
    if (cursor.has_value()) {
      const RedisReply& ties = replies[r++];
      for (size_t i = 0; i < ties.Size(); ++i) {
        Cursor hit{cursor->millis, std::string(ties[i].Str())};
        if (Before(*cursor, hit, newest_first))
          page.hits.push_back(std::move(hit));
      }
    }
    const RedisReply& rest = replies[r++];
    for (size_t i = 0; i + 1 < rest.Size(); i += 2) {
      page.hits.push_back({ParseScore(rest[i + 1].Str()) - range.offset,
                           std::string(rest[i].Str())});
    }
  }
  std::sort(page.hits.begin(), page.hits.end(),
            [newest_first](const Cursor& a, const Cursor& b) {
              return Before(a, b, newest_first);
            });
  page.more = page.hits.size() > static_cast<size_t>(limit);
  if (page.more) page.hits.resize(limit);
  return page;
}

absl::StatusOr<std::vector<std::optional<v1::Order>>> ReadOrders(
    RedisClient& redis, const RedisKeys& keys,
    const std::vector<Cursor>& hits) {
  std::vector<std::string> order_keys;
  order_keys.reserve(hits.size());
  for (const Cursor& hit : hits) order_keys.push_back(keys.Order(hit.id));
  std::vector<std::vector<absl::string_view>> reads;
  reads.reserve(order_keys.size());
  for (const std::string& key : order_keys) reads.push_back({"HGET", key, "r"});
  ASSIGN_OR_RETURN(std::vector<RedisReply> records, redis.Pipeline(reads));
  std::vector<std::optional<v1::Order>> orders;
  orders.reserve(records.size());
  for (const RedisReply& record : records) {
    if (!record.IsString()) {
      orders.push_back(std::nullopt);
      continue;
    }
    ASSIGN_OR_RETURN(v1::Order order,
                     ParseStored<v1::Order>(record.Str(), "order"));
    orders.push_back(std::move(order));
  }
  return orders;
}

}  // namespace kepu
