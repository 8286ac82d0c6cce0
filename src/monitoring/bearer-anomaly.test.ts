import { afterEach, describe, expect, it } from 'vitest'
import { manualClock } from '../core/clock.js'
import type { SessionEvent } from '../core/events.js'
import { createSessions } from '../core/manager.js'
import { createPipeline } from '../pipeline/pipeline.js'
import { KeySet } from '../jwt/key-set.js'
import { bearerAuth } from '../jwt/plugin.js'
import { createTokenMode } from '../jwt/token-mode.js'
import { memoryStore } from '../stores/memory/index.js'
import { type AnomalyOptions, anomalyRules } from './anomaly.js'

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
const CURL = 'curl/8.5.0'
const HOME = '198.51.100.1'
const AWAY = '203.0.113.5'

let cleanup: Array<() => unknown> = []
afterEach(async () => {
  for (const c of cleanup) await c()
  cleanup = []
})

async function setup(options: Omit<AnomalyOptions, 'sessions'> = {}) {
  const clock = manualClock()
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const tokens = createTokenMode({
    sessions,
    keys: KeySet.generate('EdDSA', { clock }),
    issuer: 'https://bank.example',
    audience: 'bank',
    refreshSecret: 'r'.repeat(43),
  })
  const events: SessionEvent[] = []
  sessions.on((e) => events.push(e))
  const rules = anomalyRules({ sessions, newDevice: false, ...options })
  const pipeline = createPipeline(sessions, [rules, bearerAuth(tokens), rules.bearer])
  cleanup.push(
    () => rules.close(),
    () => sessions.close(),
  )
  const { access_token: token } = await tokens.issue({ userId: 'u1', ip: HOME, userAgent: CURL })
  const send = async (ua: string, ip: string) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'user-agent': ua }
    const { ctx, rejection } = await pipeline.begin({
      method: 'GET',
      path: '/api/me',
      query: '',
      secure: true,
      ip,
      header: (n) => headers[n],
    })
    return { rejection, user: ctx?.locals.bearer?.claims.sub ?? null }
  }
  const anomalies = () => events.filter((e) => e.type === 'session_anomaly')
  return { send, anomalies }
}

describe('the anomaly rules for bearer requests', () => {
  it('pass the token login’s own browser and address without an event', async () => {
    const t = await setup()
    expect(await t.send(CURL, HOME)).toEqual({ rejection: null, user: 'u1' })
    expect(t.anomalies()).toEqual([])
  })

  it('end the token session on a browser family change (default)', async () => {
    const t = await setup()
    expect(await t.send(FIREFOX, HOME)).toEqual({ rejection: null, user: null })
    expect(t.anomalies()).toMatchObject([{ level: 'critical', reason: 'ua_change', userId: 'u1' }])
    expect((await t.send(CURL, HOME)).user).toBeNull()
  })

  it('in log mode report a new browser once and keep the token', async () => {
    const t = await setup({ userAgentChange: 'log' })
    expect((await t.send(FIREFOX, HOME)).user).toBe('u1')
    expect((await t.send(FIREFOX, HOME)).user).toBe('u1')
    expect(t.anomalies()).toMatchObject([{ level: 'warn', reason: 'ua_change' }])
  })

  it('in reauth mode answer 401 ERR_REAUTH_REQUIRED from a new address, reported once', async () => {
    const t = await setup({ ipChange: 'reauth' })
    for (let i = 0; i < 2; i++) {
      const r = await t.send(CURL, AWAY)
      expect(r.rejection).toMatchObject({ status: 401, code: 'ERR_REAUTH_REQUIRED' })
    }
    expect(t.anomalies()).toMatchObject([{ level: 'warn', reason: 'ip_change', ip: AWAY }])
    expect((await t.send(CURL, HOME)).rejection).toBeNull()
  })

  it('in end mode end the token session from a new address', async () => {
    const t = await setup({ ipChange: 'end' })
    expect(await t.send(CURL, AWAY)).toEqual({ rejection: null, user: null })
    expect(t.anomalies()).toMatchObject([{ level: 'critical', reason: 'ip_change' }])
    expect((await t.send(CURL, HOME)).user).toBeNull()
  })

  it('can be switched off', async () => {
    const t = await setup({ ipChange: 'off', userAgentChange: 'off' })
    expect((await t.send(FIREFOX, AWAY)).user).toBe('u1')
    expect(t.anomalies()).toEqual([])
  })
})
