/**
 * smonnet's group consumer (src/kafka/consumer.ts) on the real broker: lag known from the join,
 * fetching paused while its owner holds a batch, and what it commits is where the group resumes.
 */
import { describe, expect, it, onTestFinished } from 'vitest';
import { type BatchHandler, GroupConsumer } from '../../src/kafka/consumer.js';
import { createLogger } from '../../src/observability/logger.js';
import { createTopic, testKafka, uniqueName, waitFor } from '../helpers.js';

const silent = createLogger({ level: 'silent' });

function consumer(
  kafka: ReturnType<typeof testKafka>,
  topic: string,
  groupId: string,
  onBatch: BatchHandler,
) {
  const group = new GroupConsumer(
    kafka.connection,
    {
      clientId: 'smonnet-test',
      groupId,
      topic,
      minBytes: 1,
      maxBytes: 1 << 20,
      maxBytesPerPartition: 1 << 18,
    },
    silent,
    onBatch,
  );
  onTestFinished(() => group.stop(5_000));
  return group;
}

describe('group consumer', () => {
  it('knows its lag from the join on, and resumes where it committed', async () => {
    const kafka = testKafka();
    const topic = await createTopic(kafka, 2);
    const values = Array.from({ length: 300 }, (_, i) => Buffer.from(`m${i}`));
    await kafka.produce(values.map((value, i) => ({ topic, value, partition: i % 2 })));
    const groupId = uniqueName('g');
    const seen: { partition: number; last: string; count: number }[] = [];
    const first = consumer(kafka, topic, groupId, (b) => {
      seen.push({ partition: b.partition, last: b.messages.at(-1)!.offset, count: b.messages.length });
    });
    await first.start();
    // Nothing committed yet: everything is lag, known before anything is settled.
    expect(await waitFor('lag known', async () => first.lag)).toBe(300);
    await waitFor('all fetched', async () =>
      seen.reduce((n, s) => n + s.count, 0) >= 300 ? true : undefined,
    );
    for (const p of [0, 1]) await first.commit(p, 150n);
    expect(first.lag).toBe(0);
    await first.stop(5_000);

    // A new member of the drained group: lag 0 at once, not "unknown" until something arrives.
    const again: number[] = [];
    const second = consumer(kafka, topic, groupId, (b) => {
      again.push(b.messages.length);
    });
    await second.start();
    expect(await waitFor('lag known', async () => second.lag)).toBe(0);
    await kafka.produce([{ topic, value: Buffer.from('late'), partition: 0 }]);
    await waitFor('the new record', async () => (again.length > 0 ? true : undefined));
    // It read only what came after the commit.
    expect(again).toEqual([1]);
  });

  it('fetches nothing more while its owner holds a batch, and goes on once released', async () => {
    const kafka = testKafka();
    const topic = await createTopic(kafka, 1);
    await kafka.produce(
      Array.from({ length: 50 }, (_, i) => ({ topic, value: Buffer.from(`a${i}`), partition: 0 })),
    );
    let release: () => void = () => {};
    const held = new Promise<void>((r) => {
      release = r;
    });
    const batches: number[] = [];
    const group = consumer(kafka, topic, uniqueName('g'), (b) => {
      batches.push(b.messages.length);
      return batches.length === 1 ? held : undefined;
    });
    await group.start();
    await waitFor('the first batch', async () => (batches.length > 0 ? true : undefined));
    await kafka.produce(
      Array.from({ length: 50 }, (_, i) => ({ topic, value: Buffer.from(`b${i}`), partition: 0 })),
    );
    // Held: the consumer learns of the 50 produced meanwhile (its next look at the end offsets)
    // but hands its owner nothing more: they wait at the broker or in the paused stream.
    await waitFor('the new records known as lag', async () => (group.lag === 100 ? true : undefined));
    expect(batches).toEqual([50]);
    release();
    await waitFor('the rest after release', async () =>
      batches.reduce((a, b) => a + b, 0) >= 100 ? true : undefined,
    );
  });
});
