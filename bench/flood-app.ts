// The reference app as the login-flood benchmark runs it: `app/main.ts`'s settings (read from
// the environment) plus FLOOD_USERS more demo users, `genuine-1` … `genuine-N`, so that each
// genuine sign-in of a phase is a different person, as on a real site. (The trusted lane lets
// one account jump the hash queue 10 times an hour, sign-ins that succeed included; a bench
// that signed one account in 90 times would measure that cap, not the queue.)
import { loadConfig } from '../app/config.js'
import { buildApp, startServer } from '../app/server.js'
import { genuineUsers } from './lib/flood-client.js'

const count = Number(process.env.FLOOD_USERS ?? '0')
if (!Number.isSafeInteger(count) || count < 0) throw new Error('FLOOD_USERS must be a count')
const config = loadConfig()
const app = await buildApp(config, { extraUsers: genuineUsers(count) })
const server = await startServer(app, config)
const address = server.address()
const port = typeof address === 'object' && address ? address.port : config.port
console.log(`Tessera Bank listening on http://${config.host}:${port}`)
