import { memoryAudit } from '../src/monitoring/audit/memory.js'
import { auditBackendSuite } from './monitoring/suite.js'

auditBackendSuite('memory', { open: async () => memoryAudit(), drop: async () => {} })
