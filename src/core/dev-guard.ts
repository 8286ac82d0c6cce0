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

// express-session methods a migrating app calls, with what to write instead. Without this the
// call fails as "session.save is not a function", which says nothing of the fix.
const HABITS: Readonly<Record<string, string>> = {
  save: 'Tessera commits by itself when the response ends; before streaming a body, write `await req.session.commit()`',
  reload: 'the session is loaded once per request; read it with session.get(key)',
  touch: 'activity extends the idle deadline by itself (see touchInterval)',
  resetMaxAge:
    "the cookie's lifetime follows the session: regenerate({ persistent: true }) for remember-me",
}

function habit(name: string): () => never {
  return () => {
    throw new TypeError(
      `session.${name}() does not exist: ${HABITS[name]} (this check runs outside production)`,
    )
  }
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
    if (value === undefined && typeof key === 'string' && Object.hasOwn(HABITS, key))
      return habit(key)
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
