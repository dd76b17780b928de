/**
 * Gets one processed batch into Elasticsearch: retries what may succeed later (with backoff and
 * jitter, for as long as it takes), dead-letters what never will, and reports when every item is
 * settled, so the caller can commit. `halted` ends a wait with nothing settled (the batch
 * stays uncommitted). Nothing waits for it in the consumer's batch handler, so waiting needs no
 * heartbeats.
 */
import type { Client } from '@elastic/elasticsearch';
import { catalogued, DeliveryAborted } from '../../errors.js';
import type { RateLimitedLog } from '../../observability/rate-limited.js';
import { jitteredDelay, SERVICE_BACKOFF, sleep } from '../../util/backoff.js';
import { type ItemOutcome, sendBulk } from './bulk.js';
import { itemRanges, subsetBody } from './bulk-body.js';

export interface Delivery {
  readonly indexed: number;
  /** Bulk item numbers Elasticsearch refused for good, with why. */
  readonly rejected: ReadonlyArray<{ readonly item: number; readonly reason: string }>;
}

export interface DeliveryContext {
  readonly client: Client;
  readonly tenant: string;
  readonly warn: RateLimitedLog;
  halted(): boolean;
  /** Called after each bulk request with its duration, item count and body size. */
  onBulk?(ms: number, items: number, bytes: number): void;
  /** Called when Elasticsearch could not be reached or answered 429/5xx for a whole request. */
  onUnavailable?(): void;
}

async function pause(ctx: DeliveryContext, ms: number): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (ctx.halted()) throw new DeliveryAborted();
    await sleep(Math.min(500, until - Date.now()));
  }
}

export async function deliver(ctx: DeliveryContext, body: Uint8Array, itemCount: number): Promise<Delivery> {
  if (itemCount === 0) return { indexed: 0, rejected: [] };
  // Item boundaries are needed only to resend part of a body: find them only then.
  let cachedRanges: Array<readonly [number, number]> | undefined;
  const ranges = (): Array<readonly [number, number]> => {
    cachedRanges ??= itemRanges(body);
    return cachedRanges;
  };
  let pending = Array.from({ length: itemCount }, (_, i) => i);
  let current = body;
  let indexed = 0;
  const rejected: Array<{ item: number; reason: string }> = [];
  for (let attempt = 0; pending.length > 0; ) {
    if (ctx.halted()) throw new DeliveryAborted();
    let outcomes: ItemOutcome[];
    const started = Date.now();
    try {
      outcomes = await sendBulk(ctx.client, ctx.tenant, current, pending.length);
      ctx.onBulk?.(Date.now() - started, pending.length, current.byteLength);
    } catch (thrown) {
      const err = catalogued(thrown);
      if (err.code === 'ES_TOO_LARGE' && pending.length > 1) {
        // Too large as one request: halve it; each half gets its own outcome.
        const half = Math.ceil(pending.length / 2);
        const first = await deliver(ctx, subsetBody(body, ranges(), pending.slice(0, half)), half);
        const second = await deliver(
          ctx,
          subsetBody(body, ranges(), pending.slice(half)),
          pending.length - half,
        );
        const map = (d: Delivery, from: number) =>
          d.rejected.map((r) => ({ item: pending[from + r.item]!, reason: r.reason }));
        return {
          indexed: indexed + first.indexed + second.indexed,
          rejected: [...rejected, ...map(first, 0), ...map(second, half)],
        };
      }
      // A bug is the caller's to handle, not a reason to dead-letter the items.
      if (err.code === 'INTERNAL') throw thrown;
      if (!err.canRetry) {
        for (const item of pending) rejected.push({ item, reason: err.message });
        return { indexed, rejected };
      }
      ctx.onUnavailable?.();
      const delay = jitteredDelay(attempt++, SERVICE_BACKOFF);
      ctx.warn.warn('es-unavailable', { retryInMs: delay, items: pending.length }, err.message);
      await pause(ctx, delay);
      continue;
    }
    const retry: number[] = [];
    outcomes.forEach((o, i) => {
      const item = pending[i]!;
      if (o.kind === 'indexed') indexed++;
      else if (o.kind === 'rejected') rejected.push({ item, reason: o.reason });
      else retry.push(item);
    });
    if (retry.length === 0) break;
    const delay = jitteredDelay(attempt++, SERVICE_BACKOFF);
    ctx.warn.warn(
      'es-item-retry',
      { items: retry.length, retryInMs: delay },
      'Elasticsearch asked to retry some items',
    );
    pending = retry;
    current = subsetBody(body, ranges(), pending);
    await pause(ctx, delay);
  }
  return { indexed, rejected };
}
