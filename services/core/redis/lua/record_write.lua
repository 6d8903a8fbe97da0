-- Kepu's record-write protocol: every write of a record (an order's move, a directory record, an
-- account, a compare-and-set of a side record) is one call of the function registered below, with
-- one argument that services/core/redis/record_write.h builds. Loaded with FUNCTION LOAD as a
-- library named after a digest of this text (record_write.cc prepends the "#!lua name=..." line
-- and replaces KEPU_LIBRARY with that name), so it is persisted and replicated with the data, and
-- builds of different versions of it can run side by side.
--
-- The whole argument's shape is checked before anything is read or written; then the request key,
-- the record's version (and state), the other checks; only then the writes. A refused or malformed
-- write writes nothing.
--
-- KEYS: every key the write touches; the argument names them by number (1-based).
-- ARGV[1]: the write: a stream of MessagePack values (no enclosing array): the number of tokens
-- that follow, then the tokens. Unpacking it makes one Lua table, and the write is checked and
-- applied straight from that list (README, "The record-write protocol (#11): what it costs",
-- says what the unpacking and the checks cost). The tokens are sections, each a name followed by
-- its values, in this order (all optional but a record and its write):
--
--   request  K fingerprint ttl      The request key: if it holds "<fingerprint>:<result>", the
--                                   write was applied before and its result is answered (or
--                                   KEPU_REQUEST_REUSED when the fingerprint differs).
--   hash     K version state        The record is a hash whose field v must be `version` ("0": it
--                                   must not exist) and, unless `state` is false, whose field s
--                                   must be `state`.
--   string   K expected             The record is a string that must hold `expected` (false: the
--                                   key must not exist).
--   checks   N check...             version K D   the hash's field v must be D (KEPU_CHANGED <n>)
--                                   empty K       the sorted set must be empty (KEPU_NOT_EMPTY <n>)
--                                   absent K      the key must not exist (KEPU_TAKEN <n>)
--                                   capacity K limit R (low high)*R
--                                                 fewer than `limit` members of the sorted set may
--                                                 score in the ranges [low, high) (KEPU_CAPACITY
--                                                 <count>)
--   fields   N (field value)*N      A hash's new fields (N >= 1): HSET.
--   value    V                      A string's new value: SET.
--   links    K since limit exclude tag
--                                   The members of the sorted set scoring `since` or more (at most
--                                   `limit`, lowest first, but `exclude`) are appended to the
--                                   record's field r as protobuf string fields with the tag bytes
--                                   `tag`, and answered. A hash record only.
--   index    member N (K before after)*N
--                                   For each sorted set the member was in or is to be in: its
--                                   score before (false: it was not in the set) and after (false:
--                                   it leaves the set). The member leaves the sets whose after is
--                                   false, and is added where its score is new or changed.
--   ops      N op...                set K value | setif K expect value (SET only if the key holds
--                                   `expect`) | zadd K score member | zrem K member |
--                                   hincrby K field by | end_sessions K keep (DEL every key the
--                                   sorted set lists but `keep`, false for none, and ZREM them;
--                                   those keys share its hash tag)
--   log      K maxlen N (field value)*N
--                                   XADD to the stream (trimmed to about `maxlen` unless false).
--   history  K value                With log: RPUSH "<entry id> <value>" to the list.
--   enqueue  N (K M (field value)*M)*N
--                                   XADD to each stream.
--   result   value                  What the request key remembers (default: the record's field
--                                   r, or its value).
-- K is a key's number; N, M, R, limit and the limit of links are counts (at most 100,000): these
-- are MessagePack integers. Numbers that go to Redis or are compared with what it holds
-- (versions, states, scores, ttl, since, low, high, by, maxlen) are decimal strings (at most 20
-- characters, an optional minus and digits; ttl at most 18 digits and positive, maxlen at most 18
-- digits, by at most 18 characters): Redis would format a Lua number with printf's %.17g, which
-- costs a microsecond each. An index's before scores are only compared with its after
-- scores, so any string will do. Texts (fields, values, members, the fingerprint) are MessagePack
-- strings. A write has at most about
-- 7,000 tokens (Lua's stack).
--
-- Returns {'applied', log entry id or '', {linked members}} or {'replayed', first result}.
-- Refusals are error replies: KEPU_MALFORMED write[<i>] (<section>): <what> (i counts the
-- argument's values from 1, the count included),
-- KEPU_REQUEST_REUSED, KEPU_EXISTS, KEPU_NOT_FOUND, KEPU_STALE <version>, KEPU_STATE <state>,
-- KEPU_CHANGED <n>, KEPU_NOT_EMPTY <n>, KEPU_TAKEN <n>, KEPU_CAPACITY <count> (each with text
-- after the code: Redis prefixes a bare code with ERR).

local MALFORMED = 'kepu-malformed'

-- Lua's and Redis's functions, taken on the first call (FUNCTION LOAD runs this file without
-- them), and held in locals: every global a function reads goes through a metatable.
local type_, find_, select_, unpack_, sub_, ipairs_, call_, error_reply_, unpack_msgpack_

local function malformed(what)
  error({[MALFORMED] = what}, 0)
end

local function bad(i, section, what)
  malformed('write[' .. i .. '] (' .. section .. '): ' .. what)
end

-- Where the section being checked starts: a value of the wrong kind may stop a check with Lua's
-- own error (the length of a number, say), which is then reported as of this section.
local checking = 0

-- The token checks run for every token of every write, so they make no garbage and call no C
-- function but find() for decimals; the hot ones are written out where they are used.
--   a key number K:  keys[v] ~= nil
--   a count:         v + 0 == v (a number: Lua does not convert in ==; anything but a number or a
--                    string of digits raises) and v % 1 == 0 and 0 <= v <= 100000
--   a text:          v < '' is false for every string, and raises for anything else (Lua
--                    compares strings with strcoll, in the locale Redis sets from its
--                    environment; glibc's strcoll answers at once when one side is empty:
--                    every 1- and 2-byte string compared greater than '' under C, en_US and
--                    zh_CN UTF-8, and Lua's own loop handles strings that start with NUL)
--   a decimal:       #v <= 20 and find_(v, '^%-?%d+$') (# raises for what is not a string or a
--                    table; find raises for a table)
local DECIMAL = '^%-?%d+$'
local MOST = 100000

local function key_at(a, i, section, keys)
  if keys[a[i]] == nil then bad(i, section, 'is not the number of a key') end
end

local function text_at(a, i, section)
  if a[i] < '' then bad(i, section, 'is not a string') end
end

local function decimal_at(a, i, section)
  local v = a[i]
  if #v > 20 or not find_(v, DECIMAL) then bad(i, section, 'is not a decimal integer') end
end

-- Where Redis takes the number as a 64-bit integer and refuses some (SET's EX must be positive,
-- XADD's MAXLEN must not be negative, HINCRBY's increment must fit): decimals of at most 18
-- characters (so they fit) matching `pattern`. A refusal by Redis there would come after the
-- record's write.
local POSITIVE, NATURAL = '^[1-9]%d*$', '^%d+$'

local function integer_at(a, i, section, pattern)
  local v = a[i]
  if #v > 18 or not find_(v, pattern) then bad(i, section, 'is out of range') end
end

-- A count: answered.
local function count_at(a, i, section)
  local v = a[i]
  if v + 0 ~= v or v % 1 ~= 0 or v < 0 or v > MOST then bad(i, section, 'is not a count') end
  return v
end

-- N (field value)*N from a[i]; answers the index after them.
local function pairs_at(a, i, section)
  local last = i + 2 * count_at(a, i, section)
  for j = i + 1, last do
    if a[j] < '' then bad(j, section, 'is not a string') end
  end
  return last + 1
end

-- The tokens of each op, its name included.
local OP_SIZE = {set = 3, setif = 4, zadd = 4, zrem = 3, hincrby = 4, end_sessions = 3}

local ORDER = {request = 1, hash = 2, string = 2, checks = 3, fields = 4, value = 4, links = 5,
               index = 6, ops = 7, log = 8, history = 9, enqueue = 10, result = 11}

-- Checks the tokens a[2..n] and answers where each section starts (nil: absent): request, record,
-- checks, write, links, index, ops, log, history, enqueue, result.
local function shape(a, n, keys)
  checking = 1
  local request, record, checks, write, links, index, ops, log, history, enqueue, result
  local i, last = 2, 0
  while i <= n do
    local section = a[i]
    local rank = ORDER[section]
    if rank == nil then bad(i, 'write', 'is not a section') end
    if rank <= last then bad(i, section, 'is repeated or out of order') end
    last = rank
    checking = i
    if section == 'request' then
      request = i
      key_at(a, i + 1, section, keys)
      local fingerprint = a[i + 2]
      if type_(fingerprint) ~= 'string' or #fingerprint ~= 32 then
        bad(i + 2, section, 'is not a fingerprint')
      end
      integer_at(a, i + 3, section, POSITIVE)
      i = i + 4
    elseif section == 'hash' then
      record = i
      key_at(a, i + 1, section, keys)
      decimal_at(a, i + 2, section)
      if a[i + 3] ~= false then decimal_at(a, i + 3, section) end
      i = i + 4
    elseif section == 'string' then
      record = i
      key_at(a, i + 1, section, keys)
      if a[i + 2] ~= false then text_at(a, i + 2, section) end
      i = i + 3
    elseif section == 'checks' then
      checks = i
      i = i + 2
      for _ = 1, count_at(a, i - 1, section) do
        local kind = a[i]
        if kind == 'version' then
          key_at(a, i + 1, section, keys)
          decimal_at(a, i + 2, section)
          i = i + 3
        elseif kind == 'empty' or kind == 'absent' then
          key_at(a, i + 1, section, keys)
          i = i + 2
        elseif kind == 'capacity' then
          key_at(a, i + 1, section, keys)
          count_at(a, i + 2, section)
          local ranges = count_at(a, i + 3, section)
          for j = i + 4, i + 3 + 2 * ranges do decimal_at(a, j, section) end
          i = i + 4 + 2 * ranges
        else
          bad(i, section, 'is not a check')
        end
      end
    elseif section == 'fields' then
      write = i
      if a[i + 1] == 0 then bad(i + 1, section, 'is empty') end
      i = pairs_at(a, i + 1, section)
    elseif section == 'value' then
      write = i
      text_at(a, i + 1, section)
      i = i + 2
    elseif section == 'links' then
      links = i
      key_at(a, i + 1, section, keys)
      decimal_at(a, i + 2, section)
      count_at(a, i + 3, section)
      text_at(a, i + 4, section)
      text_at(a, i + 5, section)
      i = i + 6
    elseif section == 'index' then
      index = i
      text_at(a, i + 1, section)
      local stop = i + 2 + 3 * count_at(a, i + 2, section)
      for j = i + 3, stop, 3 do
        if keys[a[j]] == nil then bad(j, section, 'is not the number of a key') end
        local before, after = a[j + 1], a[j + 2]
        if before ~= false and before < '' then bad(j + 1, section, 'is not a string') end
        if after ~= false and (#after > 20 or not find_(after, DECIMAL)) then
          bad(j + 2, section, 'is not a decimal integer')
        end
      end
      i = stop + 1
    elseif section == 'ops' then
      ops = i
      i = i + 2
      for _ = 1, count_at(a, i - 1, section) do
        local op = a[i]
        local size = OP_SIZE[op]
        if size == nil then bad(i, section, 'is not an op') end
        key_at(a, i + 1, section, keys)
        if op == 'zadd' then
          decimal_at(a, i + 2, section)
          text_at(a, i + 3, section)
        elseif op == 'hincrby' then
          text_at(a, i + 2, section)
          integer_at(a, i + 3, section, DECIMAL)
        elseif op ~= 'end_sessions' or a[i + 2] ~= false then
          for j = i + 2, i + size - 1 do text_at(a, j, section) end
        end
        i = i + size
      end
    elseif section == 'log' then
      log = i
      key_at(a, i + 1, section, keys)
      if a[i + 2] ~= false then integer_at(a, i + 2, section, NATURAL) end
      i = pairs_at(a, i + 3, section)
    elseif section == 'history' then
      history = i
      key_at(a, i + 1, section, keys)
      text_at(a, i + 2, section)
      i = i + 3
    elseif section == 'enqueue' then
      enqueue = i
      i = i + 2
      for _ = 1, count_at(a, i - 1, section) do
        key_at(a, i, section, keys)
        i = pairs_at(a, i + 1, section)
      end
    else  -- result
      result = i
      text_at(a, i + 1, section)
      i = i + 2
    end
  end
  -- A section whose last value is missing reads past the end: a[n + 1] is nil, and refused.
  if record == nil then malformed('write: has no record (hash or string)') end
  if write == nil then malformed('write: has no fields or value') end
  if (a[record] == 'hash') ~= (a[write] == 'fields') then
    bad(write, a[write], 'does not write a ' .. a[record] .. ' record')
  end
  if links and a[record] ~= 'hash' then bad(links, 'links', 'need a hash record') end
  if history and not log then bad(history, 'history', 'needs a log') end
  return request, record, checks, write, links, index, ops, log, history, enqueue, result
end

-- Answers the tokens and how many there are (a nil among them is a hole the shape check reads).
local function tokens(...)
  return {...}, select_('#', ...)
end

local function unpack_tokens(payload)
  return tokens(unpack_msgpack_(payload))
end

local function decode(payload, keys)
  if type_(payload) ~= 'string' then malformed('write: is missing') end
  local ok, a, n = pcall(unpack_tokens, payload)
  if not ok then malformed('write: is not MessagePack (' .. tostring(a) .. ')') end
  -- The count makes a write cut short, or two writes run together, malformed, even where the
  -- cut falls between two sections.
  if a[1] ~= n - 1 then
    malformed('write: does not start with the number of its tokens (' .. (n - 1) .. ')')
  end
  return a, shape(a, n, keys)
end

-- The linked members of a write without links (never changed).
local NONE = {}

local function varint(n)
  local bytes = ''
  while n >= 128 do
    bytes = bytes .. string.char(n % 128 + 128)
    n = math.floor(n / 128)
  end
  return bytes .. string.char(n)
end

-- The index of field `name`'s value among the fields section at a[w] (nil: none).
local function field_at(a, w, name)
  for j = w + 2, w + 1 + 2 * a[w + 1], 2 do
    if a[j] == name then return j + 1 end
  end
  return nil
end

local function apply(keys, a, request, record, checks, write, links, index, ops, log, history,
                     enqueue, result_at)
  -- The request.
  if request then
    local prior = call_('GET', keys[a[request + 1]])
    if prior then
      if sub_(prior, 1, 32) ~= a[request + 2] then
        return error_reply_('KEPU_REQUEST_REUSED request id used for other content')
      end
      return {'replayed', sub_(prior, 34)}
    end
  end

  -- The record.
  local record_key = keys[a[record + 1]]
  local hash = a[record] == 'hash'
  if hash then
    local stored = call_('HMGET', record_key, 'v', 's')
    local version, state = a[record + 2], a[record + 3]
    if version == '0' then
      if stored[1] then return error_reply_('KEPU_EXISTS record exists') end
    else
      if not stored[1] then return error_reply_('KEPU_NOT_FOUND no such record') end
      if stored[1] ~= version then return error_reply_('KEPU_STALE ' .. stored[1]) end
      if state and stored[2] ~= state then
        return error_reply_('KEPU_STATE ' .. tostring(stored[2]))
      end
    end
  else
    local stored = call_('GET', record_key)
    local expected = a[record + 2]
    if expected == false then
      if stored then return error_reply_('KEPU_EXISTS record exists') end
    else
      if not stored then return error_reply_('KEPU_NOT_FOUND no such record') end
      if stored ~= expected then return error_reply_('KEPU_STALE changed') end
    end
  end

  -- The other checks.
  if checks then
    local i = checks + 2
    for number = 1, a[checks + 1] do
      local kind, key = a[i], keys[a[i + 1]]
      if kind == 'version' then
        if call_('HGET', key, 'v') ~= a[i + 2] then
          return error_reply_('KEPU_CHANGED ' .. number)
        end
        i = i + 3
      elseif kind == 'empty' then
        if call_('ZCARD', key) > 0 then
          return error_reply_('KEPU_NOT_EMPTY ' .. number)
        end
        i = i + 2
      elseif kind == 'absent' then
        if call_('EXISTS', key) == 1 then return error_reply_('KEPU_TAKEN ' .. number) end
        i = i + 2
      else
        local held = 0
        for j = i + 4, i + 3 + 2 * a[i + 3], 2 do
          held = held + call_('ZCOUNT', key, a[j], '(' .. a[j + 1])
        end
        if held >= a[i + 2] then return error_reply_('KEPU_CAPACITY ' .. held) end
        i = i + 4 + 2 * a[i + 3]
      end
    end
  end

  -- Links: found before the record is written (it may be listed in that set itself).
  local linked = NONE
  local r_at = hash and field_at(a, write, 'r')
  local extra_r
  if links then
    local found = call_('ZRANGE', keys[a[links + 1]], a[links + 2], '+inf', 'BYSCORE',
                             'LIMIT', '0', a[links + 3])
    local exclude, tag = a[links + 4], a[links + 5]
    local r = r_at and a[r_at] or ''
    linked = {}
    for _, member in ipairs_(found) do
      if member ~= exclude then
        r = r .. tag .. varint(#member) .. member
        linked[#linked + 1] = member
      end
    end
    if r_at then a[r_at] = r else extra_r = r end
  end

  -- The writes.
  local result
  if hash then
    call_('HSET', record_key, unpack_(a, write + 2, write + 1 + 2 * a[write + 1]))
    if extra_r then call_('HSET', record_key, 'r', extra_r) end
    result = extra_r or (r_at and a[r_at]) or ''
  else
    result = a[write + 1]
    call_('SET', record_key, result)
  end
  if result_at then result = a[result_at + 1] end

  if index then
    local member = a[index + 1]
    for j = index + 3, index + 2 + 3 * a[index + 2], 3 do
      local before, after = a[j + 1], a[j + 2]
      if after == false then
        if before ~= false then call_('ZREM', keys[a[j]], member) end
      elseif after ~= before then
        call_('ZADD', keys[a[j]], after, member)
      end
    end
  end

  if ops then
    local i = ops + 2
    for _ = 1, a[ops + 1] do
      local op, key = a[i], keys[a[i + 1]]
      if op == 'set' then
        call_('SET', key, a[i + 2])
        i = i + 3
      elseif op == 'setif' then
        if call_('GET', key) == a[i + 2] then call_('SET', key, a[i + 3]) end
        i = i + 4
      elseif op == 'zadd' then
        call_('ZADD', key, a[i + 2], a[i + 3])
        i = i + 4
      elseif op == 'zrem' then
        call_('ZREM', key, a[i + 2])
        i = i + 3
      elseif op == 'hincrby' then
        call_('HINCRBY', key, a[i + 2], a[i + 3])
        i = i + 4
      else
        local keep = a[i + 2]
        for _, session in ipairs_(call_('ZRANGE', key, 0, -1)) do
          if session ~= keep then
            call_('DEL', session)
            call_('ZREM', key, session)
          end
        end
        i = i + 3
      end
    end
  end

  local log_id = ''
  if log then
    local key, maxlen, first, last = keys[a[log + 1]], a[log + 2], log + 4,
                                     log + 3 + 2 * a[log + 3]
    if maxlen then
      log_id = call_('XADD', key, 'MAXLEN', '~', maxlen, '*', unpack_(a, first, last))
    else
      log_id = call_('XADD', key, '*', unpack_(a, first, last))
    end
    if history then
      call_('RPUSH', keys[a[history + 1]], log_id .. ' ' .. a[history + 2])
    end
  end
  if enqueue then
    local i = enqueue + 2
    for _ = 1, a[enqueue + 1] do
      local last = i + 1 + 2 * a[i + 1]
      call_('XADD', keys[a[i]], '*', unpack_(a, i + 2, last))
      i = last + 1
    end
  end

  if request then
    call_('SET', keys[a[request + 1]], a[request + 2] .. ':' .. result, 'EX', a[request + 3])
  end
  return {'applied', log_id, linked}
end

local function write(keys, args)
  if type_ == nil then
    type_, find_, select_, unpack_, sub_, ipairs_ = type, string.find, select, unpack, string.sub,
                                                    ipairs
    call_, error_reply_, unpack_msgpack_ = redis.call, redis.error_reply, cmsgpack.unpack
  end
  local ok, a, request, record, checks, write_at, links, index, ops, log, history, enqueue,
        result = pcall(decode, args[1], keys)
  if not ok then
    if type_(a) == 'table' and a[MALFORMED] then
      return error_reply_('KEPU_MALFORMED ' .. a[MALFORMED])
    end
    return error_reply_('KEPU_MALFORMED write[' .. checking .. ']: holds a value of the wrong '
                             .. 'kind (' .. tostring(a) .. ')')
  end
  if #args ~= 1 then return error_reply_('KEPU_MALFORMED write: one argument expected') end
  return apply(keys, a, request, record, checks, write_at, links, index, ops, log, history,
               enqueue, result)
end

redis.register_function('KEPU_LIBRARY_write', write)
