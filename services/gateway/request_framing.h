// How a request is framed (RFC 9112), checked before Beast parses it: the
// head (request line, header fields, the empty line) byte by byte, and what
// Beast's refusal of a chunked body means. Beast alone accepts what a server
// must refuse (obs-fold, a repeated Content-Length, Transfer-Encoding other
// than chunked, and then takes the body as the next request), waits for more
// on a head whose lines end in LF alone, and names no header when it refuses
// one. Pure: no I/O.
//
// Every refusal here is answered with Connect's JSON error whose message
// names the header or the part of the request that is wrong, and then the
// connection closes: after a framing error nothing that follows on the
// connection can be trusted to start a request.
#ifndef KEPU_SERVICES_GATEWAY_REQUEST_FRAMING_H_
#define KEPU_SERVICES_GATEWAY_REQUEST_FRAMING_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/strings/string_view.h"
#include "boost/system/error_code.hpp"
#include "grpcpp/support/status.h"

namespace kepu::gateway {

// A request refused for its framing.
struct BadFraming {
  // 400; 414 for a request line over the limit; 431 for a head over it; 505
  // for an HTTP version other than 1.0 and 1.1.
  int http_status = 400;
  grpc::StatusCode code = grpc::StatusCode::INVALID_ARGUMENT;
  // Names the header ("content-length: sent more than once") or the part
  // ("the request line: ...").
  std::string message;
};

// Where the head at the start of `bytes` ends (the offset just past its
// empty line), or nullopt while more of it may still come. Lines are found
// by their LF alone, so that a head whose lines lack the CR is found, and
// refused, rather than waited for.
std::optional<size_t> FindHeadEnd(absl::string_view bytes);

// What is wrong with `head` (a whole head, as FindHeadEnd delimits it),
// nullopt when nothing is. Refused:
//   - a head over `limit` bytes (414 when the request line alone is);
//   - a line that does not end in CRLF, a CR or another control byte (but
//     HTAB) anywhere in the head;
//   - a request line other than `token SP target SP HTTP/d.d`, a target
//     with a byte outside printable ASCII, a version other than HTTP/1.0
//     or HTTP/1.1 (505 when it is well formed);
//   - a header line without a colon, a name that is not a token or is
//     followed by whitespace, a line starting with whitespace (obs-fold,
//     or whitespace before the first header);
//   - Content-Length sent twice (even with the same value), or not a
//     number; Transfer-Encoding sent twice, with Content-Length, in
//     HTTP/1.0, or other than "chunked"; Host missing in HTTP/1.1 or sent
//     twice;
//   - bytes other than printable ASCII in a header the gateway passes on as
//     text (authorization and x-kepu-tenant as gRPC metadata, which aborts
//     the process on other bytes; last-event-id into a protobuf string,
//     which must be UTF-8): "<name>: must be printable ASCII".
std::optional<BadFraming> CheckRequestHead(absl::string_view head,
                                           size_t limit);

// What is wrong with `bytes`, the start of a head that is still arriving
// (FindHeadEnd found no end), that no later byte can mend: more than `limit`
// bytes, or a byte that no request line may hold before its first LF (a
// client speaking TLS or another protocol is answered at once).
std::optional<BadFraming> CheckHeadSoFar(absl::string_view bytes, size_t limit);

// The refusal of a request whose head passed CheckRequestHead but whose
// chunked body Beast's parser refused with `error`; nullopt when `error` is
// not a parse error (the connection closed or timed out: nothing to answer).
std::optional<BadFraming> BadChunkedBody(boost::system::error_code error);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_REQUEST_FRAMING_H_
