// Connect's server streaming (connectrpc.com/docs/protocol#streaming-rpcs)
// for the Watch methods: POST /<service>/<method> with Content-Type
// application/connect+json and one enveloped JSON request, answered 200 with
// one envelope per message and an end-of-stream envelope (flags 0x02) that
// carries the error, if any. Connect puts every stream error there, so
// refusals before the call (a bad Connect header, a bad request) are a 200
// stream holding only that envelope; only a wrong content type is a plain
// 415.
#ifndef KEPU_SERVICES_GATEWAY_CONNECT_STREAM_H_
#define KEPU_SERVICES_GATEWAY_CONNECT_STREAM_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "services/gateway/method_table.h"
#include "services/gateway/session.h"

namespace kepu::gateway {

void ServeConnectStream(std::shared_ptr<Session> session,
                        const RpcMethod& method);

// A Connect streaming envelope: flags, big-endian length, payload.
std::string Envelope(uint8_t flags, absl::string_view payload);

// The payload of the one message a Connect streaming request carries;
// INVALID_ARGUMENT when the body is not exactly one uncompressed envelope.
absl::StatusOr<absl::string_view> FirstEnvelope(absl::string_view body);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_CONNECT_STREAM_H_
