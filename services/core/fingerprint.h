// Fingerprints of requests, to tell a retry (same request id, same content)
// from a reuse of a request id for something else.
#pragma once

#include <string>

#include "google/protobuf/message.h"

namespace kepu {

// 32 lowercase hex characters: a BLAKE2b-128 digest of the message's full type
// name and its deterministic serialization. Equal for equal messages of the
// same type, in any process.
std::string Fingerprint(const google::protobuf::Message& message);

}  // namespace kepu
