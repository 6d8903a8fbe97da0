#!lua flags=no-writes
-- Reads (never writes) the ids that lie in at least one of a few indexes and in
-- every one of some others, past a cursor, in id order (RedisDirectoryStore's
-- SelectIds: the directory's filtered lists and TeamsServing). Every index is a
-- sorted set of ids with score 0.
--
-- KEYS[1 .. ARGV[1]]  indexes of which an id must be in one (may be none)
-- KEYS[ARGV[1]+1 ..]  indexes an id must be in, every one
-- ARGV[1] number of the first kind of index
-- ARGV[2] the cursor: only ids after it ("" for all)
-- ARGV[3] at most this many ids (0: all)
--
-- With no index of the first kind, the smallest of the others is walked and the
-- rest are looked up; at least one index must be given.

local unions = tonumber(ARGV[1])
local start = '-'
if ARGV[2] ~= '' then start = '(' .. ARGV[2] end
local limit = tonumber(ARGV[3])

local candidates = {}
local required = {}
if unions > 0 then
  local seen = {}
  for i = 1, unions do
    for _, id in ipairs(redis.call('ZRANGE', KEYS[i], start, '+', 'BYLEX')) do
      if not seen[id] then
        seen[id] = true
        candidates[#candidates + 1] = id
      end
    end
  end
  for i = unions + 1, #KEYS do required[#required + 1] = KEYS[i] end
else
  local smallest = 1
  local smallest_size = redis.call('ZCARD', KEYS[1])
  for i = 2, #KEYS do
    local size = redis.call('ZCARD', KEYS[i])
    if size < smallest_size then
      smallest = i
      smallest_size = size
    end
  end
  candidates = redis.call('ZRANGE', KEYS[smallest], start, '+', 'BYLEX')
  for i = 1, #KEYS do
    if i ~= smallest then required[#required + 1] = KEYS[i] end
  end
end

local selected = {}
for _, id in ipairs(candidates) do
  local wanted = true
  for _, key in ipairs(required) do
    if not redis.call('ZSCORE', key, id) then
      wanted = false
      break
    end
  end
  if wanted then
    selected[#selected + 1] = id
    -- Walked in id order: the first `limit` are the page.
    if unions == 0 and limit > 0 and #selected == limit then break end
  end
end
table.sort(selected)
if limit > 0 and #selected > limit then
  local page = {}
  for i = 1, limit do page[i] = selected[i] end
  return page
end
return selected
