/**
 * Fan-out mode, the pure part: which tenants a raw message goes to. The segregator decodes each
 * message once and tests every tenant's filter on its records; the message goes, as it is, to the
 * topic of each tenant that keeps at least one of its records (packed with others of its batch and
 * its source coordinates: fanout/pack.ts). The tenant's worker decodes it again and applies the
 * same filter, so it keeps exactly what it would keep in direct mode, under the same document ids.
 */
import type { AppConfig, InputFormat, TenantConfig } from '../config/types.js';
import { decodeMessage, wireFormat } from '../decode/detect.js';
import { emptyView, FLOW, type PeekNeeds, peekMessage } from '../decode/peek.js';
import type { RecordSink } from '../decode/types.js';
import type { CompiledFilter } from '../filter/compile.js';
import type { SflowRecord } from '../record.js';

/** The segregator runs under the supervisor as a tenant of this name (no tenant name starts with _). */
export const SEGREGATOR = '_segregator';

export const tenantTopic = (topic: string, tenant: string): string => `${topic}.tenant.${tenant}`;

/**
 * The first fan-out version sent each message alone with this header, its source offset; a worker
 * still reads such messages, so a tenant topic written before an upgrade is read as it was meant.
 */
export const SOURCE_OFFSET_HEADER = 'smonnet-source-offset';

export interface Routing {
  /** Indices (into the filters routed against) of the tenants that keep a record of the message. */
  readonly tenants: number[];
  readonly records: number;
  /** Records kept by at least one tenant. */
  readonly routed: number;
  readonly failures: ReadonlyArray<{ readonly record: number; readonly reason: string }>;
}

/**
 * Routes one message. A filter's flow check is the part a worker applies before enrichment: a
 * tenant whose keys need enrichment (country, AS, NAT) gets every record that passes the rest, and
 * its worker decides.
 */
export function routeMessage(
  value: Uint8Array,
  format: InputFormat,
  filters: readonly CompiledFilter[],
): Routing {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const matched = new Uint8Array(filters.length);
  const tenants: number[] = [];
  const failures: Array<{ record: number; reason: string }> = [];
  let records = 0;
  let routed = 0;
  const sink: RecordSink = {
    record(_index: number, r: SflowRecord) {
      records++;
      let kept = false;
      for (let i = 0; i < filters.length; i++) {
        const f = filters[i]!;
        if (r.kind === 'flow' ? f.flow(r) : f.counter(r)) {
          kept = true;
          if (matched[i] === 0) {
            matched[i] = 1;
            tenants.push(i);
          }
        }
      }
      if (kept) routed++;
    },
    error(index: number, reason: string) {
      records++;
      failures.push({ record: index, reason });
    },
  };
  if (value.length === 0) sink.error(0, 'empty message');
  else decodeMessage(value, wireFormat(format, bytes, 0, value.length), format === 'auto', undefined, sink);
  return { tenants, records, routed, failures };
}

/**
 * A router for one set of filters. When every filter can be judged from raw bytes, a single-record
 * message is peeked at once for all of them (the fields any of them reads), and decoded only when
 * the peek is unsure or finds interface counters; otherwise every message is decoded.
 */
export function createRouter(
  format: InputFormat,
  filters: readonly CompiledFilter[],
): (value: Uint8Array) => Routing {
  const full = (value: Uint8Array): Routing => routeMessage(value, format, filters);
  if (filters.length === 0 || !filters.every((f) => f.peekable)) return full;
  const fields = [...new Set(filters.flatMap((f) => f.needs.fields))];
  const needs: PeekNeeds = {
    agent: filters.some((f) => f.needs.agent),
    srcIp: filters.some((f) => f.needs.srcIp),
    dstIp: filters.some((f) => f.needs.dstIp),
    any: filters.some((f) => f.needs.any),
    fields,
  };
  const view = emptyView();
  return (value) => {
    if (value.length === 0) return full(value);
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const wire = wireFormat(format, bytes, 0, value.length);
    if (peekMessage(wire, bytes, 0, value.length, needs, view) !== FLOW) return full(value);
    const tenants: number[] = [];
    for (let i = 0; i < filters.length; i++)
      if (filters[i]!.keepsAll || filters[i]!.flow(view)) tenants.push(i);
    return { tenants, records: 1, routed: tenants.length > 0 ? 1 : 0, failures: NO_FAILURES };
  };
}

const NO_FAILURES: Routing['failures'] = Object.freeze([]);

/** The tenants a supervisor runs: in fan-out mode, the segregator too, as a tenant of its own. */
export function runners(config: AppConfig): readonly TenantConfig[] {
  if (config.kafka.mode !== 'fanout') return config.tenants;
  const segregator: TenantConfig = {
    name: SEGREGATOR,
    filter: {},
    elasticsearch: {
      nodes: [],
      username: undefined,
      password: undefined,
      apiKey: undefined,
      caFile: undefined,
    },
    indexPrefix: SEGREGATOR,
    schema: 'ecs',
    replicas: config.kafka.segregatorReplicas,
    groupId: undefined,
    kibana: undefined,
    networks: [],
    retentionDays: undefined,
    // Its filters are the tenants', taken on reload without a restart: its identity is [kafka].
    source: {},
  };
  return [segregator, ...config.tenants];
}
