import { html, type SafeHtml } from 'tessera-session/html'
import { csrfField, layout } from './layout.js'
import { errorFlash, flashFromQuery } from './messages.js'
import type { View } from './view.js'

/**
 * `/login`: the sign-in form. After a failed attempt the username is shown again (escaped).
 *
 * @example
 * sendPage(res, 401, loginPage(v, { username: form.username, error: 'invalid …' }))
 */
export function loginPage(v: View, state: { username?: string; error?: string } = {}): SafeHtml {
  return layout(v, {
    title: 'Log in',
    flash: errorFlash(state.error) ?? flashFromQuery(v.query),
    body: html`<div class="card">
<form class="stack" method="post" action="/login">
${csrfField(v)}
<label>Username <input name="username" autocomplete="username" required maxlength="64" value="${state.username ?? ''}"></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required maxlength="1024"></label>
<button type="submit">Log in</button>
</form>
</div>`,
  })
}
