/**
 * Sets an own, enumerable property even for keys such as `__proto__`, which plain assignment
 * would turn into a prototype change. Session data keys come from applications and stores,
 * so they are treated as untrusted.
 *
 * @example
 * setOwn(data, '__proto__', 1) // data has an own key "__proto__"; its prototype is unchanged
 */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, {
    value,
    enumerable: true,
    writable: true,
    configurable: true,
  })
}
