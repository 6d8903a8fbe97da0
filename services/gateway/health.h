// GET /healthz: the backend's grpc.health.v1 Check of the whole server, as
// JSON: 200 {"status":"SERVING"}, 503 with the status otherwise (or Connect's
// error when the check itself fails). The check has a 5 s deadline.
#ifndef KEPU_SERVICES_GATEWAY_HEALTH_H_
#define KEPU_SERVICES_GATEWAY_HEALTH_H_

#include <memory>

#include "services/gateway/session.h"

namespace kepu::gateway {

void ServeHealth(std::shared_ptr<Session> session);

}  // namespace kepu::gateway

#endif  // KEPU_SERVICES_GATEWAY_HEALTH_H_
