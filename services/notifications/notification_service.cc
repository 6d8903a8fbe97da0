#include "services/notifications/notification_service.h"

#include <memory>
#include <utility>

#include "services/core/fingerprint.h"
#include "services/core/notice_render.h"
#include "services/core/validation.h"
#include "services/orders/watch.h"

namespace kepu {
namespace {

// Serves `method` for the caller's tenant: `answer(domain, caller)` gives the
// response.
template <typename Request, typename Response, typename Answer>
grpc::ServerUnaryReactor* Serve(grpc::CallbackServerContext* context,
                                absl::string_view method,
                                const Request* request, Response* response,
                                const ServiceEnv& env,
                                NotificationDomains& domains, Answer answer) {
  return ServeUnary(
      context, method, *request, env,
      [&domains, response, answer](const Caller& caller) -> absl::Status {
        absl::StatusOr<NotificationDomain*> domain =
            domains.Get(caller.principal.tenant());
        if (!domain.ok()) return domain.status();
        absl::StatusOr<Response> result = answer(**domain, caller);
        if (!result.ok()) return result.status();
        *response = *std::move(result);
        return absl::OkStatus();
      });
}

v1::UnreadCount Count(int32_t unread) {
  v1::UnreadCount count;
  count.set_unread_count(unread);
  return count;
}

}  // namespace

grpc::ServerUnaryReactor* NotificationServiceImpl::ListNotifications(
    grpc::CallbackServerContext* context,
    const v1::ListNotificationsRequest* request,
    v1::ListNotificationsResponse* response) {
  return Serve(context, "kepu.v1.NotificationService/ListNotifications",
               request, response, env_, domains_,
               [request](NotificationDomain& domain, const Caller& caller)
                   -> absl::StatusOr<v1::ListNotificationsResponse> {
                 const int size = request->page().page_size() == 0
                                      ? 20
                                      : request->page().page_size();
                 absl::StatusOr<InboxPage> page = domain.inbox.List(
                     caller.principal.user_id(), request->unread_only(), size,
                     request->page().page_token());
                 if (!page.ok()) return page.status();
                 const Language language = LanguageOf(request->language());
                 v1::ListNotificationsResponse out;
                 for (const InboxEntry& entry : page->entries) {
                   *out.add_notifications() =
                       RenderInboxItem(entry.item, entry.read, language);
                 }
                 out.set_next_page_token(page->next_cursor);
                 out.set_unread_count(page->unread);
                 return out;
               });
}

grpc::ServerUnaryReactor* NotificationServiceImpl::MarkRead(
    grpc::CallbackServerContext* context, const v1::MarkReadRequest* request,
    v1::UnreadCount* response) {
  return Serve(
      context, "kepu.v1.NotificationService/MarkRead", request, response, env_,
      domains_,
      [request](NotificationDomain& domain,
                const Caller& caller) -> absl::StatusOr<v1::UnreadCount> {
        std::vector<std::string> ids(request->notification_ids().begin(),
                                     request->notification_ids().end());
        absl::StatusOr<int32_t> unread = domain.inbox.MarkRead(
            caller.principal.user_id(), ids, request->all());
        if (!unread.ok()) return unread.status();
        return Count(*unread);
      });
}

grpc::ServerUnaryReactor* NotificationServiceImpl::GetUnreadCount(
    grpc::CallbackServerContext* context,
    const v1::GetUnreadCountRequest* request, v1::UnreadCount* response) {
  return Serve(context, "kepu.v1.NotificationService/GetUnreadCount", request,
               response, env_, domains_,
               [](NotificationDomain& domain,
                  const Caller& caller) -> absl::StatusOr<v1::UnreadCount> {
                 absl::StatusOr<int32_t> unread =
                     domain.inbox.UnreadCount(caller.principal.user_id());
                 if (!unread.ok()) return unread.status();
                 return Count(*unread);
               });
}

grpc::ServerWriteReactor<v1::Notification>*
NotificationServiceImpl::WatchNotifications(
    grpc::CallbackServerContext* context,
    const v1::WatchNotificationsRequest* request) {
  const Language language = LanguageOf(request->language());
  return StartStream<v1::Notification>(
      context, "kepu.v1.NotificationService/WatchNotifications",
      Validate(*request, ValidationContext{env_.clock.Now()}), env_,
      [this, language](const Caller& caller, StreamSink<v1::Notification> sink)
          -> absl::StatusOr<std::shared_ptr<void>> {
        absl::StatusOr<RedisInboxFeed*> feed =
            feeds_.Get(caller.principal.tenant());
        if (!feed.ok()) return feed.status();
        const std::string user = caller.principal.user_id();
        absl::StatusOr<std::unique_ptr<RedisInboxFeed::Subscription>>
            subscription = (*feed)->Subscribe(
                "",
                [user](const v1::InboxItem& item) {
                  return item.user_id() == user;
                },
                [sink = std::move(sink), language](const v1::InboxItem* item,
                                                   const absl::Status& status) {
                  if (item == nullptr) return sink(nullptr, status);
                  const v1::Notification shown =
                      RenderInboxItem(*item, false, language);
                  sink(&shown, status);
                });
        if (!subscription.ok()) return subscription.status();
        return std::shared_ptr<void>(std::move(*subscription));
      });
}

grpc::ServerUnaryReactor* NotificationServiceImpl::GetPreferences(
    grpc::CallbackServerContext* context,
    const v1::GetPreferencesRequest* request,
    v1::NotificationPreferences* response) {
  return Serve(context, "kepu.v1.NotificationService/GetPreferences", request,
               response, env_, domains_,
               [](NotificationDomain& domain, const Caller& caller) {
                 return domain.preferences.Get(caller.principal.user_id());
               });
}

grpc::ServerUnaryReactor* NotificationServiceImpl::UpdatePreferences(
    grpc::CallbackServerContext* context,
    const v1::UpdatePreferencesRequest* request,
    v1::NotificationPreferences* response) {
  return Serve(context, "kepu.v1.NotificationService/UpdatePreferences",
               request, response, env_, domains_,
               [request](NotificationDomain& domain, const Caller& caller) {
                 return domain.preferences.Update(
                     caller.principal.user_id(), request->request_id(),
                     Fingerprint(*request), request->expected_version(),
                     request->preferences());
               });
}

}  // namespace kepu
