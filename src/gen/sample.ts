/** The sample traffic `smonnet gen` sends, as a library: tests, the benchmark and the demo use it too. */
import type { SflowRecord } from '../record.js';
import { type EncodedMessage, encodeMessages, type GenFormat } from './encode.js';
import { generateTraffic } from './traffic.js';

export interface GenSettings {
  format: GenFormat;
  count: number;
  seed: number;
  start: number;
  intervalMs: number;
  linesPerMessage: number;
  counterEvery: number;
  /** Every flow to this address; see TrafficOptions. */
  destination?: string | undefined;
}

function* take<T>(items: Iterable<T>, n: number): Generator<T> {
  if (n <= 0) {
    yield* items;
    return;
  }
  let i = 0;
  for (const item of items) {
    if (i++ >= n) return;
    yield item;
  }
}

/** The messages `gen` sends for these settings; tests call it to know what to expect. */
export function sampleMessages(s: GenSettings): Generator<EncodedMessage> {
  const records: Iterable<SflowRecord> = take(
    generateTraffic({
      seed: s.seed,
      startMs: s.start,
      intervalMs: s.intervalMs,
      counterEvery: s.counterEvery,
      destination: s.destination,
    }),
    s.count,
  );
  return encodeMessages(records, s.format, s.linesPerMessage);
}
