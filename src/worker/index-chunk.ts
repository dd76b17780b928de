/**
 * The effects of settling one processed chunk, in order: index its documents, dead-letter what did
 * not decode and what Elasticsearch refused, then count. Returns only when every record is settled.
 */
import type { RateLimitedLog } from '../observability/rate-limited.js';
import type { TenantStats } from '../observability/stats.js';
import type { BatchResult } from '../pipeline/process.js';
import type { DeadLetterSink } from '../sink/dead-letter.js';
import type { ElasticsearchSink } from '../sink/elasticsearch/sink.js';
import type { Chunk } from './batches.js';
import { decodeDeadLetters, rejectedDeadLetters, settledStats } from './settle.js';

export interface ChunkSinks {
  readonly sink: ElasticsearchSink;
  readonly deadLetters: DeadLetterSink;
  readonly warn: RateLimitedLog;
  readonly stats: TenantStats;
}

export async function indexChunk(
  s: ChunkSinks,
  chunk: Chunk,
  result: BatchResult,
  halted: () => boolean,
): Promise<void> {
  const { topic, partition } = chunk.batch;
  const undecodable = decodeDeadLetters(chunk, result);
  for (const l of undecodable.slice(chunk.unread.length))
    s.warn.warn('bad-record', { topic, partition, offset: l.offset, record: l.record }, l.reason);
  const delivery = await s.sink.deliver(result.body, result.documents, halted);
  const refused = rejectedDeadLetters(chunk, result, delivery);
  for (const l of refused)
    s.warn.warn('es-rejected', { topic, partition, offset: l.offset, record: l.record }, l.reason);
  await s.deadLetters.sendUntilDone([...undecodable, ...refused], halted, s.warn);
  const delta = settledStats(chunk, result, delivery);
  for (const key of Object.keys(delta) as (keyof typeof delta)[]) s.stats[key] += delta[key];
}
