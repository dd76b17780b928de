/**
 * retention_days: a tenant's daily indices older than N days are deleted, at start and once a day.
 * An index is the tenant's only when its whole name is `<prefix>-YYYY.MM.DD` or
 * `<prefix>-counters-YYYY.MM.DD`: a tenant whose prefix extends this one (`lab` and `lab-x`) has
 * names that do not parse, so its indices are never touched. Today and the N days before are kept.
 */
import type { Client } from '@elastic/elasticsearch';
import { literal } from '../../util/regexp.js';

const DAY_MS = 86_400_000;

/** The day (ms, UTC midnight) an index of this prefix is for, or undefined when it is not one. */
export function indexDay(prefix: string, index: string): number | undefined {
  const m = new RegExp(`^${literal(prefix)}-(?:counters-)?(\\d{4})\\.(\\d{2})\\.(\\d{2})$`).exec(index);
  if (!m) return undefined;
  const day = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  // 2026.02.31 is not a day.
  return new Date(day).getUTCDate() === Number(m[3]) ? day : undefined;
}

/** Of `indices`, those of `prefix` whose day is more than `days` days before today (UTC). */
export function expiredIndices(
  indices: readonly string[],
  prefix: string,
  days: number,
  nowMs: number,
): string[] {
  const oldestKept = Math.floor(nowMs / DAY_MS) * DAY_MS - days * DAY_MS;
  return indices.filter((index) => {
    const day = indexDay(prefix, index);
    return day !== undefined && day < oldestKept;
  });
}

/** Deletes the expired indices of `prefix` on `client`; returns their names. */
export async function applyRetention(
  client: Client,
  prefix: string,
  days: number,
  nowMs = Date.now(),
): Promise<string[]> {
  const found = await client.cat.indices({
    index: `${prefix}-*`,
    expand_wildcards: ['open', 'closed'],
    format: 'json',
    h: 'index',
  });
  const names = found.map((row) => row.index).filter((name): name is string => name !== undefined);
  const expired = expiredIndices(names, prefix, days, nowMs);
  // One request per index: a name list cannot be mistaken for a pattern, even where
  // action.destructive_requires_name is off.
  for (const index of expired) await client.indices.delete({ index });
  return expired;
}
