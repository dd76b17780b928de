/**
 * Section 6 of `npm run bench`: the workers' memory while their Elasticsearch is down under a
 * steady stream, and while they catch up afterwards, against the budget (worker_memory + 20 %),
 * with several tenants, in direct and in fan-out mode.
 */
import { execFileSync } from 'node:child_process';
import { asOut, type BenchMessage, producer } from './kafka.js';
import { rssMb } from './proc.js';

interface Live {
  lag: number | null;
  pids: number[];
}

export interface OutageDeps {
  readonly root: string;
  readonly say: (line?: string) => void;
  readonly createTopic: (topic: string, partitions: number) => Promise<void>;
  readonly startDaemon: (
    topic: string,
    tenants: number,
    threads: number,
    tag: string,
    options: { mode: 'direct' | 'fanout'; unfiltered: boolean },
  ) => Promise<{
    tenants(): Promise<{ live: Live | null }[]>;
    segregator(): Promise<Live | null>;
    stop(): Promise<void>;
  }>;
  readonly messages: (count: number) => BenchMessage[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** The worker's default budget (worker_memory = 160) and the 20 % the goal allows above it. */
const BUDGET_MB = 160;
const TENANTS = 3;

interface Sample {
  at: number;
  /** The largest resident memory of any tenant worker, MB. */
  rss: number;
  segregatorRss: number;
  lag: number;
  phase: string;
}

export async function outage(
  d: OutageDeps,
  topic: string,
  rate = 700,
  downAt = 10,
  downFor = 65,
): Promise<void> {
  const seconds = downAt + downFor + 15;
  d.say(`## 6. Memory while Elasticsearch is down: ${TENANTS} tenants, ${rate} records/s for ${seconds} s`);
  d.say();
  d.say(
    `Every tenant keeps every record (no filter). Elasticsearch is stopped from second ${downAt} to ${downAt + downFor}; each worker's resident memory is read every second until every lag is 0 again (budget ${BUDGET_MB} MB, goal ≤ ${BUDGET_MB * 1.2} MB).`,
  );
  d.say();
  d.say('| mode | phase | largest worker resident memory (min–max) | segregator | largest lag |');
  d.say('| --- | --- | ---: | ---: | ---: |');
  for (const mode of ['direct', 'fanout'] as const) {
    const samples = await run(d, `${topic}-${mode}`, mode, rate, downAt, downFor);
    const range = (p: string, key: 'rss' | 'segregatorRss') => {
      const r = samples.filter((s) => s.phase === p).map((s) => s[key]);
      return r.length ? `${Math.round(Math.min(...r))}–${Math.round(Math.max(...r))} MB` : '-';
    };
    for (const p of ['before', 'down', 'after'])
      d.say(
        `| ${mode} | ${p} | ${range(p, 'rss')} | ${mode === 'fanout' ? range(p, 'segregatorRss') : '-'} | ${Math.max(0, ...samples.filter((s) => s.phase === p).map((s) => s.lag))} |`,
      );
  }
  d.say();
}

async function run(
  d: OutageDeps,
  topic: string,
  mode: 'direct' | 'fanout',
  rate: number,
  downAt: number,
  downFor: number,
): Promise<Sample[]> {
  const services = (...args: string[]) =>
    execFileSync('bash', [`${d.root}scripts/services.sh`, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const seconds = downAt + downFor + 15;
  await d.createTopic(topic, 4);
  const daemon = await d.startDaemon(topic, TENANTS, 0, `outage-${mode}`, { mode, unfiltered: true });
  const out = producer();
  const all = d.messages(rate * seconds);
  const samples: Sample[] = [];
  const started = Date.now();
  let phase = 'before';
  const sampler = setInterval(() => {
    void Promise.all([daemon.tenants(), daemon.segregator()]).then(([list, segregator]) => {
      const lives = list.map((t) => t.live);
      samples.push({
        at: (Date.now() - started) / 1000,
        rss: Math.max(0, ...lives.flatMap((l) => l?.pids ?? []).map(rssMb)),
        segregatorRss: Math.max(0, ...(segregator?.pids ?? []).map(rssMb)),
        lag: Math.max(segregator?.lag ?? 0, ...lives.map((l) => l?.lag ?? 0)),
        phase,
      });
    });
  }, 1000);
  const perTick = rate / 10;
  try {
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
      await out.send(asOut(topic, all.slice(tick * perTick, (tick + 1) * perTick)));
    }
  } finally {
    await out.close();
    if (phase === 'down') services('up', 'es');
  }
  phase = 'after';
  for (let i = 0; i < 300; i++) {
    await sleep(1000);
    const last = samples.at(-1);
    if (last && last.at > seconds && last.lag === 0) break;
  }
  clearInterval(sampler);
  await daemon.stop();
  return samples;
}
