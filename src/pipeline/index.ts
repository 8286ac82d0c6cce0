// The pipeline's public door: what a plugin author needs, and the trusted-proxy parser for
// configuration read from the environment. The pipeline itself is built by the adapters.
export { parseTrustProxy, type TrustProxy } from './client.js'
export type {
  HeaderList,
  Plugin,
  Rejection,
  RequestContext,
  RequestInput,
  RequestLocals,
} from './types.js'
