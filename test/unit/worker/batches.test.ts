import { describe, expect, it } from 'vitest';
import { PACK_HEADER, packMessages, type SourceMessage } from '../../../src/fanout/pack.js';
import { flowLine } from '../../../src/gen/encode.js';
import type { ConsumedMessage } from '../../../src/kafka/consumer.js';
import { processBatch } from '../../../src/pipeline/process.js';
import { chunkMessages } from '../../../src/worker/batches.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';
import { plainStages } from '../../fixtures/stages.js';

const stages = plainStages('');
const limits = { maxMessages: 1000, maxBytes: 1 << 20, maxMessageBytes: 1 << 20 };
const source: SourceMessage[] = Array.from({ length: 6 }, (_, i) => ({
  value: Buffer.from(flowLine({ ...SAMPLE_FLOW, srcPort: 40_000 + i })),
  offset: String(100 + 3 * i),
  timestamp: String(1_795_000_000_000 + i),
}));
const asConsumed = (
  m: SourceMessage,
  offset: string,
  headers?: ConsumedMessage['headers'],
): ConsumedMessage => ({
  ...m,
  offset,
  headers,
});
/** A tenant topic holding the six source messages in packs of 2, 3 and 1, at offsets 0, 1, 2. */
const packed = [source.slice(0, 2), source.slice(2, 5), source.slice(5)].map((p, i) => {
  const { value, index } = packMessages(p);
  return asConsumed({ value, offset: '', timestamp: p.at(-1)!.timestamp }, String(i), {
    [PACK_HEADER]: index,
  });
});
const ids = (body: Uint8Array) =>
  [...new TextDecoder().decode(body).matchAll(/"_id":"([^"]+)"/g)].map((m) => m[1]);

describe('chunks of consumed messages', () => {
  it('unpack a tenant topic into the source messages: same documents, same ids as direct mode', () => {
    const direct = chunkMessages(
      'flows',
      2,
      source.map((m) => asConsumed(m, m.offset)),
      limits,
    );
    const fanout = chunkMessages('flows', 2, packed, { ...limits, packed: true });
    expect(fanout).toHaveLength(1);
    expect(fanout[0]!.messages.map((m) => m.offset)).toEqual(source.map((m) => m.offset));
    expect(fanout[0]!.last).toBe('2');
    expect(direct[0]!.last).toBe('115');
    const a = processBatch(direct[0]!.batch, stages);
    const b = processBatch(fanout[0]!.batch, stages);
    expect(a.documents).toBe(6);
    expect(ids(b.body)).toEqual(ids(a.body));
    expect(Buffer.from(b.body).equals(Buffer.from(a.body))).toBe(true);
  });

  it('never split a pack, and commit each chunk past its last pack', () => {
    const chunks = chunkMessages('flows', 2, packed, { ...limits, packed: true, maxMessages: 3 });
    expect(chunks.map((c) => [c.messages.length, c.last])).toEqual([
      [2, '0'],
      [3, '1'],
      [1, '2'],
    ]);
  });

  it('dead-letter a message that is no pack, with the reason, and read the others', () => {
    const stray = asConsumed(source[0]!, '3');
    const old = asConsumed(source[1]!, '4', { 'smonnet-source-offset': Buffer.from('103') });
    const [chunk] = chunkMessages('flows', 2, [...packed, stray, old], { ...limits, packed: true });
    expect(chunk!.unread).toEqual([
      {
        index: 6,
        stage: 'pack',
        reason: 'message at offset 3 of a tenant topic carries no smonnet-pack index',
      },
    ]);
    expect(chunk!.kept).toEqual([0, 1, 2, 3, 4, 5, 7]);
    expect(chunk!.messages[7]!.offset).toBe('103');
    expect(chunk!.last).toBe('4');
  });

  it('dead-letter a message over the size limit without decoding it', () => {
    const [chunk] = chunkMessages('flows', 2, packed, { ...limits, packed: true, maxMessageBytes: 10 });
    expect(chunk!.kept).toEqual([]);
    expect(chunk!.unread.map((u) => u.stage)).toEqual(Array(6).fill('size'));
  });
});
