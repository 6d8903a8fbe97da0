#include "services/notifications/preferences.h"

#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "services/core/redis/record_write.h"
#include "services/core/redis/redis_paging.h"
#include "services/core/status_macros.h"

namespace kepu {

bool WantsSms(const NoticeRule& rule,
              const v1::NotificationPreferences& preferences) {
  if (rule.zh.sms.empty()) return false;
  for (const auto& choice : preferences.categories()) {
    if (choice.category() == rule.category) return choice.sms();
  }
  return rule.sms_by_default;
}

NotificationPreferenceStore::NotificationPreferenceStore(
    RedisClient& redis, absl::string_view tenant)
    : redis_(redis), keys_(tenant) {}

std::string NotificationPreferenceStore::Key(absl::string_view user_id) const {
  return absl::StrCat(keys_.prefix(), "prefs:", user_id);
}

absl::StatusOr<v1::NotificationPreferences> NotificationPreferenceStore::Get(
    absl::string_view user_id) {
  ASSIGN_OR_RETURN(RedisReply reply, redis_.Command({"GET", Key(user_id)}));
  if (reply.IsNil()) return v1::NotificationPreferences();
  if (!reply.IsString()) return UnexpectedReply("GET", reply);
  return ParseStored<v1::NotificationPreferences>(reply.Str(), "preferences");
}

absl::StatusOr<v1::NotificationPreferences> NotificationPreferenceStore::Update(
    absl::string_view user_id, absl::string_view request_id,
    absl::string_view fingerprint, int64_t expected_version,
    v1::NotificationPreferences preferences) {
  ASSIGN_OR_RETURN(v1::NotificationPreferences current, Get(user_id));
  preferences.set_version(expected_version + 1);
  const std::string value = preferences.SerializeAsString();
  RecordWrite write;
  write.Request(keys_.Request(user_id, request_id), fingerprint,
                absl::Hours(24));
  std::optional<std::string> expected;
  if (current.version() != 0) expected = current.SerializeAsString();
  if (current.version() != expected_version) {
    // Refused before writing; a replay of a request applied earlier still
    // answers its first result.
    write.String(Key(user_id), std::string("\x01stale"), value);
  } else {
    write.String(Key(user_id), expected, value);
  }
  ASSIGN_OR_RETURN(WriteOutcome outcome, ApplyRecordWrite(redis_, write));
  if (outcome.replayed) {
    return ParseStored<v1::NotificationPreferences>(outcome.result,
                                                    "preferences");
  }
  switch (outcome.refusal) {
    case WriteRefusal::kNone:
      return preferences;
    case WriteRefusal::kRequestReused:
      return RequestReusedError();
    default:
      return absl::AbortedError(absl::StrCat(
          "preferences are at version ", current.version(), ", not ",
          expected_version, ": read them again and retry"));
  }
}

}  // namespace kepu
