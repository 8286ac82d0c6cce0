// express-session stores data as properties of `req.session`; here that line would be lost
// without a word (the session object is not the data). Outside production every session is
// wrapped in this guard, so the habit fails at the line that has it, with the call to write.
// Production skips it (no proxy on the hot path); there, assignment is simply not stored.

/**
 * The TypeError for `session.<key> = …` (or `delete session.<key>`), naming the fix.
 *
 * @example
 * throw assignmentError('user')
 */
export function assignmentError(key: PropertyKey, deleting = false): TypeError {
  const name = String(key)
  const fix = deleting
    ? `write session.delete('${name}')`
    : `write session.set('${name}', value) and read it with session.get('${name}')`
  return new TypeError(
    `${deleting ? `delete session.${name}` : `session.${name} = …`} is not stored: session data lives behind get/set: ${fix} (this check runs outside production)`,
  )
}

/**
 * The development guard of a session object: reads pass through (methods bound to the real
 * session, whose private state a proxy cannot reach), writes throw {@link assignmentError}.
 *
 * @example
 * return new Proxy(this, DEV_GUARD)
 */
export const DEV_GUARD: ProxyHandler<object> = {
  get(target, key) {
    const value = Reflect.get(target, key, target)
    return typeof value === 'function' && key !== 'constructor' ? value.bind(target) : value
  },
  set(_target, key) {
    throw assignmentError(key)
  },
  defineProperty(_target, key) {
    throw assignmentError(key)
  },
  deleteProperty(_target, key) {
    throw assignmentError(key, true)
  },
}
