import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { loadDatabase } from '../../../src/enrich/geoip.js';
import { flowLine, goflow2Json, goflow2Protobuf } from '../../../src/gen/encode.js';
import { generateTraffic } from '../../../src/gen/traffic.js';
import { type MessageBatch, packBatch, processBatch } from '../../../src/pipeline/process.js';
import { buildStages, type StageSpec } from '../../../src/pipeline/stages.js';
import type { CounterRecord, FlowRecord } from '../../../src/record.js';
import { itemRanges, subsetBody } from '../../../src/sink/elasticsearch/bulk-body.js';
import { SAMPLE_FLOW } from '../../fixtures/records.js';

const fixtures = new URL('../../fixtures/geoip/', import.meta.url).pathname;

function batchOf(
  values: (string | Uint8Array)[],
  kafkaTime = Date.parse('2026-11-20T08:00:00Z'),
): MessageBatch {
  const enc = new TextEncoder();
  return packBatch(
    'sflow',
    3,
    values.map((v, i) => ({
      value: typeof v === 'string' ? enc.encode(v) : v,
      offset: 100 + i,
      timestamp: kafkaTime,
    })),
  );
}

function build(tenantKeys: string, schema: 'ecs' | 'legacy' = 'ecs', extra: Partial<StageSpec> = {}) {
  const cfg = parseConfig(
    `[kafka]\n[enrich]\ninterfaces = if.json\n[tenant.t]\nes_nodes = h:9200\nindex_prefix = lab\n${tenantKeys}\n`,
    'x.cfg',
  );
  const city = `${fixtures}GeoLite2-City-Test.mmdb`;
  const asn = `${fixtures}GeoLite2-ASN-Test.mmdb`;
  return buildStages({
    tenant: 't',
    format: 'auto',
    filter: cfg.tenants[0]!.filter,
    schema,
    indexPrefix: 'lab',
    geoipCity: { file: city, bytes: loadDatabase(city)! },
    geoipAsn: { file: asn, bytes: loadDatabase(asn)! },
    ipmap: {
      file: 'ipmap.json',
      doc: { nat: { '10.1.42.27': '203.0.113.42' }, labels: { '10.1.42.0/24': 'lab42' } },
    },
    interfaces: undefined,
    sampling: [],
    networks: [],
    alertGroupBys: [],
    ...extra,
  });
}

const flow: FlowRecord = { ...SAMPLE_FLOW, timeMs: Date.parse('2026-11-21T07:59:59.999Z') };

const counterOf = (agent: string, ifIndex: number): CounterRecord =>
  ({ kind: 'counter', agent, ifIndex }) as CounterRecord;

function lines(body: Uint8Array): Record<string, unknown>[] {
  return new TextDecoder()
    .decode(body)
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l));
}

describe('processBatch', () => {
  it('writes bodies into buffers of their own, which may be moved to another thread', () => {
    // The pool transfers each body's buffer back to the main thread, which detaches it in the
    // enrichment thread: a later batch must not write into a buffer an earlier one gave away.
    const stages = build('vlan = 42');
    const rejected = processBatch(batchOf([flowLine({ ...flow, inVlan: 7, outVlan: 7 })]), stages);
    expect(rejected).toMatchObject({ documents: 0, filtered: 1 });
    structuredClone(rejected.body.buffer, { transfer: [rejected.body.buffer as ArrayBuffer] });
    const kept = processBatch(batchOf([flowLine(flow)]), stages);
    expect(kept.documents).toBe(1);
    expect(lines(kept.body)).toHaveLength(2);
  });

  it('builds enriched ECS documents with ids from topic, partition, offset and record', () => {
    const out = processBatch(
      batchOf([flowLine(flow), goflow2Json(flow, 1), goflow2Protobuf(flow, 2)]),
      build('vlan = 42'),
    );
    expect(out).toMatchObject({ documents: 3, records: 3, filtered: 0, failures: [] });
    const [action, doc] = lines(out.body) as [
      { index: { _index: string; _id: string } },
      Record<string, unknown>,
    ];
    // sflowtool lines carry no time: the Kafka timestamp decides the day.
    expect(action.index).toEqual({ _index: 'lab-2026.11.20', _id: 'sflow-3-100-0' });
    expect(doc).toMatchObject({
      '@timestamp': '2026-11-20T08:00:00.000Z',
      source: { ip: '10.1.42.27', port: 42879, mac: '02-A3-91-4C-AC-00', nat: { ip: '203.0.113.42' } },
      destination: {
        ip: '89.160.20.130',
        geo: { city_name: 'Linköping', country_iso_code: 'SE', location: { lat: 58.4167, lon: 15.6167 } },
        as: { number: 29518, organization: { name: 'Bredband2 AB' } },
      },
      network: { transport: 'tcp', iana_number: '6', type: 'ipv4', bytes: 70 * 512, packets: 512 },
      observer: { ip: '192.0.2.1', ingress: { interface: { id: '12' }, vlan: { id: '42' } } },
      sflow: { sampling_rate: 512, tcp_flags: 0x18, ttl: 63 },
      labels: { source_network: 'lab42' },
    });
    // goflow2 records carry their own time, which puts them in the next day's index.
    const second = lines(out.body)[2] as { index: { _index: string; _id: string } };
    expect(second.index).toEqual({ _index: 'lab-2026.11.21', _id: 'sflow-3-101-0' });
    expect(Array.from(out.items)).toEqual([0, 0, 1, 0, 2, 0]);
  });

  it('writes the legacy Smonnet names for schema legacy', () => {
    const out = processBatch(batchOf([flowLine(flow)]), build('', 'legacy'));
    const doc = lines(out.body)[1]!;
    // The original's fields, names and types (shared/smonnet-original.md), every one of them.
    expect(doc).toEqual({
      '@message': flowLine(flow),
      '@timestamp': '2026-11-20T08:00:00.000Z',
      '@version': 1,
      type: 'sflow',
      SampleType: 'FLOW',
      sflow_ReporterIP: '192.0.2.1',
      sflow_inputPort: 12,
      sflow_outputPort: 1,
      sflow_srcMAC: '02a3914cac00',
      sflow_dstMAC: '00005e0001fe',
      sflow_EtherType: '0x0800',
      sflow_srcVlan: 42,
      sflow_dstVlan: 0,
      sflow_srcIP: '10.1.42.27',
      sflow_dstIP: '89.160.20.130',
      sflow_IP_Protocol: 6,
      sflow_IPTOS: '0x00',
      sflow_IPTTL: 63,
      sflow_srcPort: 42879,
      sflow_dstPort: 443,
      sflow_tcpFlags: '0x18',
      sflow_PacketSize: 70,
      sflow_IPSize: 52,
      sflow_SampleRate: 512,
      sflow_dst_location: { lat: 58.4167, lon: 15.6167 },
      sflow_dst_country: 'Sweden',
      sflow_dst_as: 'Bredband2 AB',
      sflow_NEWsrcIP: '203.0.113.42',
      sflow_NEWdstIP: '89.160.20.130',
      // smonnet's own additions, in fields the original never used.
      smonnet_dst_city: 'Linköping',
      smonnet_dst_country_iso: 'SE',
      smonnet_dst_asn: 29518,
      smonnet_src_label: 'lab42',
    });
    const v6 = lines(
      processBatch(batchOf([flowLine({ ...flow, srcIp: '2001:db8::5', etype: 0x86dd })]), build('', 'legacy'))
        .body,
    )[1]!;
    expect(v6).toMatchObject({
      sflow_srcIP: '0.0.0.0',
      smonnet_srcIPv6: '2001:db8::5',
      sflow_NEWsrcIP: '2001:db8::5',
    });
  });

  it("selects on any field of Smonnet's documents, comparing the value as the document writes it", () => {
    const legacy = lines(processBatch(batchOf([flowLine(flow)]), build('', 'legacy')).body)[1]!;
    // Different in every field Smonnet's documents have.
    const other: FlowRecord = {
      ...flow,
      agent: '192.0.2.9',
      inIf: 13,
      outIf: 2,
      srcMac: '02a3914cac01',
      dstMac: '00005e0001ff',
      etype: 0x86dd,
      inVlan: 43,
      outVlan: 5,
      srcIp: '2001:db8::5',
      dstIp: '2001:db8::6',
      proto: 17,
      tos: 8,
      ttl: 64,
      srcPort: 53,
      dstPort: 5353,
      tcpFlags: 0,
      frameLength: 90,
      ipSize: 72,
      samplingRate: 1024,
    };
    const geo = `[enrich]\ngeoip_city = ${fixtures}GeoLite2-City-Test.mmdb\ngeoip_asn = ${fixtures}GeoLite2-ASN-Test.mmdb\n`;
    const tested: string[] = [];
    for (const [field, value] of Object.entries(legacy)) {
      if (field.startsWith('smonnet_') || typeof value === 'object') continue;
      if (field === '@message' || field === '@timestamp') continue;
      const cfg = parseConfig(
        `${geo}[smonit]\nmonitor_names = t\nmonitor_params = ${field},${String(value)}\nmonitor_nodes = h:9200\n`,
        'api.cfg',
      );
      const stages = buildStages({
        tenant: 't',
        format: 'auto',
        filter: cfg.tenants[0]!.filter,
        schema: 'legacy',
        indexPrefix: 'lab',
        geoipCity: { file: 'c', bytes: loadDatabase(`${fixtures}GeoLite2-City-Test.mmdb`)! },
        geoipAsn: { file: 'a', bytes: loadDatabase(`${fixtures}GeoLite2-ASN-Test.mmdb`)! },
        ipmap: { file: 'ipmap.json', doc: { nat: { '10.1.42.27': '203.0.113.42' } } },
        interfaces: undefined,
        sampling: [],
        networks: [],
        alertGroupBys: [],
      });
      const out = processBatch(batchOf([flowLine(flow), flowLine(other)]), stages);
      // The same document field every flow had (SampleType, type, @version) keeps both.
      const constant = ['SampleType', 'type', '@version'].includes(field);
      expect([field, out.documents, out.filtered]).toEqual([field, constant ? 2 : 1, constant ? 0 : 1]);
      if (!constant) expect(lines(out.body)[1]!['sflow_ReporterIP'], field).toBe('192.0.2.1');
      tested.push(field);
    }
    expect(tested).toHaveLength(26);
  });

  it('names interfaces, directs flows and corrects sampling rates, in both schemas', () => {
    const interfaces = {
      file: 'if.json',
      rows: [
        {
          agent: '192.0.2.1',
          if_index: 12,
          name: 'Gi1/0/12',
          description: 'lab 42',
          speed: 1e9,
          boundary: 'internal',
        },
        { agent: '192.0.2.1', if_index: 1, name: 'uplink-b7', boundary: 'external', provider: 'transit-a' },
      ],
    };
    const sampling = parseConfig('[kafka]\n[sampling]\noverride 192.0.2.1@12 = 2048\n', 's.cfg').sampling;
    const extra = { interfaces, sampling };
    const ecs = lines(processBatch(batchOf([flowLine(flow)]), build('', 'ecs', extra)).body)[1]!;
    expect(ecs).toMatchObject({
      network: { direction: 'outbound', bytes: 70 * 2048, packets: 2048 },
      observer: {
        ingress: { interface: { id: '12', name: 'Gi1/0/12', alias: 'lab 42' }, zone: 'internal' },
        egress: { interface: { id: '1', name: 'uplink-b7' }, zone: 'external' },
      },
      sflow: { sampling_rate: 2048, in_if_speed: 1e9, out_if_provider: 'transit-a' },
    });
    const legacy = lines(processBatch(batchOf([flowLine(flow)]), build('', 'legacy', extra)).body)[1]!;
    expect(legacy).toMatchObject({
      sflow_SampleRate: 2048,
      smonnet_inputPortName: 'Gi1/0/12',
      smonnet_inputPortDescription: 'lab 42',
      smonnet_inputPortSpeed: 1e9,
      smonnet_inputPortBoundary: 'internal',
      smonnet_outputPortName: 'uplink-b7',
      smonnet_outputPortProvider: 'transit-a',
      smonnet_direction: 'outbound',
    });
    // Without the file, the rules or networks, documents are as before: nothing empty is written.
    const plain = lines(processBatch(batchOf([flowLine(flow)]), build('')).body)[1]!;
    expect(plain['network']).not.toHaveProperty('direction');
    expect((plain['observer'] as { ingress: object }).ingress).toEqual({
      interface: { id: '12' },
      vlan: { id: '42' },
    });
  });

  it('keeps exactly the flows through interfaces whose name matches, and their interface counters', () => {
    const interfaces = {
      file: 'if.json',
      rows: [
        { agent: '192.0.2.1', if_index: 12, name: 'Gi1/0/12' },
        { agent: '192.0.2.1', if_index: 7, name: 'b7-uplink-1' },
        { agent: '192.0.2.2', if_index: 7, name: 'b8-uplink-1' },
      ],
    };
    const stages = build('in_if_name = b7-uplink-*, Gi1/0/99', 'ecs', { interfaces });
    const through = (agent: string, inIf: number) => flowLine({ ...flow, agent, inIf });
    const out = processBatch(
      batchOf([
        through('192.0.2.1', 7),
        through('192.0.2.1', 12),
        through('192.0.2.2', 7),
        through('192.0.2.9', 7),
      ]),
      stages,
    );
    expect([out.documents, out.filtered]).toEqual([1, 3]);
    expect(stages.filter.counter(counterOf('192.0.2.1', 7))).toBe(true);
    expect(stages.filter.counter(counterOf('192.0.2.1', 12))).toBe(false);
  });

  it('counts filtered and undecodable records so every record is accounted for', () => {
    const other = flowLine({ ...flow, inVlan: 7 });
    const out = processBatch(
      batchOf([`${flowLine(flow)}\n${other}\nFLOW,bad`, '', 'x'.repeat(10)]),
      build('vlan = 42'),
    );
    expect(out.records).toBe(5);
    expect(out.documents).toBe(1);
    expect(out.filtered).toBe(1);
    expect(out.failures.map((f) => [f.message, f.record, f.reason])).toEqual([
      [0, 2, 'FLOW line has 2 fields, expected 20'],
      [1, 0, 'empty message'],
      [2, 0, expect.stringMatching(/goflow2 protobuf|expected 4 or 16/)],
    ]);
    expect(out.records).toBe(out.documents + out.filtered + out.failures.length);
  });

  it('takes the Kafka time for a record whose own time is impossible, and counts it', () => {
    const json = JSON.parse(goflow2Json(flow, 1)) as Record<string, unknown>;
    const poison = JSON.stringify({ ...json, time_received_ns: 1e30, time_flow_start_ns: 1e30 });
    const out = processBatch(batchOf([flowLine(flow), poison, flowLine(flow)]), build(''));
    expect(out).toMatchObject({ documents: 3, failures: [], timesReplaced: 1 });
    expect((lines(out.body)[3] as { '@timestamp': string })['@timestamp']).toBe('2026-11-20T08:00:00.000Z');
  });

  it('dead-letters a record that makes a later stage throw, with the stage, and goes on', () => {
    const stages = build('');
    const throwing = {
      ...stages,
      enricher: {
        lookup: (ip: string) => {
          if (ip === '10.9.9.9') throw new Error('enricher bug');
          return stages.enricher.lookup(ip);
        },
      },
      documents: {
        ...stages.documents,
        flow: (...args: Parameters<typeof stages.documents.flow>) => {
          if (args[0].dstPort === 6666) throw new RangeError('Invalid time value');
          return stages.documents.flow(...args);
        },
      },
    };
    const out = processBatch(
      batchOf([
        flowLine(flow),
        flowLine({ ...flow, srcIp: '10.9.9.9' }),
        flowLine({ ...flow, dstPort: 6666 }),
        flowLine(flow),
      ]),
      throwing,
    );
    expect(out.documents).toBe(2);
    expect(out.failures.map((f) => [f.message, f.stage, f.reason])).toEqual([
      [1, 'enrich', 'enrich failed: enricher bug'],
      [2, 'document', 'document failed: Invalid time value'],
    ]);
    expect(out.records).toBe(out.documents + out.filtered + out.failures.length);
    expect(Array.from(out.items)).toEqual([0, 0, 3, 0]);
  });

  it('keeps the counts balanced over a realistic stream', () => {
    const values: string[] = [];
    for (const r of generateTraffic({ seed: 3, startMs: 0, intervalMs: 1, counterEvery: 20 })) {
      if (values.length === 3000) break;
      if (r.kind === 'flow') values.push(flowLine(r));
    }
    const out = processBatch(batchOf(values), build('vlan = 42, 100-110\ndst_ip = 10.1.0.0/16'));
    expect(out.records).toBe(3000);
    expect(out.documents + out.filtered).toBe(3000);
    expect(out.documents).toBeGreaterThan(100);
    expect(out.filtered).toBeGreaterThan(out.documents);
  });
});

describe('bulk body helpers', () => {
  it('cuts a body into items and rebuilds a subset byte for byte', () => {
    const out = processBatch(
      batchOf([flowLine(flow), flowLine({ ...flow, dstPort: 80 }), flowLine({ ...flow, dstPort: 22 })]),
      build(''),
    );
    const ranges = itemRanges(out.body);
    expect(ranges).toHaveLength(3);
    const sub = subsetBody(out.body, ranges, [0, 2]);
    expect(
      lines(sub)
        .map((l) => (l as { destination?: { port: number } }).destination?.port)
        .filter(Boolean),
    ).toEqual([443, 22]);
  });
});

describe('ECS timestamps', () => {
  it('writes the same text as Date#toISOString for any millisecond', async () => {
    const { isoTime } = await import('../../../src/document/ecs.js');
    for (const ms of [
      0, 1, 9, 10, 99, 100, 999, 1000, 1_795_176_000_123, 1_795_176_000_007, 1_795_176_001_000,
      1_795_175_999_999,
    ]) {
      expect(isoTime(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
