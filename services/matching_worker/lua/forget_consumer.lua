-- Removes a consumer from the matching group if it holds no pending entry
-- (MatchingQueue::ForgetIdleConsumers): checked in the same script, because removing a consumer
-- drops its pending entries, which would then never be delivered again.
-- KEYS: 1 matching stream   ARGV: 1 group   2 consumer
-- Returns 1 if it removed the consumer, 0 if the consumer holds entries.
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
return 1
