#include "services/gateway/method_table.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/wire_format_lite.h"
#include "services/core/log.h"
#include "services/core/text.h"

namespace kepu::gateway {
namespace {

namespace pb = google::protobuf;

const pb::Message* PrototypeOf(const pb::Descriptor* type) {
  return pb::MessageFactory::generated_factory()->GetPrototype(type);
}

// The JSON parser's complaint as Kepu words errors, the field path first:
// "(draft) adress: Cannot find field." -> "draft.adress: unknown field";
// "(draft.expected_attendees): invalid value ..." ->
// "draft.expected_attendees: invalid value ...". Complaints about the JSON's
// syntax name no field and are kept as they are.
std::string FieldFirst(absl::string_view complaint) {
  // The parser's messages look like "INVALID_ARGUMENT:(draft) x: ...".
  if (absl::StartsWith(complaint, "INVALID_ARGUMENT:")) {
    complaint.remove_prefix(complaint.find(':') + 1);
  }
  complaint = complaint.substr(0, complaint.find('\n'));
  complaint = absl::StripAsciiWhitespace(complaint);
  std::string path;
  if (absl::StartsWith(complaint, "(")) {
    const size_t close = complaint.find(')');
    if (close == absl::string_view::npos) return std::string(complaint);
    path = std::string(complaint.substr(1, close - 1));
    complaint.remove_prefix(close + 1);
    complaint = absl::StripLeadingAsciiWhitespace(complaint);
  }
  // An unknown or misplaced member is named before a colon.
  const size_t colon = complaint.find(':');
  if (colon != absl::string_view::npos && colon > 0) {
    absl::string_view name = complaint.substr(0, colon);
    const bool identifier = std::all_of(name.begin(), name.end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
    });
    if (identifier) {
      path = path.empty() ? std::string(name) : absl::StrCat(path, ".", name);
      complaint.remove_prefix(colon + 1);
    } else if (colon == 0) {
      complaint.remove_prefix(1);
    }
  } else if (absl::StartsWith(complaint, ":")) {
    complaint.remove_prefix(1);
  }
  complaint = absl::StripAsciiWhitespace(complaint);
  std::string what(complaint);
  if (absl::StartsWith(what, "Cannot find field")) what = "unknown field";
  if (path.empty()) return absl::StrCat("the body is not valid JSON: ", what);
  return absl::StrCat(path, ": ", what);
}

absl::StatusOr<std::unique_ptr<pb::Message>> ParseJson(
    const pb::Message& prototype, absl::string_view json) {
  std::unique_ptr<pb::Message> message(prototype.New());
  pb::util::JsonParseOptions options;
  options.ignore_unknown_fields = false;
  pb::util::Status parsed = pb::util::JsonStringToMessage(
      pb::StringPiece(json.data(), json.size()), message.get(), options);
  if (!parsed.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(FieldFirst(parsed.ToString()), " (in ",
                     prototype.GetDescriptor()->full_name(), ")"));
  }
  return message;
}

// A query value as a JSON value for `field`: numbers and booleans bare when
// they look like one (the parser then checks them), everything else quoted.
std::string JsonValueFor(const pb::FieldDescriptor& field,
                         absl::string_view value) {
  switch (field.cpp_type()) {
    case pb::FieldDescriptor::CPPTYPE_BOOL:
      if (value == "true" || value == "false") return std::string(value);
      break;
    case pb::FieldDescriptor::CPPTYPE_INT32:
    case pb::FieldDescriptor::CPPTYPE_INT64:
    case pb::FieldDescriptor::CPPTYPE_UINT32:
    case pb::FieldDescriptor::CPPTYPE_UINT64:
    case pb::FieldDescriptor::CPPTYPE_DOUBLE:
    case pb::FieldDescriptor::CPPTYPE_FLOAT: {
      double number = 0;
      if (absl::SimpleAtod(value, &number)) return std::string(value);
      break;
    }
    default:
      break;
  }
  return absl::StrCat("\"", JsonEscape(value), "\"");
}

// The path of the first string field in `bytes`, binary protobuf of `type`,
// that is not valid UTF-8 ("draft.contact.phone"), or nullopt. Parsing such a
// message fails too, but protobuf writes its complaint to stderr first (not a
// JSON line); this finds the field before the parser sees it. What is not
// protobuf at all is left to the parser.
std::optional<std::string> FirstNonUtf8String(const pb::Descriptor& type,
                                              absl::string_view bytes,
                                              const std::string& path,
                                              int depth) {
  using Wire = pb::internal::WireFormatLite;
  // Deeper than the parser goes: it refuses the message.
  if (depth > 100) return std::nullopt;
  pb::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                              static_cast<int>(bytes.size()));
  while (const uint32_t tag = in.ReadTag()) {
    const pb::FieldDescriptor* field =
        type.FindFieldByNumber(Wire::GetTagFieldNumber(tag));
    const bool holds_text =
        field != nullptr &&
        (field->type() == pb::FieldDescriptor::TYPE_STRING ||
         field->type() == pb::FieldDescriptor::TYPE_MESSAGE) &&
        Wire::GetTagWireType(tag) == Wire::WIRETYPE_LENGTH_DELIMITED;
    if (!holds_text) {
      if (!Wire::SkipField(&in, tag)) return std::nullopt;
      continue;
    }
    uint32_t size = 0;
    if (!in.ReadVarint32(&size)) return std::nullopt;
    const auto at = static_cast<size_t>(in.CurrentPosition());
    if (size > bytes.size() - at || !in.Skip(static_cast<int>(size))) {
      return std::nullopt;
    }
    const absl::string_view value = bytes.substr(at, size);
    std::string name =
        path.empty() ? field->name() : absl::StrCat(path, ".", field->name());
    if (field->type() == pb::FieldDescriptor::TYPE_STRING) {
      if (!Utf8Length(value).has_value()) return name;
    } else if (std::optional<std::string> inner = FirstNonUtf8String(
                   *field->message_type(), value, name, depth + 1)) {
      return inner;
    }
  }
  return std::nullopt;
}

}  // namespace

absl::StatusOr<MethodTable> MethodTable::ForServices(
    const std::vector<std::string>& service_full_names) {
  MethodTable table;
  const pb::DescriptorPool* pool = pb::DescriptorPool::generated_pool();
  for (const std::string& name : service_full_names) {
    const pb::ServiceDescriptor* service = pool->FindServiceByName(name);
    if (service == nullptr) {
      return absl::NotFoundError(
          absl::StrCat("service ", name, " is not linked into the gateway"));
    }
    for (int i = 0; i < service->method_count(); ++i) {
      const pb::MethodDescriptor* descriptor = service->method(i);
      RpcMethod method;
      method.path =
          absl::StrCat("/", service->full_name(), "/", descriptor->name());
      method.descriptor = descriptor;
      method.request_prototype = PrototypeOf(descriptor->input_type());
      method.response_prototype = PrototypeOf(descriptor->output_type());
      method.server_streaming = descriptor->server_streaming();
      method.client_streaming = descriptor->client_streaming();
      table.methods_[method.path] = method;
    }
  }
  return table;
}

const RpcMethod* MethodTable::Find(absl::string_view path) const {
  auto it = methods_.find(path);
  return it == methods_.end() ? nullptr : &it->second;
}

grpc::ByteBuffer ToByteBuffer(const pb::Message& message) {
  grpc::Slice slice(message.SerializeAsString());
  return grpc::ByteBuffer(&slice, 1);
}

absl::StatusOr<grpc::ByteBuffer> RequestFromJson(const RpcMethod& method,
                                                 absl::string_view json) {
  // An empty body is the empty message (Connect clients send "{}", curl users
  // may send nothing).
  if (absl::StripAsciiWhitespace(json).empty()) json = "{}";
  absl::StatusOr<std::unique_ptr<pb::Message>> message =
      ParseJson(*method.request_prototype, json);
  if (!message.ok()) return message.status();
  return ToByteBuffer(**message);
}

absl::StatusOr<grpc::ByteBuffer> RequestFromBinary(const RpcMethod& method,
                                                   absl::string_view bytes) {
  if (std::optional<std::string> field =
          FirstNonUtf8String(*method.request_prototype->GetDescriptor(), bytes,
                             /*path=*/"", /*depth=*/0)) {
    return absl::InvalidArgumentError(
        absl::StrCat(*field, ": is not valid UTF-8"));
  }
  std::unique_ptr<pb::Message> message(method.request_prototype->New());
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::InvalidArgumentError(
        absl::StrCat("the request is not a valid ",
                     method.request_prototype->GetDescriptor()->full_name(),
                     " in binary protobuf"));
  }
  return ToByteBuffer(*message);
}

absl::StatusOr<std::unique_ptr<pb::Message>> RequestFromQuery(
    const RpcMethod& method, const std::vector<QueryParameter>& parameters,
    const std::vector<absl::string_view>& ignored) {
  const pb::Descriptor* type = method.request_prototype->GetDescriptor();
  std::unique_ptr<pb::Message> message(method.request_prototype->New());
  // Fields named one by one are gathered into one JSON object, so the
  // protobuf parser checks every value (enum names, number ranges).
  std::vector<std::pair<const pb::FieldDescriptor*, std::vector<std::string>>>
      fields;
  for (const auto& [name, value] : parameters) {
    if (std::find(ignored.begin(), ignored.end(), name) != ignored.end()) {
      continue;
    }
    // (Put into JSON, other bytes would silently become U+FFFD.)
    if (!Utf8Length(value).has_value()) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, ": is not valid UTF-8"));
    }
    if (name == "message") {
      absl::StatusOr<std::unique_ptr<pb::Message>> whole =
          ParseJson(*method.request_prototype, value);
      if (!whole.ok()) return whole.status();
      message->MergeFrom(**whole);
      continue;
    }
    const pb::FieldDescriptor* field = type->FindFieldByName(name);
    for (int i = 0; field == nullptr && i < type->field_count(); ++i) {
      if (type->field(i)->json_name() == name) field = type->field(i);
    }
    if (field == nullptr ||
        field->cpp_type() == pb::FieldDescriptor::CPPTYPE_MESSAGE) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown query parameter ", name, " for ", type->full_name()));
    }
    auto it = std::find_if(fields.begin(), fields.end(),
                           [field](const auto& f) { return f.first == field; });
    if (it == fields.end()) {
      fields.push_back({field, {}});
      it = fields.end() - 1;
    }
    if (!field->is_repeated() && !it->second.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("query parameter ", name, " is given twice"));
    }
    it->second.push_back(JsonValueFor(*field, value));
  }
  if (!fields.empty()) {
    std::vector<std::string> members;
    for (const auto& [field, values] : fields) {
      members.push_back(
          absl::StrCat("\"", field->name(), "\":",
                       field->is_repeated()
                           ? absl::StrCat("[", absl::StrJoin(values, ","), "]")
                           : values.front()));
    }
    absl::StatusOr<std::unique_ptr<pb::Message>> named =
        ParseJson(*method.request_prototype,
                  absl::StrCat("{", absl::StrJoin(members, ","), "}"));
    if (!named.ok()) return named.status();
    message->MergeFrom(**named);
  }
  return message;
}

absl::StatusOr<std::unique_ptr<pb::Message>> ParseResponse(
    const RpcMethod& method, const grpc::ByteBuffer& response) {
  grpc::Slice slice;
  if (!response.DumpToSingleSlice(&slice).ok()) {
    return absl::InternalError("the response could not be read");
  }
  std::unique_ptr<pb::Message> message(method.response_prototype->New());
  if (!message->ParseFromArray(slice.begin(), static_cast<int>(slice.size()))) {
    return absl::InternalError(
        absl::StrCat("the response is not a valid ",
                     method.response_prototype->GetDescriptor()->full_name()));
  }
  return message;
}

std::string ToJson(const pb::Message& message) {
  std::string json;
  // Cannot fail for a generated message: every field has a JSON form.
  (void)pb::util::MessageToJsonString(message, &json);
  return json;
}

absl::StatusOr<std::string> ResponseBody(const RpcMethod& method,
                                         const grpc::ByteBuffer& response,
                                         bool binary) {
  if (binary) {
    grpc::Slice slice;
    if (!response.DumpToSingleSlice(&slice).ok()) {
      return absl::InternalError("the response could not be read");
    }
    return std::string(reinterpret_cast<const char*>(slice.begin()),
                       slice.size());
  }
  absl::StatusOr<std::unique_ptr<pb::Message>> message =
      ParseResponse(method, response);
  if (!message.ok()) return message.status();
  return ToJson(**message);
}

}  // namespace kepu::gateway
