import { requireOptional } from '../../internal/optional.js'
import { PRELUDE } from './lua-prelude.js'

const { defineScript } = requireOptional<typeof import('redis')>(
  'redis',
  'redisStore (tessera-session/stores/redis)',
)

// The Lua run by the Redis store. Every script but the two `*_ALL` ones touches only the keys it
// declares, and those share one hash tag, so each is atomic on a Cluster too. The `*_ALL`
// scripts compose the same functions into one atomic step for standalone Redis, where a script
// may touch any key. Times are the server's (`TIME`), the same clock that runs PEXPIREAT.

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
