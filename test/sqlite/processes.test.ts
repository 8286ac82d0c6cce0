import { execFile } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { sqliteStore } from '../../src/stores/sqlite/index.js'

// Real separate processes (not two handles in one thread): they contend for the file's write
// lock, which is what busy_timeout and BEGIN IMMEDIATE are for.
const dir = mkdtempSync(join(tmpdir(), 'tessera-sqlite-proc-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const here = (file: string) => fileURLToPath(new URL(file, import.meta.url))
const preamble = `
  const { sqliteStore } = await import(${JSON.stringify(here('../../src/stores/sqlite/index.ts'))})
  const { generateHandle, generateToken, hashToken } = await import(${JSON.stringify(here('../../src/core/token.ts'))})
  const store = sqliteStore({ path: process.env.DB_PATH })
  const record = (userId, i) => {
    const now = Date.now()
    return { id: hashToken(generateToken()), handle: generateHandle(), userId, data: { i },
      createdAt: now, lastSeenAt: now + i, renewedAt: now, authenticatedAt: now,
      idleExpiresAt: now + 60000, absoluteExpiresAt: now + 600000, meta: {}, version: 1 }
  }
`

/** Runs `body` in a child Node process (TypeScript through tsx); resolves with its stdout. */
function child(body: string, env: Record<string, string>): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', preamble + body],
      { env: { ...process.env, ...env }, timeout: 30_000 },
      (error, stdout) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0
        resolve({ code, out: stdout })
      },
    )
  })
}

describe('SQLite store across processes', () => {
  for (const policy of ['evict-oldest', 'reject-new'] as const) {
    it(`two processes logging one user in 40 times each with cap 3 and ${policy} leave exactly 3 sessions`, async () => {
      const path = join(dir, `cap-${policy}.db`)
      await sqliteStore({ path }).close()
      // A start barrier of marker files (each child announces itself, then waits for the
      // other) lines the loops up however long each process took to start; each child then
      // reports when it entered and left its write loop, on the machine's one clock.
      const marks = mkdtempSync(join(dir, `marks-${policy}-`))
      const body = `
        const { existsSync, writeFileSync } = await import('node:fs')
        const mark = (who) => process.env.MARKS + '/' + who
        writeFileSync(mark(process.env.ME), '')
        while (!existsSync(mark(process.env.OTHER))) await new Promise((r) => setTimeout(r, 2))
        const enter = performance.timeOrigin + performance.now()
        let ok = 0
        let n = 0
        // At least 40 logins, and on until the other process has been inside its loop too: on
        // a loaded machine one child could otherwise finish before the other's first login.
        for (let i = 0; i < 40 || !existsSync(mark('in-' + process.env.OTHER)); i++) {
          n++
          if (i === 1) writeFileSync(mark('in-' + process.env.ME), '')
          try {
            await store.create(record('racer', i), { limit: { max: 3, policy: '${policy}' } })
            ok++
          } catch (e) {
            if (e.code !== 'ERR_SESSION_LIMIT') throw e
          }
        }
        const leave = performance.timeOrigin + performance.now()
        console.log(JSON.stringify({ ok, n, enter, leave }))
      `
      const env = (me: string, other: string) => ({
        DB_PATH: path,
        MARKS: marks,
        ME: me,
        OTHER: other,
      })
      const results = await Promise.all([child(body, env('a', 'b')), child(body, env('b', 'a'))])
      for (const r of results) expect(r.code).toBe(0)
      const [a, b] = results.map(
        (r) => JSON.parse(r.out) as { ok: number; n: number; enter: number; leave: number },
      )
      // Both were inside their write loops at once: the later entry precedes the earlier exit.
      expect(Math.max(a!.enter, b!.enter)).toBeLessThan(Math.min(a!.leave, b!.leave))
      const store = sqliteStore({ path })
      expect(await store.listByUser('racer')).toHaveLength(3)
      expect(a!.ok + b!.ok).toBe(policy === 'reject-new' ? 3 : a!.n + b!.n)
      await store.close()
    })
  }

  it('two processes renewing one session 40 times each at the version they read never fork it', async () => {
    const path = join(dir, 'renewals.db')
    const seed = sqliteStore({ path })
    const now = Date.now()
    await seed.create({
      id: 'seed',
      handle: 'seed-handle',
      userId: 'chain',
      data: {},
      createdAt: now,
      lastSeenAt: now,
      renewedAt: now,
      authenticatedAt: now,
      idleExpiresAt: now + 60_000,
      absoluteExpiresAt: now + 600_000,
      meta: {},
      version: 1,
    })
    await seed.close()
    // Each step reads the user's session and replaces it at the version read; the other process
    // may replace it in between (a fork would also collide on the session's unique handle and
    // crash the child). A start barrier in the database itself, each child registering and then
    // waiting for the other, makes both loops run together however long each took to start.
    const body = `
      await store.create(record('barrier', 0))
      while ((await store.listByUser('barrier')).length < 2) await new Promise((r) => setTimeout(r, 2))
      let won = 0
      let lost = 0
      for (let i = 0; i < 40; i++) {
        const [current] = await store.listByUser('chain')
        if (!current) throw new Error('the session is gone')
        const next = { ...current, id: hashToken(generateToken()), version: 1 }
        // Work between the read and the write (as a request does), so the other process gets
        // the write lock in between instead of waiting out this whole loop in its busy handler.
        await new Promise((r) => setTimeout(r, Math.random() * 3))
        const result = await store.create(next, {
          replaces: current.id,
          expectVersion: current.version,
          limit: { max: 3, policy: 'evict-oldest' },
        })
        if (result.skipped === true) lost++
        else won++
      }
      console.log(JSON.stringify({ won, lost }))
    `
    const results = await Promise.all([
      child(body, { DB_PATH: path }),
      child(body, { DB_PATH: path }),
    ])
    for (const r of results) expect(r.code).toBe(0)
    const counts = results.map((r) => JSON.parse(r.out) as { won: number; lost: number })
    const store = sqliteStore({ path })
    const live = await store.listByUser('chain')
    expect(live).toHaveLength(1)
    expect(live[0]?.handle).toBe('seed-handle')
    // The processes did race: some replacements lost (so the check was exercised).
    expect(counts.reduce((n, c) => n + c.lost, 0)).toBeGreaterThan(0)
    await store.close()
  })

  it('a process killed with SIGKILL right after its writes loses no committed session', async () => {
    const path = join(dir, 'crash.db')
    const body = `
      const ids = []
      for (let i = 0; i < 30; i++) {
        const r = record('crash', i)
        await store.create(r)
        ids.push(r.id)
      }
      await store.update(ids[0], { set: { last: true } })
      console.log(JSON.stringify(ids))
      process.kill(process.pid, 'SIGKILL')
    `
    const { out } = await child(body, { DB_PATH: path })
    const ids = JSON.parse(out) as string[]
    expect(ids).toHaveLength(30)
    const store = sqliteStore({ path })
    for (const id of ids) expect(await store.get(id)).not.toBeNull()
    expect((await store.get(ids[0]!))?.data).toEqual({ i: 0, last: true })
    await store.close()
  })
})
