#!lua
-- Marks items of a person's inbox read (RedisInbox::MarkRead): each named unread item moves,
-- with its time, from the unread set to the read set; the oldest read items beyond the cap leave
-- the inbox. Unknown or already read ids are skipped.
--
-- KEYS[1] the items hash   KEYS[2] the unread sorted set   KEYS[3] the read sorted set
-- ARGV[1] the read cap   ARGV[2] "1": every unread item   ARGV[3...] the ids
--
-- Returns the number of unread items left.

local ids
if ARGV[2] == '1' then
  ids = redis.call('ZRANGE', KEYS[2], 0, -1)
else
  ids = {}
  for i = 3, #ARGV do ids[#ids + 1] = ARGV[i] end
end
for _, id in ipairs(ids) do
  local score = redis.call('ZSCORE', KEYS[2], id)
  if score then
    redis.call('ZREM', KEYS[2], id)
    redis.call('ZADD', KEYS[3], score, id)
  end
end
local extra = redis.call('ZCARD', KEYS[3]) - tonumber(ARGV[1])
if extra > 0 then
  local old = redis.call('ZRANGE', KEYS[3], 0, extra - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, extra - 1)
  for _, id in ipairs(old) do redis.call('HDEL', KEYS[1], id) end
end
return redis.call('ZCARD', KEYS[2])
