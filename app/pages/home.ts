import { html, type SafeHtml } from 'tessera-session/html'
import { layout } from './layout.js'
import { flashFromQuery } from './messages.js'
import type { View } from './view.js'

/**
 * `/`: what the demo is and where to go.
 *
 * @example
 * sendPage(res, 200, homePage(view(app, req)))
 */
export function homePage(v: View): SafeHtml {
  const next = v.user
    ? html`<p>You are signed in as <strong>${v.user.username}</strong>.</p>
        <div class="actions"><a href="/account">Go to your account</a><a href="/sessions">See your sessions</a></div>`
    : html`<div class="actions"><a href="/login">Log in</a></div>
        <p class="sub">Demo users: <code>alice</code>, <code>bob</code> and <code>admin</code>; their password is in the README.</p>`
  return layout(v, {
    title: 'Welcome',
    lead: 'A small bank that shows secure sessions at work.',
    flash: flashFromQuery(v.query),
    body: html`<div class="card">
<p>Every page here runs on a server-side session: a random 256-bit token in a
<code>__Host-</code> cookie that scripts cannot read, idle and absolute timeouts, a new token at
every login, and real logout. Forms are protected against cross-site request forgery, and every
page runs under a strict, nonce-based Content Security Policy.</p>
${next}
</div>`,
  })
}
