// Each person's in-app inbox, on Redis: the items (serialized InboxItem) in a
// hash, their ids in an unread and a read sorted set by time, and a tenant
// feed stream announcing every new item to live watchers (RedisInboxFeed).
// Every key carries the tenant's hash tag.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/notification.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

struct InboxEntry {
  v1::InboxItem item;
  bool read = false;
};

struct InboxPage {
  // Unread first, then read; newest first within each.
  std::vector<InboxEntry> entries;
  // Empty when there are no more.
  std::string next_cursor;
  int32_t unread = 0;
};

struct InboxLimits {
  // Unread items kept per person (the oldest go first).
  int unread_cap = 1000;
  // Read items kept per person.
  int read_cap = 200;
  // Entries the tenant's feed keeps (about).
  int feed_length = 10000;
};

// The tenant's inbox feed stream: each new item, serialized, as field e.
std::string InboxFeedKey(absl::string_view tenant);

// Thread-safe. kUnavailable when Redis cannot be reached (retry).
class RedisInbox {
 public:
  RedisInbox(RedisClient& redis, absl::string_view tenant,
             InboxLimits limits = {});

  // Adds `item` to the inbox of item.user_id() unless an item with its id is
  // there (read or not): true when added. Idempotent: a delivery tried again
  // adds nothing.
  absl::StatusOr<bool> Add(const v1::InboxItem& item);

  // One page of `user_id`'s inbox, `limit` 1 to 100. The cursor is a position
  // (items that arrive or are read while paging may shift it by a few).
  //   kInvalidArgument: a cursor this did not make.
  absl::StatusOr<InboxPage> List(absl::string_view user_id, bool unread_only,
                                 int limit, absl::string_view cursor);

  // Marks the items read (`all`: every unread one); unknown ids are skipped.
  // Answers the unread count after.
  absl::StatusOr<int32_t> MarkRead(absl::string_view user_id,
                                   const std::vector<std::string>& ids,
                                   bool all);

  absl::StatusOr<int32_t> UnreadCount(absl::string_view user_id);

 private:
  std::string Items(absl::string_view user_id) const;
  std::string Unread(absl::string_view user_id) const;
  std::string Read(absl::string_view user_id) const;

  RedisClient& redis_;
  const RedisKeys keys_;
  const std::string tenant_;
  const InboxLimits limits_;
};

}  // namespace kepu
