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
 * Draws a horizontal bar chart of "ratio to bare node:http" (authenticated reads and logins),
 * one bar per case, grouped bounds → peers → Tessera, with a reference line at 1.0. Plain SVG
 * with system fonts, readable at GitHub's default width.
 *
 * @example
 * writeFileSync('docs/benchmarks.svg', renderChart(result))
 */
export function renderChart(r: BenchResult): string {
  const order: CaseSummary['group'][] = ['bound', 'peer', 'tessera']
  const rows = [...r.summary]
    .filter((s) => Number.isFinite(s.ratio))
    .sort((a, b) => order.indexOf(a.group) - order.indexOf(b.group) || b.ratio - a.ratio)
  const labelW = 330
  const plotW = 430
  const rowH = 22
  const top = 70
  const max = Math.max(1, ...rows.map((s) => s.ratio)) * 1.08
  const height = top + rows.length * rowH + 60
  const width = labelW + plotW + 70
  const x = (v: number) => labelW + (v / max) * plotW
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="600" fill="#1f2933">Throughput as a ratio to bare node:http (same run; higher is better)</text>`,
    `<text x="12" y="40" fill="#52606d">${esc(`${r.machine.date.slice(0, 10)} · Node ${r.machine.node} · ${r.machine.cores} × ${r.machine.cpu} · ${r.settings.rounds} round(s), median of per-round ratios`)}</text>`,
  ]
  for (let t = 0; t <= max; t += 0.25) {
    const gx = x(t).toFixed(1)
    parts.push(
      `<line x1="${gx}" y1="${top - 6}" x2="${gx}" y2="${top + rows.length * rowH}" stroke="${t === 1 ? '#1f2933' : '#e4e7eb'}" stroke-width="1"${t === 1 ? ' stroke-dasharray="4 3"' : ''}/>`,
      `<text x="${gx}" y="${top + rows.length * rowH + 16}" text-anchor="middle" fill="#52606d">${t.toFixed(2)}</text>`,
    )
  }
  rows.forEach((s, i) => {
    const y = top + i * rowH
    const w = Math.max(1, x(s.ratio) - labelW)
    const label = s.kind === 'login' ? `${s.label} — login` : s.label
    parts.push(
      `<text x="${labelW - 8}" y="${y + 14}" text-anchor="end" fill="#1f2933"${s.group === 'tessera' ? ' font-weight="600"' : ''}>${esc(label)}</text>`,
      `<rect x="${labelW}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" rx="2" fill="${COLORS[s.group]}"/>`,
      `<text x="${(labelW + w + 5).toFixed(1)}" y="${y + 14}" fill="#1f2933">${s.ratio.toFixed(2)}×</text>`,
    )
  })
  const ly = top + rows.length * rowH + 36
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
