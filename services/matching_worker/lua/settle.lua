-- Finishes matching entries (MatchingQueue::Settle), all or nothing: acknowledges and deletes each,
-- forgets their last errors, and parks orders to be matched again later (no team could take them
-- now, or what the batch read moved on meanwhile) until their retry time.
-- KEYS: 1 matching stream   2 last errors (hash)   3 parked orders (sorted set by retry time)
-- ARGV: 1 group   2 number of entries   3 number of orders parked until ARGV[4]
--       4 retry time (ms)   5 retry time (ms) of the rest of the orders
--       then the entry ids, then the orders parked until ARGV[4], then the rest.
-- Returns how many entries were still pending (the rest were settled by another worker).
local entries = tonumber(ARGV[2])
local parked = tonumber(ARGV[3])
local settled = 0
for i = 6, 5 + entries do
  settled = settled + redis.call('XACK', KEYS[1], ARGV[1], ARGV[i])
  redis.call('XDEL', KEYS[1], ARGV[i])
  redis.call('HDEL', KEYS[2], ARGV[i])
end
for i = 6 + entries, 5 + entries + parked do
  redis.call('ZADD', KEYS[3], ARGV[4], ARGV[i])
end
for i = 6 + entries + parked, #ARGV do
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[i])
end
return settled
