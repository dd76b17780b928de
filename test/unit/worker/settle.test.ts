import { describe, expect, it } from 'vitest';
import {
  DEAD_LETTERED_HEADER,
  PACK_HEADER,
  packMessages,
  type SourceMessage,
} from '../../../src/fanout/pack.js';
import { flowLine } from '../../../src/gen/encode.js';
import { processBatch } from '../../../src/pipeline/process.js';
import { chunkMessages } from '../../../src/worker/batches.js';
import { decodeDeadLetters, settledStats } from '../../../src/worker/settle.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';
import { plainStages } from '../../fixtures/stages.js';

const stages = plainStages('');
const limits = { maxMessages: 1000, maxBytes: 1 << 20, maxMessageBytes: 1 << 20 };
/** Two messages of a good line and a bad one each (records 0 and 1). */
const mixed: SourceMessage[] = [0, 1].map((i) => ({
  value: Buffer.from(`${flowLine({ ...SAMPLE_FLOW, srcPort: 40_000 + i })}\nFLOW,bad`),
  offset: String(10 + i),
  timestamp: String(1_795_000_000_000 + i),
}));

/** The two messages as one pack of a tenant topic; the first one's bad record is named dead-lettered. */
function packed(deadLettered: boolean) {
  const p = packMessages(deadLettered ? [{ ...mixed[0]!, deadLettered: [1] }, mixed[1]!] : mixed);
  const headers = {
    [PACK_HEADER]: p.index,
    ...(p.deadLettered && { [DEAD_LETTERED_HEADER]: p.deadLettered }),
  };
  const [chunk] = chunkMessages('flows', 0, [{ value: p.value, offset: '0', timestamp: '0', headers }], {
    ...limits,
    packed: true,
  });
  return chunk!;
}

describe('settling a chunk', () => {
  it('dead-letters each undecodable record once, with its coordinates, and balances the counters', () => {
    const chunk = packed(false);
    const result = processBatch(chunk.batch, stages);
    const letters = decodeDeadLetters(chunk, result);
    expect(letters.map((l) => [l.offset, l.record, l.stage])).toEqual([
      ['10', 1, 'decode'],
      ['11', 1, 'decode'],
    ]);
    const stats = settledStats(chunk, result, { indexed: 2, rejected: [] });
    expect(stats).toMatchObject({ consumed: 4, indexed: 2, deadLettered: 2, deadLetteredDecode: 2 });
  });

  it('skips a record the segregator dead-lettered: neither a dead letter nor consumed here', () => {
    const chunk = packed(true);
    const result = processBatch(chunk.batch, stages);
    expect(result.failures).toHaveLength(2);
    const letters = decodeDeadLetters(chunk, result);
    expect(letters.map((l) => [l.offset, l.record])).toEqual([['11', 1]]);
    const stats = settledStats(chunk, result, { indexed: 2, rejected: [] });
    expect(stats).toMatchObject({
      consumed: 3,
      indexed: 2,
      filteredOut: 0,
      deadLettered: 1,
      deadLetteredDecode: 1,
    });
    expect(stats.consumed).toBe(stats.indexed + stats.filteredOut + stats.deadLettered);
  });
});
