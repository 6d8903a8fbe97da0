#include "services/gateway/server_sent_events.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "services/gateway/call_context.h"
#include "services/gateway/connect_protocol.h"
#include "services/gateway/event_stream.h"
#include "services/gateway/static_files.h"
#include "services/rpc/grpc_status.h"

namespace kepu::gateway {

namespace http = boost::beast::http;
namespace pb = google::protobuf;

namespace {

// The "data:" lines of one server-sent event (a JSON value has no newlines,
// but a field may, so each line gets its own prefix).
std::string EventData(absl::string_view payload) {
  std::string out;
  for (absl::string_view line : absl::StrSplit(payload, '\n')) {
    absl::StrAppend(&out, "data: ", line, "\n");
  }
  return out;
}

class ServerSentEventsFraming final : public StreamFraming {
 public:
  absl::string_view content_type() const override {
    return "text/event-stream";
  }
  // How long EventSource waits before reconnecting.
  absl::string_view preamble() const override { return "retry: 2000\n\n"; }
  absl::string_view heartbeat() const override { return ": ping\n\n"; }
  std::string Message(const pb::Message& message) const override {
    std::string bytes;
    const pb::FieldDescriptor* id =
        message.GetDescriptor()->FindFieldByName("event_id");
    if (id != nullptr && id->type() == pb::FieldDescriptor::TYPE_STRING &&
        !id->is_repeated()) {
      const std::string value = message.GetReflection()->GetString(message, id);
      if (!value.empty()) absl::StrAppend(&bytes, "id: ", value, "\n");
    }
    absl::StrAppend(&bytes, EventData(ToJson(message)), "\n");
    return bytes;
  }
  std::string End(const grpc::Status& status, bool client_gone) const override {
    if (status.ok() || client_gone) return "";
    return absl::StrCat(
        "event: error\n",
        EventData(ErrorBody(status.error_code(), status.error_message())),
        "\n");
  }
  bool refusal_is_http_error() const override { return true; }
};

const StreamFraming& Framing() {
  static const StreamFraming* const framing = new ServerSentEventsFraming();
  return *framing;
}

}  // namespace

absl::StatusOr<std::vector<QueryParameter>> ParseQuery(
    absl::string_view query) {
  std::vector<QueryParameter> parameters;
  for (absl::string_view pair : absl::StrSplit(query, '&', absl::SkipEmpty())) {
    const size_t equals = pair.find('=');
    std::string name(pair.substr(0, equals));
    std::string value(equals == absl::string_view::npos
                          ? absl::string_view()
                          : pair.substr(equals + 1));
    std::replace(name.begin(), name.end(), '+', ' ');
    std::replace(value.begin(), value.end(), '+', ' ');
    std::optional<std::string> decoded_name = PercentDecode(name);
    std::optional<std::string> decoded_value = PercentDecode(value);
    if (!decoded_name || !decoded_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is not URL-encoded"));
    }
    parameters.emplace_back(std::move(*decoded_name),
                            std::move(*decoded_value));
  }
  return parameters;
}

void ServeEvents(std::shared_ptr<Session> session, const RpcMethod& method) {
  absl::StatusOr<std::vector<QueryParameter>> parameters =
      ParseQuery(session->query());
  if (!parameters.ok()) {
    return session->SendStatus(ToGrpcStatus(parameters.status()));
  }
  absl::StatusOr<std::unique_ptr<pb::Message>> request =
      RequestFromQuery(method, *parameters, {"access_token"});
  if (!request.ok()) {
    return session->SendStatus(ToGrpcStatus(request.status()));
  }
  const Request& http_request = session->request();
  // EventSource resends the id of the last event it saw (printable ASCII:
  // request_framing.h refuses other bytes, which would reach a protobuf
  // string).
  if (const auto last = http_request.find("last-event-id");
      last != http_request.end() && !last->value().empty()) {
    const pb::FieldDescriptor* after =
        (*request)->GetDescriptor()->FindFieldByName("after_event_id");
    if (after != nullptr && after->type() == pb::FieldDescriptor::TYPE_STRING &&
        !after->is_repeated()) {
      (*request)->GetReflection()->SetString(request->get(), after,
                                             std::string(last->value()));
    }
  }
  auto context = std::make_shared<grpc::ClientContext>();
  if (absl::Status prepared = PrepareCall(
          http_request, session->server().options(), session->ClientAddress(),
          /*streaming=*/true, *context);
      !prepared.ok()) {
    return session->SendStatus(ToGrpcStatus(prepared));
  }
  if (http_request.find(http::field::authorization) == http_request.end()) {
    for (const auto& [name, value] : *parameters) {
      if (name != "access_token") continue;
      if (!IsMetadataText(value)) {
        return session->SendError(http::status::bad_request,
                                  grpc::StatusCode::INVALID_ARGUMENT,
                                  "access_token: must be printable ASCII");
      }
      context->AddMetadata("authorization", absl::StrCat("Bearer ", value));
    }
  }
  StartEventStream(std::move(session), method, std::move(context),
                   ToByteBuffer(**request), Framing());
}

}  // namespace kepu::gateway
