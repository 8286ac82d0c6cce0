/**
 * Stable error codes. Callers `switch` on `error.code`; messages are for humans and never
 * contain tokens, cookie values or secrets.
 */
export type TesseraErrorCode =
  | 'ERR_CONFIG'
  | 'ERR_STORE_UNAVAILABLE'
  | 'ERR_SESSION_LIMIT'
  | 'ERR_SESSION_DESTROYED'
  | 'ERR_SESSION_ENDED'
  | 'ERR_SESSION_CONFLICT'
  | 'ERR_CSRF'
  | 'ERR_REAUTH_REQUIRED'
  | 'ERR_UNAUTHENTICATED'
  | 'ERR_TOO_MANY_REQUESTS'
  | 'ERR_TOKEN_INVALID'
  | 'ERR_TOKEN_REUSED'
  | 'ERR_BAD_REQUEST'
  | 'ERR_INVALID_VALUE'

/**
 * The one error class Tessera throws. Misconfiguration throws it at start-up (`ERR_CONFIG`);
 * at request time only infrastructure failures and explicit refusals do.
 *
 * @example
 * try { await sessions.load(input) } catch (e) {
 *   if (e instanceof TesseraError && e.code === 'ERR_STORE_UNAVAILABLE') return reply(503)
 * }
 */
export class TesseraError extends Error {
  /** Stable machine-readable code. */
  readonly code: TesseraErrorCode
  /** The HTTP status an adapter should answer with. */
  readonly status: number

  constructor(
    code: TesseraErrorCode,
    message: string,
    options?: { cause?: unknown; status?: number },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause })
    this.name = 'TesseraError'
    this.code = code
    this.status = options?.status ?? defaultStatus[code]
  }
}

const defaultStatus: Record<TesseraErrorCode, number> = {
  ERR_CONFIG: 500,
  ERR_STORE_UNAVAILABLE: 503,
  ERR_SESSION_LIMIT: 409,
  ERR_SESSION_DESTROYED: 409,
  ERR_SESSION_ENDED: 401,
  ERR_SESSION_CONFLICT: 409,
  ERR_CSRF: 403,
  ERR_REAUTH_REQUIRED: 401,
  ERR_UNAUTHENTICATED: 401,
  ERR_TOO_MANY_REQUESTS: 429,
  ERR_TOKEN_INVALID: 401,
  ERR_TOKEN_REUSED: 401,
  ERR_BAD_REQUEST: 400,
  ERR_INVALID_VALUE: 500,
}

/**
 * Throws an `ERR_CONFIG` error when `condition` is false. Used for start-up validation.
 *
 * @example
 * configAssert(secret.length >= 32, 'secret must be at least 32 bytes; run `npx tessera-session keygen`')
 */
export function configAssert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new TesseraError('ERR_CONFIG', `Tessera configuration: ${message}`)
}

/**
 * Wraps a driver failure as `ERR_STORE_UNAVAILABLE`, keeping the cause for operators.
 *
 * @example
 * try { await client.get(key) } catch (e) { throw storeUnavailable(e) }
 */
export function storeUnavailable(cause: unknown): TesseraError {
  if (cause instanceof TesseraError) return cause
  return new TesseraError('ERR_STORE_UNAVAILABLE', 'session store unavailable', { cause })
}
