import { pick } from '../agent.js'
import type { AuditContext, Check, Findings } from '../check.js'
import { analyseTokens, type TokenAnalysis } from '../randomness.js'

// Judges one sample. `secret` tokens (session IDs) must show no structure at all; CSRF and
// refresh tokens may be signed structures (version byte, expiry), so structure is a note there.
function judge(out: Findings, kind: string, a: TokenAnalysis, strict: boolean): void {
  out.note(
    `${kind}: ${a.count} samples, ${a.chars} characters, ${a.encoding}; ${a.bits} bits decoded, ${a.varyingBits} vary across the sample`,
  )
  out.expect(
    a.distinct === a.count,
    `${kind}: all ${a.count} distinct`,
    `${kind}: only ${a.distinct} of ${a.count} distinct`,
  )
  out.expect(
    a.varyingBits >= 128,
    `${kind}: ${a.varyingBits} varying bits (≥ 128, ASVS 7.2.3)`,
    `${kind}: only ${a.varyingBits} bits vary across the sample (< 128: guessable or structured)`,
  )
  const fixed = a.bits - a.varyingBits
  if (fixed > 0 && strict)
    out.warn(`${kind}: ${fixed} bits are the same in every sample (structure, not randomness)`)
  else if (fixed > 0)
    out.note(`${kind}: ${fixed} fixed bits (format/version fields of a signed token)`)
  for (const t of a.timestamps) (strict ? out.fail.bind(out) : out.note.bind(out))(`${kind}: ${t}`)
  for (const u of a.userData)
    (strict ? out.fail.bind(out) : out.note.bind(out))(`${kind}: contains the user name "${u}"`)
  if (a.fips) {
    const blocks = `${a.fips.blocks} block${a.fips.blocks > 1 ? 's' : ''} of 20 000 bits`
    if (a.fips.failed.length === 0)
      out.pass(`${kind}: FIPS 140-2 monobit, poker, runs and long run pass on ${blocks}`)
    else for (const f of a.fips.failed) out.fail(`${kind}: FIPS 140-2 ${f}`)
  } else {
    out.note(
      `${kind}: ${a.count * a.varyingBits} bits is less than one 20 000-bit FIPS block; battery not run (raise --samples)`,
    )
  }
  out.expect(
    a.perBit.failing === 0,
    `${kind}: per-bit monobit passes on all ${a.varyingBits} positions (max |z| ${a.perBit.maxZ} < ${a.perBit.zLimit})`,
    `${kind}: per-bit monobit fails on ${a.perBit.failing} positions (|z| up to ${a.perBit.maxZ}, limit ${a.perBit.zLimit})`,
  )
}

// Session IDs and the CSRF token each signed-in session got, from real sign-ins.
async function sessionIds(ctx: AuditContext): Promise<{ ids: string[]; csrf: string[] }> {
  const ids: string[] = []
  const csrf: string[] = []
  for (let i = 0; i < ctx.samples; i++) {
    if (i % 20 === 0) ctx.progress(`session IDs ${i}/${ctx.samples}`)
    const agent = ctx.agent()
    await agent.login(ctx.target.accounts[0])
    if (agent.sid) ids.push(agent.sid)
    if (agent.sid && agent.csrf) csrf.push(agent.csrf)
    // Log each sample out at once: under a reject-new cap, live samples would block sign-ins.
    await agent.logout()
  }
  return { ids, csrf }
}

async function csrfTokens(ctx: AuditContext): Promise<string[]> {
  const csrf = ctx.target.csrf
  if (!csrf) return []
  const tokens: string[] = []
  for (let i = 0; i < ctx.samples; i++) {
    const res = await ctx.agent().send('GET', csrf.path)
    const token = pick(res.json, csrf.jsonField)
    if (token) tokens.push(token)
  }
  return tokens
}

async function refreshTokens(ctx: AuditContext): Promise<string[]> {
  const t = ctx.target.tokens
  if (!t) return []
  const a = ctx.target.accounts[0]
  const agent = ctx.agent()
  const first = await agent.send('POST', t.issue, {
    json: { [t.usernameField]: a.username, [t.passwordField]: a.password },
  })
  let token = pick(first.json, t.refreshField)
  const tokens: string[] = []
  // One family refreshed again and again: no sign-ins (no password hashing), one session.
  while (token && tokens.length < ctx.samples) {
    tokens.push(token)
    const res = await agent.send('POST', t.refresh, { json: { [t.refreshRequestField]: token } })
    token = pick(res.json, t.refreshField)
  }
  if (token && t.revoke)
    await agent.send('POST', t.revoke, { json: { [t.refreshRequestField]: token } })
  return tokens
}

/** Check 1: session ID (and CSRF / refresh token) quality in context. */
export const idQuality: Check = {
  id: 'id-quality',
  title: 'Session ID quality: length, structure, randomness statistics',
  asvs: ['7.2.3', '11.5.1'],
  top10_2021: ['A02:2021', 'A07:2021'],
  top10_2025: ['A04:2025', 'A07:2025'],
  async run(ctx, out) {
    const users = ctx.target.accounts.map((a) => a.username)
    const { ids, csrf: bound } = await sessionIds(ctx)
    if (ids.length < 2) return out.skip('could not collect session IDs')
    judge(out, 'session ID', analyseTokens(ids, users), true)
    if (bound.length >= 2) judge(out, 'CSRF token (signed-in)', analyseTokens(bound, users), false)
    const csrf = await csrfTokens(ctx)
    if (csrf.length >= 2) judge(out, 'CSRF token (pre-login)', analyseTokens(csrf, users), false)
    const refresh = await refreshTokens(ctx)
    if (refresh.length >= 2) judge(out, 'refresh token', analyseTokens(refresh, users), false)
    out.note(
      'statistics show the absence of gross bias and patterns in this sample only; they cannot show unpredictability (a counter fed through a hash passes), so the generator itself must be a CSPRNG',
    )
  },
}
