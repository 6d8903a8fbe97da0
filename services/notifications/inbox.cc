#include "services/notifications/inbox.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "kepu_notification_scripts.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"
#include "services/core/time_util.h"

namespace kepu {
namespace {

const LuaScript& AddScript() {
  static const LuaScript* const kScript = new LuaScript(
      "inbox_add", absl::string_view(notification_scripts::kInboxAdd.data(),
                                     notification_scripts::kInboxAdd.size()));
  return *kScript;
}

const LuaScript& ReadScript() {
  static const LuaScript* const kScript = new LuaScript(
      "inbox_read", absl::string_view(notification_scripts::kInboxRead.data(),
                                      notification_scripts::kInboxRead.size()));
  return *kScript;
}

absl::StatusOr<int32_t> CountOf(const RedisReply& reply,
                                absl::string_view command) {
  if (!reply.IsInteger()) return UnexpectedReply(command, reply);
  return static_cast<int32_t>(reply.Integer());
}

}  // namespace

RedisInbox::RedisInbox(RedisClient& redis, absl::string_view tenant,
                       InboxLimits limits)
    : redis_(redis), keys_(tenant), tenant_(tenant), limits_(limits) {}

std::string InboxFeedKey(absl::string_view tenant) {
  return absl::StrCat(RedisKeys(tenant).prefix(), "inbox-feed");
}
std::string RedisInbox::Items(absl::string_view user_id) const {
  return absl::StrCat(keys_.prefix(), "inbox:", user_id, ":items");
}
std::string RedisInbox::Unread(absl::string_view user_id) const {
  return absl::StrCat(keys_.prefix(), "inbox:", user_id, ":unread");
}
std::string RedisInbox::Read(absl::string_view user_id) const {
  return absl::StrCat(keys_.prefix(), "inbox:", user_id, ":read");
}

absl::StatusOr<bool> RedisInbox::Add(const v1::InboxItem& item) {
  const std::string items = Items(item.user_id());
  const std::string unread = Unread(item.user_id());
  const std::string feed = InboxFeedKey(tenant_);
  const std::string data = item.SerializeAsString();
  const std::string score =
      absl::StrCat(absl::ToUnixMillis(FromProto(item.created_at())));
  const std::string cap = absl::StrCat(limits_.unread_cap);
  const std::string length = absl::StrCat(limits_.feed_length);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(AddScript(), {items, unread, feed},
                               {item.id(), data, score, cap, length}));
  ASSIGN_OR_RETURN(int32_t added, CountOf(reply, "inbox_add"));
  return added == 1;
}

absl::StatusOr<InboxPage> RedisInbox::List(absl::string_view user_id,
                                           bool unread_only, int limit,
                                           absl::string_view cursor) {
  if (limit < 1 || limit > 100) {
    return absl::InvalidArgumentError("page.size: must be 1 to 100");
  }
  int64_t offset = 0;
  if (!cursor.empty() && (!absl::SimpleAtoi(cursor, &offset) || offset < 0)) {
    return absl::InvalidArgumentError(
        "page.page_token: not a token of this list");
  }
  const std::string unread_key = Unread(user_id);
  const std::string read_key = Read(user_id);
  ASSIGN_OR_RETURN(
      std::vector<RedisReply> counts,
      redis_.Pipeline({{"ZCARD", unread_key}, {"ZCARD", read_key}}));
  ASSIGN_OR_RETURN(const int32_t unread, CountOf(counts[0], "ZCARD"));
  ASSIGN_OR_RETURN(const int32_t read, CountOf(counts[1], "ZCARD"));
  const int64_t total = unread + (unread_only ? 0 : read);
  InboxPage page;
  page.unread = unread;
  // The page's ids: from the unread set while the offset is in it, then from
  // the read set.
  std::vector<std::pair<std::string, bool>> ids;
  auto take = [&](const std::string& key, int64_t from, int64_t count,
                  bool is_read) -> absl::Status {
    if (count <= 0) return absl::OkStatus();
    ASSIGN_OR_RETURN(RedisReply reply,
                     redis_.Command({"ZREVRANGE", key, absl::StrCat(from),
                                     absl::StrCat(from + count - 1)}));
    if (!reply.IsArray()) return UnexpectedReply("ZREVRANGE", reply);
    for (size_t i = 0; i < reply.Size(); ++i) {
      ids.emplace_back(std::string(reply[i].Str()), is_read);
    }
    return absl::OkStatus();
  };
  const int64_t end = std::min<int64_t>(offset + limit, total);
  if (offset < unread) {
    RETURN_IF_ERROR(take(unread_key, offset,
                         std::min<int64_t>(end, unread) - offset, false));
  }
  if (!unread_only && end > unread) {
    const int64_t from = std::max<int64_t>(offset, unread) - unread;
    RETURN_IF_ERROR(take(read_key, from, end - unread - from, true));
  }
  if (!ids.empty()) {
    const std::string items_key = Items(user_id);
    std::vector<absl::string_view> command = {"HMGET", items_key};
    for (const auto& [id, is_read] : ids) command.push_back(id);
    ASSIGN_OR_RETURN(RedisReply items, redis_.Command(command));
    if (!items.IsArray() || items.Size() != ids.size()) {
      return UnexpectedReply("HMGET", items);
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      if (!items[i].IsString()) continue;  // trimmed meanwhile
      ASSIGN_OR_RETURN(v1::InboxItem item, ParseStored<v1::InboxItem>(
                                               items[i].Str(), "inbox item"));
      page.entries.push_back({std::move(item), ids[i].second});
    }
  }
  if (end < total) page.next_cursor = absl::StrCat(end);
  return page;
}

absl::StatusOr<int32_t> RedisInbox::MarkRead(
    absl::string_view user_id, const std::vector<std::string>& ids, bool all) {
  const std::string items = Items(user_id);
  const std::string unread = Unread(user_id);
  const std::string read = Read(user_id);
  const std::string cap = absl::StrCat(limits_.read_cap);
  std::vector<absl::string_view> args = {cap, all ? "1" : "0"};
  for (const std::string& id : ids) args.push_back(id);
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Eval(ReadScript(), {items, unread, read}, args));
  return CountOf(reply, "inbox_read");
}

absl::StatusOr<int32_t> RedisInbox::UnreadCount(absl::string_view user_id) {
  ASSIGN_OR_RETURN(RedisReply reply,
                   redis_.Command({"ZCARD", Unread(user_id)}));
  return CountOf(reply, "ZCARD");
}

}  // namespace kepu
