/**
 * A table looked up by names that come from outside (config values, JSON fields): without a
 * prototype, so 'constructor' or '__proto__' find nothing instead of Object.prototype's members.
 */
export function lookupTable<V>(entries: Readonly<Record<string, V>>): Readonly<Record<string, V>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, V>, entries));
}
