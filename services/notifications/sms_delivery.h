// Sending the SMS jobs the delivery workers queue (delivery.h): any number of
// SMS workers claim due jobs from the tenant's due set for a lease (a worker
// that dies lets its jobs come back when the lease ends), and for each:
//   - a job whose key was sent before is dropped (a confirmed send is never
//     repeated; the key also goes to the provider as out_id, so a send that
//     was accepted but not confirmed is dropped by the provider);
//   - in the person's quiet hours (default 21:00–08:00) it waits until they
//     end, unless it is must-act and the person allowed that;
//   - past the daily cap per person it is not sent (the inbox has it) and the
//     record says so;
//   - sent: the record says when, to whom (masked) and the provider's id;
//   - a failure that may pass (the provider away, slow, throttling) is tried
//     again later, with exponential backoff and jitter (Retry-After when the
//     provider gives one); after the last try, or at once for a failure that
//     will not pass (a bad number, a refused account), the job goes to the
//     dead-letter stream.
// The record of what was sent is the stream "sms:log" (trimmed to about
// 100,000 entries); dead letters are "notify:dead".
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "services/core/clock.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"
#include "services/notifications/delivery.h"
#include "services/notifications/preferences.h"
#include "services/notify/sms_sender.h"

namespace kepu {

struct SmsDeliveryOptions {
  // Jobs claimed per round, and for how long.
  int batch = 16;
  absl::Duration lease = absl::Seconds(60);
  // SMS per person per local day.
  int daily_cap = 20;
  // Tries before a job is dead-lettered, and the first backoff (doubling,
  // with ±20 % jitter, at most max_backoff).
  int max_attempts = 6;
  absl::Duration first_backoff = absl::Seconds(30);
  absl::Duration max_backoff = absl::Hours(1);
  // How long a round waits when nothing is due.
  absl::Duration idle = absl::Milliseconds(500);
};

// Thread-compatible: one per thread (the sender is one per thread).
class SmsDelivery {
 public:
  // The phone number of an account (empty: it has none, or is inactive).
  using PhoneOf =
      std::function<absl::StatusOr<std::string>(absl::string_view user_id)>;

  SmsDelivery(RedisClient& redis, absl::string_view tenant, PhoneOf phone_of,
              NotificationPreferenceStore& preferences,
              notify::SmsSender& sender, const Clock& clock,
              SmsDeliveryOptions options = {});

  // One round: claims the due jobs and handles each. Answers how many were
  // handled (sent, held, capped, retried or dead-lettered).
  absl::StatusOr<int> RunOnce();
  // Rounds until `stop`; errors are logged and the loop pauses.
  void Run(const absl::Notification& stop);

 private:
  absl::Status Handle(const std::string& key);
  absl::Status Finish(const v1::SmsJob& job, absl::string_view outcome,
                      absl::string_view detail, bool sent);
  absl::Status Reschedule(v1::SmsJob job, absl::Time at, bool attempt,
                          absl::string_view error);
  std::string Key(absl::string_view name) const;

  RedisClient& redis_;
  const RedisKeys keys_;
  const PhoneOf phone_of_;
  NotificationPreferenceStore& preferences_;
  notify::SmsSender& sender_;
  const Clock& clock_;
  const SmsDeliveryOptions options_;
};

}  // namespace kepu
