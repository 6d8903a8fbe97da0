-- Kepu's record-write protocol: every write of a record (an order's move, a directory record, an
-- account, a compare-and-set of a side record) is one call of the function registered below, with
-- one argument, a MessagePack map that services/core/redis/record_write.h builds. Loaded with
-- FUNCTION LOAD as a library named after a digest of this text (record_write.cc prepends the
-- "#!lua name=..." line and replaces KEPU_LIBRARY with that name), so it is persisted and
-- replicated with the data, and builds of different versions of it can run side by side.
--
-- The whole argument's shape is checked before anything is read or written; then the request key,
-- the record's version (and state), the other checks; only then the writes. A refused or malformed
-- write writes nothing.
--
-- KEYS: every key the write touches; the argument names them by number (1-based).
-- ARGV[1]: the write, a map of these sections (all optional but `record`):
--   request = {key, fingerprint (32 characters), ttl (seconds, decimal string)}
--       The request key: if it holds "<fingerprint>:<result>", the write was applied before and
--       its result is answered (or KEPU_REQUEST_REUSED when the fingerprint differs).
--   record = {key, kind = 'hash' | 'string', version, state, value}
--       hash:   version = the field v it must have ("0": the hash must not exist); state = the
--               field s it must have.
--       string: value = what it must hold; absent: the key must not exist.
--   checks = list of
--       {check = 'version', key, version}  the hash's field v must be `version` (KEPU_CHANGED <n>)
--       {check = 'empty', key}             the sorted set must be empty (KEPU_NOT_EMPTY <n>)
--       {check = 'absent', key}            the key must not exist (KEPU_TAKEN <n>)
--       {check = 'capacity', key, ranges = list of {low, high}, limit}
--                                          fewer than `limit` members of the sorted set may score
--                                          in [low, high) (KEPU_CAPACITY <count>)
--   write = {fields = list of field, value (hash) | value (string)}
--       What the record becomes: HSET of the fields, or SET of the value.
--   links = {key, since, limit, exclude, tag}
--       The members of the sorted set scoring `since` or more (at most `limit`, lowest first, but
--       `exclude`) are appended to the record's field r as protobuf string fields with the tag
--       bytes `tag`, and answered.
--   index = {member, before = list of {key, score}, after = list of {key, score}}
--       The member leaves the sorted sets it was in that it is no longer in, and is added where
--       it is new or its score changed.
--   ops = list of
--       {op = 'set', key, value}                 SET
--       {op = 'setif', key, expect, value}       SET if the key holds `expect` (else nothing)
--       {op = 'zadd', key, score, member}        {op = 'zrem', key, member}
--       {op = 'hincrby', key, field, by}
--       {op = 'end_sessions', key, keep}         DEL every key the sorted set lists but `keep`
--                                                (those keys share its hash tag), and ZREM them
--   log = {key, maxlen, fields = list of field, value, history = {key, value}}
--       XADD to the stream (trimmed to about `maxlen` when given); with history, RPUSH
--       "<entry id> <value>" to the list.
--   enqueue = list of {key, fields}              XADD to each stream
--   result = what the request key remembers (default: the record's field r, or its value)
-- Numbers that go to Redis (versions, scores, counts, ttl) travel as decimal strings; key numbers
-- and the limits of links and capacity as MessagePack integers.
--
-- Returns {'applied', log entry id or '', {linked members}} or {'replayed', first result}.
-- Refusals are error replies: KEPU_MALFORMED <path>: <what>, KEPU_REQUEST_REUSED, KEPU_EXISTS,
-- KEPU_NOT_FOUND, KEPU_STALE <version>, KEPU_STATE <state>, KEPU_CHANGED <n>, KEPU_NOT_EMPTY <n>,
-- KEPU_TAKEN <n>, KEPU_CAPACITY <count> (each with text after the code: Redis prefixes a bare
-- code with ERR).

local MALFORMED = 'kepu-malformed'

local function malformed(path, what)
  error({[MALFORMED] = path .. ': ' .. what}, 0)
end

-- Shape checkers: each takes (value, keys) and raises bad() when the value does not fit. This runs
-- before every write, so it is kept cheap: one pass over each table, Lua's functions held in
-- locals, and no garbage on the way: the path of the value being checked is kept on a stack of
-- names (`at`, `depth`) and joined into text only when a check fails.

-- Lua's functions, taken on the first call: FUNCTION LOAD runs this file without them.
local type_, pairs_, find_

local at = {}
local depth = 0

local function bad(what)
  local parts = {'write'}
  for i = 1, depth do
    local name = at[i]
    if type(name) == 'number' then
      parts[#parts + 1] = '[' .. name .. ']'
    else
      parts[#parts + 1] = '.' .. tostring(name)
    end
  end
  malformed(table.concat(parts), what)
end

local function key_number(value, keys)
  if type_(value) ~= 'number' or value % 1 ~= 0 or value < 1 or value > #keys then
    bad('is not the number of a key')
  end
end

local function text(value)
  if type_(value) ~= 'string' then bad('is not a string') end
end

local function decimal(value)
  if type_(value) ~= 'string' or #value > 20 or not find_(value, '^%-?%d+$') then
    bad('is not a decimal integer')
  end
end

local function small_count(value)
  if type_(value) ~= 'number' or value % 1 ~= 0 or value < 0 or value > 1000000 then
    bad('is not a count')
  end
end

local function fingerprint(value)
  if type_(value) ~= 'string' or #value ~= 32 then bad('is not a fingerprint') end
end

local function any() end

-- A list: a table with exactly the keys 1..n, each checked by `each`; `size`, when given, is the
-- length it must have (`size_problem` says what it is otherwise).
local function list_of(each, size, size_problem)
  return function(value, keys)
    if type_(value) ~= 'table' then bad('is not a list') end
    -- n distinct positive integer keys whose largest is n are exactly 1..n.
    local n, last = 0, 0
    depth = depth + 1
    for k, v in pairs_(value) do
      if type_(k) ~= 'number' or k % 1 ~= 0 or k < 1 then
        depth = depth - 1
        bad('is not a list')
      end
      n = n + 1
      if k > last then last = k end
      at[depth] = k
      each(v, keys)
    end
    depth = depth - 1
    if last ~= n then bad('is not a list') end
    if size and n ~= size then bad(size_problem) end
  end
end

-- A map with only the named fields: {name = {checker, required}}.
local function map_of(fields)
  local required_count  -- counted on the first call
  return function(value, keys)
    if required_count == nil then
      required_count = 0
      for _, spec in pairs_(fields) do
        if spec[2] then required_count = required_count + 1 end
      end
    end
    if type_(value) ~= 'table' then bad('is not a map') end
    local required = 0
    depth = depth + 1
    for k, v in pairs_(value) do
      local spec = type_(k) == 'string' and fields[k]
      if not spec then
        depth = depth - 1
        bad('has an unknown field ' .. tostring(k))
      end
      if spec[2] then required = required + 1 end
      at[depth] = k
      spec[1](v, keys)
    end
    if required ~= required_count then
      for name, spec in pairs_(fields) do
        if spec[2] and value[name] == nil then
          at[depth] = name
          bad('is missing')
        end
      end
    end
    depth = depth - 1
  end
end

-- One of several map shapes, chosen by the field `tag` (e.g. op = 'set').
local function variant(tag, shapes)
  return function(value, keys)
    if type(value) ~= 'table' then bad('is not a map') end
    local shape = shapes[value[tag]]
    if shape == nil then
      depth = depth + 1
      at[depth] = tag
      bad('is not known')
    end
    shape(value, keys)
  end
end

local function one_of(...)
  local listed = {...}
  local allowed
  return function(value)
    if allowed == nil then
      allowed = {}
      for _, v in ipairs(listed) do allowed[v] = true end
    end
    if not allowed[value] then bad('is not one of ' .. table.concat(listed, ', ')) end
  end
end

local texts = list_of(text)

-- Field, value, field, value ...
local function pairs_list(value, keys)
  texts(value, keys)
  if #value % 2 ~= 0 then bad('is not a list of pairs') end
end

local REQUIRED, OPTIONAL = true, false
local function req(check) return {check, REQUIRED} end
local function opt(check) return {check, OPTIONAL} end

-- {key, score}
local pair = list_of(any, 2, 'is not a pair')
local function index_entry(value, keys)
  pair(value, keys)
  depth = depth + 1
  at[depth] = 1
  key_number(value[1], keys)
  at[depth] = 2
  decimal(value[2])
  depth = depth - 1
end

local WRITE = map_of({
  request = opt(map_of({key = req(key_number), fingerprint = req(fingerprint),
                        ttl = req(decimal)})),
  record = req(map_of({key = req(key_number), kind = req(one_of('hash', 'string')),
                       version = opt(decimal), state = opt(decimal), value = opt(text)})),
  checks = opt(list_of(variant('check', {
    version = map_of({check = req(text), key = req(key_number), version = req(decimal)}),
    empty = map_of({check = req(text), key = req(key_number)}),
    absent = map_of({check = req(text), key = req(key_number)}),
    capacity = map_of({check = req(text), key = req(key_number), limit = req(small_count),
                       ranges = req(list_of(list_of(decimal, 2, 'is not a range')))}),
  }))),
  write = req(map_of({fields = opt(pairs_list), value = opt(text)})),
  links = opt(map_of({key = req(key_number), since = req(decimal), limit = req(small_count),
                      exclude = req(text), tag = req(text)})),
  index = opt(map_of({member = req(text), before = req(list_of(index_entry)),
                      after = req(list_of(index_entry))})),
  ops = opt(list_of(variant('op', {
    set = map_of({op = req(text), key = req(key_number), value = req(text)}),
    setif = map_of({op = req(text), key = req(key_number), expect = req(text),
                    value = req(text)}),
    zadd = map_of({op = req(text), key = req(key_number), score = req(decimal),
                   member = req(text)}),
    zrem = map_of({op = req(text), key = req(key_number), member = req(text)}),
    hincrby = map_of({op = req(text), key = req(key_number), field = req(text),
                      by = req(decimal)}),
    end_sessions = map_of({op = req(text), key = req(key_number), keep = opt(text)}),
  }))),
  log = opt(map_of({key = req(key_number), maxlen = opt(decimal), fields = req(pairs_list),
                    history = opt(map_of({key = req(key_number), value = req(text)}))})),
  enqueue = opt(list_of(map_of({key = req(key_number), fields = req(pairs_list)}))),
  result = opt(text),
})

-- What the sections must hold together, beyond each one's shape.
local function check_consistency(w)
  local record = w.record
  if record.kind == 'hash' then
    if record.version == nil then malformed('write.record.version', 'is missing') end
    if record.value ~= nil then malformed('write.record.value', 'is for strings') end
    if w.write.fields == nil or w.write.value ~= nil then
      malformed('write.write', 'a hash is written by fields')
    end
  else
    if record.version ~= nil or record.state ~= nil then
      malformed('write.record', 'a string has no version or state')
    end
    if w.write.value == nil or w.write.fields ~= nil then
      malformed('write.write', 'a string is written by value')
    end
    if w.links ~= nil then malformed('write.links', 'need a hash record') end
  end
  if record.kind == 'hash' and #w.write.fields == 0 then
    malformed('write.write.fields', 'is empty')
  end
end

local function check(w, keys)
  depth = 0
  if type_ == nil then type_, pairs_, find_ = type, pairs, string.find end
  WRITE(w, keys)
  check_consistency(w)
end

local function decode(payload, keys)
  if type(payload) ~= 'string' then return nil, 'write: is missing' end
  local ok, decoded = pcall(function() return {cmsgpack.unpack(payload)} end)
  if not ok then return nil, 'write: is not MessagePack (' .. tostring(decoded) .. ')' end
  if #decoded ~= 1 then return nil, 'write: is not one MessagePack value' end
  local w = decoded[1]
  local fits, problem = pcall(check, w, keys)
  if fits then return w end
  if type(problem) == 'table' and problem[MALFORMED] then return nil, problem[MALFORMED] end
  return nil, 'write: ' .. tostring(problem)
end

local function field_of(fields, name)
  for i = 1, #fields, 2 do
    if fields[i] == name then return fields[i + 1], i + 1 end
  end
  return nil
end

local function varint(n)
  local bytes = ''
  while n >= 128 do
    bytes = bytes .. string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  return bytes .. string.char(n)
end

local function write(keys, args)
  local w, problem = decode(args[1], keys)
  if w == nil then return redis.error_reply('KEPU_MALFORMED ' .. problem) end
  if #args ~= 1 then return redis.error_reply('KEPU_MALFORMED write: one argument expected') end

  -- The request.
  if w.request then
    local prior = redis.call('GET', keys[w.request.key])
    if prior then
      if string.sub(prior, 1, 32) ~= w.request.fingerprint then
        return redis.error_reply('KEPU_REQUEST_REUSED request id used for other content')
      end
      return {'replayed', string.sub(prior, 34)}
    end
  end

  -- The record.
  local record = w.record
  local record_key = keys[record.key]
  if record.kind == 'hash' then
    local stored = redis.call('HMGET', record_key, 'v', 's')
    if record.version == '0' then
      if stored[1] then return redis.error_reply('KEPU_EXISTS record exists') end
    else
      if not stored[1] then return redis.error_reply('KEPU_NOT_FOUND no such record') end
      if stored[1] ~= record.version then
        return redis.error_reply('KEPU_STALE ' .. stored[1])
      end
      if record.state and stored[2] ~= record.state then
        return redis.error_reply('KEPU_STATE ' .. tostring(stored[2]))
      end
    end
  else
    local stored = redis.call('GET', record_key)
    if record.value == nil then
      if stored then return redis.error_reply('KEPU_EXISTS record exists') end
    else
      if not stored then return redis.error_reply('KEPU_NOT_FOUND no such record') end
      if stored ~= record.value then return redis.error_reply('KEPU_STALE changed') end
    end
  end

  -- The other checks.
  for i, check in ipairs(w.checks or {}) do
    local key = keys[check.key]
    if check.check == 'version' then
      if redis.call('HGET', key, 'v') ~= check.version then
        return redis.error_reply('KEPU_CHANGED ' .. i)
      end
    elseif check.check == 'empty' then
      if redis.call('ZCARD', key) > 0 then return redis.error_reply('KEPU_NOT_EMPTY ' .. i) end
    elseif check.check == 'absent' then
      if redis.call('EXISTS', key) == 1 then return redis.error_reply('KEPU_TAKEN ' .. i) end
    else
      local held = 0
      for _, range in ipairs(check.ranges) do
        held = held + redis.call('ZCOUNT', key, range[1], '(' .. range[2])
      end
      if held >= check.limit then return redis.error_reply('KEPU_CAPACITY ' .. held) end
    end
  end

  -- Links: found before the record is written (it may be listed in that set itself).
  local fields = w.write.fields
  local linked = {}
  if w.links then
    local l = w.links
    local found = redis.call('ZRANGE', keys[l.key], l.since, '+inf', 'BYSCORE', 'LIMIT', '0',
                             tostring(l.limit))
    local r, at = field_of(fields, 'r')
    r = r or ''
    for _, member in ipairs(found) do
      if member ~= l.exclude then
        r = r .. l.tag .. varint(#member) .. member
        linked[#linked + 1] = member
      end
    end
    if at then
      fields[at] = r
    else
      fields[#fields + 1] = 'r'
      fields[#fields + 1] = r
    end
  end

  -- The writes.
  local result
  if record.kind == 'hash' then
    redis.call('HSET', record_key, unpack(fields))
    result = field_of(fields, 'r') or ''
  else
    redis.call('SET', record_key, w.write.value)
    result = w.write.value
  end
  if w.result then result = w.result end

  if w.index then
    local member = w.index.member
    local after = {}
    for _, entry in ipairs(w.index.after) do after[entry[1]] = entry[2] end
    local before = {}
    for _, entry in ipairs(w.index.before) do
      before[entry[1]] = entry[2]
      if after[entry[1]] == nil then redis.call('ZREM', keys[entry[1]], member) end
    end
    for _, entry in ipairs(w.index.after) do
      if before[entry[1]] ~= entry[2] then
        redis.call('ZADD', keys[entry[1]], entry[2], member)
      end
    end
  end

  for _, op in ipairs(w.ops or {}) do
    local key = keys[op.key]
    if op.op == 'set' then
      redis.call('SET', key, op.value)
    elseif op.op == 'setif' then
      if redis.call('GET', key) == op.expect then redis.call('SET', key, op.value) end
    elseif op.op == 'zadd' then
      redis.call('ZADD', key, op.score, op.member)
    elseif op.op == 'zrem' then
      redis.call('ZREM', key, op.member)
    elseif op.op == 'hincrby' then
      redis.call('HINCRBY', key, op.field, op.by)
    else
      for _, session in ipairs(redis.call('ZRANGE', key, 0, -1)) do
        if session ~= op.keep then
          redis.call('DEL', session)
          redis.call('ZREM', key, session)
        end
      end
    end
  end

  local log_id = ''
  if w.log then
    if w.log.maxlen then
      log_id = redis.call('XADD', keys[w.log.key], 'MAXLEN', '~', w.log.maxlen, '*',
                          unpack(w.log.fields))
    else
      log_id = redis.call('XADD', keys[w.log.key], '*', unpack(w.log.fields))
    end
    if w.log.history then
      redis.call('RPUSH', keys[w.log.history.key], log_id .. ' ' .. w.log.history.value)
    end
  end
  for _, queue in ipairs(w.enqueue or {}) do
    redis.call('XADD', keys[queue.key], '*', unpack(queue.fields))
  end

  if w.request then
    redis.call('SET', keys[w.request.key], w.request.fingerprint .. ':' .. result, 'EX',
               w.request.ttl)
  end
  return {'applied', log_id, linked}
end

redis.register_function('KEPU_LIBRARY_write', write)
