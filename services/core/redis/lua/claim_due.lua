#!lua
-- Claims the orders whose deadline passed, for a lease (RedisOrderStore::ClaimDue): each claimed
-- order's score becomes the end of the lease in the same script, so no other watchdog claims it
-- meanwhile, and one that dies lets it come back when the lease ends.
--
-- KEYS[1] the deadlines sorted set
-- ARGV[1] now (ms)   ARGV[2] at most this many   ARGV[3] the end of the lease (ms)
--
-- Returns {id, score, id, score, ...}, earliest first, with the scores they had.

local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', '0', ARGV[2],
                       'WITHSCORES')
for i = 1, #due, 2 do
  redis.call('ZADD', KEYS[1], ARGV[3], due[i])
end
return due
