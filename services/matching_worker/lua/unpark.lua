-- Puts parked orders whose retry time has come back on the matching stream (MatchingQueue::Unpark).
-- KEYS: 1 matching stream   2 parked orders (sorted set by retry time)
-- ARGV: 1 now (ms)   2 at most this many
-- Returns how many were put back.
local due = redis.call('ZRANGE', KEYS[2], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', '0', ARGV[2])
for _, order in ipairs(due) do
  redis.call('ZREM', KEYS[2], order)
  redis.call('XADD', KEYS[1], '*', 'o', order)
end
return #due
