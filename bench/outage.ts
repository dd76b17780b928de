/**
 * Section 6 of `npm run bench`: one tenant's worker memory while its Elasticsearch is down under a
 * steady stream, and while it catches up afterwards, against its budget (worker_memory + 20 %).
 */
import { execFileSync } from 'node:child_process';
import type { Kafka } from 'kafkajs';
import { rssMb } from './proc.js';

export interface OutageDeps {
  readonly kafka: Kafka;
  readonly root: string;
  readonly say: (line?: string) => void;
  readonly createTopic: (topic: string, partitions: number) => Promise<void>;
  readonly startDaemon: (
    topic: string,
    tenants: number,
    threads: number,
    tag: string,
  ) => Promise<{
    child: { pid?: number | undefined };
    tenants(): Promise<{ live: { lag: number | null; pids: number[] } | null }[]>;
    stop(): Promise<void>;
  }>;
  readonly messages: (count: number) => { key: string; value: string }[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The worker's default budget (worker_memory = 160) and the 20 % the goal allows above it. */
const BUDGET_MB = 160;

export async function outage(
  d: OutageDeps,
  topic: string,
  rate = 700,
  downAt = 10,
  downFor = 65,
): Promise<void> {
  const services = (...args: string[]) =>
    execFileSync('bash', [`${d.root}scripts/services.sh`, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const seconds = downAt + downFor + 15;
  d.say(`## 6. Memory while Elasticsearch is down: one tenant, ${rate} records/s for ${seconds} s`);
  d.say();
  d.say(
    `Elasticsearch is stopped from second ${downAt} to ${downAt + downFor}; the worker's resident memory is read every second until its lag is 0 again (budget ${BUDGET_MB} MB, goal ≤ ${BUDGET_MB * 1.2} MB).`,
  );
  d.say();
  await d.createTopic(topic, 4);
  const daemon = await d.startDaemon(topic, 1, 0, 'outage');
  const producer = d.kafka.producer();
  await producer.connect();
  const all = d.messages(rate * seconds);
  const samples: { at: number; rss: number; lag: number; phase: string }[] = [];
  const started = Date.now();
  let phase = 'before';
  const sampler = setInterval(() => {
    void daemon.tenants().then((list) => {
      const live = list[0]?.live;
      const pid = live?.pids[0];
      samples.push({
        at: (Date.now() - started) / 1000,
        rss: pid ? rssMb(pid) : 0,
        lag: live?.lag ?? 0,
        phase,
      });
    });
  }, 1000);
  const perTick = rate / 10;
  for (let tick = 0; tick * perTick < all.length; tick++) {
    const due = started + tick * 100;
    if (Date.now() < due) await sleep(due - Date.now());
    const second = tick / 10;
    if (phase === 'before' && second >= downAt) {
      phase = 'down';
      services('down', 'es');
    } else if (phase === 'down' && second >= downAt + downFor) {
      services('up', 'es');
      phase = 'after';
    }
    await producer.send({ topic, messages: all.slice(tick * perTick, (tick + 1) * perTick) });
  }
  await producer.disconnect();
  if (phase === 'down') services('up', 'es');
  phase = 'after';
  for (let i = 0; i < 300; i++) {
    await sleep(1000);
    const last = samples.at(-1);
    if (last && last.at > seconds && last.lag === 0) break;
  }
  clearInterval(sampler);
  await daemon.stop();
  const range = (p: string) => {
    const r = samples.filter((s) => s.phase === p).map((s) => s.rss);
    return r.length ? `${Math.round(Math.min(...r))}–${Math.round(Math.max(...r))} MB` : '-';
  };
  d.say('| phase | worker resident memory (min–max) | largest lag |');
  d.say('| --- | ---: | ---: |');
  for (const p of ['before', 'down', 'after'])
    d.say(
      `| ${p} | ${range(p)} | ${Math.max(0, ...samples.filter((s) => s.phase === p).map((s) => s.lag))} |`,
    );
  d.say();
}
