export { type Begun, createPipeline, Pipeline, rejectionBody, toRejection } from './pipeline.js'
export {
  clientInfo,
  isTrustedProxy,
  normalizeIp,
  parseTrustProxy,
  type TrustProxy,
} from './client.js'
export type {
  HeaderList,
  Plugin,
  Rejection,
  RequestContext,
  RequestInput,
  RequestLocals,
} from './types.js'
