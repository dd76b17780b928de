/**
 * One bulk request and what became of each item (its body: bulk-body.ts). A 200 answer may still carry failed items: each
 * is classified as indexed, retryable (429, 5xx) or rejected for good (mapping errors, ...).
 */
import type { Client } from '@elastic/elasticsearch';
import { errors } from '@elastic/elasticsearch';
import { ElasticsearchError } from '../../errors.js';
import { isRetryableStatus } from './retry.js';

export type ItemOutcome =
  | { kind: 'indexed' }
  | { kind: 'retry'; reason: string }
  | { kind: 'rejected'; reason: string };

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string; caused_by?: { reason?: string } };
}
interface BulkResponse {
  errors?: boolean;
  items?: Record<string, BulkItem>[];
}

function describe(item: BulkItem): string {
  const e = item.error;
  if (!e) return `HTTP ${item.status}`;
  return [e.type, e.reason, e.caused_by?.reason].filter(Boolean).join(': ');
}

/**
 * Sends a body; returns one outcome per item, in order. Throws an ElasticsearchError when the
 * request as a whole failed: its code says whether it may succeed later (errors.ts).
 */
export async function sendBulk(
  client: Client,
  tenant: string,
  body: Uint8Array,
  itemCount: number,
): Promise<ItemOutcome[]> {
  let response: BulkResponse;
  try {
    response = (await client.transport.request({
      method: 'POST',
      path: '/_bulk',
      bulkBody: Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      querystring: { filter_path: 'errors,items.*.status,items.*.error' },
    })) as BulkResponse;
  } catch (err) {
    if (err instanceof errors.ResponseError) {
      throw new ElasticsearchError(tenant, err.statusCode, err.message.slice(0, 500));
    }
    throw new ElasticsearchError(tenant, undefined, (err as Error).message);
  }
  const items = response.items ?? [];
  if (items.length !== itemCount) {
    throw new ElasticsearchError(
      tenant,
      undefined,
      `bulk answered ${items.length} items for ${itemCount} sent`,
    );
  }
  if (!response.errors) return items.map(() => ({ kind: 'indexed' }));
  return items.map((entry) => {
    const item = Object.values(entry)[0] ?? {};
    const status = item.status ?? 500;
    if (status < 300) return { kind: 'indexed' };
    if (isRetryableStatus(status)) return { kind: 'retry', reason: describe(item) };
    return { kind: 'rejected', reason: describe(item) };
  });
}
