#!lua
-- Writes one directory record (create, update or deactivate), all or nothing
-- (RedisDirectory). Every check comes before the first write, so a refused
-- write writes nothing; the shebang makes Redis refuse the whole script up
-- front when it is out of memory.
--
-- KEYS[1] record hash   KEYS[2] request key   KEYS[3] tenant audit stream
-- then ARGV[8]  guard keys: records that must still be at a version (below)
-- then ARGV[9]  keys that must be empty (a region's children, when it moves)
-- then ARGV[10] indexes the record leaves (ZREM)
-- then ARGV[11] indexes the record joins (ZADD, score 0)
--
-- ARGV[1]  expected version ("0": the write creates the record)
-- ARGV[2]  new version                  ARGV[3]  the record (serialized)
-- ARGV[4]  "1": set field p to ARGV[5]  ARGV[5]  a region's path
-- ARGV[6]  request fingerprint (32 hex) ARGV[7]  request key time to live (s)
-- ARGV[8]  number of guard keys         ARGV[9]  number of must-be-empty keys
-- ARGV[10] number of indexes to leave   ARGV[11] number of indexes to join
-- ARGV[12] the record id (the member in its indexes)
-- ARGV[13] number of audit fields n, then ARGV[14 .. 13+2n] field, value pairs
-- then one version per guard key
--
-- Returns {"applied", audit entry id} or {"replayed", first result}; refusals
-- are error replies starting with KEPU_REQUEST_REUSED, KEPU_EXISTS,
-- KEPU_NOT_FOUND, KEPU_STALE <version>, KEPU_CHANGED <guard number> or
-- KEPU_NOT_EMPTY <key number> (each with text after the code: Redis prefixes a
-- bare code with ERR).

local prior = redis.call('GET', KEYS[2])
if prior then
  if string.sub(prior, 1, 32) ~= ARGV[6] then
    return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
  end
  return {'replayed', string.sub(prior, 34)}
end

local stored = redis.call('HGET', KEYS[1], 'v')
if ARGV[1] == '0' then
  if stored then return redis.error_reply('KEPU_EXISTS record exists') end
else
  if not stored then return redis.error_reply('KEPU_NOT_FOUND no such record') end
  if stored ~= ARGV[1] then return redis.error_reply('KEPU_STALE ' .. stored) end
end

local guards = tonumber(ARGV[8])
local empties = tonumber(ARGV[9])
local leave = tonumber(ARGV[10])
local join = tonumber(ARGV[11])
local audit_fields = tonumber(ARGV[13])
local first_guard_version = 14 + 2 * audit_fields
for i = 1, guards do
  local version = redis.call('HGET', KEYS[3 + i], 'v')
  if version ~= ARGV[first_guard_version + i - 1] then
    return redis.error_reply('KEPU_CHANGED ' .. i)
  end
end
for i = 1, empties do
  if redis.call('ZCARD', KEYS[3 + guards + i]) > 0 then
    return redis.error_reply('KEPU_NOT_EMPTY ' .. i)
  end
end

if ARGV[4] == '1' then
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3], 'p', ARGV[5])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[2], 'r', ARGV[3])
end
local first_index = 3 + guards + empties
for i = 1, leave do
  redis.call('ZREM', KEYS[first_index + i], ARGV[12])
end
for i = 1, join do
  redis.call('ZADD', KEYS[first_index + leave + i], 0, ARGV[12])
end
local entry = {}
for i = 1, 2 * audit_fields do
  entry[i] = ARGV[13 + i]
end
local audit_id = redis.call('XADD', KEYS[3], '*', unpack(entry))
redis.call('SET', KEYS[2], ARGV[6] .. ':' .. ARGV[3], 'EX', ARGV[7])
return {'applied', audit_id}
