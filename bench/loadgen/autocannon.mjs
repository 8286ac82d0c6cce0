// Load generator: autocannon (from bench/node_modules) in its own process. Warm-up, then the
// measured run; exact latency percentiles from every 2xx response's float latency (autocannon's
// own histogram rounds to 1 ms).
import autocannon from 'autocannon'
import { cpuNow, populationPicker, readConfig, report, Samples } from './common.mjs'

const config = readConfig()
const base = {
  url: config.url,
  method: config.method,
  headers: config.headers,
  body: config.body,
  connections: config.connections,
  pipelining: 1,
  timeout: 10,
  // autocannon checks its stop flag once per sample interval (default 1 s, which would round
  // every window up to whole seconds); 100 ms keeps windows within 0.1 s of the request.
  sampleInt: 100,
}
const pick = populationPicker(config)
if (pick) {
  // A credential (and its User-Agent) per request, not one per connection.
  base.requests = [
    {
      setupRequest: (req) => ({ ...req, headers: { ...config.headers, ...pick() } }),
    },
  ]
}

function run(ms, onResponse) {
  return new Promise((resolve, reject) => {
    const instance = autocannon({ ...base, duration: ms / 1000 }, (err, result) =>
      err ? reject(err) : resolve(result),
    )
    if (onResponse) instance.on('response', onResponse)
  })
}

if (config.warmupMs > 0) await run(config.warmupMs)
const latencies = new Samples()
let ok2xx = 0
let non2xx = 0
process.stdout.write('MEASURE_START\n')
const cpu0 = cpuNow()
const t0 = process.hrtime.bigint()
const result = await run(config.durationMs, (_client, status, _bytes, ms) => {
  if (status >= 200 && status < 300) {
    ok2xx++
    latencies.push(ms)
  } else non2xx++
})
const seconds = Number(process.hrtime.bigint() - t0) / 1e9
process.stdout.write('MEASURE_END\n')
report({
  ok2xx,
  non2xx,
  errors: result.errors,
  timeouts: result.timeouts,
  seconds,
  latencies,
  cpuUs: cpuNow() - cpu0,
})
