import { memoryAudit } from '../../src/monitoring/audit/memory.js'
import { auditBackendSuite } from './suite.js'

auditBackendSuite('memory', { open: async () => memoryAudit(), drop: async () => {} })
