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
  // In a small sample a random bit is now and then the same in every token (20 samples of 256
  // bits: once in ~2,000 audits): structure is called only when chance explains it less than
  // once in a million.
  if (fixed > 0 && strict && a.fixedByChance < 1e-6)
    out.warn(`${kind}: ${fixed} bits are the same in every sample (structure, not randomness)`)
  else if (fixed > 0 && strict)
    out.note(
      `${kind}: ${fixed} bit${fixed > 1 ? 's' : ''} the same in every sample, as chance allows with ${a.count} samples (p = ${a.fixedByChance.toPrecision(2)}); raise --samples to tell structure from chance`,
    )
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

// The statistics fail random data by chance: the FIPS 140-2 battery about 6 blocks in 10 000
// (measured on CSPRNG bytes), the per-bit test at α = 0.001 per sample; an audit runs 6 blocks
// and 4 samples. A biased generator fails again on a fresh sample, a chance result almost
// never (~10⁻⁵ per audit), so a statistics failure is judged only when a fresh sample of the
// same kind fails too. Structural findings (duplicates, too few varying bits, timestamps, user
// names) are not chance and are never retried.
function statisticsFailures(a: TokenAnalysis): string[] {
  const perBit =
    a.perBit.failing > 0
      ? [`per-bit monobit on ${a.perBit.failing} positions (|z| up to ${a.perBit.maxZ})`]
      : []
  return [...(a.fips?.failed.map((f) => `FIPS 140-2 ${f}`) ?? []), ...perBit]
}

/**
 * Judges a sample of one token kind (see {@link judge}); a statistics failure is judged on
 * `fresh()`, a new sample of the same kind, and reported as FAIL only when that fails too.
 *
 * @example
 * await judgeSample(out, 'session ID', ids, () => collectIds(ctx), ['alice'], true)
 */
export async function judgeSample(
  out: Findings,
  kind: string,
  first: string[],
  fresh: () => Promise<string[]>,
  users: readonly string[],
  strict: boolean,
): Promise<void> {
  if (first.length < 2) return
  let a = analyseTokens(first, users)
  const chance = statisticsFailures(a)
  // A sample of a correct generator fails the battery or the per-bit test about once in 700:
  // with one retest, a correct app FAILed about once in 500,000 audits per kind of token. The
  // verdict now waits for RETESTS fresh samples that all fail (about once in 3 × 10^8).
  // Structure that fails on its own (duplicates, few varying bits; for session IDs also
  // timestamps and user names) is not chance: no retest. A CSRF or refresh token's expiry is
  // a note (left out of the statistics), so its sample is retested like any other.
  const structure =
    a.distinct < a.count ||
    a.varyingBits < 128 ||
    (strict && (a.timestamps.length > 0 || a.userData.length > 0))
  for (let draw = 1; chance.length > 0 && !structure && draw <= RETESTS; draw++) {
    const again = await fresh()
    if (again.length < first.length) {
      // A shorter sample runs fewer blocks and sees less bias: it cannot clear a longer one.
      out.note(
        `${kind}: a fresh sample had only ${again.length} tokens (the first ${first.length}): judged on the failing sample`,
      )
      break
    }
    out.note(
      `${kind}: ${draw === 1 ? 'the first sample' : 'the fresh sample too'} failed ${statisticsFailures(a).join('; ')}; judged on a fresh sample of ${again.length} (a chance result does not repeat, a biased generator does)`,
    )
    a = analyseTokens(again, users)
    if (statisticsFailures(a).length === 0) break
    if (draw === RETESTS)
      for (const f of chance) out.fail(`${kind}: the first sample failed too: ${f}`)
  }
  judge(out, kind, a, strict)
}

/** Fresh samples a statistics failure must repeat in before it is a FAIL. */
const RETESTS = 2

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
    const signIns = async (pick: 'ids' | 'csrf') => (await sessionIds(ctx))[pick]
    await judgeSample(out, 'session ID', ids, () => signIns('ids'), users, true)
    await judgeSample(out, 'CSRF token (signed-in)', bound, () => signIns('csrf'), users, false)
    const csrf = await csrfTokens(ctx)
    await judgeSample(out, 'CSRF token (pre-login)', csrf, () => csrfTokens(ctx), users, false)
    const refresh = await refreshTokens(ctx)
    await judgeSample(out, 'refresh token', refresh, () => refreshTokens(ctx), users, false)
    out.note(
      'statistics show the absence of gross bias and patterns in this sample only; they cannot show unpredictability (a counter fed through a hash passes), so the generator itself must be a CSPRNG',
    )
  },
}
