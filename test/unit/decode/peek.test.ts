/**
 * The cheap rejection must never change what a tenant receives: for every format and filter,
 * processBatch (which peeks at raw bytes first) keeps exactly the records that full decoding plus
 * the filter keeps, and anything malformed in the fields the filter reads still reaches the
 * full decoder and its dead letters.
 */
import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../../src/decode/detect.js';
import { emptyView, FLOW, peekMessage, UNSURE } from '../../../src/decode/peek.js';
import {
  type EncodedMessage,
  encodeMessages,
  flowLine,
  goflow2Json,
  goflow2Protobuf,
} from '../../../src/gen/encode.js';
import { generateTraffic } from '../../../src/gen/traffic.js';
import { type MessageBatch, packBatch, processBatch } from '../../../src/pipeline/process.js';
import type { SflowRecord } from '../../../src/record.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';
import { plainStages } from '../../fixtures/stages.js';

const stagesFor = (keys: string) => plainStages(keys);

function batchOf(values: readonly (string | Uint8Array)[]): MessageBatch {
  const enc = new TextEncoder();
  return packBatch(
    't',
    0,
    values.map((v, i) => ({ value: typeof v === 'string' ? enc.encode(v) : v, offset: i, timestamp: 0 })),
  );
}

/** What full decoding and the filter keep: [message, record] pairs, and the filtered count. */
function expected(batch: MessageBatch, keys: string): { kept: number[]; filtered: number; failures: number } {
  const { filter } = stagesFor(keys);
  const kept: number[] = [];
  let filtered = 0;
  let failures = 0;
  let start = 0;
  batch.ends.forEach((end, message) => {
    decodeValue(batch.data.subarray(start, end), 'auto', undefined, {
      record(index, r: SflowRecord) {
        if (r.kind === 'flow' ? filter.flow(r) : filter.counter(r)) kept.push(message, index);
        else filtered++;
      },
      error() {
        failures++;
      },
    });
    start = end;
  });
  return { kept, filtered, failures };
}

const FILTERS = [
  'vlan = 42, 100-110',
  'src_vlan = 200',
  'dst_vlan = 300, 42',
  'in_if = 12',
  'out_if = 1-20',
  'proto = udp',
  'port = 443',
  'src_port = 32768-40000',
  'dst_port = 53, 80',
  'agent = 192.0.2.1/32, 2001:db8:ffff::/48',
  'dst_ip = 10.1.0.0/16, 2001:db8:42::/48',
  'src_ip = 81.2.69.0/24',
  'ip = 10.2.0.0/24, 2001:db8:200::/48',
  'vlan = 42\nproto = tcp\ndst_ip = 81.2.69.142',
  'in_if = 1, 2', // port-scoped: counters are kept too
];

function traffic(
  format: 'sflowtool' | 'goflow2-json' | 'goflow2-pb' | 'mixed',
  linesPerMessage = 1,
): EncodedMessage[] {
  const records = [];
  const gen = generateTraffic({ seed: 7, startMs: 0, intervalMs: 1, counterEvery: 20 });
  for (let i = 0; i < 1500; i++) records.push(gen.next().value as SflowRecord);
  return [...encodeMessages(records, format, linesPerMessage)];
}

describe('peeking before decoding', () => {
  for (const format of ['sflowtool', 'goflow2-json', 'goflow2-pb', 'mixed'] as const) {
    it(`keeps exactly what full decoding keeps: ${format}`, () => {
      const batch = batchOf(traffic(format).map((m) => m.value));
      for (const keys of FILTERS) {
        const want = expected(batch, keys);
        const got = processBatch(batch, stagesFor(keys));
        expect([...got.items], keys).toEqual(want.kept);
        expect(got.filtered, keys).toBe(want.filtered);
        expect(got.failures.length, keys).toBe(want.failures);
        expect(want.kept.length, `${keys} keeps something`).toBeGreaterThan(0);
        expect(want.filtered, `${keys} rejects something`).toBeGreaterThan(0);
      }
    });
  }

  it('several lines in one message go through the full decoder, record by record', () => {
    const batch = batchOf(traffic('sflowtool', 5).map((m) => m.value));
    for (const keys of FILTERS) {
      const got = processBatch(batch, stagesFor(keys));
      expect([...got.items], keys).toEqual(expected(batch, keys).kept);
    }
  });

  it('actually skips decoding: a rejected record is never built', () => {
    const line = flowLine({ ...SAMPLE_FLOW, inVlan: 7, outVlan: 8 });
    const view = emptyView();
    const needs = stagesFor('vlan = 42').filter.needs;
    const bytes = Buffer.from(line);
    expect(peekMessage('sflowtool', bytes, 0, bytes.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 7, outVlan: 8 });
    for (const value of [goflow2Json({ ...SAMPLE_FLOW, inVlan: 7, outVlan: 8 }, 1)]) {
      const b = Buffer.from(value);
      expect(peekMessage('goflow2-json', b, 0, b.length, needs, view)).toBe(FLOW);
      expect(view).toMatchObject({ inVlan: 7, outVlan: 8 });
    }
    const pb = Buffer.from(goflow2Protobuf({ ...SAMPLE_FLOW, inVlan: 9, outVlan: 10 }, 1));
    expect(peekMessage('goflow2-pb', pb, 0, pb.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 9, outVlan: 10 });
  });

  it('leaves malformed fields it reads to the full decoder, which dead-letters them', () => {
    const good = flowLine({ ...SAMPLE_FLOW, inVlan: 7, outVlan: 8 });
    const fields = good.split(',');
    const json = goflow2Json({ ...SAMPLE_FLOW, inVlan: 7, outVlan: 8 }, 1);
    const readByVlan: (string | Uint8Array)[] = [
      [...fields.slice(0, 7), 'x7', ...fields.slice(8)].join(','),
      `${good},extra`,
      good.slice(0, 40),
      json.replace('"dst_vlan":8', '"dst_vlan":8.5'),
      json.replace('"dst_vlan":8', '"dst_vlan":08'),
      json.slice(0, -1),
      new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff]),
      'x'.repeat(10),
    ];
    const readByAddress: (string | Uint8Array)[] = [
      [...fields.slice(0, 10), '10.1.2.300', ...fields.slice(11)].join(','),
      json.replace('"dst_addr":"', '"dst_addr":"x'),
    ];
    for (const [keys, cases] of [
      ['vlan = 42', readByVlan],
      ['dst_ip = 10.0.0.0/8', readByAddress],
    ] as const) {
      const got = processBatch(batchOf(cases), stagesFor(keys));
      expect(got.failures.length, keys).toBe(cases.length);
      expect(got.failures.length, keys).toBe(expected(batchOf(cases), keys).failures);
    }
    const got = processBatch(batchOf(readByVlan.slice(0, 3)), stagesFor('vlan = 42'));
    expect(got.failures.map((f) => f.reason)).toEqual([
      "inVlan 'x7' is not a valid value",
      'FLOW line has 21 fields, expected 20',
      expect.stringMatching(/^FLOW line has \d+ fields, expected 20$/),
    ]);
    // null reads as absent (0) in the full decoder too: the peek leaves it to it, same outcome.
    const nulled = batchOf([
      json.replace('"src_vlan":7', '"src_vlan":null').replace('"vlan_id":7', '"vlan_id":42'),
    ]);
    expect(processBatch(nulled, stagesFor('vlan = 42')).documents).toBe(1);
    // A field the filter does not read is not looked at: a record it rejects is filtered out.
    expect(processBatch(batchOf(readByAddress), stagesFor('vlan = 42'))).toMatchObject({ filtered: 2 });
  });

  it('reads goflow2 v1 names, numbers as strings, protocol names, nested values and escapes', () => {
    const view = emptyView();
    const needs = stagesFor('vlan = 42\nproto = udp\nsrc_ip = 10.0.0.0/8').filter.needs;
    const v1 =
      '{"Type":"SFLOW_5","SrcAddr":"10.1.2.3","DstAddr":"81.2.69.142","SamplerAddress":"192.0.2.1",' +
      '"SrcVlan":"42","DstVlan":0,"Proto":17,"Layers":[{"a":"}"}],"Note":"say \\"hi\\"","InIf":3}';
    const b = Buffer.from(v1);
    expect(peekMessage('goflow2-json', b, 0, b.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 42, outVlan: 0, proto: 17, srcIp: '10.1.2.3' });
    const named = Buffer.from('{"src_vlan":0,"vlan_id":42,"proto":"UDP","src_addr":"10.9.9.9"}');
    expect(peekMessage('goflow2-json', named, 0, named.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 42, proto: 17, srcIp: '10.9.9.9' });
    const twice = Buffer.from('{"src_vlan":1,"src_vlan":42}');
    expect(peekMessage('goflow2-json', twice, 0, twice.length, needs, view)).toBe(UNSURE);
    // A key inside another key, after an escaped quote: JSON.parse would not read it as src_vlan.
    const escaped = Buffer.from('{"x\\"src_vlan":42,"dst_vlan":1}');
    expect(peekMessage('goflow2-json', escaped, 0, escaped.length, needs, view)).toBe(UNSURE);
    const two = Buffer.from('{"src_vlan":1}\n{"src_vlan":42}\n');
    expect(peekMessage('goflow2-json', two, 0, two.length, needs, view)).toBe(UNSURE);
  });

  it('reads JSON keys from the tail when it can, as JSON.parse would read the whole object', () => {
    const view = emptyView();
    const keys = 'vlan = 8';
    const needs = stagesFor(keys).filter.needs;
    const json = goflow2Json({ ...SAMPLE_FLOW, inVlan: 7, outVlan: 8 }, 1);
    const cases = [
      json, // teaches the peek where the keys sit
      `{"dst_vlan":42,${json.slice(1)}`, // repeated: the last one counts
      `${json.slice(0, -1)},"x":{"dst_vlan":42}}`, // nested in the tail: a whole read, unsure
      json.replace('"dst_vlan":8,', `"dst_vlan":8,"note":"${'n'.repeat(400)}",`), // keys out of the tail
      json.replace('"dst_vlan":8,', '"dst_vlan":8,"y":[1],'), // an array after them
    ];
    const peeked = cases.map((c) => {
      const b = Buffer.from(c);
      const seen = peekMessage('goflow2-json', b, 0, b.length, needs, view);
      return seen === FLOW ? view.outVlan : seen;
    });
    expect(peeked).toEqual([8, 8, UNSURE, 8, 8]);
    for (const filter of [keys, 'vlan = 42']) {
      const batch = batchOf(cases);
      const want = expected(batch, filter);
      const got = processBatch(batch, stagesFor(filter));
      expect([...got.items], filter).toEqual(want.kept);
      expect(got.filtered, filter).toBe(want.filtered);
    }
  });

  it('reads protobuf with and without the length prefix, and several messages not at all', () => {
    const view = emptyView();
    const needs = stagesFor('vlan = 42\nagent = 192.0.2.0/24').filter.needs;
    const one = goflow2Protobuf({ ...SAMPLE_FLOW, inVlan: 5, outVlan: 6 }, 1);
    expect(peekMessage('goflow2-pb', Buffer.from(one), 0, one.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 5, outVlan: 6, agent: SAMPLE_FLOW.agent });
    const bare = Buffer.from(one.subarray(1 + (one[0]! >= 0x80 ? 1 : 0)));
    expect(peekMessage('goflow2-pb', bare, 0, bare.length, needs, view)).toBe(FLOW);
    expect(view).toMatchObject({ inVlan: 5, outVlan: 6 });
    const both = Buffer.concat([one, one]);
    expect(peekMessage('goflow2-pb', both, 0, both.length, needs, view)).toBe(UNSURE);
  });
});
