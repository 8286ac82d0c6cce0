// Micro-benchmark: access-token verification, Tessera's fast path vs jose's jwtVerify with the
// same key. Not a test: run with `npx tsx test/jwt/bench-verify.ts [seconds-per-case]`.
import { jwtVerify } from 'jose'
import { manualClock } from '../../src/core/clock.js'
import { createSessions } from '../../src/core/manager.js'
import { KeySet } from '../../src/jwt/key-set.js'
import type { TokenAlg } from '../../src/jwt/keys.js'
import type { VerifyPolicy } from '../../src/jwt/policy.js'
import { accessClaims, signAccessToken } from '../../src/jwt/sign.js'
import { createTokenMode } from '../../src/jwt/token-mode.js'
import { verifyFast } from '../../src/jwt/verify-fast.js'
import { verifyWithJose } from '../../src/jwt/verify-jose.js'
import { memoryStore } from '../../src/stores/memory/index.js'

const seconds = Number(process.argv[2] ?? 1)

async function measure(fn: () => unknown): Promise<number> {
  for (let i = 0; i < 200; i++) await fn() // warm-up
  const cpu0 = process.cpuUsage()
  let n = 0
  const end = performance.now() + seconds * 1000
  while (performance.now() < end) {
    for (let i = 0; i < 100; i++) await fn()
    n += 100
  }
  const cpu = process.cpuUsage(cpu0)
  return (cpu.user + cpu.system) / n // µs of CPU per verification
}

const rows: string[] = []
for (const alg of ['EdDSA', 'ES256', 'HS256'] as TokenAlg[]) {
  const clock = manualClock(Date.now())
  const keys = KeySet.generate(alg, { clock })
  const policy: VerifyPolicy = { keys, issuer: 'iss', audience: 'aud', leewaySec: 5 }
  const claims = accessClaims({
    issuer: 'iss',
    audience: 'aud',
    subject: 'u1',
    sessionHandle: 'h'.repeat(22),
    nowMs: clock.now(),
    ttlMs: 300_000,
  })
  const token = await signAccessToken(keys.signer, claims)
  const key = keys.signer.verifyKey
  const opts = {
    issuer: 'iss',
    audience: 'aud',
    typ: 'at+jwt',
    algorithms: [alg],
    clockTolerance: 5,
  }
  const sessions = createSessions({ store: memoryStore({ clock, quiet: true }), clock })
  const cached = createTokenMode({
    sessions,
    keys,
    issuer: 'iss',
    audience: 'aud',
    refreshSecret: 'k'.repeat(43),
    revocation: 'stateless+denylist',
  })
  const nocache = createTokenMode({
    sessions,
    keys,
    issuer: 'iss',
    audience: 'aud',
    refreshSecret: 'k'.repeat(43),
    revocation: 'stateless+denylist',
    verifiedCacheSize: 0,
  })
  // A server gets a new header string every request: copy it, so the cache pays for hashing it.
  const fresh = () => Buffer.from(token).toString('latin1')
  const results = {
    'jose jwtVerify': await measure(() => jwtVerify(token, key, opts)),
    'verifyWithJose (policy)': await measure(() => verifyWithJose(token, policy, clock.now())),
    verifyFast: await measure(() => verifyFast(token, policy, clock.now())),
    'copying the header string (overhead)': await measure(fresh),
    'authenticate, no cache': await measure(() => nocache.authenticate(fresh())),
    'authenticate, cache hit': await measure(() => cached.authenticate(fresh())),
  }
  const base = results['jose jwtVerify']
  for (const [name, us] of Object.entries(results))
    rows.push(
      `| ${alg} | ${name} | ${us.toFixed(1)} | ${Math.round(1e6 / us).toLocaleString('en')} | ${(base / us).toFixed(1)}× |`,
    )
}
console.log('| alg | verifier | CPU µs/verify | verifies/s/core | vs jose |')
console.log('|---|---|---:|---:|---:|')
for (const r of rows) console.log(r)
