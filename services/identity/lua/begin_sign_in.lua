#!lua
-- Admits one sign-in attempt against the failure limits, or refuses it
-- (RedisAccounts::BeginSignIn). An admitted attempt is recorded as a failure at once, so
-- concurrent attempts cannot overrun a limit; a successful one is taken back afterwards.
-- Windows slide by the caller's Clock (the scores); Redis's own time only expires idle keys.
--
-- KEYS[1] failures of the phone number   KEYS[2] failures of the client address
-- (sorted sets: attempt id scored by its time in ms)
-- ARGV[1] now (ms, by the Clock)          ARGV[2] attempt id
-- ARGV[3] window of the number (ms)       ARGV[4] failures allowed per number in the window
-- ARGV[5] window of the address (ms)      ARGV[6] failures allowed per address in the window
--
-- Returns {'ok', '0'} or {'limited', ms until an attempt is admitted again}.

local now = tonumber(ARGV[1])

-- 0 when the set has room for another failure; else how long until it has.
local function wait(key, window, allowed)
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
  local count = redis.call('ZCARD', key)
  if count < allowed then return 0 end
  local oldest = redis.call('ZRANGE', key, count - allowed, count - allowed, 'WITHSCORES')
  return tonumber(oldest[2]) + window - now
end

local number_wait = wait(KEYS[1], tonumber(ARGV[3]), tonumber(ARGV[4]))
local address_wait = wait(KEYS[2], tonumber(ARGV[5]), tonumber(ARGV[6]))
local longest = math.max(number_wait, address_wait)
if longest > 0 then return {'limited', tostring(longest)} end

redis.call('ZADD', KEYS[1], now, ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return {'ok', '0'}
