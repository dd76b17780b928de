/**
 * Proves the test harness: `smonnet gen` writes to the real broker, a consumer group
 * reads it back, and the real Elasticsearch returns exactly the documents bulk-indexed from it.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { sampleMessages } from '../../src/gen/sample.js';
import { createTopic, KAFKA_BROKERS, testElasticsearch, testKafka, uniqueName } from '../helpers.js';

const run = promisify(execFile);

describe('local services harness', () => {
  it('round-trips generated traffic through Kafka into Elasticsearch exactly', async () => {
    const kafka = testKafka();
    const topic = await createTopic(kafka, 3);
    const index = uniqueName('harness');
    const es = testElasticsearch(index);
    const settings = {
      format: 'mixed',
      count: 1500,
      seed: 42,
      start: Date.parse('2026-11-20T12:00:00Z'),
      intervalMs: 10,
      linesPerMessage: 3,
      counterEvery: 25,
    } as const;

    const { stderr } = await run(
      'npx',
      [
        'tsx',
        'src/cli/main.ts',
        'gen',
        '--brokers',
        KAFKA_BROKERS,
        '--topic',
        topic,
        '--format',
        settings.format,
        '--count',
        String(settings.count),
        '--seed',
        String(settings.seed),
        '--start',
        String(settings.start),
        '--interval-ms',
        String(settings.intervalMs),
        '--lines-per-message',
        String(settings.linesPerMessage),
        '--counter-every',
        String(settings.counterEvery),
      ],
      { env: { ...process.env, SMONNET_LOG_LEVEL: 'warn' } },
    );
    const expected = [...sampleMessages(settings)];
    expect(stderr).toContain(`wrote ${settings.count} records in ${expected.length} messages`);
    // All three formats share the topic: JSON objects, sflowtool lines (some carrying counters)
    // and binary protobuf.
    const text = expected.map((m) => m.value).filter((v): v is string => typeof v === 'string');
    expect(text.some((v) => v.startsWith('{'))).toBe(true);
    expect(text.some((v) => v.startsWith('FLOW,'))).toBe(true);
    expect(text.some((v) => v.includes('CNTR,'))).toBe(true);
    expect(text.length).toBeLessThan(expected.length);

    const messages = await kafka.read(topic, expected.length);
    const operations = messages.flatMap((m) => [
      { index: { _index: index, _id: `${m.partition}-${m.offset}` } },
      {
        key: m.key?.toString(),
        value: m.value?.toString('base64'),
        partition: m.partition,
        offset: Number(m.offset),
      },
    ]);
    // At least: a rebalance may hand a batch over twice; the documents below are keyed by offset.
    expect(messages.length).toBeGreaterThanOrEqual(expected.length);

    const bulk = await es.bulk({ operations, refresh: 'wait_for' });
    expect(bulk.errors).toBe(false);

    const hits = await es.search<{ key: string; value: string }>({
      index,
      size: 10_000,
      query: { match_all: {} },
    });
    expect(hits.hits.total).toEqual({ value: expected.length, relation: 'eq' });
    const stored = hits.hits.hits.map((h) => `${h._source?.key}|${h._source?.value}`).sort();
    const sent = expected.map((m) => `${m.key}|${Buffer.from(m.value).toString('base64')}`).sort();
    expect(stored).toEqual(sent);
  });
});
