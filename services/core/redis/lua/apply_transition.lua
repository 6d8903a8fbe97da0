#!lua
-- Applies one planned move of one order, all or nothing (RedisOrderStore::Apply).
-- Every check comes before the first write, so a refused move writes nothing; the shebang makes
-- Redis refuse the whole script up front when it is out of memory.
--
-- KEYS[1] order hash          KEYS[2] request key        KEYS[3] order history list
-- KEYS[4] tenant event stream KEYS[5] matching queue
-- KEYS[6 .. 5+ARGV[12]]       indexes the order leaves (ZREM)
-- then ARGV[13] indexes the order joins or moves in (ZADD with the scores below)
--
-- ARGV[1]  expected version ("0": the move creates the order)
-- ARGV[2]  expected state (number)       ARGV[3]  new state (number)
-- ARGV[4]  new version                   ARGV[5]  the order after (serialized Order)
-- ARGV[6]  the event (serialized OrderEvent, without its id)
-- ARGV[7]  request fingerprint (32 hex)  ARGV[8]  request key time to live (seconds)
-- ARGV[9]  "1": put the order on the matching queue
-- ARGV[10] approximate length the event stream is trimmed to
-- ARGV[11] order id
-- ARGV[12] number of indexes to leave    ARGV[13] number of indexes to join
-- ARGV[14 ..] the score in each joined index, in order
--
-- Returns {"applied", event id} or {"replayed", first result}; refusals are error replies
-- starting with KEPU_REQUEST_REUSED, KEPU_EXISTS, KEPU_NOT_FOUND, KEPU_STALE <version> or
-- KEPU_STATE <state> (each with text after the code: Redis prefixes a bare code with ERR).

local prior = redis.call('GET', KEYS[2])
if prior then
  if string.sub(prior, 1, 32) ~= ARGV[7] then
    return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
  end
  return {'replayed', string.sub(prior, 34)}
end

local stored = redis.call('HMGET', KEYS[1], 'v', 's')
if ARGV[1] == '0' then
  if stored[1] then return redis.error_reply('KEPU_EXISTS order exists') end
else
  if not stored[1] then return redis.error_reply('KEPU_NOT_FOUND no such order') end
  if stored[1] ~= ARGV[1] then return redis.error_reply('KEPU_STALE ' .. stored[1]) end
  if stored[2] ~= ARGV[2] then return redis.error_reply('KEPU_STATE ' .. stored[2]) end
end

redis.call('HSET', KEYS[1], 'v', ARGV[4], 's', ARGV[3], 'r', ARGV[5])
local event_id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*',
                            'o', ARGV[11], 'e', ARGV[6])
redis.call('RPUSH', KEYS[3], event_id .. ' ' .. ARGV[6])
local leave = tonumber(ARGV[12])
for i = 1, leave do
  redis.call('ZREM', KEYS[5 + i], ARGV[11])
end
for i = 1, tonumber(ARGV[13]) do
  redis.call('ZADD', KEYS[5 + leave + i], ARGV[13 + i], ARGV[11])
end
if ARGV[9] == '1' then
  redis.call('XADD', KEYS[5], '*', 'o', ARGV[11], 'v', ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[7] .. ':' .. ARGV[5], 'EX', ARGV[8])
return {'applied', event_id}
