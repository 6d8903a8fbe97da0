// Delivery of the outbox (issue 12): any number of workers, in any number of
// processes, share the tenant's outbox through one Redis consumer group. Each
// entry (what one move or reminder tells whom) is taken by one worker, which
// finds the people behind each notice's audience, resolves the names the
// texts need, and puts an item in each person's inbox; notices the table and
// the person's preferences send by SMS too become SMS jobs (sms_jobs.h). Only
// then is the entry acknowledged and deleted. A worker that dies holding
// entries leaves them pending; another takes them over (XAUTOCLAIM) once they
// have been idle for `claim_idle`. Everything a delivery writes is idempotent
// (inbox items and SMS jobs are keyed by entry, notice and person), so an
// entry delivered twice tells nobody twice.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "google/protobuf/map.h"
#include "kepu/v1/notification.pb.h"
#include "services/core/clock.h"
#include "services/core/directory_view.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_keys.h"
#include "services/identity/account_store.h"
#include "services/notifications/inbox.h"
#include "services/notifications/preferences.h"

namespace kepu {

using NoticeVarMap = google::protobuf::Map<std::string, std::string>;

// Who is behind a notice's audience, and the names its texts show. Thread-safe
// as the directory and the account store are.
class NoticeResolver {
 public:
  NoticeResolver(DirectoryView& directory, AccountStore& accounts)
      : directory_(directory), accounts_(accounts) {}

  // The accounts the notice is for: the resident or volunteer's own, or every
  // account holding the role over the scope. Empty when there is nobody (a
  // volunteer without an account, a community without workers).
  absl::StatusOr<std::vector<std::string>> Recipients(const v1::Notice& notice);

  // The notice's variables with ids turned into names (community, service,
  // department, team, team_contact, team_phone, volunteer; "<name>_en" for
  // the English name when the directory has one). A record the directory no
  // longer has leaves its name out (the text shows "—").
  absl::StatusOr<NoticeVarMap> Resolve(const v1::Notice& notice);

  // The account's phone number; empty without an account.
  absl::StatusOr<std::string> PhoneOf(absl::string_view user_id);

 private:
  DirectoryView& directory_;
  AccountStore& accounts_;
};

struct DeliveryOptions {
  // This worker's name in the consumer group: unique among live workers.
  std::string consumer = "worker";
  // Entries taken per round.
  int batch = 32;
  // How long one round waits for new entries.
  absl::Duration block = absl::Milliseconds(500);
  // Entries pending this long with a worker (one that died, or this one after
  // an error) are taken over.
  absl::Duration claim_idle = absl::Seconds(30);
  // Queue SMS jobs (false when no SMS provider is configured: the inbox
  // alone then).
  bool queue_sms = true;
};

// The consumer group every delivery worker of a tenant shares.
inline constexpr absl::string_view kDeliveryGroup = "delivery";

// Thread-compatible: one per thread.
class NotificationDelivery {
 public:
  NotificationDelivery(RedisClient& redis, absl::string_view tenant,
                       NoticeResolver& resolver, RedisInbox& inbox,
                       NotificationPreferenceStore& preferences,
                       DeliveryOptions options);

  // Creates the consumer group when it does not exist (from the outbox's
  // first entry, so nothing written before is missed).
  absl::Status EnsureGroup();

  // One round: takes over entries idle past claim_idle, then reads new ones
  // (waiting up to `block`), delivers each and acknowledges the delivered.
  // Answers how many entries were delivered. An entry that cannot be
  // delivered now (Redis or the directory away) stays pending and is tried
  // again after claim_idle; one that can never be (it does not parse) goes to
  // the dead-letter stream.
  absl::StatusOr<int> RunOnce();

  // Rounds until `stop`; errors are logged and the loop pauses briefly.
  void Run(const absl::Notification& stop);

 private:
  struct Entry {
    std::string id;
    std::string order_id;
    std::string batch;  // serialized NoticeBatch
  };

  absl::StatusOr<std::vector<Entry>> Take();
  absl::Status Deliver(const Entry& entry);
  absl::Status DeliverNotice(const Entry& entry, int index,
                             const v1::Notice& notice);
  absl::Status Acknowledge(const std::vector<std::string>& ids);
  absl::Status DeadLetter(const Entry& entry, absl::string_view why);

  RedisClient& redis_;
  const RedisKeys keys_;
  NoticeResolver& resolver_;
  RedisInbox& inbox_;
  NotificationPreferenceStore& preferences_;
  const DeliveryOptions options_;
};

}  // namespace kepu
