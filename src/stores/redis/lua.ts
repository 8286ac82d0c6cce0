import { requireOptional } from '../../core/optional.js'

const { defineScript } = requireOptional<typeof import('redis')>(
  'redis',
  'redisStore (tessera-session/stores/redis)',
)

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
-- A user's index is three keys on one slot: u (ids by activity), x (ids by deadline) and l
-- (Cluster only: pending successor id -> the id it replaces, while a replacement is in
-- flight). They live exactly as long as their latest member.
local function index_of(u, x, l)
  return {u = u, x = x, l = l}
end
local function index_of_user(prefix, user)
  local tag = '{u' .. hex(user) .. '}'
  return index_of(prefix .. 'u:' .. tag, prefix .. 'x:' .. tag, prefix .. 'l:' .. tag)
end
local function index_expire(ix)
  local last = redis.call('ZRANGE', ix.x, -1, -1, 'WITHSCORES')
  if #last == 0 then redis.call('DEL', ix.u, ix.x, ix.l) return end
  redis.call('PEXPIREAT', ix.u, last[2])
  redis.call('PEXPIREAT', ix.x, last[2])
  redis.call('PEXPIREAT', ix.l, last[2])
end
local function index_remove(ix, ids)
  if #ids > 0 then
    sliced('ZREM', ix.u, ids, 1, #ids)
    sliced('ZREM', ix.x, ids, 1, #ids)
    sliced('HDEL', ix.l, ids, 1, #ids)
  end
end
local function index_drop(ix, ids)
  index_remove(ix, ids)
  index_expire(ix)
end
-- The user's sessions as groups, oldest first, leaving out id and the group of replaces: a
-- session and its pending successor (Cluster: both are indexed until the old one is taken)
-- are one session for the cap, and are evicted together. Drops links that no longer pair
-- two members.
local function index_groups(ix, id, replaces)
  local members = redis.call('ZRANGE', ix.u, 0, -1)
  local member = {}
  for _, m in ipairs(members) do member[m] = true end
  local root, stale = {}, {}
  local links = redis.call('HGETALL', ix.l)
  for i = 1, #links, 2 do
    if member[links[i]] and member[links[i + 1]] then root[links[i]] = links[i + 1]
    else stale[#stale + 1] = links[i] end
  end
  if #stale > 0 then sliced('HDEL', ix.l, stale, 1, #stale) end
  local groups, order = {}, {}
  for _, m in ipairs(members) do
    local g = root[m] or m
    if m ~= id and g ~= replaces then
      if not groups[g] then
        groups[g] = {}
        order[#order + 1] = g
      end
      table.insert(groups[g], m)
    end
  end
  return groups, order
end
-- Admits id into the user's index under the cap. Returns the evicted ids, or false when
-- reject-new refuses. Members past their deadline are pruned first: their keys are gone. With
-- pending (Cluster: the replaced record is this user's and still in its slot), id is linked to
-- the replaced id, which must still be indexed: a missing one was evicted, revoked or has
-- expired, and then admit writes nothing and returns 'gone'.
local function admit(ix, id, seen, deadline, replaces, max, reject, pending, now)
  local dead = redis.call('ZRANGEBYSCORE', ix.x, '-inf', now)
  index_remove(ix, dead)
  if pending and not redis.call('ZSCORE', ix.u, replaces) then
    index_expire(ix)
    return 'gone'
  end
  local evicted = {}
  if max >= 0 then
    local groups, order = index_groups(ix, id, replaces)
    local excess = #order + 1 - max
    if excess > 0 then
      if reject then return false end
      for i = 1, excess do
        for _, m in ipairs(groups[order[i]]) do evicted[#evicted + 1] = m end
      end
      index_remove(ix, evicted)
    end
  end
  if deadline > now then
    redis.call('ZADD', ix.u, seen, id)
    redis.call('ZADD', ix.x, deadline, id)
    if pending then redis.call('HSET', ix.l, id, replaces) end
  end
  index_expire(ix)
  return evicted
end
-- A signed-in session's tombstone t (same {id} tag as s) is written with it and outlives it
-- until the absolute deadline, so a token whose key expired reads as expired, not unknown.
-- Everything that ends a session on purpose (destroy, revoke, rotation, eviction) deletes it
-- in the same step: a revoked or rotated id never reads as expired.
local function write_session(s, t, deadline, absolute, tomb, fields, from)
  redis.call('DEL', s)
  sliced('HSET', s, fields, from, #fields)
  redis.call('PEXPIREAT', s, deadline)
  if tomb ~= '' then redis.call('SET', t, tomb, 'PXAT', absolute) end
end
local function take(s, t)
  local f = redis.call('HGETALL', s)
  redis.call('DEL', s, t)
  return f
end
-- The tombstone of session key s (standalone scripts, which may derive key names).
local function tomb_of(s)
  return (string.gsub(s, 's:{', 't:{', 1))
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
-- The '$v' field as a number: 0 when missing (a hash written before versions existed), nil
-- when it is not an integer (a hash this store did not write).
local function version_of(v)
  if not v then return 0 end
  if not string.find(v, '^%-?%d+$') then return nil end
  return tonumber(v)
end
-- Patch layout in argv from i: nset, field, value, ..., nunset, field, ..., then seen, idle,
-- auth ('' = unchanged), the meta compare-and-set pair (before, after; '' = unchanged) and the
-- expected version ('' = any). Returns false when the session is gone or unreadable (never
-- recreates it) or is at another version, -1 when the meta changed since the caller read it
-- (nothing written), else {has user 1|0, userId, seen, deadline} (an empty user id is still a
-- user). Every applied patch adds one to the version, in this same step.
local function update_session(s, t, argv, i)
  local cur = redis.call('HMGET', s, '$', '$u', '$v')
  local nums, rest = header_parse(cur[1])
  local version = version_of(cur[3])
  if not nums or not version then return false end
  local nset = tonumber(argv[i])
  local nunset = tonumber(argv[i + 1 + 2 * nset])
  local j = i + 2 + 2 * nset + nunset
  local seen, idle, auth, before, after = argv[j], argv[j + 1], argv[j + 2], argv[j + 3], argv[j + 4]
  if argv[j + 5] ~= '' and version ~= tonumber(argv[j + 5]) then return false end
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
  redis.call('HINCRBY', s, '$v', 1)
  local user = cur[2]
  if user and (seen ~= '' or auth ~= '' or idle ~= '') then
    -- XX: never creates one (anonymous sessions and older ones have none).
    redis.call('SET', t, '[' .. table.concat(nums, ',') .. ',' .. string.match(rest, '^"[^"]*"') ..
      ']\\n' .. user, 'XX', 'KEEPTTL')
  end
  local deadline = 0
  if idle ~= '' then
    deadline = math.min(tonumber(idle), tonumber(nums[6]))
    redis.call('PEXPIREAT', s, deadline)
  end
  return {user and 1 or 0, user or '', nums[2], deadline}
end
-- True when the record in s is live and, with expect ~= '', at that version: the condition of
-- every replacement (a missing record is never replaced, so nothing is revived or forked).
local function replaceable(s, expect)
  local cur = redis.call('HMGET', s, '$', '$v')
  if not cur[1] then return false end
  return expect == '' or version_of(cur[2]) == tonumber(expect)
end
local function touch_index(ix, id, seen, deadline)
  redis.call('ZADD', ix.u, 'XX', seen, id)
  if deadline > 0 then
    redis.call('ZADD', ix.x, 'XX', deadline, id)
    index_expire(ix)
  end
end
`

const script = (body: string) =>
  defineScript({
    SCRIPT: PRELUDE + body,
    parseCommand() {},
    transformReply: () => null as never,
  })

/** KEYS s, t. ARGV deadline, absolute, tombstone ('' none), field, value, … Writes a whole session. */
export const WRITE = script(`
write_session(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV, 4)
return 1`)

/**
 * Cluster. KEYS u, x, l. ARGV id, seen, deadline, replaces, max (-1 none), policy (r|e),
 * pending (1 when replaces is this user's claimed record). {1, evicted…}, {0} when refused,
 * {2} when the replaced record has left the index.
 */
export const ADMIT = script(`
local r = admit(index_of(KEYS[1], KEYS[2], KEYS[3]), ARGV[1], ARGV[2], tonumber(ARGV[3]),
  ARGV[4], tonumber(ARGV[5]), ARGV[6] == 'r', ARGV[7] == '1', now_ms())
if r == 'gone' then return {2} end
if not r then return {0} end
table.insert(r, 1, 1)
return r`)

/** KEYS s, t. Deletes a session and its tombstone; returns the session's fields. */
export const TAKE = script(`
return take(KEYS[1], KEYS[2])`)

/**
 * KEYS a, t (one {id} tag). What a miss found: {alias target or false, tombstone or false}.
 */
export const MISS = script(`
return redis.call('MGET', KEYS[1], KEYS[2])`)

/**
 * Cluster replacement, first step. KEYS old s. ARGV new id, expected version ('' any), claim
 * lifetime ms. Claims the old record for the new id if it is live, at the version, and not
 * claimed by another replacement whose claim still runs. {1, old handle, old user id or
 * false} or {0}.
 */
export const CLAIM = script(`
if not replaceable(KEYS[1], ARGV[2]) then return {0} end
local now = now_ms()
local held = redis.call('HGET', KEYS[1], '$c')
if held then
  local by, untl = string.match(held, '^(%S+) (%d+)$')
  if by and by ~= ARGV[1] and tonumber(untl) > now then return {0} end
end
redis.call('HSET', KEYS[1], '$c', ARGV[1] .. ' ' .. (now + tonumber(ARGV[3])))
local old = redis.call('HMGET', KEYS[1], '$', '$u')
return {1, handle_of(old[1]) or '', old[2]}`)

/**
 * Cluster replacement, last step. KEYS old s, old a, old t. ARGV new id, grace-until ms, expected
 * version ('' any). Deletes the old record (alias to the new id until grace-until) only if the
 * new id still holds its claim and the version still matches; returns its fields, or nothing
 * (and releases the claim) when the replacement lost.
 */
export const TAKE_CLAIMED = script(`
local held = redis.call('HGET', KEYS[1], '$c')
if not held or string.match(held, '^(%S+) ') ~= ARGV[1] then return {} end
if not replaceable(KEYS[1], ARGV[3]) then
  redis.call('HDEL', KEYS[1], '$c')
  return {}
end
local f = take(KEYS[1], KEYS[3])
local untl = tonumber(ARGV[2])
if untl > now_ms() then redis.call('SET', KEYS[2], ARGV[1], 'PXAT', untl) end
return f`)

/** KEYS old s. ARGV new id. Gives up the new id's claim on the old record (if it holds it). */
export const RELEASE = script(`
local held = redis.call('HGET', KEYS[1], '$c')
if held and string.match(held, '^(%S+) ') == ARGV[1] then redis.call('HDEL', KEYS[1], '$c') end
return 1`)

/** KEYS u, x, l. ARGV ids… Removes members and re-derives the index expiry. */
export const DROP = script(`
index_drop(index_of(KEYS[1], KEYS[2], KEYS[3]), ARGV)
return 1`)

/**
 * KEYS s, t. ARGV patch (see update_session). {has user, userId, seen, deadline}, -1 or nil
 * (gone, or another version).
 */
export const UPDATE = script(`
return update_session(KEYS[1], KEYS[2], ARGV, 1)`)

/** KEYS u, x, l. ARGV id, seen, deadline (0 when unchanged). */
export const TOUCH = script(`
touch_index(index_of(KEYS[1], KEYS[2], KEYS[3]), ARGV[1], ARGV[2], tonumber(ARGV[3]))
return 1`)

/**
 * Standalone only. KEYS s, t. ARGV prefix, patch…: the session and its index in one step. 1, 0
 * (gone, or another version) or -1 (meta changed: read again).
 */
export const UPDATE_ALL = script(`
local r = update_session(KEYS[1], KEYS[2], ARGV, 2)
if not r then return 0 end
if r == -1 then return -1 end
if r[1] == 1 then
  local id = string.match(KEYS[1], '{(.*)}$')
  touch_index(index_of_user(ARGV[1], r[2]), id, r[3], r[4])
end
return 1`)

/**
 * Standalone only: login, rotation and the cap as one atomic step.
 * KEYS s, u, x, h, old s, old a, l, t (u, x, h, l are '' for anonymous sessions).
 * ARGV prefix, id, deadline, seen, absolute, userId, replaces, max, policy, grace-until,
 * expected version of replaces ('' any), tombstone ('' none), field, value, …  Returns {2} (before writing
 * anything) when the replaced record is gone or at another version, {0} when the cap refuses,
 * else {1, replaced fields, evicted id, its fields, …}.
 */
export const CREATE_ALL = script(`
local prefix, id, deadline = ARGV[1], ARGV[2], tonumber(ARGV[3])
local user, replaces = ARGV[6], ARGV[7]
local now = now_ms()
-- A replacement whose old record is gone (renewed, regenerated, revoked) or changed writes
-- nothing: before the cap, so a lost race is never refused by it and never evicts.
if replaces ~= '' and not replaceable(KEYS[5], ARGV[11]) then return {2} end
write_session(KEYS[1], KEYS[8], deadline, ARGV[5], ARGV[12], ARGV, 13)
local evicted = {}
if KEYS[2] ~= '' then
  evicted = admit(index_of(KEYS[2], KEYS[3], KEYS[7]), id, ARGV[4], deadline, replaces,
    tonumber(ARGV[8]), ARGV[9] == 'r', false, now)
  if not evicted then
    redis.call('DEL', KEYS[1], KEYS[8])
    return {0}
  end
  redis.call('SET', KEYS[4], user, 'PXAT', ARGV[5])
end
local out = {1, {}}
for _, ev in ipairs(evicted) do
  local es = prefix .. 's:{' .. ev .. '}'
  local f = take(es, tomb_of(es))
  local h = handle_of(field(f, '$'))
  if h then redis.call('DEL', prefix .. 'h:{' .. h .. '}') end
  out[#out + 1] = ev
  out[#out + 1] = f
end
if replaces ~= '' then
  local f = take(KEYS[5], tomb_of(KEYS[5]))
  local untl = tonumber(ARGV[10])
  if #f > 0 and untl > now then redis.call('SET', KEYS[6], id, 'PXAT', untl) end
  local ou, oh = field(f, '$u'), handle_of(field(f, '$'))
  if ou then index_drop(index_of_user(prefix, ou), {replaces}) end
  if oh and KEYS[4] ~= prefix .. 'h:{' .. oh .. '}' then
    redis.call('DEL', prefix .. 'h:{' .. oh .. '}')
  end
  out[2] = f
end
return out`)

/** A script as defined by node-redis `defineScript` (its source and SHA1). */
export type Script = typeof WRITE
