import type { BenchResult } from './harness.js'
import type { CaseSummary } from './summary.js'

const COLORS: Record<CaseSummary['group'], string> = {
  bound: '#9aa5b1',
  peer: '#e07b39',
  tessera: '#2f6fbd',
}
const LEGEND: Array<[CaseSummary['group'], string]> = [
  ['bound', 'framework without sessions (bound)'],
  ['peer', 'peer session / token library'],
  ['tessera', 'Tessera'],
]

/** Escapes text for SVG content and attribute values. */
function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`)
}

/**
 * Draws a horizontal bar chart of "ratio to bare node:http": one bar per case, authenticated
 * reads then logins, each grouped bounds → peers → Tessera, with a reference line at 1.0.
 * Plain SVG with system fonts; the label column is as wide as the longest label.
 *
 * @example
 * writeFileSync('docs/benchmarks.svg', renderChart(result))
 */
export function renderChart(r: BenchResult): string {
  const order: CaseSummary['group'][] = ['bound', 'peer', 'tessera']
  const finite = r.summary.filter((s) => Number.isFinite(s.ratio))
  const byRatio = (a: CaseSummary, b: CaseSummary) =>
    order.indexOf(a.group) - order.indexOf(b.group) || b.ratio - a.ratio
  const sections: Array<[string, CaseSummary[]]> = [
    [
      'Authenticated request (loads an existing session)',
      finite.filter((s) => s.kind === 'read').sort(byRatio),
    ],
    [
      'Login (creates a session, per-user cap enforced)',
      finite.filter((s) => s.kind === 'login').sort(byRatio),
    ],
  ]
  const all = sections.flatMap(([, rows]) => rows)
  // Bold (Tessera) labels are wider; 7.2 px per character covers system-ui at 12 px.
  const labelW = Math.max(
    200,
    ...all.map((s) => s.label.length * (s.group === 'tessera' ? 7.2 : 6.6) + 24),
  )
  const plotW = 440
  const rowH = 22
  const headH = 28
  const top = 62
  const max =
    Math.max(1, ...all.map((s) => (Number.isFinite(s.ratioHi) ? s.ratioHi : s.ratio))) * 1.1
  const bodyH = sections.reduce(
    (a, [, rows]) => a + (rows.length ? headH + rows.length * rowH : 0),
    0,
  )
  const height = top + bodyH + 64
  const width = Math.ceil(labelW + plotW + 130)
  const x = (v: number) => labelW + (v / max) * plotW
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600" fill="#1f2933">Requests per second as a ratio to bare node:http in the same run (higher is better)</text>`,
    `<text x="12" y="40" fill="#52606d">${esc(`${r.machine.date.slice(0, 10)} · Node ${r.machine.node} · ${r.machine.cores} × ${r.machine.cpu} · median over ${r.settings.rounds} round(s), whiskers: min–max · details in benchmarks.md`)}</text>`,
  ]
  const gridTop = top
  const gridBottom = top + bodyH
  for (let t = 0; t <= max + 1e-9; t += 0.25) {
    const gx = x(t).toFixed(1)
    const one = Math.abs(t - 1) < 1e-9
    parts.push(
      `<line x1="${gx}" y1="${gridTop}" x2="${gx}" y2="${gridBottom}" stroke="${one ? '#1f2933' : '#e4e7eb'}" stroke-width="1"${one ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${gx}" y="${gridBottom + 16}" text-anchor="middle" fill="#52606d">${t.toFixed(2)}×</text>`,
    )
  }
  let y = top
  for (const [title, rows] of sections) {
    if (rows.length === 0) continue
    parts.push(`<text x="12" y="${y + 19}" font-weight="600" fill="#1f2933">${esc(title)}</text>`)
    y += headH
    for (const s of rows) {
      const w = Math.max(1, x(s.ratio) - labelW)
      const bold = s.group === 'tessera' ? ' font-weight="600"' : ''
      parts.push(
        `<text x="${(labelW - 8).toFixed(1)}" y="${y + 15}" text-anchor="end" fill="#1f2933"${bold}>${esc(s.label)}</text>`,
        `<rect x="${labelW.toFixed(1)}" y="${y + 4}" width="${w.toFixed(1)}" height="${rowH - 7}" rx="2" fill="${COLORS[s.group]}"/>`,
        // The min–max over rounds as a whisker across the bar's end.
        `<line x1="${x(s.ratioLo).toFixed(1)}" y1="${y + rowH / 2 - 1}" x2="${x(s.ratioHi).toFixed(1)}" y2="${y + rowH / 2 - 1}" stroke="#1f2933" stroke-width="1.5"/>`,
        `<text x="${(Math.max(labelW + w, x(s.ratioHi)) + 5).toFixed(1)}" y="${y + 15}" fill="#1f2933">${s.ratio.toFixed(2)}× (${s.ratioLo.toFixed(2)}–${s.ratioHi.toFixed(2)})</text>`,
      )
      y += rowH
    }
  }
  const ly = gridBottom + 44
  let lx = 12
  for (const [group, text] of LEGEND) {
    parts.push(
      `<rect x="${lx}" y="${ly - 10}" width="12" height="12" rx="2" fill="${COLORS[group]}"/>`,
      `<text x="${lx + 17}" y="${ly}" fill="#1f2933">${esc(text)}</text>`,
    )
    lx += 40 + text.length * 6.2
  }
  parts.push('</svg>', '')
  return parts.join('\n')
}
