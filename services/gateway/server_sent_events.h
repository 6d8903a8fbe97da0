// The Watch methods as server-sent events, for EventSource:
//   GET /sse/<service>/<method>?field=value...
// Query parameters name the request's top-level fields (`message` holds the
// whole request as JSON); `access_token` stands for the Authorization header,
// which EventSource cannot send; Last-Event-ID, which EventSource resends when
// it reconnects, sets the request's after_event_id (request_framing.h refuses
// one that is not printable ASCII). Each message is one
// event whose id is the message's event_id; a comment every heartbeat keeps
// proxies from closing an idle stream. A call the server refuses before its
// stream starts is a plain HTTP error (so EventSource stops retrying); an error
// after it started is an "event: error" with Connect's error as its data.
#ifndef KEPU_SERVICES_GATEWAY_SERVER_SENT_EVENTS_H_
#define KEPU_SERVICES_GATEWAY_SERVER_SENT_EVENTS_H_

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/method_table.h"
#include "services/gateway/session.h"

namespace kepu::gateway {

void ServeEvents(std::shared_ptr<Session> session, const RpcMethod& method);

// name=value pairs of a query, decoded ('+' is a space). INVALID_ARGUMENT
// names a parameter that is not URL-encoded.
absl::StatusOr<std::vector<QueryParameter>> ParseQuery(absl::string_view query);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_SERVER_SENT_EVENTS_H_
