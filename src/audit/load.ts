import { readFileSync } from 'node:fs'
import { extname } from 'node:path'
import { TesseraError } from '../core/errors.js'
import { lazyOptional } from '../internal/optional.js'
import { parseTarget, type Target } from './target.js'

// YAML is a convenience for people writing targets by hand; the parser is an optional peer so
// the library itself gains no dependency (JSON targets need nothing).
const yaml = lazyOptional<typeof import('yaml')>(
  'yaml',
  'a YAML audit target (or write it as JSON)',
)

/**
 * Reads and validates a target file: `.json` as JSON, `.yaml`/`.yml` as YAML.
 *
 * @example
 * const target = loadTarget('examples/audit/tessera-bank.yaml')
 */
export function loadTarget(file: string): Target {
  let source: string
  try {
    source = readFileSync(file, 'utf8')
  } catch (error) {
    throw new TesseraError(
      'ERR_CONFIG',
      `audit target: cannot read ${file}: ${(error as Error).message}`,
    )
  }
  return parseTarget(parseText(source, file))
}

/**
 * Parses target text by the file's extension (JSON when it has none).
 *
 * @example
 * parseText('{"name":"x"}', 'target.json')
 */
export function parseText(source: string, file: string): unknown {
  const ext = extname(file).toLowerCase()
  try {
    if (ext === '.yaml' || ext === '.yml') return yaml().parse(source, { uniqueKeys: true })
    return JSON.parse(source)
  } catch (error) {
    if (error instanceof TesseraError) throw error
    throw new TesseraError(
      'ERR_CONFIG',
      `audit target: ${file} is not valid ${ext === '.json' || ext === '' ? 'JSON' : 'YAML'}: ${(error as Error).message.split('\n')[0]}`,
    )
  }
}
