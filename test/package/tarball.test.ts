import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportedSourceMap, PACKAGE_NAME } from '../../scripts/self-reference.js'
import { freePort, loader, type Outcome, run, waitFor } from './consumer.js'
import { packageOf, publicTypeImports } from './declarations.js'

// The package as a user gets it: built, packed, installed from the tarball into an empty
// project (offline: the core needs nothing from the registry), then imported from ESM and
// CommonJS, with and without the optional drivers. Slow (a full build), hence the timeouts.

const REPO = fileURLToPath(new URL('../../', import.meta.url))
const NAME = PACKAGE_NAME

/** Every subpath package.json exports (the list the export snapshot covers too). */
const SUBPATHS = Object.keys(exportedSourceMap(REPO)).map((n) => n.slice(PACKAGE_NAME.length))

/** Subpaths that need an optional peer dependency, and which. */
const NEEDS: Record<string, string> = {
  '/stores/sqlite': 'better-sqlite3',
  '/stores/redis': 'redis',
  '/stores/postgres': 'pg',
  '/jwt': 'jose',
}

// Optional peers: the database and logging drivers, jose, and yaml (audit targets written in YAML).
const DRIVERS = ['better-sqlite3', 'jose', 'pg', 'pino', 'prom-client', 'redis', 'yaml']

describe('the packed tarball installed into an empty project', { timeout: 120_000 }, () => {
  let dir: string
  let tarball: string
  let pack: { unpackedSize: number; files: Array<{ path: string }> }

  const load = async (kind: 'esm' | 'cjs'): Promise<Record<string, Outcome>> => {
    const file = join(dir, kind === 'esm' ? 'load.mjs' : 'load.cjs')
    await writeFile(file, loader(kind, NAME, SUBPATHS))
    return JSON.parse(await run(process.execPath, [file], dir))
  }

  /** Makes a package of the repository's node_modules visible to the project. */
  const link = async (name: string) => {
    const to = join(dir, 'node_modules', name)
    if (existsSync(to)) return
    await mkdir(join(to, '..'), { recursive: true })
    await symlink(join(REPO, 'node_modules', name), to, 'dir')
  }

  beforeAll(async () => {
    await run('npm', ['run', 'build'], REPO)
    dir = await mkdtemp(join(tmpdir(), 'tessera-consumer-'))
    pack = JSON.parse(await run('npm', ['pack', '--json', '--pack-destination', dir], REPO))[0]
    tarball = join(
      dir,
      `${NAME}-${JSON.parse(await readFile(join(REPO, 'package.json'), 'utf8')).version}.tgz`,
    )
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: 'consumer', version: '1.0.0', private: true }),
    )
    await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], dir)
  }, 420_000)

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true })
  })

  it('installs the core with no runtime dependency, under 1 MB unpacked, without source maps', async () => {
    const installed = (await readdir(join(dir, 'node_modules'))).filter((n) => !n.startsWith('.'))
    expect(installed).toEqual([NAME])
    const manifest = JSON.parse(
      await readFile(join(dir, 'node_modules', NAME, 'package.json'), 'utf8'),
    )
    expect(manifest.dependencies ?? {}).toEqual({})
    expect(Object.keys(manifest.peerDependencies).sort()).toEqual(DRIVERS)
    for (const d of DRIVERS) expect(manifest.peerDependenciesMeta[d]).toEqual({ optional: true })
    expect(pack.unpackedSize).toBeLessThan(1_000_000)
    const paths = pack.files.map((f) => f.path)
    expect(paths.filter((p) => p.endsWith('.map'))).toEqual([])
    expect(paths).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']))
    expect(paths.filter((p) => /\.test\.|test-database|test-data/.test(p))).toEqual([])
    console.log(`tarball: ${pack.files.length} files, ${pack.unpackedSize} bytes unpacked`)
  })

  it.each(['esm', 'cjs'] as const)(
    'imports every subpath with %s; a missing driver is ERR_CONFIG naming the package',
    async (kind) => {
      const result = await load(kind)
      for (const s of SUBPATHS) {
        const need = NEEDS[s]
        if (need) {
          expect(result[s], s).toMatchObject({ ok: false, code: 'ERR_CONFIG' })
          expect(result[s]!.message, s).toContain(`npm i ${need}`)
        } else {
          // tessera-session/monitoring included: it loads no driver until a backend is built.
          expect(result[s], s).toMatchObject({ ok: true })
          expect(result[s]!.exports, s).toBeGreaterThan(0)
        }
      }
    },
  )

  it('imports every subpath from ESM and CommonJS once the drivers are installed', async () => {
    for (const d of DRIVERS) await link(d)
    for (const kind of ['esm', 'cjs'] as const) {
      const result = await load(kind)
      for (const s of SUBPATHS) expect(result[s], `${kind} ${s}`).toMatchObject({ ok: true })
    }
    const pkg = await run(
      process.execPath,
      ['-e', `console.log(require('${NAME}/package.json').name)`],
      dir,
    )
    expect(pkg.trim()).toBe(NAME)
  })

  it('runs the README Express example unchanged', async () => {
    await link('express')
    const readme = await readFile(join(REPO, 'README.md'), 'utf8')
    const code = /\*\*Express 5\*\*[^\n]*\n\n```js\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(code).toBeDefined()
    await writeFile(join(dir, 'app.mjs'), code!)
    const port = await freePort()
    const child = spawn(process.execPath, ['app.mjs'], {
      cwd: dir,
      env: { ...process.env, PORT: String(port), NODE_ENV: 'development' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let stderr = ''
    child.stderr.on('data', (c) => {
      stderr += c
    })
    try {
      const base = `http://127.0.0.1:${port}`
      const jar = new Map<string, string>()
      const call = async (
        method: string,
        path: string,
        headers: Record<string, string> = {},
        body?: unknown,
      ) => {
        const cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ')
        const res = await fetch(base + path, {
          method,
          headers: {
            ...headers,
            ...(cookie ? { cookie } : {}),
            ...(body ? { 'content-type': 'application/json' } : {}),
          },
          body: body ? JSON.stringify(body) : undefined,
        })
        for (const line of res.headers.getSetCookie()) {
          const [pair] = line.split(';')
          const at = pair!.indexOf('=')
          jar.set(pair!.slice(0, at), pair!.slice(at + 1))
        }
        const json = (await res.json()) as { csrfToken?: string; user?: string }
        return { status: res.status, headers: res.headers, body: json }
      }
      const csrfToken = (await waitFor(() => call('GET', '/csrf'))).body.csrfToken
      expect(typeof csrfToken).toBe('string')
      // Without the token a state-changing request is refused and the handler does not run.
      expect((await call('POST', '/login', {}, { user: 'alice', password: 'demo' })).status).toBe(
        403,
      )
      const login = await call(
        'POST',
        '/login',
        { 'x-csrf-token': csrfToken! },
        { user: 'alice', password: 'demo' },
      )
      expect(login.status).toBe(200)
      expect(login.headers.get('x-frame-options')).toBe('DENY')
      expect((await call('GET', '/me')).body).toEqual({ user: 'alice' })
      const logout = await call('POST', '/logout', { 'x-csrf-token': login.body.csrfToken! })
      expect(logout.status).toBe(200)
      expect((await call('GET', '/me')).status).toBe(401)
    } finally {
      child.kill()
    }
    expect(stderr).not.toMatch(/Error/)
  })

  it('has public type files that import no database driver', async () => {
    // Driver handles are typed by shape (src/internal/drivers.ts, RedisClientLike): a TypeScript
    // user of the memory store must not need pg, better-sqlite3, redis or their @types.
    const reached = await publicTypeImports(join(dir, 'node_modules', NAME))
    expect(Object.keys(reached).length).toBeGreaterThan(0)
    const drivers = Object.entries(reached).filter(([spec]) =>
      ['pg', 'better-sqlite3', 'redis'].includes(packageOf(spec)),
    )
    expect(drivers).toEqual([])
  })

  it('type-checks a strict consumer without the database drivers or their types', async () => {
    // skipLibCheck off, so every .d.ts the consumer reaches is checked. Frameworks and the
    // monitoring libraries (which ship their own types) are there; pg, better-sqlite3, redis,
    // jose and @types/pg, @types/better-sqlite3 are not.
    for (const d of DRIVERS) await rm(join(dir, 'node_modules', d), { force: true })
    for (const p of [
      '@types/node',
      'express',
      '@types/express',
      'fastify',
      'hono',
      'pino',
      'prom-client',
    ]) {
      await link(p)
    }
    await writeFile(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          moduleResolution: 'nodenext',
          target: 'es2022',
          strict: true,
          skipLibCheck: false,
          noEmit: true,
          types: ['node'],
        },
        files: ['consumer.mts', 'consumer.cts'],
      }),
    )
    const names = `createSessions, memoryStore, nodeHandler, expressSessions, fastifySessions, honoSessions,
      csrf, securityHeaders, html, httpsRedirect, runStoreConformance, logSink, memoryAudit,
      sqliteAudit, postgresAudit, sessionMetrics`
    const from: Record<string, string> = {
      '': 'createSessions, memoryStore',
      '/node': 'nodeHandler',
      '/express': 'expressSessions',
      '/fastify': 'fastifySessions',
      '/hono': 'honoSessions',
      '/csrf': 'csrf',
      '/headers': 'securityHeaders',
      '/html': 'html',
      '/https': 'httpsRedirect',
      '/testing': 'runStoreConformance',
      '/monitoring': 'logSink, memoryAudit, sqliteAudit, postgresAudit, sessionMetrics',
    }
    // The same import syntax in both: a .cts file compiles it to require(), so TypeScript
    // resolves it with the CommonJS conditions, as a CommonJS project would.
    const source = `${Object.entries(from)
      .map(([s, n]) => `import { ${n} } from '${NAME}${s}'`)
      .join('\n')}
const sessions = createSessions({ store: memoryStore() })
export const used = [sessions, ${names}]
`
    await writeFile(join(dir, 'consumer.mts'), source)
    await writeFile(join(dir, 'consumer.cts'), source)
    await run(
      process.execPath,
      [join(REPO, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'],
      dir,
    )
  })

  it('ships the tessera-session command', async () => {
    const out = await run(
      join(dir, 'node_modules', '.bin', NAME),
      ['keygen', '--alg', 'HS256'],
      dir,
    )
    expect(out.trim()).toMatch(/^[A-Za-z0-9_-]{43,}$/)
  })

  it('passes publint and are-the-types-wrong', async () => {
    const bin = (name: string) => join(REPO, 'node_modules', '.bin', name)
    const lint = await run(bin('publint'), ['--strict'], REPO)
    expect(lint).toContain('All good')
    // CommonJS callers `require()` the ESM build: Node >= 20.19 loads it, and TypeScript's
    // `module: node20`/`nodenext` types it, so attw's "CJS resolves to ESM" note does not apply.
    await run(
      bin('attw'),
      [tarball, '--profile', 'node16', '--ignore-rules', 'cjs-resolves-to-esm'],
      REPO,
    )
  })
})
