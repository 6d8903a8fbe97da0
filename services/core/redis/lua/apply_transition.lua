#!lua
-- Applies one planned move of one order, all or nothing (RedisOrderStore::Apply).
-- Every check comes before the first write, so a refused move writes nothing; the shebang makes
-- Redis refuse the whole script up front when it is out of memory.
--
-- KEYS, in order:
--   1 order hash   2 request key   3 order history list   4 tenant event stream
--   5 matching queue   6 deadlines (sorted set)   7 the capacity-guarded team's index
--   8 the open orders of the order's service line and community (duplicate search)
--   then the indexes the order leaves (ZREM), the indexes it joins or moves in (ZADD),
--   then for each side record: its key followed by its indexes.
-- ARGV, in order:
--   1 expected version ("0": the move creates the order)
--   2 expected state (number)          3 new state (number)
--   4 new version                      5 the order after (serialized Order)
--   6 the event (serialized OrderEvent, without its id)
--   7 request fingerprint (32 hex)     8 request key time to live (seconds)
--   9 "1": put the order on the matching queue
--   10 approximate length the event stream is trimmed to
--   11 order id
--   12 the order's next deadline (ms), or "" for none
--   13 capacity limit, or "" for no guard; 14-17 the score ranges counted against it
--      (ACCEPTED low, high, IN_SERVICE low, high; high bounds exclusive)
--   18 indexes to leave   19 indexes to join   20 side records
--   21 duplicate search: the earliest creation time (ms) of an open order that counts as a
--      possible duplicate, or "" for no search
--   22 the bytes of the tag of Order.possible_duplicate_ids
--   then one score per joined index,
--   then per side record: value, member, score, number of its indexes,
--   then per team tally: counter, increment (its key, a team's history hash, follows the side
--   records' keys).
--
-- Returns {"applied", event id, {possible duplicate ids}} or {"replayed", first result}; refusals are error replies
-- starting with KEPU_REQUEST_REUSED, KEPU_EXISTS, KEPU_NOT_FOUND, KEPU_STALE <version>,
-- KEPU_STATE <state> or KEPU_CAPACITY <held> (each with text after the code: Redis prefixes a
-- bare code with ERR).

local prior = redis.call('GET', KEYS[2])
if prior then
  if string.sub(prior, 1, 32) ~= ARGV[7] then
    return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
  end
  return {'replayed', string.sub(prior, 34)}
end

local stored = redis.call('HMGET', KEYS[1], 'v', 's')
if ARGV[1] == '0' then
  if stored[1] then return redis.error_reply('KEPU_EXISTS order exists') end
else
  if not stored[1] then return redis.error_reply('KEPU_NOT_FOUND no such order') end
  if stored[1] ~= ARGV[1] then return redis.error_reply('KEPU_STALE ' .. stored[1]) end
  if stored[2] ~= ARGV[2] then return redis.error_reply('KEPU_STATE ' .. stored[2]) end
end

if ARGV[13] ~= '' then
  local held = redis.call('ZCOUNT', KEYS[7], ARGV[14], '(' .. ARGV[15]) +
               redis.call('ZCOUNT', KEYS[7], ARGV[16], '(' .. ARGV[17])
  if held >= tonumber(ARGV[13]) then
    return redis.error_reply('KEPU_CAPACITY ' .. held)
  end
end

-- Possible duplicates: appended to the serialized order as more possible_duplicate_ids
-- fields (protobuf merges repeated fields that come later), before the order joins the index.
local record = ARGV[5]
local duplicates = {}
if ARGV[21] ~= '' then
  local open = redis.call('ZRANGE', KEYS[8], ARGV[21], '+inf', 'BYSCORE', 'LIMIT', '0', '100')
  for _, other in ipairs(open) do
    if other ~= ARGV[11] then
      local length, n = '', #other
      while n >= 128 do
        length = length .. string.char(n % 128 + 128)
        n = math.floor(n / 128)
      end
      record = record .. ARGV[22] .. length .. string.char(n) .. other
      duplicates[#duplicates + 1] = other
    end
  end
end

redis.call('HSET', KEYS[1], 'v', ARGV[4], 's', ARGV[3], 'r', record)
local event_id = redis.call('XADD', KEYS[4], 'MAXLEN', '~', ARGV[10], '*',
                            'o', ARGV[11], 'e', ARGV[6])
redis.call('RPUSH', KEYS[3], event_id .. ' ' .. ARGV[6])
if ARGV[12] == '' then
  redis.call('ZREM', KEYS[6], ARGV[11])
else
  redis.call('ZADD', KEYS[6], ARGV[12], ARGV[11])
end

local leave = tonumber(ARGV[18])
local join = tonumber(ARGV[19])
local key = 8
for _ = 1, leave do
  key = key + 1
  redis.call('ZREM', KEYS[key], ARGV[11])
end
local arg = 22
for _ = 1, join do
  key = key + 1
  arg = arg + 1
  redis.call('ZADD', KEYS[key], ARGV[arg], ARGV[11])
end
for _ = 1, tonumber(ARGV[20]) do
  key = key + 1
  local value, member, score, indexes = ARGV[arg + 1], ARGV[arg + 2], ARGV[arg + 3],
                                        tonumber(ARGV[arg + 4])
  arg = arg + 4
  redis.call('SET', KEYS[key], value)
  for _ = 1, indexes do
    key = key + 1
    redis.call('ZADD', KEYS[key], score, member)
  end
end

for i = arg + 1, #ARGV, 2 do
  key = key + 1
  redis.call('HINCRBY', KEYS[key], ARGV[i], ARGV[i + 1])
end

if ARGV[9] == '1' then
  redis.call('XADD', KEYS[5], '*', 'o', ARGV[11], 'v', ARGV[4])
end
redis.call('SET', KEYS[2], ARGV[7] .. ':' .. record, 'EX', ARGV[8])
return {'applied', event_id, duplicates}
