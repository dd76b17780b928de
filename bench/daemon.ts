/** The benchmark's daemon: a supervisor with T tenants on a topic of its own, and a timed drain run on it. */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { ES_URL, root, run, sleep, TRACE, WARMUP } from './common.js';
import { BROKERS, createTopic, produceAll } from './kafka.js';
import { cpuSeconds, peakRssMb } from './proc.js';
import { benchMessages, portShare } from './stages.js';

// 4. and 5. -----------------------------------------------------------------------------------
export interface Live {
  state?: string;
  pids: number[];
  lag: number | null;
  stats: { consumed: number; indexed: number; filteredOut: number; deadLettered: number };
}

export interface Daemon {
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

export async function startDaemon(
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
export async function drainRun(
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
