import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { counterLine, encodeMessages, flowLine, goflow2Json } from '../../../src/gen/encode.js';
import { seededRandom } from '../../../src/gen/random.js';
import { CAMPUS_VLANS, EXTERNAL_V4, EXTERNAL_V6, generateTraffic } from '../../../src/gen/traffic.js';
import type { CounterRecord, FlowRecord, SflowRecord } from '../../../src/record.js';

const options = { seed: 7, startMs: Date.parse('2026-01-01T00:00:00Z'), intervalMs: 5, counterEvery: 10 };

function first(n: number, opts = options): SflowRecord[] {
  const out: SflowRecord[] = [];
  for (const r of generateTraffic(opts)) {
    out.push(r);
    if (out.length === n) break;
  }
  return out;
}

describe('seededRandom', () => {
  it('repeats the same sequence for the same seed and differs for another', () => {
    const a = seededRandom(1);
    const b = seededRandom(1);
    const c = seededRandom(2);
    const seqA = Array.from({ length: 5 }, () => a.next());
    expect(Array.from({ length: 5 }, () => b.next())).toEqual(seqA);
    expect(Array.from({ length: 5 }, () => c.next())).not.toEqual(seqA);
  });

  it('keeps int() within its bounds, both included', () => {
    const r = seededRandom(3);
    const seen = new Set<number>();
    for (let i = 0; i < 1000; i++) seen.add(r.int(1, 3));
    expect([...seen].sort()).toEqual([1, 2, 3]);
  });
});

describe('generateTraffic', () => {
  it('is reproducible for a seed', () => {
    expect(first(500)).toEqual(first(500));
    expect(first(50, { ...options, seed: 8 })).not.toEqual(first(50));
  });

  it('emits one counter record after every counterEvery flows', () => {
    const records = first(110);
    expect(records.filter((r) => r.kind === 'counter')).toHaveLength(10);
    expect(records[10]?.kind).toBe('counter');
  });

  it('produces plausible flows: valid addresses, both IP versions, VLANs, known outside hosts', () => {
    const flows = first(5000).filter((r): r is FlowRecord => r.kind === 'flow');
    const vlans = new Set(CAMPUS_VLANS.map((v) => v.id));
    for (const f of flows) {
      expect(isIP(f.srcIp)).toBeGreaterThan(0);
      expect(isIP(f.dstIp)).toBe(isIP(f.srcIp));
      expect(f.srcMac).toMatch(/^[0-9a-f]{12}$/);
      expect(f.frameLength).toBeGreaterThan(f.ipSize);
      expect(f.ipSize).toBeLessThanOrEqual(1500);
      expect([512, 1024, 2048, 4096]).toContain(f.samplingRate);
      if (f.inVlan !== 0) expect(vlans.has(f.inVlan)).toBe(true);
    }
    const v6 = flows.filter((f) => f.etype === 0x86dd).length / flows.length;
    expect(v6).toBeGreaterThan(0.15);
    expect(v6).toBeLessThan(0.35);
    const outside = new Set([...EXTERNAL_V4, ...EXTERNAL_V6]);
    expect(flows.some((f) => outside.has(f.dstIp))).toBe(true);
    expect(flows.some((f) => outside.has(f.srcIp))).toBe(true);
    expect(new Set(flows.map((f) => f.proto))).toEqual(new Set([1, 6, 17, 47, 58]));
  });

  it('keeps interface counters increasing per agent and interface', () => {
    const counters = first(20_000).filter((r): r is CounterRecord => r.kind === 'counter');
    const last = new Map<string, number>();
    for (const c of counters) {
      const key = `${c.agent}/${c.ifIndex}`;
      expect(c.ifInOctets).toBeGreaterThan(last.get(key) ?? -1);
      last.set(key, c.ifInOctets);
    }
  });
});

describe('encoders', () => {
  const [flow] = first(1) as [FlowRecord];

  it('writes sflowtool FLOW lines with 20 fields and hex ethertype, TOS and flags', () => {
    const fields = flowLine(flow).split(',');
    expect(fields).toHaveLength(20);
    expect(fields[0]).toBe('FLOW');
    expect(fields[6]).toMatch(/^0x(0800|86dd)$/);
    expect(fields[12]).toMatch(/^0x[0-9a-f]{2}$/);
    expect(fields[16]).toMatch(/^0x[0-9a-f]{2}$/);
    expect(Number(fields[19])).toBe(flow.samplingRate);
  });

  it('writes sflowtool CNTR lines with the agent and 19 counters', () => {
    const counter = first(11).find((r): r is CounterRecord => r.kind === 'counter')!;
    const fields = counterLine(counter).split(',');
    expect(fields).toHaveLength(21);
    expect(fields.slice(0, 3)).toEqual(['CNTR', counter.agent, String(counter.ifIndex)]);
  });

  it('writes goflow2 v2 JSON with snake_case names and ns timestamps', () => {
    const json = JSON.parse(goflow2Json(flow, 9));
    expect(json).toMatchObject({
      type: 'SFLOW_5',
      sequence_num: 9,
      sampler_address: flow.agent,
      src_addr: flow.srcIp,
      dst_addr: flow.dstIp,
      sampling_rate: flow.samplingRate,
      time_received_ns: flow.timeMs! * 1_000_000,
    });
    expect(json.src_mac).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
  });

  it('groups lines into messages and keeps every record, counters as lines even in JSON mode', () => {
    const records = first(110);
    const lines = [...encodeMessages(records, 'sflowtool', 4)];
    expect(lines.flatMap((m) => m.records)).toEqual(records);
    expect(String(lines[0]!.value).split('\n')).toHaveLength(4);

    const isJson = (v: string | Uint8Array) => typeof v === 'string' && v.startsWith('{');
    const json = [...encodeMessages(records, 'goflow2-json')];
    expect(json.every((m) => isJson(m.value))).toBe(true);
    expect(json).toHaveLength(100);

    const pb = [...encodeMessages(records, 'goflow2-pb')];
    expect(pb.every((m) => typeof m.value !== 'string')).toBe(true);
    expect(pb).toHaveLength(100);

    const mixed = [...encodeMessages(records, 'mixed')];
    expect(mixed.flatMap((m) => m.records)).toEqual(records);
    expect(mixed.filter((m) => isJson(m.value)).length).toBeGreaterThan(25);
    expect(mixed.filter((m) => typeof m.value !== 'string').length).toBeGreaterThan(25);
  });
});
