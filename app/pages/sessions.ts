import type { SessionSummary } from 'tessera-session'
import { html, type SafeHtml } from 'tessera-session/html'
import { device, when } from './format.js'
import { csrfField, layout } from './layout.js'
import { errorFlash, flashFromQuery } from './messages.js'
import type { View } from './view.js'

/**
 * A table of sessions with a revoke button per row. Used by `/sessions` (your own) and
 * `/admin` (a user's), which differ only in where the revoke button posts.
 *
 * @example
 * sessionTable(v, list, (s) => `/sessions/${encodeURIComponent(s.handle)}/revoke`)
 */
export function sessionTable(
  v: View,
  list: readonly SessionSummary[],
  revokeAction: ((s: SessionSummary) => string) | null,
): SafeHtml {
  if (list.length === 0) return html`<p>No active sessions.</p>`
  // The store's last-activity time of the current session predates this very request.
  const row = (
    s: SessionSummary,
  ) => html`<tr class="${s.current ? 'current' : ''}" data-handle="${s.handle}">
<td>${device(s.device, s.userAgent)}${s.current ? html`<span class="badge">This device</span>` : null}${'bound' in s && s.bound ? html`<span class="badge">Bound to this device</span>` : null}${s.kind && s.kind !== 'cookie' ? html`<span class="badge muted">${s.kind}</span>` : null}</td>
<td class="num">${s.ip ?? 'unknown'}</td>
<td>${when(s.createdAt, v.now)}</td>
<td>${when(s.current ? v.now : s.lastSeenAt, v.now)}</td>
<td>${
    revokeAction
      ? html`<form class="inline" method="post" action="${revokeAction(s)}">${csrfField(v)}<button class="danger small" type="submit">${s.current ? 'Log out' : 'Revoke'}</button></form>`
      : null
  }</td>
</tr>`
  return html`<table>
<thead><tr><th>Device</th><th>IP address</th><th>Signed in</th><th>Last activity</th><th></th></tr></thead>
<tbody>${list.map(row)}</tbody>
</table>`
}

/**
 * `/sessions`: where you are signed in, with "revoke" per session and "revoke all others".
 *
 * @example
 * sendPage(res, 200, sessionsPage(v, await app.sessions.list(req.session)))
 */
export function sessionsPage(v: View, list: readonly SessionSummary[], error?: string): SafeHtml {
  const others = list.filter((s) => !s.current).length
  return layout(v, {
    title: 'Your sessions',
    lead: 'Every browser and device where you are signed in. End any session you do not recognise.',
    flash: errorFlash(error) ?? flashFromQuery(v.query),
    body: html`<section class="card">
${sessionTable(v, list, (s) => `/sessions/${encodeURIComponent(s.handle)}/revoke`)}
<div class="actions">
<form class="inline" method="post" action="/sessions/revoke-others">${csrfField(v)}
${
  others === 0
    ? html`<button class="danger" type="submit" disabled>Revoke all other sessions</button>`
    : html`<button class="danger" type="submit">Revoke all other sessions</button>`
}</form>
</div>
<p class="sub">Ending other sessions asks for your password first if you have not entered it in the last few minutes.</p>
</section>`,
  })
}
