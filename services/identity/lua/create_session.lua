#!lua
-- Stores a session of a user only if the account has not changed since the caller read it
-- (RedisAccounts::StoreSession), so a sign-in racing a change of grants, a new password or a
-- deactivation cannot leave a session with the old state behind.
--
-- KEYS[1] user hash   KEYS[2] session key   KEYS[3] the user's session set
-- ARGV[1] the user's version as read        ARGV[2] the session (serialized Principal)
-- ARGV[3] time to live (ms)                  ARGV[4] expiry (ms since the epoch, by the Clock)
-- ARGV[5] now (ms since the epoch, by the Clock)
--
-- Returns 'OK'; refusals: KEPU_NOT_FOUND, KEPU_STALE <version>.

local version = redis.call('HGET', KEYS[1], 'v')
if not version then return redis.error_reply('KEPU_NOT_FOUND no such user') end
if version ~= ARGV[1] then return redis.error_reply('KEPU_STALE ' .. version) end

redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', ARGV[5])
redis.call('ZADD', KEYS[3], ARGV[4], KEYS[2])
-- The set lives as long as the user's longest session: NX sets the first expiry, GT extends it.
redis.call('PEXPIRE', KEYS[3], ARGV[3], 'NX')
redis.call('PEXPIRE', KEYS[3], ARGV[3], 'GT')
return 'OK'
