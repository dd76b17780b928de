/**
 * Every path the document writers emit is mapped in the index templates, with a type that takes
 * its value. The templates are `"dynamic": false`: a field left out would be stored but silently
 * unsearchable.
 */
import { describe, expect, it } from 'vitest';
import type { Schema } from '../../../src/config/types.js';
import { ecsDocuments } from '../../../src/document/ecs.js';
import { legacyDocuments } from '../../../src/document/legacy.js';
import type { DocumentWriter } from '../../../src/document/types.js';
import type { FlowContext } from '../../../src/enrich/context.js';
import type { AddressInfo } from '../../../src/enrich/enricher.js';
import type { CounterRecord, FlowRecord } from '../../../src/record.js';
import { flow as FLOW6, SAMPLE_FLOW } from '../../fixtures/records.js';
import { type Mapping, templateMappings } from '../../fixtures/templates.js';

const template = templateMappings;

/** Mapping types and the JSON values they take. */
const TAKES: Record<string, (v: unknown) => boolean> = {
  keyword: (v) => typeof v === 'string',
  text: (v) => typeof v === 'string',
  ip: (v) => typeof v === 'string',
  date: (v) => typeof v === 'string' || typeof v === 'number',
  boolean: (v) => typeof v === 'boolean',
  long: Number.isInteger,
  integer: (v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 31,
  short: (v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 15,
  byte: (v) => Number.isInteger(v) && Math.abs(v as number) < 2 ** 7,
  unsigned_long: (v) => Number.isInteger(v) && (v as number) >= 0,
  float: (v) => typeof v === 'number',
  double: (v) => typeof v === 'number',
  geo_point: (v) => typeof v === 'object' && v !== null && 'lat' in v && 'lon' in v,
};

/** What of `doc` the mapping does not take: unmapped paths, and values of the wrong type. */
export function unmapped(doc: unknown, mapping: Mapping, path = ''): string[] {
  if (mapping.type !== undefined) {
    const takes = TAKES[mapping.type];
    if (!takes) return [`${path}: mapping type ${mapping.type} is not known to this test`];
    const values = Array.isArray(doc) ? doc : [doc];
    return values.every(takes) ? [] : [`${path}: ${JSON.stringify(doc)} is not a ${mapping.type}`];
  }
  if (typeof doc !== 'object' || doc === null) return [`${path}: a value where the mapping has an object`];
  return Object.entries(doc).flatMap(([key, value]) => {
    const at = path ? `${path}.${key}` : key;
    const child = mapping.properties?.[key];
    if (value === null || value === undefined) return [];
    return child ? unmapped(value, child, at) : [`${at}: not mapped`];
  });
}

const known = (label: string, nat?: string): AddressInfo => ({
  geo: {
    cityName: 'Linköping',
    countryIsoCode: 'SE',
    countryName: 'Sweden',
    location: { lat: 58.4167, lon: 15.6167 },
  },
  as: { number: 29518, organization: 'Bredband2 AB' },
  nat,
  label,
});
const CONTEXT: FlowContext = {
  ingress: { name: 'xe-0/0/1', description: 'uplink', speed: 10e9, boundary: 'external', provider: 'NREN' },
  egress: { name: 'ge-0/0/2', description: 'lab42', speed: 1e9, boundary: 'internal', provider: undefined },
  direction: 'inbound',
};
const ICMP: FlowRecord = { ...SAMPLE_FLOW, proto: 1, srcPort: 0, dstPort: 0, icmpType: 8, icmpCode: 0 };
const COUNTER: CounterRecord = {
  kind: 'counter',
  timeMs: Date.parse('2026-11-20T12:00:00Z'),
  agent: '192.0.2.1',
  ifIndex: 41,
  ifType: 6,
  ifSpeed: 1_000_000_000,
  ifDirection: 1,
  ifStatus: 3,
  ifInOctets: 2 ** 40,
  ifInUcastPkts: 1,
  ifInMulticastPkts: 2,
  ifInBroadcastPkts: 3,
  ifInDiscards: 4,
  ifInErrors: 5,
  ifInUnknownProtos: 6,
  ifOutOctets: 7,
  ifOutUcastPkts: 8,
  ifOutMulticastPkts: 9,
  ifOutBroadcastPkts: 10,
  ifOutDiscards: 11,
  ifOutErrors: 12,
  ifPromiscuousMode: 0,
};

/** Every document shape a writer gives: every field set, and the optional parts left out. */
function documents(writer: DocumentWriter): { flows: unknown[]; counters: unknown[] } {
  const time = Date.parse('2026-11-20T12:00:00.123Z');
  const none: AddressInfo = { geo: undefined, as: undefined, nat: undefined, label: undefined };
  const bare: FlowContext = { ingress: undefined, egress: undefined, direction: undefined };
  const flows = [
    writer.flow(SAMPLE_FLOW, known('lab42', '192.0.2.77'), known('cdn', '198.51.100.9'), time, CONTEXT),
    writer.flow(FLOW6, known('physics'), none, time, CONTEXT),
    writer.flow(ICMP, none, none, time, bare),
  ];
  return { flows: flows.map((d) => JSON.parse(d)), counters: [JSON.parse(writer.counter(COUNTER, time))] };
}

const WRITERS: Record<Schema, DocumentWriter> = { ecs: ecsDocuments, legacy: legacyDocuments };

describe('index templates', () => {
  for (const [schema, writer] of Object.entries(WRITERS)) {
    it(`map every path the ${schema} writer emits, with a type that takes its value`, () => {
      const { flows, counters } = documents(writer);
      const flowMapping = template(`${schema}-flows`);
      const counterMapping = template(`${schema}-counters`);
      for (const doc of flows) expect(unmapped(doc, flowMapping)).toEqual([]);
      for (const doc of counters) expect(unmapped(doc, counterMapping)).toEqual([]);
    });
  }

  it('catch a written field missing from a template, and a value its type refuses', () => {
    const [doc] = documents(ecsDocuments).flows;
    const mapping = structuredClone(template('ecs-flows')) as {
      properties: Record<string, { properties: Record<string, Mapping> }>;
    };
    delete mapping.properties['source']!.properties['port'];
    mapping.properties['destination']!.properties['port'] = { type: 'boolean' };
    expect(unmapped(doc, mapping)).toEqual([
      'source.port: not mapped',
      expect.stringMatching(/^destination\.port: 443 is not a boolean$/),
    ]);
  });
});
