import { describe, expect, it } from 'vitest';
import { flowLine } from '../../../src/gen/encode.js';
import type { ConsumedMessage } from '../../../src/kafka/consumer.js';
import type { Processor } from '../../../src/pipeline/pool.js';
import { processBatch } from '../../../src/pipeline/process.js';
import { chunkMessages } from '../../../src/worker/batches.js';
import { processOneByOne } from '../../../src/worker/isolate.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';
import { plainStages } from '../../fixtures/stages.js';

const stages = plainStages('vlan = 42');

/** Processes inline, but dies on any batch holding the word POISON, as a bug in a stage would. */
const fragile: Processor = {
  process: async (batch) => {
    if (Buffer.from(batch.data).includes('POISON')) throw new Error('pool thread died');
    return processBatch(batch, stages);
  },
  utilization: () => 0,
  close: async () => {},
};

const message = (value: string, offset: number): ConsumedMessage => ({
  value: Buffer.from(value),
  offset: String(offset),
  timestamp: '1795000000000',
  headers: undefined,
});

describe('processOneByOne', () => {
  it('loses only the message that fails alone; the others are indexed or filtered as usual', async () => {
    const [chunk] = chunkMessages(
      't',
      0,
      [
        message(flowLine(SAMPLE_FLOW), 10),
        message('POISON', 11),
        message(flowLine({ ...SAMPLE_FLOW, inVlan: 7 }), 12),
        message(`${flowLine(SAMPLE_FLOW)}\n${flowLine(SAMPLE_FLOW)}`, 13),
      ],
      { maxMessages: 100, maxBytes: 1 << 20, maxMessageBytes: 1 << 20 },
    );
    await expect(fragile.process(chunk!.batch)).rejects.toThrow('pool thread died');
    const out = await processOneByOne(fragile, chunk!);
    expect(out).toMatchObject({ documents: 3, filtered: 1, records: 5 });
    expect(out.failures).toEqual([
      {
        message: 1,
        record: 0,
        reason: 'processing failed: pool thread died',
        stage: 'process',
        raw: undefined,
      },
    ]);
    // Items name the message's place in the chunk, as a chunk processed whole would.
    expect(Array.from(out.items)).toEqual([0, 0, 3, 0, 3, 1]);
    expect(new TextDecoder().decode(out.body).split('\n').filter(Boolean)).toHaveLength(6);
  });
});
