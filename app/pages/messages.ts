import type { Flash } from './layout.js'

// Success messages are chosen by a fixed code in the redirect URL (`?ok=transfer`), so no
// request text is ever reflected into the page through them.
const OK: Readonly<Record<string, string>> = {
  transfer: 'Transfer sent.',
  login: 'Welcome back.',
  logout: 'You are signed out. Your session has been ended on the server.',
  revoked: 'The session was ended.',
  'revoked-others': 'All your other sessions were ended.',
  reauth: 'Password confirmed. Sensitive actions are unlocked for a few minutes.',
  password: 'Password changed. All your other sessions were ended.',
  'admin-revoked': "All of the user's sessions were ended.",
  expired: 'Your session has ended. Please sign in again.',
}

/**
 * The flash message named by the `ok` query parameter, if it is a known one.
 *
 * @example
 * flashFromQuery(new URLSearchParams('ok=transfer')) // { kind: 'ok', text: 'Transfer sent.' }
 */
export function flashFromQuery(query: URLSearchParams): Flash | null {
  const code = query.get('ok')
  const text = code && Object.hasOwn(OK, code) ? OK[code] : undefined
  return text ? { kind: 'ok', text } : null
}

/**
 * An error flash.
 *
 * @example
 * errorFlash('wrong password') // { kind: 'error', text: 'Wrong password' }
 */
export function errorFlash(text: string | null | undefined): Flash | null {
  // Error messages are written lower-case for the JSON API; a page shows them as a sentence.
  return text ? { kind: 'error', text: text[0]!.toUpperCase() + text.slice(1) } : null
}
