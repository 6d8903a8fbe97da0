#!lua
-- Puts an order back in the deadlines sorted set at its proper time, if it is still at the
-- version the caller read (RedisOrderStore::ResetDeadline). A move made meanwhile set its time
-- already: then nothing is written.
--
-- KEYS[1] the order hash   KEYS[2] the deadlines sorted set
-- ARGV[1] the version read   ARGV[2] order id   ARGV[3] its time (ms), or "" for none
--
-- Returns 1 when it wrote, 0 when the order moved on.

local version = redis.call('HGET', KEYS[1], 'v')
if not version then
  redis.call('ZREM', KEYS[2], ARGV[2])
  return 1
end
if version ~= ARGV[1] then return 0 end
if ARGV[3] == '' then
  redis.call('ZREM', KEYS[2], ARGV[2])
else
  redis.call('ZADD', KEYS[2], ARGV[3], ARGV[2])
end
return 1
