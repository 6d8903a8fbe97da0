// Serving the Watch RPCs: a server stream of the order events a caller may
// follow, from the tenant's event stream in Redis, resumable with the last
// event id the client saw.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "kepu/v1/notification.pb.h"
#include "kepu/v1/order.pb.h"
#include "services/core/redis/redis_event_feed.h"
#include "services/core/validation.h"
#include "services/orders/order_domain.h"
#include "services/rpc/per_tenant.h"
#include "services/rpc/serve_unary.h"

namespace kepu {

using EventFeeds = PerTenant<RedisEventFeed>;

// Where a server stream's items come from: called once, on the work pool, for
// the admitted caller, with the sink that writes to the client (called on the
// feed's thread; must not block; a non-OK status ends the stream). Answers the
// subscription — the stream ends its feed by dropping it — or an error to end
// the call with.
template <typename Out>
using StreamSink = std::function<void(const Out* item, const absl::Status&)>;
template <typename Out>
using StreamSubscriber = std::function<absl::StatusOr<std::shared_ptr<void>>(
    const Caller& caller, StreamSink<Out> sink)>;

// Serves one server stream of `method` (instantiated for OrderEvent and
// Notification): on the work pool admits the caller and then judges the
// request (`valid`, as Admit does), subscribes, and sends the initial
// metadata ("x-kepu-watch: open"; the client may then rely on seeing every
// later item). Streams until the client cancels or the server stops. A client
// that falls more than 10,000 items behind is ended with RESOURCE_EXHAUSTED.
template <typename Out>
grpc::ServerWriteReactor<Out>* StartStream(grpc::CallbackServerContext* context,
                                           absl::string_view method,
                                           const absl::Status& valid,
                                           const ServiceEnv& env,
                                           StreamSubscriber<Out> subscriber);

// Decides, for an admitted caller, which events the watch streams: answers the
// filter, or an error to end the call with (e.g. NOT_FOUND for an order the
// caller may not see).
using WatchScope = std::function<absl::StatusOr<RedisEventFeed::Filter>(
    OrderWorkflow&, const Caller&)>;

// Starts serving one watch of `method`: on the work pool admits the caller and
// then judges `request` (Admit: an anonymous call answers UNAUTHENTICATED
// whatever its fields hold), asks `scope` for the filter, subscribes
// after `after_event_id` and sends the initial metadata (the client may then
// rely on seeing every later event). Streams events until the client cancels or
// the server stops. A client that falls more than 10,000 events behind is ended
// with RESOURCE_EXHAUSTED (reconnect with the last event id it has).
template <typename Request>
grpc::ServerWriteReactor<v1::OrderEvent>* ServeWatch(
    grpc::CallbackServerContext* context, absl::string_view method,
    const Request& request, const std::string& after_event_id,
    const ServiceEnv& env, OrderDomains& orders, EventFeeds& feeds,
    WatchScope scope);

// Untemplated core of ServeWatch (the request is already validated: `valid`).
grpc::ServerWriteReactor<v1::OrderEvent>* StartWatch(
    grpc::CallbackServerContext* context, absl::string_view method,
    const absl::Status& valid, const std::string& after_event_id,
    const ServiceEnv& env, OrderDomains& orders, EventFeeds& feeds,
    WatchScope scope);

template <typename Request>
grpc::ServerWriteReactor<v1::OrderEvent>* ServeWatch(
    grpc::CallbackServerContext* context, absl::string_view method,
    const Request& request, const std::string& after_event_id,
    const ServiceEnv& env, OrderDomains& orders, EventFeeds& feeds,
    WatchScope scope) {
  return StartWatch(context, method,
                    Validate(request, ValidationContext{env.clock.Now()}),
                    after_event_id, env, orders, feeds, std::move(scope));
}

}  // namespace kepu
