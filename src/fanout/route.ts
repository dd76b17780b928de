/**
 * Fan-out mode, the pure part: which tenants a raw message goes to. The segregator decodes each
 * message once and tests every tenant's filter on its records; the message goes, as it is, to the
 * topic of each tenant that keeps at least one of its records (packed with others of its batch and
 * its source coordinates: fanout/pack.ts). The tenant's worker decodes it again and applies the
 * same filter, so it keeps exactly what it would keep in direct mode, under the same document ids.
 */
import type { FilterSpec } from '../config/filter-keys.js';
import type { AppConfig, InputFormat, TenantConfig } from '../config/types.js';
import { decodeMessage, wireFormat } from '../decode/detect.js';
import { emptyView, FLOW, type PeekNeeds, peekMessage } from '../decode/peek.js';
import type { RecordSink } from '../decode/types.js';
import { loadInterfaceMap } from '../enrich/interfaces.js';
import { type CompiledFilter, compileFilter, type Filterable } from '../filter/compile.js';
import type { SflowRecord } from '../record.js';
import { type FilterIndex, indexFilters } from './filter-index.js';

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

/** Fills `into` with the tenants (indices) whose flow check keeps a flow; returns how many. */
type FlowJudge = (flow: Filterable, into: number[]) => number;

/** Every filter in a row, or through an index of them (fanout/filter-index.ts) when there is one. */
export function flowJudge(filters: readonly CompiledFilter[], index?: FilterIndex): FlowJudge {
  if (!index)
    return (flow, into) => {
      let n = 0;
      for (let i = 0; i < filters.length; i++)
        if (filters[i]!.keepsAll || filters[i]!.flow(flow)) into[n++] = i;
      return n;
    };
  const candidates: number[] = [];
  return (flow, into) => {
    const c = index.candidates(flow, candidates);
    let n = 0;
    for (let k = 0; k < c; k++) {
      const i = candidates[k]!;
      if (filters[i]!.keepsAll || filters[i]!.flow(flow)) into[n++] = i;
    }
    return n;
  };
}

/**
 * Routes one message. A filter's flow check is the part a worker applies before enrichment: a
 * tenant whose keys need enrichment (country, AS, NAT) gets every record that passes the rest, and
 * its worker decides. Tenants come in index order.
 */
export function routeMessage(
  value: Uint8Array,
  format: InputFormat,
  filters: readonly CompiledFilter[],
  judge: FlowJudge = flowJudge(filters),
): Routing {
  const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
  const matched = new Uint8Array(filters.length);
  const keepers: number[] = [];
  const failures: Array<{ record: number; reason: string }> = [];
  let records = 0;
  let routed = 0;
  const sink: RecordSink = {
    record(_index: number, r: SflowRecord) {
      records++;
      let kept = 0;
      if (r.kind === 'flow') {
        kept = judge(r, keepers);
        for (let k = 0; k < kept; k++) matched[keepers[k]!] = 1;
      } else
        for (let i = 0; i < filters.length; i++)
          if (filters[i]!.counter(r)) {
            matched[i] = 1;
            kept++;
          }
      if (kept > 0) routed++;
    },
    error(index: number, reason: string) {
      records++;
      failures.push({ record: index, reason });
    },
  };
  if (value.length === 0) sink.error(0, 'empty message');
  else decodeMessage(value, wireFormat(format, bytes, 0, value.length), format === 'auto', undefined, sink);
  const tenants: number[] = [];
  for (let i = 0; i < matched.length; i++) if (matched[i] === 1) tenants.push(i);
  return { tenants, records, routed, failures };
}

/**
 * A router for one set of filters. When every filter can be judged from raw bytes, a single-record
 * message is peeked at once for all of them (the fields any of them reads), and decoded only when
 * the peek is unsure or finds interface counters; otherwise every message is decoded. `specs`, the
 * filters' keys, give the index that spares testing every filter on every record.
 */
export function createRouter(
  format: InputFormat,
  filters: readonly CompiledFilter[],
  specs?: readonly FilterSpec[],
): (value: Uint8Array) => Routing {
  const judge = flowJudge(filters, specs ? indexFilters(specs) : undefined);
  const full = (value: Uint8Array): Routing => routeMessage(value, format, filters, judge);
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
  const keepers: number[] = [];
  return (value) => {
    if (value.length === 0) return full(value);
    const bytes = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    const wire = wireFormat(format, bytes, 0, value.length);
    if (peekMessage(wire, bytes, 0, value.length, needs, view) !== FLOW) return full(value);
    const n = judge(view, keepers);
    const tenants = keepers.slice(0, n).sort((a, b) => a - b);
    return { tenants, records: 1, routed: n > 0 ? 1 : 0, failures: NO_FAILURES };
  };
}

/** A tenant as the segregator routes to it. */
export interface Route {
  readonly tenant: string;
  readonly topic: string;
  readonly filter: CompiledFilter;
}

/** The routes of a configuration, and the router testing them on a message. */
export function tenantRoutes(config: AppConfig): { routes: Route[]; route: (value: Uint8Array) => Routing } {
  // Interface name keys are judged by the names, as the worker will: the file is read here too.
  const named = config.tenants.some((t) => t.filter.if_name || t.filter.in_if_name || t.filter.out_if_name);
  const interfaces =
    named && config.enrich.interfaces !== undefined ? loadInterfaceMap(config.enrich.interfaces) : undefined;
  const routes = config.tenants.map((t) => ({
    tenant: t.name,
    topic: tenantTopic(config.kafka.topic, t.name),
    filter: compileFilter(t.filter, interfaces),
  }));
  const route = createRouter(
    config.kafka.format,
    routes.map((r) => r.filter),
    config.tenants.map((t) => t.filter),
  );
  return { routes, route };
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
