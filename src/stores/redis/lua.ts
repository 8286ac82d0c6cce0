import { defineScript } from 'redis'

// The Lua run by the Redis store. Every script but the two `*_ALL` ones touches only the keys it
// declares, and those share one hash tag, so each is atomic on a Cluster too. The `*_ALL`
// scripts compose the same functions into one atomic step for standalone Redis, where a script
// may touch any key. Times are the server's (`TIME`), the same clock that runs PEXPIREAT.

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- unpack() has a small stack limit: send long lists in slices (even-sized, for HSET pairs).
local function sliced(cmd, key, list, from, to)
  local i = from
  while i <= to do
    local j = math.min(i + 399, to)
    redis.call(cmd, key, unpack(list, i, j))
    i = j + 1
  end
end
local function hex(s)
  return (string.gsub(s, '.', function(c) return string.format('%02x', string.byte(c)) end))
end
-- The two sorted sets of a user's index live exactly as long as their latest member.
local function index_expire(u, x)
  local last = redis.call('ZRANGE', x, -1, -1, 'WITHSCORES')
  if #last == 0 then redis.call('DEL', u, x) return end
  redis.call('PEXPIREAT', u, last[2])
  redis.call('PEXPIREAT', x, last[2])
end
local function index_drop(u, x, ids)
  if #ids > 0 then
    sliced('ZREM', u, ids, 1, #ids)
    sliced('ZREM', x, ids, 1, #ids)
  end
  index_expire(u, x)
end
-- Admits id into the user's index under the cap. Returns the evicted ids, or false when
-- reject-new refuses. Members past their deadline are pruned first: their keys are gone.
local function admit(u, x, id, seen, deadline, replaces, max, reject, now)
  local dead = redis.call('ZRANGEBYSCORE', x, '-inf', now)
  if #dead > 0 then
    sliced('ZREM', u, dead, 1, #dead)
    sliced('ZREM', x, dead, 1, #dead)
  end
  local evicted = {}
  if max >= 0 then
    local others = {}
    for _, m in ipairs(redis.call('ZRANGE', u, 0, -1)) do
      if m ~= replaces and m ~= id then others[#others + 1] = m end
    end
    local excess = #others + 1 - max
    if excess > 0 then
      if reject then return false end
      for i = 1, excess do evicted[i] = others[i] end
      sliced('ZREM', u, evicted, 1, #evicted)
      sliced('ZREM', x, evicted, 1, #evicted)
    end
  end
  if deadline > now then
    redis.call('ZADD', u, seen, id)
    redis.call('ZADD', x, deadline, id)
  end
  index_expire(u, x)
  return evicted
end
local function write_session(s, deadline, fields, from)
  redis.call('DEL', s)
  sliced('HSET', s, fields, from, #fields)
  redis.call('PEXPIREAT', s, deadline)
end
local function take(s)
  local f = redis.call('HGETALL', s)
  if #f > 0 then redis.call('DEL', s) end
  return f
end
local function field(f, name)
  for i = 1, #f, 2 do if f[i] == name then return f[i + 1] end end
  return false
end
-- The '$' field (see codec.ts): [created,seen,renewed,auth,idle,absolute,"handle",{meta}].
-- Returns its six instants as JSON number texts and the rest from the handle's opening
-- quote, or nil when the field is missing or malformed.
local function header_parse(h)
  if not h or string.sub(h, 1, 1) ~= '[' then return nil end
  local q = string.find(h, '"', 1, true)
  if not q then return nil end
  local nums = {}
  for n in string.gmatch(string.sub(h, 2, q - 1), '([^,]+),') do nums[#nums + 1] = n end
  if #nums ~= 6 then return nil end
  local rest = string.sub(h, q)
  if not string.find(rest, '^"[^"]*",{.*}%]$') then return nil end
  return nums, rest
end
local function handle_of(h)
  return h and string.match(h, '^%[[^"]*"([^"]*)"') or false
end
-- Patch layout in argv from i: nset, field, value, ..., nunset, field, ..., then seen, idle,
-- auth ('' = unchanged) and the meta compare-and-set pair (before, after; '' = unchanged).
-- Returns false when the session is gone or unreadable (never recreates it), -1 when the
-- meta changed since the caller read it (nothing written), else
-- {has user 1|0, userId, seen, deadline} (an empty user id is still a user).
local function update_session(s, argv, i)
  local nums, rest = header_parse(redis.call('HGET', s, '$'))
  if not nums then return false end
  local nset = tonumber(argv[i])
  local nunset = tonumber(argv[i + 1 + 2 * nset])
  local t = i + 2 + 2 * nset + nunset
  local seen, idle, auth, before, after = argv[t], argv[t + 1], argv[t + 2], argv[t + 3], argv[t + 4]
  if after ~= '' then
    local q = string.find(rest, '"', 2, true)
    if string.sub(rest, q + 2, -2) ~= before then return -1 end
    rest = string.sub(rest, 1, q + 1) .. after .. ']'
  end
  if nset > 0 then sliced('HSET', s, argv, i + 1, i + 2 * nset) end
  if nunset > 0 then sliced('HDEL', s, argv, i + 2 + 2 * nset, i + 1 + 2 * nset + nunset) end
  if seen ~= '' then nums[2] = seen end
  if auth ~= '' then nums[4] = auth end
  if idle ~= '' then nums[5] = idle end
  if seen ~= '' or auth ~= '' or idle ~= '' or after ~= '' then
    redis.call('HSET', s, '$', '[' .. table.concat(nums, ',') .. ',' .. rest)
  end
  local deadline = 0
  if idle ~= '' then
    deadline = math.min(tonumber(idle), tonumber(nums[6]))
    redis.call('PEXPIREAT', s, deadline)
  end
  local user = redis.call('HGET', s, '$u')
  return {user and 1 or 0, user or '', nums[2], deadline}
end
local function touch_index(u, x, id, seen, deadline)
  redis.call('ZADD', u, 'XX', seen, id)
  if deadline > 0 then
    redis.call('ZADD', x, 'XX', deadline, id)
    index_expire(u, x)
  end
end
`

const script = (body: string) =>
  defineScript({
    SCRIPT: PRELUDE + body,
    parseCommand() {},
    transformReply: () => null as never,
  })

/** KEYS s. ARGV deadline, field, value, … Writes a whole session. */
export const WRITE = script(`
write_session(KEYS[1], ARGV[1], ARGV, 2)
return 1`)

/** KEYS u, x. ARGV id, seen, deadline, replaces, max (-1 none), policy (r|e). {ok, evicted…}. */
export const ADMIT = script(`
local r = admit(KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3]), ARGV[4],
  tonumber(ARGV[5]), ARGV[6] == 'r', now_ms())
if not r then return {0} end
table.insert(r, 1, 1)
return r`)

/** KEYS s, a. ARGV alias target ('' none), grace-until ms. Deletes; returns the fields. */
export const TAKE = script(`
local f = take(KEYS[1])
local untl = tonumber(ARGV[2])
-- No alias for a session that is already gone: a revoked token must stay dead.
if #f > 0 and ARGV[1] ~= '' and untl > now_ms() then
  redis.call('SET', KEYS[2], ARGV[1], 'PXAT', untl)
end
return f`)

/** KEYS u, x. ARGV ids… Removes members and re-derives the index expiry. */
export const DROP = script(`
index_drop(KEYS[1], KEYS[2], ARGV)
return 1`)

/** KEYS s. ARGV patch (see update_session). {has user, userId, seen, deadline}, -1 or nil. */
export const UPDATE = script(`
return update_session(KEYS[1], ARGV, 1)`)

/** KEYS u, x. ARGV id, seen, deadline (0 when unchanged). */
export const TOUCH = script(`
touch_index(KEYS[1], KEYS[2], ARGV[1], ARGV[2], tonumber(ARGV[3]))
return 1`)

/** Standalone only. KEYS s. ARGV prefix, patch…: the session and its index in one step. 1, 0 or -1. */
export const UPDATE_ALL = script(`
local r = update_session(KEYS[1], ARGV, 2)
if not r then return 0 end
if r == -1 then return -1 end
if r[1] == 1 then
  local tag = '{u' .. hex(r[2]) .. '}'
  local id = string.match(KEYS[1], '{(.*)}$')
  touch_index(ARGV[1] .. 'u:' .. tag, ARGV[1] .. 'x:' .. tag, id, r[3], r[4])
end
return 1`)

/**
 * Standalone only: login, rotation and the cap as one atomic step.
 * KEYS s, u, x, h, old s, old a (u, x, h are '' for anonymous sessions).
 * ARGV prefix, id, deadline, seen, absolute, userId, replaces, max, policy, grace-until,
 * field, value, …  Returns {0} when refused, {2} when a renewal's old record is gone, else {1, replaced fields, evicted id, its fields, …}.
 */
export const CREATE_ALL = script(`
local prefix, id, deadline = ARGV[1], ARGV[2], tonumber(ARGV[3])
local user, replaces = ARGV[6], ARGV[7]
local now = now_ms()
-- A renewal whose old record is gone (renewed concurrently, or revoked) writes nothing.
if ARGV[10] ~= '0' and KEYS[5] ~= '' and redis.call('EXISTS', KEYS[5]) == 0 then return {2} end
write_session(KEYS[1], deadline, ARGV, 11)
local evicted = {}
if KEYS[2] ~= '' then
  evicted = admit(KEYS[2], KEYS[3], id, ARGV[4], deadline, replaces, tonumber(ARGV[8]),
    ARGV[9] == 'r', now)
  if not evicted then
    redis.call('DEL', KEYS[1])
    return {0}
  end
  redis.call('SET', KEYS[4], user, 'PXAT', ARGV[5])
end
local out = {1, {}}
for _, ev in ipairs(evicted) do
  local f = take(prefix .. 's:{' .. ev .. '}')
  local h = handle_of(field(f, '$'))
  if h then redis.call('DEL', prefix .. 'h:{' .. h .. '}') end
  out[#out + 1] = ev
  out[#out + 1] = f
end
if replaces ~= '' then
  local f = take(KEYS[5])
  local untl = tonumber(ARGV[10])
  if #f > 0 and untl > now then redis.call('SET', KEYS[6], id, 'PXAT', untl) end
  local ou, oh = field(f, '$u'), handle_of(field(f, '$'))
  if ou then
    local tag = '{u' .. hex(ou) .. '}'
    index_drop(prefix .. 'u:' .. tag, prefix .. 'x:' .. tag, {replaces})
  end
  if oh and KEYS[4] ~= prefix .. 'h:{' .. oh .. '}' then
    redis.call('DEL', prefix .. 'h:{' .. oh .. '}')
  end
  out[2] = f
end
return out`)

/** A script as defined by node-redis `defineScript` (its source and SHA1). */
export type Script = typeof WRITE
