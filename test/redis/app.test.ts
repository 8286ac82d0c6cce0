import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest'
import { ApiClient, type RunningApp, startApp } from '../helpers/client.js'
import { redisAnswers, serviceGate } from '../services/availability.js'

// The reference app with STORE_URL=redis-cluster://… on the test cluster (ours alone, so the
// app's default key prefix cannot collide with another suite's data).
const CLUSTER_URL = process.env.REDIS_CLUSTER_URL || inject('redisClusterUrl')
const up = await serviceGate('Redis Cluster', CLUSTER_URL, () => redisAnswers(CLUSTER_URL))

describe.runIf(up)('the reference app on Redis Cluster', () => {
  let running: RunningApp
  beforeAll(async () => {
    running = await startApp({ STORE_URL: CLUSTER_URL })
  })
  afterAll(async () => {
    await running?.close()
  })

  it('is healthy, logs in, lists and revokes sessions through the cluster store', async () => {
    expect((await fetch(`${running.url}/healthz`)).status).toBe(200)
    const a1 = new ApiClient(running.url, { 'user-agent': 'agent-one' })
    const a2 = new ApiClient(running.url, { 'user-agent': 'agent-two' })
    const a3 = new ApiClient(running.url, { 'user-agent': 'agent-three' })
    for (const c of [a1, a2, a3]) expect((await c.login('alice')).status).toBe(200)
    const list = (await a1.request('GET', '/api/sessions')).body as {
      sessions: Array<{ handle: string; current: boolean; userAgent: string }>
    }
    expect(list.sessions.map((s) => s.userAgent).sort()).toEqual(
      expect.arrayContaining(['agent-one', 'agent-three', 'agent-two']),
    )
    const two = list.sessions.find((s) => s.userAgent === 'agent-two')!
    expect((await a1.request('DELETE', `/api/sessions/${two.handle}`)).status).toBe(200)
    expect((await a2.request('GET', '/api/me')).status).toBe(401)
    expect((await a1.request('POST', '/api/sessions/revoke-others', {})).status).toBe(200)
    expect((await a3.request('GET', '/api/me')).status).toBe(401)
    expect((await a1.request('GET', '/api/me')).status).toBe(200)

    const admin = new ApiClient(running.url)
    await admin.login('admin')
    expect((await admin.request('POST', '/api/admin/users/u1/revoke-sessions', {})).status).toBe(
      200,
    )
    expect((await a1.request('GET', '/api/me')).status).toBe(401)
  })
})
