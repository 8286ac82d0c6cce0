// Fallback load generator with no dependency beyond Node: N keep-alive connections, each a
// closed loop of one request at a time. It costs more client CPU per request than autocannon,
// so its numbers are for the smoke test and for machines without bench/node_modules.
import { Agent, request } from 'node:http'
import { cpuNow, populationPicker, readConfig, report, Samples } from './common.mjs'

const config = readConfig()
const url = new URL(config.url)
const agent = new Agent({ keepAlive: true, maxSockets: config.connections })
const options = {
  agent,
  host: url.hostname,
  port: url.port,
  path: url.pathname + url.search,
  method: config.method,
  headers: config.body
    ? { ...config.headers, 'content-length': Buffer.byteLength(config.body) }
    : config.headers,
}

const pick = populationPicker(config)

function once() {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint()
    const opts = pick ? { ...options, headers: { ...options.headers, ...pick() } } : options
    const req = request(opts, (res) => {
      res.on('data', () => {})
      res.on('end', () => resolve({ status: res.statusCode ?? 0, start }))
      res.on('error', () => resolve({ status: -1, start }))
    })
    req.setTimeout(10_000, () => req.destroy(new Error('timeout')))
    req.on('error', (e) => resolve({ status: e.message === 'timeout' ? -2 : -1, start }))
    req.end(config.body)
  })
}

async function phase(ms, stats) {
  const until = Date.now() + ms
  const loop = async () => {
    while (Date.now() < until) {
      const { status, start } = await once()
      if (!stats) continue
      if (status >= 200 && status < 300) {
        stats.ok2xx++
        stats.latencies.push(Number(process.hrtime.bigint() - start) / 1e6)
      } else if (status === -1) stats.errors++
      else if (status === -2) stats.timeouts++
      else stats.non2xx++
    }
  }
  await Promise.all(Array.from({ length: config.connections }, loop))
}

if (config.warmupMs > 0) await phase(config.warmupMs, null)
const stats = { ok2xx: 0, non2xx: 0, errors: 0, timeouts: 0, latencies: new Samples() }
process.stdout.write('MEASURE_START\n')
const cpu0 = cpuNow()
const t0 = process.hrtime.bigint()
await phase(config.durationMs, stats)
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
process.stdout.write('MEASURE_END\n')
report({ ...stats, seconds, cpuUs: cpuNow() - cpu0 })
agent.destroy()
