-- Finishes matching entries (MatchingQueue::Settle), all or nothing: acknowledges and deletes each,
-- forgets their last errors, parks orders no team could take until a retry time, and puts orders
-- to try again in a later batch back on the stream as new entries.
-- KEYS: 1 matching stream   2 last errors (hash)   3 parked orders (sorted set by retry time)
-- ARGV: 1 group   2 number of entries   3 number of parked   4 retry time (ms)
--       then the entry ids, then the parked order ids, then the requeued order ids.
-- Returns how many entries were still pending (the rest were settled by another worker).
local entries = tonumber(ARGV[2])
local parked = tonumber(ARGV[3])
local settled = 0
for i = 5, 4 + entries do
  settled = settled + redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
for i = 5 + entries, 4 + entries + parked do
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[i])
end
for i = 5 + entries + parked, #ARGV do
  redis.call('XADD', KEYS[1], '*', 'o', ARGV[i])
end
return settled
