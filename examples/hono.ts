// Hono 4 with Tessera: npx tsx examples/hono.ts (imports exactly as in your app)
import { serve } from '@hono/node-server'
import { getConnInfo } from '@hono/node-server/conninfo'
import { Hono } from 'hono'
import { honoSessions } from 'tessera-session/hono'
import { createSessions, memoryStore } from 'tessera-session'

const sessions = createSessions({ store: memoryStore() })
const app = new Hono()
app.use(honoSessions(sessions, { getConnInfo }))

app.get('/', (c) => {
  const visits = Number(c.get('session').get('visits') ?? 0) + 1
  c.get('session').set('visits', visits)
  return c.text(`visit ${visits}\n`)
})
// On Bun, Deno or Workers, export `app` (and pass that runtime's getConnInfo) instead.
serve({ fetch: app.fetch, port: 3000 })
