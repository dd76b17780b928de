/**
 * When a chunk fails as a whole (a bug in a stage, a pool thread that died), it is processed again
 * message by message: the messages that still fail alone become dead letters with the error, the
 * others go on as usual. No chunk can then stop its partition by failing over and over.
 */

import type { Processor } from '../pipeline/pool.js';
import { type BatchResult, type DecodeFailure, packBatch } from '../pipeline/process.js';
import type { Chunk } from './batches.js';

/** Bulk bodies one after the other. */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** The chunk's kept messages, each processed alone, as one result over the whole chunk. */
export async function processOneByOne(processor: Processor, chunk: Chunk): Promise<BatchResult> {
  const { topic, partition } = chunk.batch;
  const bodies: Uint8Array[] = [];
  const items: number[] = [];
  const failures: DecodeFailure[] = [];
  let documents = 0;
  let records = 0;
  let filtered = 0;
  let timesReplaced = 0;
  for (let packed = 0; packed < chunk.kept.length; packed++) {
    const m = chunk.messages[chunk.kept[packed]!]!;
    const one = packBatch(topic, partition, [
      { value: m.value, offset: Number(m.offset), timestamp: Number(m.timestamp) },
    ]);
    let result: BatchResult;
    try {
      result = await processor.process(one);
    } catch (err) {
      records++;
      failures.push({
        message: packed,
        record: 0,
        reason: `processing failed: ${(err as Error).message}`,
        stage: 'process',
        raw: undefined,
      });
      continue;
    }
    bodies.push(result.body);
    for (let i = 1; i < result.items.length; i += 2) items.push(packed, result.items[i]!);
    for (const f of result.failures) failures.push({ ...f, message: packed });
    documents += result.documents;
    records += result.records;
    filtered += result.filtered;
    timesReplaced += result.timesReplaced;
  }
  return {
    body: concat(bodies),
    items: Uint32Array.from(items),
    documents,
    records,
    filtered,
    failures,
    timesReplaced,
  };
}

/** The chunk's result; if its processing failed as a whole, `onFailure` hears why and each message goes alone. */
export async function resultOf(
  processing: Promise<BatchResult>,
  processor: Processor,
  chunk: Chunk,
  onFailure: (err: unknown) => void,
): Promise<BatchResult> {
  try {
    return await processing;
  } catch (err) {
    onFailure(err);
    return processOneByOne(processor, chunk);
  }
}
