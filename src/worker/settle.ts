/**
 * What a settled chunk amounts to, as data: the dead letters it gives (over-sized messages,
 * undecodable records, documents Elasticsearch refused) and what it adds to the worker's counters.
 */

import type { TenantStats } from '../observability/stats.js';
import type { BatchResult, DecodeFailure } from '../pipeline/process.js';
import type { DeadLetter } from '../sink/dead-letter.js';
import type { Delivery } from '../sink/elasticsearch/deliver.js';
import type { Chunk } from './batches.js';

/**
 * In fan-out mode, a record the segregator could not decode was dead-lettered there, and the pack
 * says so: it is the segregator's record, neither dead-lettered nor counted again here.
 */
function deadLetteredUpstream(chunk: Chunk, f: DecodeFailure): boolean {
  if (f.stage !== 'decode') return false;
  return chunk.messages[chunk.kept[f.message]!]!.deadLettered?.includes(f.record) === true;
}

/** Dead letters found before delivery: messages not read (too large, a bad pack) and records that did not decode. */
export function decodeDeadLetters(chunk: Chunk, result: BatchResult): DeadLetter[] {
  const { topic, partition } = chunk.batch;
  const letters: DeadLetter[] = [];
  for (const u of chunk.unread) {
    const m = chunk.messages[u.index]!;
    letters.push({
      value: m.value ?? Buffer.alloc(0),
      reason: u.reason,
      stage: u.stage,
      topic,
      partition,
      offset: m.offset,
      record: 0,
    });
  }
  for (const f of result.failures) {
    if (deadLetteredUpstream(chunk, f)) continue;
    const m = chunk.messages[chunk.kept[f.message]!]!;
    letters.push({
      value: f.raw !== undefined ? Buffer.from(f.raw) : (m.value ?? Buffer.alloc(0)),
      reason: f.reason,
      stage: f.stage,
      topic,
      partition,
      offset: m.offset,
      record: f.record,
    });
  }
  return letters;
}

/** Dead letters for the documents Elasticsearch refused for good: each carries its whole message. */
export function rejectedDeadLetters(chunk: Chunk, result: BatchResult, delivery: Delivery): DeadLetter[] {
  const { topic, partition } = chunk.batch;
  return delivery.rejected.map((r) => {
    const m = chunk.messages[chunk.kept[result.items[2 * r.item]!]!]!;
    return {
      value: m.value ?? Buffer.alloc(0),
      reason: r.reason,
      stage: 'index',
      topic,
      partition,
      offset: m.offset,
      record: result.items[2 * r.item + 1]!,
    };
  });
}

/** What a settled chunk adds to the counters; every record consumed lands in exactly one outcome. */
export function settledStats(
  chunk: Chunk,
  result: BatchResult,
  delivery: Delivery,
): Pick<
  TenantStats,
  | 'consumed'
  | 'indexed'
  | 'filteredOut'
  | 'deadLettered'
  | 'deadLetteredOversized'
  | 'deadLetteredDecode'
  | 'deadLetteredRejected'
  | 'timesReplaced'
> {
  const unread = chunk.unread.length;
  const oversized = chunk.unread.filter((u) => u.stage === 'size').length;
  const upstream = result.failures.filter((f) => deadLetteredUpstream(chunk, f)).length;
  const decode = result.failures.length - upstream;
  const rejected = delivery.rejected.length;
  return {
    consumed: result.records - upstream + unread,
    indexed: delivery.indexed,
    filteredOut: result.filtered,
    deadLettered: unread + decode + rejected,
    deadLetteredOversized: oversized,
    deadLetteredDecode: decode,
    deadLetteredRejected: rejected,
    timesReplaced: result.timesReplaced,
  };
}
