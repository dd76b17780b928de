/**
 * `npm run bench`: one run on the local Kafka and Elasticsearch (`npm run services -- up`),
 * printed as tables and written to bench/results.md.
 *
 *   1. Stage rates per input format, one worker on one core (bench/stages.ts), beside the floor
 *      of the language on the same bytes, and what a rejected record costs next to an indexed one.
 *   2. The enrichment pool against inline processing.
 *   3. Kafka's limit (smonnet's consumer alone), Elasticsearch's limit (the final documents
 *      bulk-loaded directly) and one tenant end to end, with the CPU each process used.
 *   4. Tenant scaling: 1, 8, 24, 48 tenants of the daemon on one pre-filled topic, direct and fan-out.
 *   5. Lag of 8 tenants under a steady 20,000 records/s, then under a rate this host sustains.
 *   6. One worker's memory while its Elasticsearch is down for 65 s under 700 records/s (outage.ts).
 *
 * Sizes: BENCH_STAGE_RECORDS (1000000), BENCH_RECORDS (200000), BENCH_LAG_SECONDS (60),
 * BENCH_LAG_RATES (20000,6000); BENCH_ONLY=stages,pool,limits,scaling,lag,outage runs a subset. For trying
 * worker settings end to end: BENCH_THREADS, BENCH_CHUNK, BENCH_PARTITIONS,
 * BENCH_BULKS, BENCH_INFLIGHT_MB; for scaling,
 * BENCH_SCALING=8x0,24x0f (tenants x threads, f: fan-out mode).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { Client } from '@elastic/elasticsearch';
import { parseConfig } from '../dist/config/parse.js';
import { createLogger } from '../dist/observability/logger.js';
import { createProcessor } from '../dist/pipeline/pool.js';
import { type MessageBatch, processBatch } from '../dist/pipeline/process.js';
import { buildStages, loadStageSpec } from '../dist/pipeline/stages.js';
import { itemRanges } from '../dist/sink/elasticsearch/bulk-body.js';
import { installTemplates } from '../dist/sink/elasticsearch/template.js';
import { TenantWorker } from '../dist/worker/tenant-worker.js';
import { clients, codecs } from './compare.js';
import {
  asOut,
  BROKERS,
  createTopic,
  deleteTopicsOf,
  kafkaLimit,
  produceAll,
  producer,
  storedBytes,
} from './kafka.js';
import { outage } from './outage.js';
import { cpuMeter, cpuSeconds, peakRssMb, pin, servicePid } from './proc.js';
import {
  benchMessages,
  configText,
  packedMessages,
  portShare,
  routeFigure,
  STAGE_FORMATS,
  stageFigures,
} from './stages.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const STAGE_RECORDS = env('BENCH_STAGE_RECORDS', 1_000_000);
const RECORDS = env('BENCH_RECORDS', 200_000);
const LAG_SECONDS = env('BENCH_LAG_SECONDS', 60);
const LAG_RATES = (process.env['BENCH_LAG_RATES'] ?? '20000,6000').split(',').map(Number);
/** BENCH_TRACE=1: the scaling section prints its progress at every poll (stderr). */
const TRACE = process.env['BENCH_TRACE'] === '1';
/** Records of the untimed burst each scaling run starts with (BENCH_WARMUP; 0: none). */
const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 20_000);
const SECTIONS = 'stages,pool,limits,scaling,codecs,clients,lag,outage';
/** Another checkout, built (`npm ci && npm run build`): section 7 runs its daemon beside this one's. */
const BASELINE = process.env['BENCH_BASELINE']?.replace(/\/?$/, '/');
const ONLY = new Set((process.env['BENCH_ONLY'] ?? SECTIONS).split(','));
const ES_URL = process.env['ES_URL'] ?? 'http://127.0.0.1:9200';
const root = new URL('../', import.meta.url).pathname;
const run = `bench-${Date.now().toString(36)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const round = (n: number, digits = 0) => n.toFixed(digits);
const us = (perSecond: number) => round(1e6 / perSecond, 2);

const out: string[] = [];
function say(line = ''): void {
  console.log(line);
  out.push(line);
}

function tenantConfig(topic: string, prefix: string, threads: number): ReturnType<typeof parseConfig> {
  const text = configText([], { root, prefix, threads })
    .replace('brokers = 127.0.0.1:9092', `brokers = ${BROKERS}`)
    .replace('topic = bench', `topic = ${topic}\ndead_letter_topic = ${topic}.dlq\ngroup_prefix = ${prefix}`)
    .replace('es_nodes = http://127.0.0.1:9200', `es_nodes = ${ES_URL}`);
  return parseConfig(text, 'bench.cfg');
}

// 1. ------------------------------------------------------------------------------------------
function stages(): void {
  say(`## 1. Stage rates: one worker, one core, ${STAGE_RECORDS} records per format`);
  say();
  say('Each stage runs in a process of its own on the compiled code, best of 3 passes, CPU time.');
  say("Floors: sflowtool, UTF-8 decode + `split(',')`; goflow2 JSON, UTF-8 decode + `JSON.parse` +");
  say('`JSON.stringify`; goflow2 protobuf, protobufjs `decode`. "reject" is decode + a filter');
  say('(`vlan = 4000`) that rejects every record; "full" is decode + filter + enrich + serialize;');
  say('"+ interfaces" is full with an interface file naming every interface and directions by the');
  say('tenant\'s networks; "+ 3 alert rules" is full with three rules (by destination, on all traffic,');
  say("by input interface), their sums made in the processing stage and added to the rules' windows.");
  say();
  say(
    '| format | floor µs | decode µs (× floor rate) | reject µs | full µs (× floor rate) | reject / full cost | + interfaces µs (cost / full) | + 3 alert rules µs (cost / full) |',
  );
  say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const format of STAGE_FORMATS) {
    const f = stageFigures(format, STAGE_RECORDS);
    say(
      `| ${format} | ${us(f.floor)} | ${us(f.decode)} (${round(f.decode / f.floor, 2)}) | ${us(f.reject)} | ${us(f.full)} (${round(f.full / f.floor, 2)}) | ${round((100 * f.full) / f.reject, 1)} % | ${us(f.context)} (${round(f.full / f.context, 3)}) | ${us(f.alerts)} (${round(f.full / f.alerts, 3)}) |`,
    );
  }
  say();
  say(
    "The segregator's routing (fan-out mode), sflowtool, each tenant on a share of the client ports: every tenant's filter tested in a row, or only the candidates the filter index finds by the record's ports.",
  );
  say();
  say('| tenants | filters in a row µs/record | filter index µs/record |');
  say('| ---: | ---: | ---: |');
  for (const tenants of [24, 200]) {
    const row = routeFigure('sflowtool', STAGE_RECORDS, tenants, false);
    const index = routeFigure('sflowtool', STAGE_RECORDS, tenants, true);
    say(`| ${tenants} | ${us(row)} | ${us(index)} |`);
  }
  say();
}

// 2. ------------------------------------------------------------------------------------------
async function poolRate(batches: readonly MessageBatch[], records: number, threads: number) {
  const config = tenantConfig('bench', 'bench', threads);
  const processor = createProcessor(
    loadStageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })),
    threads,
  );
  const copy = (b: MessageBatch): MessageBatch => ({ ...b, data: b.data.slice() });
  await Promise.all(batches.slice(0, 8).map((b) => processor.process(copy(b))));
  const inputs = batches.map(copy);
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  // Every batch queued at once, as the worker does with a fetch.
  await Promise.all(inputs.map((b) => processor.process(b)));
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const used = process.cpuUsage(cpu);
  await processor.close();
  return { rate: records / seconds, cpuUs: (used.user + used.system) / records };
}

async function pool(): Promise<void> {
  say(`## 2. The enrichment pool: processing stage, ${RECORDS} records, every record indexed`);
  say();
  say('| format | threads | records/s (wall) | CPU µs / record |');
  say('| --- | ---: | ---: | ---: |');
  for (const format of ['sflowtool', 'goflow2-json'] as const) {
    const { batches, records } = packedMessages(format, RECORDS);
    for (const threads of [0, 1, 2]) {
      const r = await poolRate(batches, records, threads);
      say(`| ${format} | ${threads === 0 ? 'inline' : threads} | ${round(r.rate)} | ${round(r.cpuUs, 1)} |`);
    }
  }
  say();
}

// 3. ------------------------------------------------------------------------------------------
async function produce(topic: string, count: number, seed: number): Promise<number> {
  const messages = benchMessages('sflowtool', count, seed);
  await produceAll(
    topic,
    messages.map((m) => ({ key: m.key, value: m.value as string })),
  );
  return messages.reduce((n, m) => n + m.records.length, 0);
}

interface Measured {
  rate: number;
  /** CPU µs per record of: this process (the worker or the loader), Elasticsearch, Kafka. */
  cpu: { self: number; es: number; kafka: number };
}

function meter() {
  const stop = cpuMeter({ es: servicePid('es'), kafka: servicePid('kafka') });
  const self = process.cpuUsage();
  return (records: number) => {
    const s = stop();
    const used = process.cpuUsage(self);
    return {
      self: (used.user + used.system) / records,
      es: (s['es']! * 1e6) / records,
      kafka: (s['kafka']! * 1e6) / records,
    };
  };
}

/** The tenant worker of a checkout's compiled code: this one, or BENCH_BASELINE's. */
type WorkerClass = typeof TenantWorker;

async function endToEnd(
  topic: string,
  total: number,
  prefix: string,
  Worker: WorkerClass = TenantWorker,
): Promise<Measured & { rss: number }> {
  const config = tenantConfig(topic, prefix, env('BENCH_THREADS', 2));
  const rssBefore = process.memoryUsage().rss;
  let rssPeak = rssBefore;
  const rssTimer = setInterval(() => {
    rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
  }, 100);
  const worker = new Worker(config, config.tenants[0]!, createLogger({ level: 'warn' }), {
    ...(process.env['BENCH_CHUNK'] && { chunkMessages: Number(process.env['BENCH_CHUNK']) }),
    ...(process.env['BENCH_BULKS'] && { bulksInFlight: Number(process.env['BENCH_BULKS']) }),
    ...(process.env['BENCH_INFLIGHT_MB'] && {
      maxInFlightBytes: Number(process.env['BENCH_INFLIGHT_MB']) * 1024 * 1024,
    }),
  });
  await worker.start();
  // Steady state: from the first settled chunk (group join and template install excluded, as a
  // bulk load has neither) to the last.
  while (worker.stats.consumed === 0) await sleep(5);
  const first = worker.stats.consumed;
  const started = process.hrtime.bigint();
  const stop = meter();
  while (worker.stats.consumed < total) await sleep(5);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = stop(total - first);
  await worker.stop();
  clearInterval(rssTimer);
  if (worker.stats.indexed !== total)
    throw new Error(`end to end indexed ${worker.stats.indexed} of ${total}`);
  return { rate: (total - first) / seconds, cpu, rss: rssPeak / 2 ** 20 };
}

/** The same documents the worker indexes, straight into Elasticsearch, `concurrency` bulks in flight. */
async function directLoad(
  es: Client,
  bodies: readonly Uint8Array[],
  concurrency: number,
  prefix: string,
): Promise<Measured> {
  await installTemplates(es, prefix, 'ecs');
  let next = 0;
  let docs = 0;
  const started = process.hrtime.bigint();
  const stop = meter();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!;
        const r = (await es.transport.request({
          method: 'POST',
          path: '/_bulk',
          bulkBody: Buffer.from(body),
          querystring: { filter_path: 'errors' },
        })) as { errors: boolean };
        if (r.errors) throw new Error('direct bulk load had item errors');
        docs += itemRanges(body).length;
      }
    }),
  );
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  return { rate: docs / seconds, cpu: stop(docs) };
}

function bulkBodies(
  topic: string,
  prefix: string,
  messages: ReturnType<typeof packedMessages>,
): Uint8Array[] {
  const config = tenantConfig(topic, prefix, 0);
  const st = buildStages(loadStageSpec(config, config.tenants[0]!, createLogger({ level: 'silent' })));
  return messages.batches.map((b) => processBatch({ ...b, topic }, st).body);
}

interface LimitFigures {
  e2e: number;
  limit: number;
}

/** Two rounds of: one tenant end to end, then the same documents bulk-loaded directly. */
async function limitRounds(
  es: Client,
  topic: string,
  total: number,
  messages: ReturnType<typeof packedMessages>,
  placement: string,
): Promise<LimitFigures> {
  let e2e = 0;
  let limit = 0;
  for (let roundNo = 1; roundNo <= 2; roundNo++) {
    const tag = `${placement.replace(/\W/g, '')}${roundNo}`;
    const b = await endToEnd(topic, total, `${run}-e2e${tag}`);
    say(
      `| ${placement} | end to end, one tenant, round ${roundNo} | ${round(b.rate)} | ${round(b.cpu.self, 1)} | ${round(b.cpu.es, 1)} | ${round(b.cpu.kafka, 1)} |`,
    );
    e2e = Math.max(e2e, b.rate);
    for (const concurrency of [2, 4]) {
      const prefix = `${run}-direct${tag}c${concurrency}`;
      const c = await directLoad(es, bulkBodies(topic, prefix, messages), concurrency, prefix);
      say(
        `| ${placement} | Elasticsearch limit: bulk-loaded directly, ${concurrency} in flight, round ${roundNo} | ${round(c.rate)} | ${round(c.cpu.self, 1)} | ${round(c.cpu.es, 1)} | ${round(c.cpu.kafka, 1)} |`,
      );
      limit = Math.max(limit, c.rate);
    }
  }
  return { e2e, limit };
}

/**
 * Runs `fn` with Elasticsearch alone on the last core and everything else (Kafka, this process,
 * the worker and its threads) on the others: a tenant's Elasticsearch normally has machines of
 * its own, and on a shared 2-core host every µs the worker uses is taken from Elasticsearch.
 */
async function withElasticsearchOnItsOwnCore<T>(fn: () => Promise<T>): Promise<T | undefined> {
  const esPid = servicePid('es');
  const kafkaPid = servicePid('kafka');
  const n = cpus().length;
  if (!esPid || !kafkaPid || n < 2 || !pin(process.pid, '0')) return undefined;
  const all = `0-${n - 1}`;
  const others = n === 2 ? '0' : `0-${n - 2}`;
  try {
    pin(esPid, String(n - 1));
    pin(kafkaPid, others);
    pin(process.pid, others);
    return await fn();
  } finally {
    for (const pid of [esPid, kafkaPid, process.pid]) pin(pid, all);
  }
}

async function limits(es: Client, topic: string, total: number): Promise<void> {
  say(`## 3. Limits and one tenant end to end: ${total} sflowtool records, every record indexed`);
  say();
  const bare = await kafkaLimit(topic, total, `${run}-bare`);
  say(
    `Kafka limit, smonnet's consumer alone, counting (4 partitions): **${round(bare.rate)} records/s**, ${round(bare.cpuUs, 1)} CPU µs/record in the consumer.`,
  );
  say();
  const messages = packedMessages('sflowtool', total);
  await directLoad(es, bulkBodies(topic, `${run}-warm`, messages), 2, `${run}-warm`); // Elasticsearch's JIT and caches
  say(
    '"shared": every process may run on every core. "own core": Elasticsearch alone on one core, Kafka and the worker (or the loader) on the other.',
  );
  say();
  say('| cores | measure | records/s | CPU µs/record: worker or loader | Elasticsearch | Kafka |');
  say('| --- | --- | ---: | ---: | ---: | ---: |');
  const shared = await limitRounds(es, topic, total, messages, 'shared');
  const own = await withElasticsearchOnItsOwnCore(() => limitRounds(es, topic, total, messages, 'own core'));
  say();
  say(
    `End to end / Elasticsearch limit, best of each (goal ≥ 0.9): **${round(shared.e2e / shared.limit, 2)}** with shared cores` +
      (own
        ? `, **${round(own.e2e / own.limit, 2)}** with Elasticsearch on its own core.`
        : '; the own-core run needs taskset and at least 2 cores.'),
  );
  say();
}

// 4. and 5. -----------------------------------------------------------------------------------
interface Live {
  state?: string;
  pids: number[];
  lag: number | null;
  stats: { consumed: number; indexed: number; filteredOut: number; deadLettered: number };
}

interface Daemon {
  child: ChildProcess;
  tenants(): Promise<{ name: string; live: Live | null }[]>;
  /** Fan-out mode's segregator; null in direct mode. */
  segregator(): Promise<Live | null>;
  /** Resolves once every worker (and the segregator) has joined its group and runs. */
  running(): Promise<void>;
  stop(): Promise<void>;
}

export interface DaemonOptions {
  readonly mode?: 'direct' | 'fanout';
  /** The checkout whose compiled daemon runs (BENCH_BASELINE); this one when absent. */
  readonly checkout?: string;
  /** Every tenant keeps every record (no filter) instead of its share of the client ports. */
  readonly unfiltered?: boolean;
  readonly compression?: string;
}

async function startDaemon(
  topic: string,
  tenants: number,
  threads: number,
  tag: string,
  { mode = 'direct', checkout = root, unfiltered = false, compression }: DaemonOptions = {},
): Promise<Daemon> {
  const dir = `${root}.cache/bench/${run}-${tag}`;
  mkdirSync(dir, { recursive: true });
  const port = 18_000 + Math.floor(Math.random() * 2000);
  const sections = Array.from({ length: tenants }, (_, i) =>
    [
      `[tenant.t${i + 1}]`,
      `es_nodes = ${ES_URL}`,
      `index_prefix = ${run}-${tag}-t${i + 1}`,
      ...(unfiltered ? [] : portShare(i, tenants)),
    ].join('\n'),
  );
  const text = [
    '[kafka]',
    `brokers = ${BROKERS}`,
    `topic = ${topic}`,
    `dead_letter_topic = ${topic}.dlq`,
    `group_prefix = ${run}-${tag}`,
    `mode = ${mode}`,
    ...(compression ? [`compression = ${compression}`] : []),
    '[enrich]',
    `geoip_city = ${root}test/fixtures/geoip/GeoLite2-City-Test.mmdb`,
    `geoip_asn = ${root}test/fixtures/geoip/GeoLite2-ASN-Test.mmdb`,
    `ipmap = ${root}ipmap.json`,
    `threads = ${threads}`,
    '[procapi]',
    `listen = 127.0.0.1:${port}`,
    '[supervisor]',
    `runtime_dir = ${dir}`,
    'log_level = warn',
    ...sections,
    '',
  ].join('\n');
  writeFileSync(`${dir}/api.cfg`, text);
  const token = `${run}-token`;
  const child = spawn(process.execPath, [`${checkout}dist/cli/main.js`, 'run', '-c', `${dir}/api.cfg`], {
    env: { ...process.env, SMONNET_API_TOKEN: token },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  // A bench that fails must not leave a daemon and its workers loading the host for the next one.
  const orphaned = () => child.kill('SIGTERM');
  process.once('exit', orphaned);
  child.once('exit', () => process.off('exit', orphaned));
  type Listing = { tenants: Awaited<ReturnType<Daemon['tenants']>>; segregator?: Live | null };
  const listing = async (): Promise<Listing> => {
    for (let attempt = 1; ; attempt++) {
      try {
        // A fresh connection each time: a kept-alive one the busy daemon is closing fails the request.
        const res = await fetch(`http://127.0.0.1:${port}/api/v1/tenants`, {
          headers: { authorization: `Bearer ${token}`, connection: 'close' },
        });
        return (await res.json()) as Listing;
      } catch (err) {
        if (attempt === 3 || child.exitCode !== null) throw err;
        await sleep(200);
      }
    }
  };
  const api = async () => (await listing()).tenants;
  const daemon: Daemon = {
    child,
    tenants: api,
    segregator: async () => (await listing()).segregator ?? null,
    running: async () => {
      for (let i = 0; ; i++) {
        const { tenants: list, segregator } = await listing();
        const runs = (l: { state?: string } | null | undefined) => l?.state === 'running';
        if (list.every((t) => runs(t.live)) && (mode === 'direct' || runs(segregator))) return;
        if (i > 1200) throw new Error("the daemon's workers did not all run within 120 s");
        await sleep(100);
      }
    },
    stop: async () => {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    },
  };
  for (let i = 0; ; i++) {
    const list = await api().catch(() => undefined);
    if (list && list.length === tenants && list.every((t) => (t.live?.pids.length ?? 0) > 0)) break;
    if (i > 600) throw new Error('daemon did not start its tenants within 60 s');
    await sleep(100);
  }
  return daemon;
}

async function scaling(total: number): Promise<void> {
  say(`## 4. Tenant scaling: T tenants of a running daemon drain a burst of ${total} sflowtool records`);
  say();
  say('Each tenant keeps about 1/T of the flows (`port` = its share of the client ports; with T = 1,');
  say('no filter). In `direct` mode each tenant is its own consumer group reading the whole topic; in');
  say('`fanout` mode one segregator reads it, and each tenant reads its own topic. Each run has a topic');
  say('of its own (4 partitions), empty while the daemon starts; once every worker runs, an untimed');
  say(`burst of ${WARMUP} records warms them (a daemon runs for months: its code is compiled by then),`);
  say(
    'then the records are produced as fast as one producer can. Time runs from the first send until every tenant has',
  );
  say('read and settled all it gets; CPU counts every worker (and the segregator) over that time.');
  say('Kafka, Elasticsearch and the producer share the host; where the burst took about as long to');
  say("produce as to drain, the figure is the producer's limit, not the daemon's.");
  say();
  say(
    '| tenants | mode | threads per tenant | records of the topic drained/s | burst produced in s | CPU s per million topic records, all workers | of which the segregator | supervisor RSS MB | worker RSS MB (peak, max) | segregator RSS MB |',
  );
  say('| ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  type Run = readonly [number, number, 'direct' | 'fanout'];
  const plan: Run[] = process.env['BENCH_SCALING']
    ? process.env['BENCH_SCALING'].split(',').map((p) => {
        const [t, rest] = p.split('x') as [string, string];
        return [Number(t), Number.parseInt(rest, 10), rest.endsWith('f') ? 'fanout' : 'direct'] as const;
      })
    : [
        [1, 2, 'direct'],
        [8, 0, 'direct'],
        [24, 0, 'direct'],
        [48, 0, 'direct'],
        [1, 0, 'fanout'],
        [8, 0, 'fanout'],
        [24, 0, 'fanout'],
        [48, 0, 'fanout'],
      ];
  for (const [tenants, threads, mode] of plan) {
    const f = await drainRun(tenants, threads, { mode }, total);
    say(
      `| ${tenants} | ${mode} | ${threads === 0 ? 'inline' : threads} | ${round(f.rate)} | ${round(f.producedIn, 1)} | ${round(f.cpuPerMillion, 1)} | ${f.segregatorCpuPerMillion === undefined ? '-' : round(f.segregatorCpuPerMillion, 1)} | ${round(f.supervisorRss)} | ${round(f.workerRss)} | ${f.segregatorRss === undefined ? '-' : round(f.segregatorRss)} |`,
    );
  }
  say();
}

export interface DrainFigures {
  /** Records of the topic drained per second. */
  rate: number;
  producedIn: number;
  /** CPU seconds per million topic records, every worker and the segregator. */
  cpuPerMillion: number;
  segregatorCpuPerMillion: number | undefined;
  supervisorRss: number;
  /** The largest peak resident memory of any worker, MB. */
  workerRss: number;
  segregatorRss: number | undefined;
  /** The topics the run wrote: the source topic and, in fan-out mode, the tenant topics. */
  topic: string;
  tenantTopics: string[];
}

/**
 * One scaling run: a daemon of `tenants` on a topic of its own, warmed by an untimed burst, then
 * timed while it drains `total` records produced as fast as one producer can.
 */
async function drainRun(
  tenants: number,
  threads: number,
  options: DaemonOptions,
  total: number,
): Promise<DrainFigures> {
  const mode = options.mode ?? 'direct';
  const messages = benchMessages('sflowtool', total, 1).map((m) => ({
    key: m.key,
    value: m.value as string,
  }));
  const tag = `s${tenants}x${threads}${mode[0]}${options.compression ?? ''}${options.checkout ? 'b' : ''}${Math.random().toString(36).slice(2, 6)}`;
  // A topic per run: fan-out's tenant topics are named after it, so no run reads another's.
  const topic = `${run}-${tag}`;
  await createTopic(topic, 4);
  const daemon = await startDaemon(topic, tenants, threads, tag, options);
  await daemon.running();
  let list = await daemon.tenants();
  let segregator = await daemon.segregator();
  /** Waits until the topic's first `expected` records were read and settled by every runner. */
  const drained = async (expected: number, since: number): Promise<void> => {
    for (;;) {
      list = await daemon.tenants();
      segregator = await daemon.segregator();
      const consumed = list.map((t) => t.live?.stats.consumed ?? 0);
      const settled = list.every((t) => t.live?.lag === 0);
      const done =
        mode === 'direct'
          ? consumed.every((c) => c >= expected) && settled
          : (segregator?.stats.consumed ?? 0) >= expected &&
            segregator?.lag === 0 &&
            // Every record routed was read by its tenants (a record goes to one tenant here).
            consumed.reduce((a, b) => a + b, 0) >= (segregator?.stats.indexed ?? 0) &&
            settled;
      if (TRACE)
        process.stderr.write(
          `${((Date.now() - since) / 1000).toFixed(2)}s segregator ${segregator?.stats.consumed ?? '-'} routed ${segregator?.stats.indexed ?? '-'} lag ${segregator?.lag ?? '-'} | tenants consumed ${consumed.reduce((a, b) => a + b, 0)} indexed ${list.reduce((a, t) => a + (t.live?.stats.indexed ?? 0), 0)} settled ${list.filter((t) => t.live?.lag === 0).length}/${list.length}\n`,
        );
      if (done) return;
      await sleep(250);
    }
  };
  // A daemon runs for months: its workers' code is compiled and optimized by the time a burst
  // comes. An untimed burst first, or a run of T tenants would time V8 warming T processes.
  if (WARMUP > 0) {
    await produceAll(topic, messages.slice(0, WARMUP));
    await drained(WARMUP, Date.now());
  }
  const pids = [...list.flatMap((t) => t.live?.pids ?? []), ...(segregator?.pids ?? [])];
  const cpuBefore = new Map(pids.map((pid) => [pid, cpuSeconds(pid)]));
  const started = Date.now();
  let producedIn = 0;
  const sent = produceAll(topic, messages).then(() => {
    producedIn = (Date.now() - started) / 1000;
  });
  await drained(WARMUP + total, started);
  const seconds = (Date.now() - started) / 1000;
  await sent;
  const cpuOf = (of: readonly number[]) =>
    of.reduce((n, pid) => n + cpuSeconds(pid) - (cpuBefore.get(pid) ?? 0), 0);
  const cpu = cpuOf(pids);
  const segregatorCpu = segregator ? cpuOf(segregator.pids) : undefined;
  const workerRss = Math.max(...list.flatMap((t) => t.live?.pids ?? []).map(peakRssMb));
  const segregatorRss = segregator ? Math.max(...segregator.pids.map(peakRssMb)) : undefined;
  const supervisorRss = peakRssMb(daemon.child.pid!);
  await daemon.stop();
  return {
    rate: total / seconds,
    producedIn,
    cpuPerMillion: (cpu / total) * 1e6,
    segregatorCpuPerMillion: segregatorCpu === undefined ? undefined : (segregatorCpu / total) * 1e6,
    supervisorRss,
    workerRss,
    segregatorRss,
    topic,
    tenantTopics: mode === 'fanout' ? list.map((t) => `${topic}.tenant.${t.name}`) : [],
  };
}

async function lag(rate: number, section: string): Promise<void> {
  const tenants = 8;
  const topic = `${run}-lag-${rate}`;
  say(`## ${section}. Lag: ${tenants} tenants under ${rate} records/s for ${LAG_SECONDS} s`);
  say();
  await createTopic(topic, 4);
  const daemon = await startDaemon(topic, tenants, 0, `lag-${rate}`); // inline: what threads = auto picks here
  const out = producer();
  // Generated ahead, so producing costs only the sending.
  const messages = benchMessages('sflowtool', rate * LAG_SECONDS, 5).map((m) => ({
    key: m.key,
    value: m.value as string,
  }));
  const samples: { at: number; max: number; total: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => {
    void daemon.tenants().then((list) => {
      const lags = list.map((t) => t.live?.lag ?? 0);
      samples.push({
        at: (Date.now() - started) / 1000,
        max: Math.max(...lags),
        total: lags.reduce((a, b) => a + b, 0),
      });
    });
  }, 1000);
  // 10 sends a second, each a tenth of the rate, on schedule (late sends catch up).
  const perTick = rate / 10;
  for (let tick = 0; tick * perTick < messages.length; tick++) {
    const due = started + tick * 100;
    if (Date.now() < due) await sleep(due - Date.now());
    await out.send(asOut(topic, messages.slice(tick * perTick, (tick + 1) * perTick)));
  }
  const producedIn = (Date.now() - started) / 1000;
  await out.close();
  let drainedAt = 0;
  for (let i = 0; i < 600 && drainedAt === 0; i++) {
    await sleep(1000);
    const last = samples.at(-1);
    if (last && last.at > producedIn && last.max === 0) drainedAt = last.at;
  }
  clearInterval(sampler);
  const list = await daemon.tenants();
  const workerRss = list.flatMap((t) => t.live?.pids ?? []).map(peakRssMb);
  const supervisorRss = peakRssMb(daemon.child.pid!);
  await daemon.stop();
  say(
    `Produced ${messages.length} records in ${round(producedIn, 1)} s (${round(messages.length / producedIn)} records/s).`,
  );
  say(
    `Largest lag of any tenant: **${Math.max(...samples.map((s) => s.max))} records**; every tenant at lag 0 ${drainedAt ? `${round(drainedAt - producedIn, 1)} s after the last record was produced` : 'never within 10 min'}.`,
  );
  say(
    `Peak resident memory: supervisor ${round(supervisorRss)} MB, workers ${round(Math.min(...workerRss))}–${round(Math.max(...workerRss))} MB (limit 200 MB).`,
  );
  say();
  say('| second | largest tenant lag | all tenants |');
  say('| ---: | ---: | ---: |');
  for (const s of samples.filter((_, i) => i % 5 === 0 || i === samples.length - 1))
    say(`| ${round(s.at)} | ${s.max} | ${s.total} |`);
  say();
}

async function main(): Promise<void> {
  const es = new Client({ node: ES_URL });
  const topic = `${run}-topic`;
  say('# smonnet benchmark');
  say();
  say(
    `Machine: ${cpus().length} cores (${cpus()[0]?.model.trim()}), ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}, Kafka 3.9.2 (KRaft, one node), Elasticsearch 8.19.21 (one node, 1 GiB heap), all on 127.0.0.1. GeoIP City + ASN test databases and the sample IP map.`,
  );
  say();
  try {
    if (ONLY.has('stages')) stages();
    if (ONLY.has('pool')) await pool();
    let total = 0;
    if (ONLY.has('limits') || (BASELINE && ONLY.has('clients'))) {
      await createTopic(topic, 4);
      total = await produce(topic, RECORDS, 1);
    }
    if (ONLY.has('limits')) await limits(es, topic, total);
    if (ONLY.has('scaling')) await scaling(RECORDS);
    if (ONLY.has('lag'))
      for (const [i, rate] of LAG_RATES.entries()) await lag(rate, LAG_RATES.length > 1 ? `5.${i + 1}` : '5');
    if (ONLY.has('codecs')) await codecs({ say, drainRun, storedBytes }, RECORDS, WARMUP);
    if (BASELINE && ONLY.has('clients'))
      await clients(
        {
          say,
          baseline: BASELINE,
          drainRun,
          endToEnd: async (checkout, tag) => {
            const Worker =
              checkout === root
                ? TenantWorker
                : ((await import(`${checkout}dist/worker/tenant-worker.js`)) as { TenantWorker: WorkerClass })
                    .TenantWorker;
            return endToEnd(topic, total, `${run}-cl${tag}`, Worker);
          },
        },
        RECORDS,
        root,
      );
    if (ONLY.has('outage'))
      await outage(
        {
          root,
          say,
          createTopic,
          startDaemon,
          messages: (n) =>
            benchMessages('sflowtool', n, 7).map((m) => ({ key: m.key, value: m.value as string })),
        },
        `${run}-outage`,
      );
    if (ONLY.size === SECTIONS.split(',').length)
      writeFileSync(new URL('results.md', import.meta.url), `${out.join('\n')}\n`);
  } finally {
    await es.indices
      .delete({ index: `${run}-*`, ignore_unavailable: true, allow_no_indices: true })
      .catch(() => {});
    await es.indices.deleteIndexTemplate({ name: `smonnet-${run}-*` }).catch(() => {});
    await es.close();
    await deleteTopicsOf(run);
  }
}

await main();
