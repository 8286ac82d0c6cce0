import { html, type SafeHtml } from 'tessera-session/html'
import { agoTime } from './format.js'
import { csrfField, layout } from './layout.js'
import { errorFlash, flashFromQuery } from './messages.js'
import type { View } from './view.js'

/** Pages a re-authentication may return to (a fixed list: no open redirect). */
export const REAUTH_RETURN = new Set(['/account', '/sessions', '/security', '/admin'])

/**
 * `/security`: re-authenticate (unlocks sensitive actions for the re-auth window) and change
 * the password (which ends every other session).
 *
 * @example
 * sendPage(res, 200, securityPage(v))
 */
export function securityPage(v: View, error?: string): SafeHtml {
  const record = v.req.session.record
  const fresh = v.req.session.isFresh()
  const next = v.query.get('next')
  const back = next && REAUTH_RETURN.has(next) ? next : '/security'
  const askedFor =
    v.query.get('why') === 'reauth' && !fresh
      ? errorFlash('Please confirm your password to continue.')
      : null
  const authAt = record?.authenticatedAt
  const status = fresh
    ? html`<p>You confirmed your password ${authAt ? agoTime(authAt, v.now) : 'recently'}. Sensitive actions are unlocked for a few minutes.</p>`
    : html`<p>Confirm your password to unlock sensitive actions (changing your password, ending other sessions) for a few minutes.</p>`
  return layout(v, {
    title: 'Security',
    flash: errorFlash(error) ?? askedFor ?? flashFromQuery(v.query),
    body: html`<div class="grid">
<section class="card">
<h2>Confirm it is you</h2>
${status}
<form class="stack" method="post" action="/security/reauth">
${csrfField(v)}
<input type="hidden" name="next" value="${back}">
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<button type="submit">Confirm password</button>
</form>
</section>
<section class="card">
<h2>Change password</h2>
<form class="stack" method="post" action="/security/password">
${csrfField(v)}
<label>Current password <input name="currentPassword" type="password" autocomplete="current-password" required maxlength="1024"></label>
<label>New password <input name="newPassword" type="password" autocomplete="new-password" required minlength="8" maxlength="256"></label>
<button type="submit">Change password</button>
</form>
<p class="sub">Changing your password signs you out everywhere else.</p>
</section>
</div>`,
  })
}
