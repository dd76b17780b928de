/**
 * Stage rates of one worker on one core (inline, no pool), per input format, beside the floor of
 * the language on the same bytes:
 *   decode only; decode + a filter that rejects everything; decode + filter + enrich + serialize.
 * Floors: sflowtool lines, UTF-8 decode + split(','); goflow2 JSON, UTF-8 decode + JSON.parse +
 * JSON.stringify; goflow2 protobuf, the protobufjs reader's decode of the same message.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AlertEngine } from '../dist/alert/engine.js';
import { parseConfig } from '../dist/config/parse.js';
import { decodeValue } from '../dist/decode/detect.js';
import { FlowMessage, splitDelimited } from '../dist/decode/goflow2-pb/decode.js';
import type { RecordSink } from '../dist/decode/types.js';
import { createRouter } from '../dist/fanout/route.js';
import { compileFilter } from '../dist/filter/compile.js';
import type { EncodedMessage } from '../dist/gen/encode.js';
import { sampleMessages } from '../dist/gen/sample.js';
import { AGENTS, CAMPUS_VLANS } from '../dist/gen/traffic.js';
import { createLogger } from '../dist/observability/logger.js';
import { type MessageBatch, packBatch, processBatch } from '../dist/pipeline/process.js';
import { buildStages, loadStageSpec } from '../dist/pipeline/stages.js';

export const STAGE_FORMATS = ['sflowtool', 'goflow2-json', 'goflow2-pb'] as const;
export type StageFormat = (typeof STAGE_FORMATS)[number];

export interface StageFigures {
  readonly format: StageFormat;
  readonly records: number;
  /** records/s of each stage */
  readonly floor: number;
  readonly decode: number;
  readonly reject: number;
  readonly full: number;
  /** full, with interface names (every interface in the file) and directions by networks. */
  readonly context: number;
  /** full, with three alert rules (by destination, on all traffic, by input interface). */
  readonly alerts: number;
}

export function benchMessages(format: StageFormat | 'mixed', count: number, seed = 1): EncodedMessage[] {
  return [
    ...sampleMessages({
      format,
      count,
      seed,
      start: Date.parse('2026-11-20T00:00:00Z'),
      intervalMs: 1,
      linesPerMessage: 1,
      counterEvery: 50,
    }),
  ];
}

/** Passes over the data per measure; the best counts, as the machine is shared and noisy. */
const PASSES = Number(process.env['BENCH_PASSES'] ?? 3);

/** Runs `fn` over every batch; returns records per second of CPU time, best of PASSES. */
function rate(batches: readonly MessageBatch[], records: number, fn: (b: MessageBatch) => void): number {
  // Warm-up: the JIT compiles before the clock starts.
  for (const b of batches.slice(0, 20)) fn(b);
  let best = 0;
  for (let pass = 0; pass < PASSES; pass++) {
    const cpu = process.cpuUsage();
    for (const b of batches) fn(b);
    const used = process.cpuUsage(cpu);
    best = Math.max(best, records / ((used.user + used.system) / 1e6));
  }
  return best;
}

function eachMessage(b: MessageBatch, fn: (m: Uint8Array) => void): void {
  let start = 0;
  for (let i = 0; i < b.ends.length; i++) {
    const end = b.ends[i]!;
    fn(b.data.subarray(start, end));
    start = end;
  }
}

const utf8 = new TextDecoder();
/** Results go somewhere observable, so no work can be skipped as unused. */
export let observed = 0;
const countingSink: RecordSink = {
  record: () => {
    observed++;
  },
  error: () => {
    observed++;
  },
};

function floorOf(format: StageFormat): (m: Uint8Array) => void {
  switch (format) {
    case 'sflowtool':
      return (m) => {
        observed += utf8.decode(m).split(',').length;
      };
    case 'goflow2-json':
      return (m) => {
        observed += JSON.stringify(JSON.parse(utf8.decode(m))).length;
      };
    case 'goflow2-pb':
      return (m) => {
        for (const part of splitDelimited(m) ?? [m]) observed += FlowMessage.decode(part) ? 1 : 0;
      };
  }
}

export function configText(
  tenantKeys: string[],
  extra: { root: string; prefix: string; threads: number; enrich?: string[]; sections?: string[] },
): string {
  return [
    '[kafka]',
    'brokers = 127.0.0.1:9092',
    'topic = bench',
    '[enrich]',
    `geoip_city = ${extra.root}test/fixtures/geoip/GeoLite2-City-Test.mmdb`,
    `geoip_asn = ${extra.root}test/fixtures/geoip/GeoLite2-ASN-Test.mmdb`,
    `ipmap = ${extra.root}ipmap.json`,
    `threads = ${extra.threads}`,
    ...(extra.enrich ?? []),
    '[tenant.bench]',
    'es_nodes = http://127.0.0.1:9200',
    `index_prefix = ${extra.prefix}`,
    ...tenantKeys,
    ...(extra.sections ?? []),
  ].join('\n');
}

function stagesFor(tenantKeys: string[], root: string, enrich: string[] = [], sections: string[] = []) {
  const config = parseConfig(
    configText(tenantKeys, { root, prefix: 'bench', threads: 0, enrich, sections }),
    'bench.cfg',
  );
  return buildStages(loadStageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })));
}

/** A VLAN no generated record uses: the most common Smonnet filter, rejecting everything. */
export const REJECT_ALL = ['vlan = 4000'];

/**
 * Batches of generated messages, cached under .cache/bench so each measuring process reads them
 * in a second. Only the packed bytes live in memory: a heap full of generated records would make
 * every stage pay for marking it, which a worker does not.
 */
export function packedMessages(
  format: StageFormat | 'mixed',
  count: number,
): { batches: MessageBatch[]; records: number } {
  const dir = new URL('../.cache/bench/', import.meta.url).pathname;
  const file = `${dir}${format}-${count}.bin`;
  if (!existsSync(file)) {
    const messages = benchMessages(format, count);
    const records = messages.reduce((n, m) => n + m.records.length, 0);
    const enc = new TextEncoder();
    const values = messages.map((m) => (typeof m.value === 'string' ? enc.encode(m.value) : m.value));
    const header = new Uint32Array([records, values.length, ...values.map((v) => v.length)]);
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${file}.tmp`, Buffer.concat([Buffer.from(header.buffer), ...values]));
    renameSync(`${file}.tmp`, file);
  }
  const raw = readFileSync(file);
  const words = new Uint32Array(raw.buffer, raw.byteOffset, 2);
  const [records, n] = [words[0]!, words[1]!];
  const lengths = new Uint32Array(raw.buffer.slice(raw.byteOffset + 8, raw.byteOffset + 8 + 4 * n));
  const now = Date.now();
  const batches: MessageBatch[] = [];
  let at = 8 + 4 * n;
  for (let start = 0; start < n; start += 1000) {
    const slice = [];
    for (let i = start; i < Math.min(n, start + 1000); i++) {
      slice.push({ value: raw.subarray(at, at + lengths[i]!), offset: i, timestamp: now });
      at += lengths[i]!;
    }
    batches.push(packBatch('bench', 0, slice));
  }
  return { batches, records };
}

export type Stage = 'floor' | 'decode' | 'reject' | 'full' | 'context' | 'alerts';
export const STAGES: readonly Stage[] = ['floor', 'decode', 'reject', 'full', 'context', 'alerts'];

/** Three rules of the kinds the README shows, on the bench tenant. */
const ALERT_RULES = [
  ['bench-ddos', 'group_by = destination.ip', 'above = 500M', 'for = 2m'],
  ['bench-silent', 'value = flows_per_second', 'group_by = none', 'below = 1', 'for = 10m'],
  ['bench-uplinks', 'group_by = in_if', 'above = 5G'],
].flatMap(([name, ...keys]) => [
  `[alert.${name}]`,
  'tenant = bench',
  'webhook = http://127.0.0.1:9/hook',
  ...keys,
]);

/** An interface file naming every interface the sample traffic uses, as a campus would have. */
function interfaceFile(): string {
  const file = new URL('../.cache/bench/interfaces.json', import.meta.url).pathname;
  const rows = AGENTS.flatMap((a) => [
    {
      agent: a.address,
      if_index: a.uplinkIf,
      name: `uplink-${a.uplinkIf}`,
      description: 'to the core',
      speed: 1e10,
      boundary: 'external',
      provider: 'transit-a',
    },
    ...CAMPUS_VLANS.map((v) => ({
      agent: a.address,
      if_index: v.ifIndex,
      name: `vlan${v.id}`,
      speed: 1e9,
      boundary: 'internal',
    })),
  ]);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(rows));
  return file;
}

/** Tenant i of T keeps the i-th slice of the client ports: about 1/T of the flows (none with T = 1). */
export function portShare(i: number, tenants: number): string[] {
  if (tenants === 1) return [];
  const [low, high] = [32768, 60999];
  const at = (k: number) => low + Math.floor((k * (high - low + 1)) / tenants);
  return [`port = ${at(i)}-${at(i + 1) - 1}`];
}

/**
 * The segregator's routing of a format's messages among T tenants on port shares: every filter in
 * a row, or through the filter index.
 */
export function routeRate(format: StageFormat, count: number, tenants: number, indexed: boolean): number {
  const { batches, records } = packedMessages(format, count);
  const config = parseConfig(
    [
      '[kafka]',
      ...Array.from({ length: tenants }, (_, i) => [
        `[tenant.t${i}]`,
        'es_nodes = http://127.0.0.1:9200',
        `index_prefix = t${i}`,
        ...portShare(i, tenants),
      ]).flat(),
    ].join('\n'),
    'route.cfg',
  );
  const specs = config.tenants.map((t) => t.filter);
  const route = createRouter(
    'auto',
    specs.map((f) => compileFilter(f)),
    indexed ? specs : undefined,
  );
  return rate(batches, records, (b) =>
    eachMessage(b, (m) => {
      observed += route(m).tenants.length;
    }),
  );
}

/** One stage of one format, measured in this process. */
export function stageRate(format: StageFormat, stage: Stage, count: number, root: string): number {
  const { batches, records } = packedMessages(format, count);
  switch (stage) {
    case 'floor': {
      const floor = floorOf(format);
      return rate(batches, records, (b) => eachMessage(b, floor));
    }
    case 'decode':
      return rate(batches, records, (b) =>
        eachMessage(b, (m) => decodeValue(m, 'auto', undefined, countingSink)),
      );
    case 'reject': {
      const nothing = stagesFor(REJECT_ALL, root);
      return rate(batches, records, (b) => {
        if (processBatch(b, nothing).documents !== 0) throw new Error('the reject-all filter kept documents');
      });
    }
    case 'alerts': {
      const withRules = stagesFor([], root, [], ALERT_RULES);
      const config = parseConfig(
        configText([], { root, prefix: 'bench', threads: 0, sections: ALERT_RULES }),
        'bench.cfg',
      );
      // The worker's side too: each batch's sums go into the rules' windows.
      const engine = new AlertEngine('bench', 'ecs', config.alerts, Date.now());
      return rate(batches, records, (b) => {
        const r = processBatch(b, withRules);
        if (r.documents !== r.records || r.alerts.length === 0) throw new Error('alert sums missing');
        engine.add(r.alerts, Date.now());
      });
    }
    case 'full':
    case 'context': {
      const everything =
        stage === 'full'
          ? stagesFor([], root)
          : stagesFor(['networks = 10.0.0.0/8, 2001:db8::/32'], root, [`interfaces = ${interfaceFile()}`]);
      return rate(batches, records, (b) => {
        const r = processBatch(b, everything);
        if (r.documents !== r.records) throw new Error(`${r.records - r.documents} records not indexed`);
      });
    }
  }
}

/** A measure of this module run in a process of its own: no measure inherits another's JIT or heap. */
function measureAlone(format: StageFormat, measure: string, count: number): number {
  const out = execFileSync(
    process.execPath,
    ['--import', 'tsx', fileURLToPath(import.meta.url), format, measure, String(count)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return Number(out.trim().split('\n').at(-1));
}

/** Every stage in a process of its own, as a worker runs one tenant. */
export function stageFigures(format: StageFormat, count: number): StageFigures {
  packedMessages(format, count); // generate once, before the measuring processes read it
  const measure = (stage: Stage): number => measureAlone(format, stage, count);
  const [floor, decode, reject, full, context, alerts] = STAGES.map(measure) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return { format, records: count, floor, decode, reject, full, context, alerts };
}

/** The segregator's routing rate among `tenants`, in a process of its own. */
export function routeFigure(format: StageFormat, count: number, tenants: number, indexed: boolean): number {
  packedMessages(format, count);
  return measureAlone(format, `route:${tenants}:${indexed ? 'index' : 'row'}`, count);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const root = new URL('../', import.meta.url).pathname;
  const [format, stage, count] = process.argv.slice(2) as [
    StageFormat,
    Stage | undefined,
    string | undefined,
  ];
  if (stage?.startsWith('route:')) {
    // route:T:index or route:T:row
    const [, tenants, how] = stage.split(':');
    console.log(routeRate(format, Number(count), Number(tenants), how === 'index'));
  } else if (stage !== undefined) {
    // A measuring process: print the rate.
    console.log(stageRate(format, stage, Number(count), root));
  } else {
    const n = Number(process.env['BENCH_STAGE_RECORDS'] ?? 1_000_000);
    for (const f of format ? [format] : STAGE_FORMATS) {
      const r = stageFigures(f, n);
      const us = (x: number) => (1e6 / x).toFixed(2);
      console.log(
        `${f}: floor ${us(r.floor)} µs, decode ${us(r.decode)} µs (${(r.decode / r.floor).toFixed(2)} of floor), reject ${us(r.reject)} µs, full ${us(r.full)} µs (${(r.full / r.floor).toFixed(2)} of floor), reject/full ${(r.full / r.reject).toFixed(3)}, with interfaces and direction ${us(r.context)} µs (${(r.full / r.context).toFixed(3)} of full), with three alert rules ${us(r.alerts)} µs (${(r.full / r.alerts).toFixed(3)} of full)`,
      );
    }
  }
}
