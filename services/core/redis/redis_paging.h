// Reading time-ordered pages of sorted sets, and the records they list: what
// RedisOrderStore's listings (orders by index, hours, follow-ups, escalations)
// share.
#pragma once

#include <algorithm>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/order.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"
#include "services/core/status_macros.h"

namespace kepu {

// A position in a time-ordered listing: the time (ms) and the member there.
struct Cursor {
  int64_t millis = 0;
  std::string id;
};

// A sorted set's score as Redis prints it, as an integer (0 if it is none).
int64_t ParseScore(absl::string_view text);

// "<millis>.<id>"; DecodeCursor reads it back (nullopt for "").
//   kInvalidArgument "page.page_token: ..." for text EncodeCursor did not make.
std::string EncodeCursor(const Cursor& cursor);
absl::StatusOr<std::optional<Cursor>> DecodeCursor(absl::string_view text);

// A time-ordered slice of one sorted set: the members scored
// [offset, offset + kStateScoreSpan), whose time is their score - offset.
struct IndexRange {
  std::string key;
  int64_t offset = 0;
};

struct RangePage {
  std::vector<Cursor> hits;
  // There are further members past the last hit.
  bool more = false;
  // Members of the ranges in all.
  int64_t total = 0;
};

// The members of `ranges` past `cursor` in time order (then id), at most
// `limit`, in one round trip.
absl::StatusOr<RangePage> ReadRanges(RedisClient& redis,
                                     const std::vector<IndexRange>& ranges,
                                     const std::optional<Cursor>& cursor,
                                     bool newest_first, int limit);

// A stored protobuf record. kDataLoss when the bytes do not parse.
template <typename Message>
absl::StatusOr<Message> ParseStored(absl::string_view bytes,
                                    absl::string_view what) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(absl::StrCat("cannot parse the stored ", what));
  }
  return message;
}

// The reply to a GET of a record: kNotFound "<what> <id> not found" for nil.
template <typename Message>
absl::StatusOr<Message> ParseRecordReply(const RedisReply& reply,
                                         absl::string_view what,
                                         absl::string_view id) {
  if (reply.IsNil()) {
    return absl::NotFoundError(absl::StrCat(what, " ", id, " not found"));
  }
  if (!reply.IsString()) {
    return absl::DataLossError(
        absl::StrCat("cannot parse the stored ", what, " ", id));
  }
  return ParseStored<Message>(reply.Str(), absl::StrCat(what, " ", id));
}

// The orders of `hits` (hash field r), nullopt for one that vanished
// meanwhile; one round trip.
absl::StatusOr<std::vector<std::optional<v1::Order>>> ReadOrders(
    RedisClient& redis, const RedisKeys& keys, const std::vector<Cursor>& hits);

// The string records listed by `index` (scored by time), newest first from
// `cursor`, that `wanted` keeps, at most `limit`; and the cursor of the next
// page ("" when none follows).
template <typename Message>
absl::StatusOr<std::pair<std::vector<Message>, std::string>> ReadRecordPage(
    RedisClient& redis, const std::string& index, int limit,
    absl::string_view cursor_text,
    const std::function<std::string(absl::string_view)>& key_of,
    const std::function<bool(const Message&)>& wanted) {
  ASSIGN_OR_RETURN(std::optional<Cursor> cursor, DecodeCursor(cursor_text));
  std::vector<Message> records;
  std::string next;
  const std::vector<IndexRange> ranges = {{index, 0}};
  while (true) {
    ASSIGN_OR_RETURN(RangePage page,
                     ReadRanges(redis, ranges, cursor, /*newest_first=*/true,
                                std::max(limit, 20)));
    std::vector<std::string> keys;
    keys.reserve(page.hits.size());
    for (const Cursor& hit : page.hits) keys.push_back(key_of(hit.id));
    std::vector<std::vector<absl::string_view>> reads;
    reads.reserve(keys.size());
    for (const std::string& key : keys) reads.push_back({"GET", key});
    ASSIGN_OR_RETURN(std::vector<RedisReply> replies, redis.Pipeline(reads));
    for (size_t i = 0; i < replies.size(); ++i) {
      cursor = page.hits[i];
      if (replies[i].IsNil()) continue;
      ASSIGN_OR_RETURN(
          Message record,
          ParseRecordReply<Message>(replies[i], "record", page.hits[i].id));
      if (!wanted(record)) continue;
      records.push_back(std::move(record));
      if (static_cast<int>(records.size()) == limit) {
        if (i + 1 < replies.size() || page.more) next = EncodeCursor(*cursor);
        return std::make_pair(std::move(records), next);
      }
    }
    if (!page.more) return std::make_pair(std::move(records), next);
  }
}

}  // namespace kepu
