-- Sets a matching entry aside (MatchingQueue::DeadLetter), all or nothing: appends it to the
-- dead-letter stream, acknowledges and deletes it on the matching stream, forgets its last error.
-- KEYS: 1 matching stream   2 dead-letter stream   3 last errors (hash by entry id)
-- ARGV: 1 group   2 entry id   3 order id   4 deliveries   5 last error   6 now (ms)
-- Returns the dead letter's id, or "" when the entry was no longer pending (another worker
-- handled it).
if redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) == 0 then return '' end
redis.call('XDEL', KEYS[1], ARGV[2])
redis.call('HDEL', KEYS[3], ARGV[2])
return redis.call('XADD', KEYS[2], '*', 'entry', ARGV[2], 'o', ARGV[3], 'deliveries', ARGV[4],
                  'error', ARGV[5], 'at', ARGV[6])
