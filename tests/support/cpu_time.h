// CPU time, for benchmarks that say what bounds their rates: this process's
// and a Redis server's.
#pragma once

#include "services/core/redis/redis_client.h"

namespace kepu::testing {

// This process's CPU time so far (user + system, every thread), in seconds.
double ProcessCpuSeconds();

// The Redis server's own CPU time so far (user + system, INFO cpu), in
// seconds; 0 when it cannot be read.
double RedisCpuSeconds(RedisClient& redis);

}  // namespace kepu::testing
