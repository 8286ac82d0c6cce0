// node:http with Tessera: npx tsx examples/node.ts (imports exactly as in your app)
import { createServer } from 'node:http'
import { nodeHandler } from 'tessera-session/node'
import { createSessions, memoryStore } from 'tessera-session'

const sessions = createSessions({ store: memoryStore() })

createServer(
  nodeHandler(sessions, (req, res) => {
    const visits = Number(req.session.get('visits') ?? 0) + 1
    req.session.set('visits', visits)
    res.end(`visit ${visits}\n`)
  }),
).listen(3000)
