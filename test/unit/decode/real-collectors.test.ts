/**
 * What sflowtool 6.11, goflow2 v2.2.6 (JSON and protobuf) and goflow2 v1.3.7 really wrote for the
 * same 64 real sFlow datagrams (test/fixtures/real-collectors/README.md): every record decodes,
 * every value lands where its rule (decode/rules.ts) puts it, and the collectors agree.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeValue } from '../../../src/decode/detect.js';
import { type MessageBatch, packBatch, processBatch } from '../../../src/pipeline/process.js';
import { type FlowRecord, IF_INTERNAL, IF_SINGLE, type SflowRecord } from '../../../src/record.js';
import { plainStages } from '../../fixtures/stages.js';

const dir = new URL('../../fixtures/real-collectors/', import.meta.url);
const FILES = {
  sflowtool: { file: 'sflowtool-6.11-lines.txt', bytes: (l: string) => Buffer.from(l) },
  'goflow2 v2 JSON': { file: 'goflow2-v2.2.6.json', bytes: (l: string) => Buffer.from(l) },
  'goflow2 v2 protobuf': { file: 'goflow2-v2.2.6-pb.b64', bytes: (l: string) => Buffer.from(l, 'base64') },
  'goflow2 v1 JSON': { file: 'goflow2-v1.3.7.json', bytes: (l: string) => Buffer.from(l) },
} as const;
type Collector = keyof typeof FILES;
const COLLECTORS = Object.keys(FILES) as Collector[];

/** Each line of a collector's file as the Kafka message value it would be. */
function messages(c: Collector): Buffer[] {
  const { file, bytes } = FILES[c];
  return readFileSync(new URL(file, dir), 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map(bytes);
}

function decodeAll(c: Collector): { records: SflowRecord[]; errors: string[] } {
  const records: SflowRecord[] = [];
  const errors: string[] = [];
  for (const m of messages(c))
    decodeValue(m, 'auto', undefined, {
      record: (_i, r) => records.push(r),
      error: (_i, e) => errors.push(e),
    });
  return { records, errors };
}

const flows = (c: Collector): FlowRecord[] =>
  decodeAll(c).records.filter((r): r is FlowRecord => r.kind === 'flow');

/** What every collector must agree on for one sample. ICMP type and code are left out: see below. */
const AGREED = [
  'srcIp',
  'dstIp',
  'srcPort',
  'dstPort',
  'proto',
  'etype',
  'inVlan',
  'outVlan',
  'inIf',
  'outIf',
  'inIfKind',
  'outIfKind',
  'frameLength',
  'samplingRate',
] as const;

/** The samples as a multiset of their agreed values (the files list them in different orders). */
function multiset(records: readonly FlowRecord[]): Map<string, number> {
  const out = new Map<string, number>();
  for (const r of records) {
    const key = AGREED.map((k) => r[k]).join('|');
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

function batchOf(values: readonly Buffer[]): MessageBatch {
  const at = Date.parse('2026-12-01T10:00:00Z');
  return packBatch(
    'sflow',
    0,
    values.map((value, i) => ({ value, offset: i, timestamp: at })),
  );
}

const documents = (body: Uint8Array): Record<string, unknown>[] =>
  new TextDecoder()
    .decode(body)
    .split('\n')
    .filter((_l, i) => i % 2 === 1)
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('real collectors', () => {
  it.each(COLLECTORS)('%s: every record decodes, none is dead-lettered', (c) => {
    const { records, errors } = decodeAll(c);
    expect(errors).toEqual([]);
    expect(records.filter((r) => r.kind === 'flow')).toHaveLength(380);
  });

  it.each(COLLECTORS)('%s: no impossible VLAN, port or interface; non-IP samples have no addresses', (c) => {
    for (const r of flows(c)) {
      for (const vlan of [r.inVlan, r.outVlan]) expect(vlan === 0 || (vlan >= 1 && vlan <= 4094)).toBe(true);
      for (const port of [r.srcPort, r.dstPort]) expect(port).toBeLessThanOrEqual(65535);
      for (const v of [r.inIf, r.outIf]) expect(v).toBeLessThanOrEqual(0x3fffffff);
      expect(r.samplingRate).toBeGreaterThanOrEqual(1);
      const ip = r.etype === 0x0800 || r.etype === 0x86dd;
      expect(r.srcIp !== '' && r.dstIp !== '').toBe(ip);
    }
    const arp = flows(c).filter((r) => r.etype === 0x0806);
    expect(arp.length).toBeGreaterThan(0);
    expect(arp.every((r) => r.srcMac.length === 12 && r.frameLength > 0)).toBe(true);
    // 0x3FFFFFFF is sFlow's "internal": pmacct's sfprobe reports it, sflowtool's encoder 0.
    expect(flows(c).some((r) => r.inIfKind === IF_INTERNAL)).toBe(true);
    expect(flows(c).some((r) => r.inIfKind === IF_SINGLE && r.inIf === 0)).toBe(true);
  });

  it('gives the same addresses, ports, protocol, VLANs, interfaces, bytes and rate through every collector', () => {
    const reference = multiset(flows('sflowtool'));
    for (const c of COLLECTORS) expect(multiset(flows(c)), c).toEqual(reference);
  });

  it('reads ICMP type and code where a collector reports them, never as ports', () => {
    const icmp = (c: Collector, proto: number) => flows(c).filter((r) => r.proto === proto);
    for (const c of COLLECTORS) {
      for (const r of [...icmp(c, 1), ...icmp(c, 58)]) {
        expect([r.srcPort, r.dstPort]).toEqual([0, 0]);
        expect(r.icmpType).toBeGreaterThanOrEqual(0);
      }
      expect(
        flows(c)
          .filter((r) => r.proto !== 1 && r.proto !== 58)
          .every((r) => r.icmpType === -1),
      ).toBe(true);
    }
    // sflowtool prints ICMPv4's type in its port column (echo requests: 8), goflow2 v1 decodes ICMPv6's
    // (128, 129, 133); goflow2 v2.2.6 writes 0 for every sFlow sample, so it cannot agree on these.
    expect(new Set(icmp('sflowtool', 1).map((r) => r.icmpType))).toEqual(new Set([0, 8]));
    expect(new Set(icmp('goflow2 v1 JSON', 58).map((r) => r.icmpType))).toEqual(new Set([128, 129, 133]));
  });

  it.each(COLLECTORS)('%s: every sample becomes a document in both schemas', (c) => {
    for (const schema of ['ecs', 'legacy'] as const) {
      const out = processBatch(batchOf(messages(c)), plainStages('', schema));
      expect(out.failures).toEqual([]);
      expect(out.documents).toBe(out.records);
      for (const doc of documents(out.body)) {
        const text = JSON.stringify(doc);
        expect(text).not.toMatch(/"vlan":\{"id":"(0|409[5-9]|\d{5,})"\}/);
        expect(text).not.toMatch(/"interface":\{"id":"\d{10,}"\}/);
      }
    }
  });

  it('keeps non-IP samples out of address and port filters, and in VLAN ones', () => {
    const all = messages('sflowtool');
    const byIp = processBatch(batchOf(all), plainStages('ip = 0.0.0.0/0, ::/0'));
    const byVlan = processBatch(batchOf(all), plainStages('vlan = 100'));
    const arpDocs = (body: Uint8Array) =>
      documents(body).filter((d) => (d['sflow'] as { ethernet_type: number }).ethernet_type === 0x0806);
    expect(arpDocs(byIp.body)).toEqual([]);
    const vlanArp = arpDocs(byVlan.body);
    expect(vlanArp.length).toBeGreaterThan(0);
    for (const d of vlanArp) {
      expect(d['source']).not.toHaveProperty('ip');
      expect(d['source']).not.toHaveProperty('port');
      expect((d['network'] as { bytes: number }).bytes).toBeGreaterThan(0);
    }
  });
});
