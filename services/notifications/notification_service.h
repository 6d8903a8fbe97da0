// NotificationService over gRPC: the caller's inbox and preferences. A thin
// adapter over RedisInbox and NotificationPreferenceStore; the delivery
// workers (delivery.h) fill the inbox.
#pragma once

#include <string>

#include "kepu/v1/notification.grpc.pb.h"
#include "services/core/redis/redis_client.h"
#include "services/core/redis/redis_event_feed.h"
#include "services/notifications/inbox.h"
#include "services/notifications/preferences.h"
#include "services/rpc/per_tenant.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

// What the service reads and writes for one tenant.
struct NotificationDomain {
  NotificationDomain(RedisClient& redis, const std::string& tenant)
      : inbox(redis, tenant), preferences(redis, tenant) {}
  RedisInbox inbox;
  NotificationPreferenceStore preferences;
};

using NotificationDomains = PerTenant<NotificationDomain>;
// Each tenant's feed of new inbox items, for WatchNotifications.
using InboxFeeds = PerTenant<RedisInboxFeed>;

class NotificationServiceImpl final
    : public v1::NotificationService::CallbackService {
 public:
  NotificationServiceImpl(const ServiceEnv& env, NotificationDomains& domains,
                          InboxFeeds& feeds)
      : env_(env), domains_(domains), feeds_(feeds) {}

  grpc::ServerUnaryReactor* ListNotifications(
      grpc::CallbackServerContext* context,
      const v1::ListNotificationsRequest* request,
      v1::ListNotificationsResponse* response) override;
  grpc::ServerUnaryReactor* MarkRead(grpc::CallbackServerContext* context,
                                     const v1::MarkReadRequest* request,
                                     v1::UnreadCount* response) override;
  grpc::ServerUnaryReactor* GetUnreadCount(
      grpc::CallbackServerContext* context,
      const v1::GetUnreadCountRequest* request,
      v1::UnreadCount* response) override;
  grpc::ServerWriteReactor<v1::Notification>* WatchNotifications(
      grpc::CallbackServerContext* context,
      const v1::WatchNotificationsRequest* request) override;
  grpc::ServerUnaryReactor* GetPreferences(
      grpc::CallbackServerContext* context,
      const v1::GetPreferencesRequest* request,
      v1::NotificationPreferences* response) override;
  grpc::ServerUnaryReactor* UpdatePreferences(
      grpc::CallbackServerContext* context,
      const v1::UpdatePreferencesRequest* request,
      v1::NotificationPreferences* response) override;

 private:
  const ServiceEnv env_;
  NotificationDomains& domains_;
  InboxFeeds& feeds_;
};

}  // namespace kepu
