// The Lua functions every script of the Redis store shares (see lua.ts): the server clock,
// the user's index, the session and tombstone writes, the `$` header, the patch. Prepended to
// each script, so each stays one self-contained EVALSHA.

/** Shared Lua functions, prepended to every script. */
export const PRELUDE = `
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
