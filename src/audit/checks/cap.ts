import { randomInt } from 'node:crypto'
import type { Agent } from '../agent.js'
import type { Check } from '../check.js'
import type { HttpResponse } from '../http.js'

const LOGINS = 50

// A sign-in, retried (at most 8 times, honouring Retry-After up to 2 s, with jitter so the
// retries do not arrive together again) while the target answers 503 or 429: those mean
// "busy" or "slow down", not the cap.
async function loginPolitely(
  agent: Agent,
  account: { username: string; password: string },
  sleep: (ms: number) => Promise<void>,
): Promise<HttpResponse> {
  let res = await agent.login(account)
  for (let i = 0; i < 8 && (res.status === 503 || res.status === 429); i++) {
    const after = Number(res.headers.get('retry-after') ?? '1')
    // Jitter from the CSPRNG like every other random number in the package (a spread of 0.5–1.5×).
    const jitter = (500 + randomInt(1001)) / 1000
    await sleep(Math.min(2000, Math.max(100, after * 1000)) * jitter)
    agent.jar.clear()
    res = await agent.login(account)
  }
  return res
}

/** Check 9: under 50 parallel sign-ins exactly the declared cap of sessions survives. */
export const cap: Check = {
  id: 'cap',
  title: `Per-user session cap under ${LOGINS} parallel sign-ins`,
  asvs: ['7.1.2'],
  top10_2021: ['A04:2021', 'A07:2021'],
  top10_2025: ['A06:2025', 'A07:2025'],
  async run(ctx, out) {
    const { maxPerUser, limitPolicy } = ctx.target.policy
    if (maxPerUser === null) return out.skip('the target declares no policy.maxPerUser')
    ctx.progress(`${LOGINS} parallel sign-ins of ${ctx.target.accounts[1].username}`)
    // The second account, so the first one's sessions in other checks are untouched.
    const agents = Array.from({ length: LOGINS }, () => ctx.agent())
    const doneAt: number[] = []
    const answers = await Promise.all(
      agents.map(async (a, i) => {
        const res = await loginPolitely(a, ctx.target.accounts[1], ctx.sleep)
        doneAt[i] = performance.now()
        return res
      }),
    )
    // Sign-ins that ended most of an idle timeout ago may have idled out before the probe.
    const idle = ctx.timeouts.idleMs ?? Number.POSITIVE_INFINITY
    const probedAt = performance.now()
    const stale = agents.filter((a, i) => a.sid && probedAt - doneAt[i]! > idle * 0.8).length
    const ok = agents.filter((a, i) => answers[i]!.status < 300 && a.sid)
    // 503 and 429 shed load ("busy", "slow down"); they say nothing about the cap.
    const busy = answers.filter((r) => r.status === 503 || r.status === 429).length
    const refused = answers.filter((r) => r.status >= 400 && r.status !== 503 && r.status !== 429)
    const codes = [...new Set(refused.map((r) => r.status))].join(', ') || 'none'
    out.note(
      `${ok.length} sign-ins succeeded, ${refused.length} refused (${codes}), ${busy} still busy (503/429) after retries`,
    )
    if (ok.length <= maxPerUser && limitPolicy !== 'reject-new')
      return out.skip(
        `only ${ok.length} sign-ins got through the target's load shedding: too few to judge a cap of ${maxPerUser}`,
      )
    const alive = (await Promise.all(ok.map((a) => a.signedIn()))).filter(Boolean).length
    out.bound(
      `${alive} of ${ok.length} sessions alive after ${LOGINS} parallel sign-ins (declared cap ${maxPerUser}, ${limitPolicy})`,
    )
    if (limitPolicy === 'reject-new') {
      out.expect(
        ok.length <= maxPerUser,
        `reject-new: ${ok.length} sign-ins accepted (≤ cap ${maxPerUser})`,
        `reject-new: ${ok.length} sign-ins accepted, more than the cap ${maxPerUser}`,
      )
      out.expect(
        alive === ok.length,
        'reject-new: every accepted session is alive',
        `reject-new: only ${alive} of ${ok.length} accepted sessions are alive`,
      )
    } else {
      if (alive < maxPerUser && alive + stale >= maxPerUser)
        return out.skip(
          `${alive} sessions alive, but ${stale} sign-ins ended most of an idle timeout before the probe (slow or shedding target): inconclusive`,
        )
      out.expect(
        refused.length === 0,
        'evict-oldest: no sign-in refused for the cap',
        `evict-oldest: ${refused.length} sign-ins refused (${codes})`,
      )
      out.expect(
        alive === maxPerUser,
        `evict-oldest: exactly ${maxPerUser} sessions survive`,
        `evict-oldest: ${alive} sessions survive, not the cap ${maxPerUser}`,
      )
    }
  },
}
