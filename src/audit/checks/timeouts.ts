import type { Agent } from '../agent.js'
import type { AuditContext, Check, Findings } from '../check.js'
import { sessionCookie, signIn } from './support.js'

// Margin past a declared deadline before "still signed in" counts as a failure: clocks, store
// expiry sweeps and request latency all add a little.
function slack(ms: number): number {
  return Math.max(500, Math.round(ms * 0.25))
}

// How late a timer may fire before a probe counts as overslept.
const JITTER_MS = 200

// Several sessions, each probed once after its own silence (a probe counts as activity, so
// each can be probed only once): the last probe judges, the others narrow the measured window.
// Silences are measured, not assumed: an auditor that overslept (a loaded machine) would
// otherwise credit the target with a timeout it does not keep, so that run is repeated once.
async function idle(ctx: AuditContext, out: Findings, idleMs: number): Promise<void> {
  const wait = idleMs + slack(idleMs)
  for (let run = 1; ; run++) {
    const silences = await probeIdle(ctx, out, idleMs, wait)
    const judged = silences.at(-1)!
    // Refused, but after more silence than the tolerance allows (timer jitter aside): the
    // target may keep a longer timeout than it declares.
    if (!judged.alive && judged.silentMs > wait + JITTER_MS) {
      if (run === 2) {
        out.warn(
          `idle: refused only after ${judged.silentMs} ms of silence (the auditor overslept twice; tolerance ${wait} ms): cannot tell whether the ${idleMs} ms timeout holds`,
        )
        return
      }
      out.note(
        `idle: the auditor overslept (${judged.silentMs} ms of silence instead of ${wait} ms), which proves nothing about a ${idleMs} ms timeout: measured again`,
      )
      // Room under the per-user cap for the next probes.
      for (const p of silences) await p.agent.logout()
      continue
    }
    out.expect(
      !judged.alive,
      `idle: refused after ${judged.silentMs} ms without requests (declared ${idleMs} ms)`,
      `idle: still signed in after ${judged.silentMs} ms without requests (declared ${idleMs} ms): the idle timeout is not enforced on the server`,
    )
    const lastAlive = silences.filter((p) => p.alive).at(-1)
    const firstDead = silences.find((p) => !p.alive)
    if (firstDead !== undefined)
      out.bound(
        `idle timeout: ${lastAlive === undefined ? '' : `signed in after ${lastAlive.silentMs} ms, `}refused after ${firstDead.silentMs} ms of inactivity (declared ${idleMs} ms)`,
      )
    return
  }
}

async function probeIdle(ctx: AuditContext, out: Findings, idleMs: number, wait: number) {
  // As many sessions as the per-user cap leaves room for (the absolute check uses the other
  // account), so none is evicted while it waits.
  const room = Math.min(3, ctx.target.policy.maxPerUser ?? 3)
  const early = [Math.round(idleMs * 0.75), Math.round(idleMs * 1.1)].slice(3 - room)
  const offsets = [...new Set([...early, wait])]
  // Each session's silence starts at its own last request (the sign-in check).
  const probes: { agent: Agent; since: number }[] = []
  for (const _ of offsets) probes.push({ agent: await signIn(ctx, out), since: performance.now() })
  ctx.progress(`idle timeout: probing sessions after ${offsets.join(', ')} ms without requests`)
  const silences: { agent: Agent; silentMs: number; alive: boolean }[] = []
  for (const [i, at] of offsets.entries()) {
    const { agent, since } = probes[i]!
    await ctx.sleep(Math.max(0, since + at - performance.now()))
    const silentMs = Math.round(performance.now() - since)
    silences.push({ agent, silentMs, alive: await agent.signedIn(sessionCookie(ctx, agent.sid!)) })
  }
  return silences
}

// Keeps one session busy (a read every `step` ms) until it is refused or `limit` passes. `gap`
// is the longest time between two of its reads: past the idle timeout, an early end proves
// nothing about the absolute one (the auditor itself paused: a loaded machine, a GC).
async function keepBusy(agent: Agent, ctx: AuditContext, step: number, limit: number) {
  const start = performance.now()
  let endedAt: number | null = null
  let aliveAt = 0
  let gap = 0
  while (performance.now() - start < limit) {
    await ctx.sleep(step)
    const sent = Math.round(performance.now() - start)
    gap = Math.max(gap, sent - aliveAt)
    if (!(await agent.signedIn())) {
      endedAt = sent
      break
    }
    aliveAt = sent
  }
  return { endedAt, aliveAt, gap }
}

async function absolute(
  ctx: AuditContext,
  out: Findings,
  absoluteMs: number,
  idleMs: number | null,
): Promise<void> {
  const step = Math.max(100, Math.min((idleMs ?? absoluteMs) / 3, absoluteMs / 10))
  const limit = absoluteMs + slack(absoluteMs)
  ctx.progress(`absolute timeout: keeping a session busy for up to ${limit} ms`)
  // Busy all along (a read every third of the idle timeout), with the original cookie: the
  // jar follows renewals, but the copy must die by the absolute deadline too.
  let agent = await signIn(ctx, out, 1)
  let cookie = sessionCookie(ctx, agent.sid!)
  let run = await keepBusy(agent, ctx, step, limit)
  const early = (r: typeof run) => r.endedAt !== null && r.endedAt < absoluteMs - slack(absoluteMs)
  if (early(run) && idleMs !== null && run.gap >= idleMs) {
    out.note(
      `absolute: the auditor paused ${run.gap} ms between two reads (idle timeout ${idleMs} ms), so the early end proves nothing: measured again`,
    )
    agent = await signIn(ctx, out, 1)
    cookie = sessionCookie(ctx, agent.sid!)
    run = await keepBusy(agent, ctx, step, limit)
  }
  const { endedAt, aliveAt } = run
  if (endedAt === null) {
    out.fail(
      `absolute: still signed in ${limit} ms after sign-in despite a declared absolute timeout of ${absoluteMs} ms`,
    )
    return
  }
  if (early(run))
    out.warn(
      `absolute: a busy session ended after only ${endedAt} ms, well before the declared ${absoluteMs} ms (does activity keep it alive?)`,
    )
  else
    out.pass(
      `absolute: a busy session ended ${endedAt} ms after sign-in (declared ${absoluteMs} ms)`,
    )
  out.expect(
    !(await agent.signedIn(cookie)),
    'absolute: the first cookie is refused too',
    'absolute: the first cookie still works',
  )
  out.bound(
    `absolute timeout: a busy session signed in at ${aliveAt} ms, refused at ${endedAt} ms after sign-in (declared ${absoluteMs} ms)`,
  )
}

/** Check 5: idle and absolute timeouts enforced on the server, with measured bounds. */
export const timeouts: Check = {
  id: 'timeouts',
  title: 'Idle and absolute timeouts enforced on the server',
  asvs: ['7.3.1', '7.3.2'],
  top10_2021: ['A07:2021'],
  top10_2025: ['A07:2025'],
  async run(ctx, out) {
    const { idleMs, absoluteMs, long } = ctx.timeouts
    if (idleMs === null && absoluteMs === null)
      return out.skip(
        `the target declares no ${long ? 'policy.long ' : ''}idleTimeout or absoluteTimeout`,
      )
    const limit = 15 * 60_000
    if (!long && Math.max(idleMs ?? 0, absoluteMs ?? 0) > limit)
      return out.skip(
        'the declared timeouts are longer than 15 minutes: start the target with a short-timeout test profile, or run with --long',
      )
    out.note(long ? 'real timeouts (--long)' : 'test-profile timeouts declared by the target')
    await Promise.all([
      idleMs === null ? out.note('no idle timeout declared') : idle(ctx, out, idleMs),
      absoluteMs === null
        ? out.note('no absolute timeout declared')
        : absolute(ctx, out, absoluteMs, idleMs),
    ])
  },
}
