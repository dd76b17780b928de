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
  const parts: BatchResult[] = [];
  for (const index of chunk.kept) {
    const m = chunk.messages[index]!;
    const one = packBatch(topic, partition, [
      { value: m.value, offset: Number(m.offset), timestamp: Number(m.timestamp) },
    ]);
    parts.push(await processor.process(one).catch((err: Error) => failedAlone(err)));
  }
  // Each part is message 0 of its own batch: message `packed` of the chunk.
  const sum = (of: (r: BatchResult) => number) => parts.reduce((n, r) => n + of(r), 0);
  return {
    body: concat(parts.map((r) => r.body)),
    items: Uint32Array.from(
      parts.flatMap((r, packed) => Array.from(r.items, (v, i) => (i % 2 === 0 ? packed : v))),
    ),
    documents: sum((r) => r.documents),
    records: sum((r) => r.records),
    filtered: sum((r) => r.filtered),
    failures: parts.flatMap((r, packed) => r.failures.map((f) => ({ ...f, message: packed }))),
    timesReplaced: sum((r) => r.timesReplaced),
    alerts: parts.flatMap((r) => r.alerts),
  };
}

/** A message that fails even alone: one record, dead-lettered with the error. */
function failedAlone(err: Error): BatchResult {
  const failure: DecodeFailure = {
    message: 0,
    record: 0,
    reason: `processing failed: ${err.message}`,
    stage: 'process',
    raw: undefined,
  };
  return {
    body: new Uint8Array(0),
    items: new Uint32Array(0),
    documents: 0,
    alerts: [],
    records: 1,
    filtered: 0,
    failures: [failure],
    timesReplaced: 0,
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
