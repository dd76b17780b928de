import { describe, expect, it } from 'vitest';
import { packMessages, packsOf, type SourceMessage, unpackMessages } from '../../../src/fanout/pack.js';

const source = (
  offset: number,
  value: string | null,
  timestamp = 1_795_000_000_000 + offset,
): SourceMessage => ({
  value: value === null ? null : Buffer.from(value),
  offset: String(offset),
  timestamp: String(timestamp),
});

describe('packs of source messages', () => {
  it('give back each message with its offset, timestamp and bytes', () => {
    // Gaps in offsets (compaction, transaction markers), timestamps out of order or absent (-1).
    const messages = [
      source(7, 'FLOW,a'),
      source(8, '{"b":1}', 1_600_000_000_000),
      source(12, null),
      source(2 ** 40, 'x'.repeat(70_000), -1),
    ];
    const { value, index } = packMessages(messages);
    expect(value.toString()).toBe(`FLOW,a{"b":1}${'x'.repeat(70_000)}`);
    expect(index.length).toBe(5 + 20 * 4);
    const back = unpackMessages(value, index);
    expect(back).toEqual([
      { ...messages[0], value: Buffer.from('FLOW,a') },
      messages[1],
      { ...messages[2], value: Buffer.alloc(0) },
      messages[3],
    ]);
  });

  it('refuse an index that does not describe exactly the value', () => {
    const { value, index } = packMessages([source(1, 'abc'), source(2, 'de')]);
    expect(unpackMessages(value, Buffer.from([2, ...index.subarray(1)]))).toMatch(/unknown version/);
    expect(unpackMessages(value, index.subarray(0, index.length - 1))).toMatch(/cannot describe 2 messages/);
    expect(unpackMessages(value.subarray(0, 4), index)).toMatch(/more than its 4 bytes/);
    expect(unpackMessages(Buffer.concat([value, Buffer.from('!')]), index)).toMatch(
      /describes 5 of its 6 bytes/,
    );
  });

  it('name the records the segregator dead-lettered, per message, and nothing when there are none', () => {
    const messages = [source(1, 'a'), { ...source(2, 'b'), deadLettered: [1, 4] }, source(3, 'c')];
    const { value, index, deadLettered } = packMessages(messages);
    expect(deadLettered?.length).toBe(16);
    const back = unpackMessages(value, index, deadLettered) as SourceMessage[];
    expect(back.map((m) => m.deadLettered)).toEqual([undefined, [1, 4], undefined]);
    expect(packMessages([source(1, 'a')]).deadLettered).toBeUndefined();
    expect(unpackMessages(value, index, deadLettered!.subarray(0, 7))).toMatch(/not pairs of u32/);
    const beyond = Buffer.alloc(8);
    beyond.writeUInt32LE(3, 0);
    expect(unpackMessages(value, index, beyond)).toMatch(/names message 3 of a pack of 3/);
  });

  it('are cut by count and bytes, a message over the limit alone', () => {
    const messages = [10, 10, 10, 50, 10].map((n, i) => source(i, 'y'.repeat(n)));
    const sizes = (packs: SourceMessage[][]) => packs.map((p) => p.map((m) => m.value!.length));
    expect(sizes(packsOf(messages, { maxMessages: 2, maxBytes: 100 }))).toEqual([[10, 10], [10, 50], [10]]);
    expect(sizes(packsOf(messages, { maxMessages: 10, maxBytes: 25 }))).toEqual([[10, 10], [10], [50], [10]]);
    expect(packsOf([], { maxMessages: 2, maxBytes: 100 })).toEqual([]);
  });
});
