#!lua
-- Creates or changes one account, all or nothing (RedisAccounts::Write). Every check comes before
-- the first write, so a refused write writes nothing.
--
-- KEYS[1] user hash {v: version, r: serialized User, h: password hash}
-- KEYS[2] phone key (phone number -> user id)   KEYS[3] the user's session set
-- KEYS[4] tenant audit stream
-- KEYS[5] request key, when ARGV[1] is '1'
-- then ARGV[11] indexes the user leaves (ZREM), then ARGV[12] indexes it joins (ZADD 0)
--
-- ARGV[1]  '1': the write carries a request key    ARGV[2] request fingerprint (32 hex)
-- ARGV[3]  request key time to live (seconds)
-- ARGV[4]  expected version ('0': creates the user, which needs its phone number free)
-- ARGV[5]  new version                              ARGV[6] the user after (serialized User)
-- ARGV[7]  new password hash ('' keeps it)          ARGV[8] user id
-- ARGV[9]  sessions: 'keep', 'all' (end every session of the user) or 'others' (all but ARGV[10])
-- ARGV[10] the session key kept by 'others'
-- ARGV[11] number of indexes to leave               ARGV[12] number of indexes to join
-- ARGV[13 ..] the audit entry: field, value, field, value, ...
--
-- The user's session keys are read from its session set rather than passed in KEYS: they share
-- the tenant's hash tag, so the script still touches one Cluster slot.
--
-- Returns {'applied', ''} or {'replayed', first result}; refusals are error replies starting
-- with KEPU_REQUEST_REUSED, KEPU_EXISTS, KEPU_PHONE_TAKEN, KEPU_NOT_FOUND or KEPU_STALE <version>.

local first_index = 5
if ARGV[1] == '1' then
  local prior = redis.call('GET', KEYS[5])
  if prior then
    if string.sub(prior, 1, 32) ~= ARGV[2] then
      return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
    end
    return {'replayed', string.sub(prior, 34)}
  end
  first_index = 6
end

local version = redis.call('HGET', KEYS[1], 'v')
if ARGV[4] == '0' then
  if version then return redis.error_reply('KEPU_EXISTS user exists') end
  if redis.call('EXISTS', KEYS[2]) == 1 then
    return redis.error_reply('KEPU_PHONE_TAKEN the number has an account')
  end
else
  if not version then return redis.error_reply('KEPU_NOT_FOUND no such user') end
  if version ~= ARGV[4] then return redis.error_reply('KEPU_STALE ' .. version) end
end

if ARGV[7] ~= '' then
  redis.call('HSET', KEYS[1], 'v', ARGV[5], 'r', ARGV[6], 'h', ARGV[7])
else
  redis.call('HSET', KEYS[1], 'v', ARGV[5], 'r', ARGV[6])
end
if ARGV[4] == '0' then
  redis.call('SET', KEYS[2], ARGV[8])
end
local leave = tonumber(ARGV[11])
for i = 0, leave - 1 do
  redis.call('ZREM', KEYS[first_index + i], ARGV[8])
end
for i = 0, tonumber(ARGV[12]) - 1 do
  redis.call('ZADD', KEYS[first_index + leave + i], 0, ARGV[8])
end
if ARGV[9] ~= 'keep' then
  for _, key in ipairs(redis.call('ZRANGE', KEYS[3], 0, -1)) do
    if ARGV[9] == 'all' or key ~= ARGV[10] then
      redis.call('DEL', key)
      redis.call('ZREM', KEYS[3], key)
    end
  end
end
redis.call('XADD', KEYS[4], '*', unpack(ARGV, 13))
if ARGV[1] == '1' then
  redis.call('SET', KEYS[5], ARGV[2] .. ':' .. ARGV[6], 'EX', ARGV[3])
end
return {'applied', ''}
