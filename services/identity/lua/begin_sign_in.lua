#!lua
-- Admits one sign-in attempt against one failure limit, or refuses it
-- (RedisAccounts::BeginSignIn runs it for the client address, then for the phone number: their
-- keys are in different slots, the address's counting across tenants). An admitted attempt is
-- recorded as a failure at once, so concurrent attempts cannot overrun the limit; a successful
-- one is taken back afterwards. The window slides by the caller's Clock (the scores); Redis's own
-- time only expires idle keys.
--
-- KEYS[1] failures (sorted set: attempt id scored by its time in ms)
-- ARGV[1] now (ms, by the Clock)          ARGV[2] attempt id
-- ARGV[3] window (ms)                     ARGV[4] failures allowed in the window
--
-- Returns {'ok', '0'} or {'limited', ms until an attempt is admitted again}.

local now = tonumber(ARGV[1])
local window = tonumber(ARGV[3])
local allowed = tonumber(ARGV[4])

redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local count = redis.call('ZCARD', KEYS[1])
if count >= allowed then
  local oldest = redis.call('ZRANGE', KEYS[1], count - allowed, count - allowed, 'WITHSCORES')
  local wait = tonumber(oldest[2]) + window - now
  if wait > 0 then return {'limited', tostring(wait)} end
end

redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {'ok', '0'}
