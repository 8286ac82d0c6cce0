// Express 5 with Tessera: npx tsx examples/express.ts (imports exactly as in your app)
import express from 'express'
import { expressSessions } from 'tessera-session/express'
import { createSessions, memoryStore } from 'tessera-session'

const sessions = createSessions({ store: memoryStore() })
const app = express()
app.use(expressSessions(sessions))

app.get('/', (req, res) => {
  const visits = Number(req.session.get('visits') ?? 0) + 1
  req.session.set('visits', visits)
  res.send(`visit ${visits}\n`)
})
app.listen(3000)
