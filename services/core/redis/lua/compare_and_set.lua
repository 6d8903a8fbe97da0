#!lua
-- Replaces a record (volunteer hours, a follow-up visit) if it still holds exactly what the
-- caller read, idempotently under a request key (RedisOrderStore::UpdateHours, UpdateFollowUp).
--
-- KEYS[1] the record   KEYS[2] request key
-- ARGV[1] the value read   ARGV[2] the new value
-- ARGV[3] request fingerprint (32 hex)   ARGV[4] request key time to live (seconds)
--
-- Returns {"applied", new value} or {"replayed", first result}; refusals are error replies
-- KEPU_REQUEST_REUSED, KEPU_NOT_FOUND or KEPU_STALE (each with text after the code).

local prior = redis.call('GET', KEYS[2])
if prior then
  if string.sub(prior, 1, 32) ~= ARGV[3] then
    return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
  end
  return {'replayed', string.sub(prior, 34)}
end
local current = redis.call('GET', KEYS[1])
if not current then return redis.error_reply('KEPU_NOT_FOUND no such record') end
if current ~= ARGV[1] then return redis.error_reply('KEPU_STALE record changed') end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[3] .. ':' .. ARGV[2], 'EX', ARGV[4])
return {'applied', ARGV[2]}
