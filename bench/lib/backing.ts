/**
 * Numbers in a report that no value of the run's result backs: each number printed (outside
 * code blocks) must be a number of the result rounded to the printed decimals, or appear in one
 * of the result's strings (a label, a version, a date). An empty list means every number the
 * report states came from the run.
 *
 * @example
 * unbackedNumbers(renderMarkdown(result), result) // []
 */
export function unbackedNumbers(markdown: string, data: unknown): string[] {
  const numbers: number[] = []
  const strings: string[] = []
  const walk = (v: unknown): void => {
    if (typeof v === 'number') numbers.push(v)
    else if (typeof v === 'string') strings.push(v)
    else if (Array.isArray(v)) for (const x of v) walk(x)
    else if (v && typeof v === 'object')
      for (const [k, x] of Object.entries(v)) {
        walk(k)
        walk(x)
      }
  }
  walk(data)
  const text = markdown.replace(/```[\s\S]*?```/g, '')
  const out: string[] = []
  for (const m of text.matchAll(/(?<![\w.])-?\d[\d,]*(?:\.\d+)*/g)) {
    const token = m[0]
    if (!backed(token, numbers, strings)) out.push(token)
  }
  return out
}

function backed(token: string, numbers: readonly number[], strings: readonly string[]): boolean {
  if (strings.some((s) => s.includes(token))) return true
  const plain = token.replace(/,/g, '')
  if ((plain.match(/\./g) ?? []).length > 1) return false
  const value = Number(plain)
  const decimals = plain.includes('.') ? plain.length - plain.indexOf('.') - 1 : 0
  const half = 0.5 * 10 ** -decimals + 1e-9
  return numbers.some((n) => Math.abs(n - value) <= half)
}
