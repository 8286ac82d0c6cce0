import type { SessionSummary } from 'tessera-session'
import { html, type SafeHtml } from 'tessera-session/html'
import type { AuditRecord } from 'tessera-session/monitoring'
import type { User } from '../users.js'
import { money, when } from './format.js'
import { csrfField, layout } from './layout.js'
import { flashFromQuery } from './messages.js'
import { sessionTable } from './sessions.js'
import type { View } from './view.js'

/** What the admin page shows, gathered by its route. */
export interface AdminData {
  users: ReadonlyArray<{ user: User; sessions: number }>
  /** The user picked with `?user=`, and their sessions. */
  selected: { user: User; sessions: readonly SessionSummary[] } | null
  /** Recent audit events; `unavailable` when the app has no audit log or it cannot be read. */
  audit: readonly AuditRecord[] | 'unavailable'
  /** The type filter in use, if any. */
  type: string | null
  /** Event types offered in the filter. */
  types: readonly string[]
}

function userRow(v: View, u: User, count: number): SafeHtml {
  return html`<tr>
<td><a href="/admin?user=${u.id}">${u.username}</a><span class="sub">${u.id} · ${u.role}</span></td>
<td class="num">${money(u.balance)}</td>
<td class="num">${count}</td>
<td><form class="inline" method="post" action="/admin/users/${u.id}/revoke-sessions">${csrfField(v)}<button class="danger small" type="submit">End all sessions</button></form></td>
</tr>`
}

function auditTable(v: View, d: AdminData): SafeHtml {
  if (d.audit === 'unavailable')
    return html`<p>The audit log is not available in this configuration (or cannot be read right now).</p>`
  if (d.audit.length === 0) return html`<p>No events match.</p>`
  const row = (e: AuditRecord) => html`<tr>
<td>${when(Date.parse(e.time), v.now)}</td>
<td class="level-${e.level}">${e.level}</td>
<td><code>${e.type}</code></td>
<td>${e.userId ?? ''}</td>
<td><code>${e.handle ? e.handle.slice(0, 8) : ''}</code></td>
<td class="num">${e.ip ?? ''}</td>
<td>${e.reason ?? ''}</td>
</tr>`
  return html`<table>
<thead><tr><th>Time</th><th>Level</th><th>Event</th><th>User</th><th>Session</th><th>IP</th><th>Reason</th></tr></thead>
<tbody>${d.audit.map(row)}</tbody>
</table>`
}

/**
 * `/admin`: users with their session counts and an "end all sessions" button, one user's
 * sessions (`?user=`), and the recent audit log (`?type=` filters it).
 *
 * @example
 * sendPage(res, 200, adminPage(v, data))
 */
export function adminPage(v: View, d: AdminData): SafeHtml {
  const selected = d.selected
    ? html`<section class="card">
<h2>Sessions of ${d.selected.user.username}</h2>
${sessionTable(v, d.selected.sessions, null)}
</section>`
    : null
  const option = (t: string) =>
    t === d.type
      ? html`<option value="${t}" selected>${t}</option>`
      : html`<option value="${t}">${t}</option>`
  const userField = d.selected
    ? html`<input type="hidden" name="user" value="${d.selected.user.id}">`
    : null
  return layout(v, {
    title: 'Administration',
    flash: flashFromQuery(v.query),
    body: html`<section class="card">
<h2>Users</h2>
<table>
<thead><tr><th>User</th><th>Balance</th><th>Sessions</th><th></th></tr></thead>
<tbody>${d.users.map((u) => userRow(v, u.user, u.sessions))}</tbody>
</table>
</section>
${selected}
<section class="card">
<h2>Audit log${d.selected ? html` for ${d.selected.user.username}` : null}</h2>
<form class="row" method="get" action="/admin">${userField}
<label>Event <select name="type"><option value="">all events</option>${d.types.map(option)}</select></label>
<button class="secondary" type="submit">Filter</button>
</form>
${auditTable(v, d)}
</section>`,
  })
}
