import type { AuditContext, Check, Findings } from '../check.js'
import { sessionCookie, signIn } from './support.js'

// Margin past a declared deadline before "still signed in" counts as a failure: clocks, store
// expiry sweeps and request latency all add a little.
function slack(ms: number): number {
  return Math.max(500, Math.round(ms * 0.25))
}

async function idle(ctx: AuditContext, out: Findings, idleMs: number): Promise<void> {
  const agent = await signIn(ctx, out)
  const cookie = sessionCookie(ctx, agent.sid!)
  const wait = idleMs + slack(idleMs)
  ctx.progress(`idle timeout: waiting ${wait} ms without requests`)
  await ctx.sleep(wait)
  const alive = await agent.signedIn(cookie)
  out.expect(
    !alive,
    `idle: refused after ${wait} ms without requests (declared ${idleMs} ms)`,
    `idle: still signed in after ${wait} ms without requests (declared ${idleMs} ms): the idle timeout is not enforced on the server`,
  )
  if (!alive) out.bound(`idle timeout enforced within ≤ ${wait} ms of inactivity`)
}

async function absolute(
  ctx: AuditContext,
  out: Findings,
  absoluteMs: number,
  idleMs: number | null,
): Promise<void> {
  const agent = await signIn(ctx, out)
  const start = performance.now()
  const cookie = sessionCookie(ctx, agent.sid!)
  const step = Math.max(100, Math.min((idleMs ?? absoluteMs) / 3, absoluteMs / 10))
  const limit = absoluteMs + slack(absoluteMs)
  ctx.progress(`absolute timeout: keeping a session busy for up to ${limit} ms`)
  // Busy all along (a read every third of the idle timeout), with the original cookie: the
  // jar follows renewals, but the copy must die by the absolute deadline too.
  let endedAt: number | null = null
  while (performance.now() - start < limit) {
    await ctx.sleep(step)
    if (!(await agent.signedIn())) {
      endedAt = Math.round(performance.now() - start)
      break
    }
  }
  if (endedAt === null) {
    out.fail(
      `absolute: still signed in ${limit} ms after sign-in despite a declared absolute timeout of ${absoluteMs} ms`,
    )
    return
  }
  if (endedAt < absoluteMs - slack(absoluteMs) && idleMs !== null && endedAt < idleMs)
    out.warn(
      `absolute: a busy session ended after only ${endedAt} ms (activity does not extend it?)`,
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
  out.bound(`absolute timeout enforced at ≤ ${endedAt} ms after sign-in despite activity`)
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
