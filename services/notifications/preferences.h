// Each person's notification preferences (channels per category, quiet
// hours), on Redis as one string per person, written by the record-write
// protocol (compare-and-set on the version, idempotent under the request id).
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "kepu/v1/notification.pb.h"
#include "services/core/notification_table.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"

namespace kepu {

// Whether `rule`'s notice goes by SMS to a person with `preferences`: the
// row must have an SMS text; the person's choice for its category decides,
// else the row's default.
bool WantsSms(const NoticeRule& rule,
              const v1::NotificationPreferences& preferences);

// Thread-safe. kUnavailable when Redis cannot be reached.
class NotificationPreferenceStore {
 public:
  NotificationPreferenceStore(RedisClient& redis, absl::string_view tenant);

  // The person's preferences; version 0 and the defaults when they never
  // chose.
  absl::StatusOr<v1::NotificationPreferences> Get(absl::string_view user_id);

  // Replaces the preferences if they are still at `expected_version`
  // (kAborted otherwise), as `request_id` of `user_id` (a replay answers the
  // first result). The stored version is expected_version + 1.
  //   kInvalidArgument: the request id was used for other content.
  absl::StatusOr<v1::NotificationPreferences> Update(
      absl::string_view user_id, absl::string_view request_id,
      absl::string_view fingerprint, int64_t expected_version,
      v1::NotificationPreferences preferences);

 private:
  std::string Key(absl::string_view user_id) const;

  RedisClient& redis_;
  const RedisKeys keys_;
};

}  // namespace kepu
