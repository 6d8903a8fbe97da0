-- Puts a dead letter back on the matching stream (MatchingQueue::RetryDeadLetter), idempotently
-- under the request key.
-- KEYS: 1 matching stream   2 dead-letter stream   3 request key
-- ARGV: 1 dead letter id   2 request fingerprint (32 hex)   3 request key time to live (s)
-- Returns {"applied" | "replayed", new entry id}; error replies KEPU_REQUEST_REUSED,
-- KEPU_NOT_FOUND.
local prior = redis.call('GET', KEYS[3])
if prior then
  if string.sub(prior, 1, 32) ~= ARGV[2] then
    return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
  end
  return {'replayed', string.sub(prior, 34)}
end
local found = redis.call('XRANGE', KEYS[2], ARGV[1], ARGV[1])
if #found == 0 then return redis.error_reply('KEPU_NOT_FOUND no such dead letter') end
local fields = found[1][2]
local order = ''
for i = 1, #fields, 2 do
  if fields[i] == 'o' then order = fields[i + 1] end
end
local entry = redis.call('XADD', KEYS[1], '*', 'o', order)
redis.call('XDEL', KEYS[2], ARGV[1])
redis.call('SET', KEYS[3], ARGV[2] .. ':' .. entry, 'EX', ARGV[3])
return {'applied', entry}
