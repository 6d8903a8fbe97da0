#!lua
-- Adds an item to a person's inbox once (RedisInbox::Add): an item added before, read or not,
-- is left as it is, so a delivery tried again adds nothing. A new item is announced on the
-- tenant's inbox feed, and the oldest unread items beyond the cap leave the inbox.
--
-- KEYS[1] the items hash (id -> serialized InboxItem)   KEYS[2] the unread sorted set
-- KEYS[3] the tenant's inbox feed stream
-- ARGV[1] id   ARGV[2] the serialized item   ARGV[3] its time (ms)   ARGV[4] the unread cap
-- ARGV[5] the feed's length
--
-- Returns 1 when added, 0 when it was there.

if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', 'e', ARGV[2])
local extra = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, extra - 1)
  for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
end
return 1
