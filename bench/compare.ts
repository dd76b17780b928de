/**
 * Sections of `npm run bench` that set a choice by measuring the alternatives in one run:
 * the codec of what smonnet writes (fan-out packs), and the Kafka client (this checkout against
 * BENCH_BASELINE, another checkout's compiled daemon, alternated so that neither gets the warmer
 * host).
 */
import type { DrainFigures } from './daemon.js';

type DrainRun = (
  tenants: number,
  threads: number,
  options: { mode: 'direct' | 'fanout'; compression?: string; checkout?: string },
  total: number,
) => Promise<DrainFigures>;

const round = (n: number, digits = 0) => n.toFixed(digits);
const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

export async function codecs(
  d: {
    say: (line?: string) => void;
    drainRun: DrainRun;
    storedBytes: (topics: readonly string[]) => Promise<number>;
  },
  total: number,
  /** The untimed warm-up burst each run starts with: the tenant topics hold it too. */
  warmup: number,
): Promise<void> {
  const tenants = 8;
  d.say(`## 4b. Compression of fan-out packs: ${tenants} tenants, ${total} sflowtool records`);
  d.say();
  d.say('`[kafka] compression` for what the segregator writes. The source topic is written uncompressed by');
  d.say('the bench producer in every run; bytes are what the broker stores for the tenant topics (the');
  d.say(`run's ${warmup} warm-up records and its ${total}, each routed to one tenant).`);
  d.say();
  d.say(
    '| codec | tenant topics on the broker, MB | bytes per record | drained/s | CPU s per million, all | of which the segregator |',
  );
  d.say('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const compression of CODECS) {
    const f = await d.drainRun(tenants, 0, { mode: 'fanout', compression }, total);
    const bytes = await d.storedBytes(f.tenantTopics);
    d.say(
      `| ${compression} | ${round(bytes / 2 ** 20, 1)} | ${round(bytes / (total + warmup), 1)} | ${round(f.rate)} | ${round(f.cpuPerMillion, 1)} | ${round(f.segregatorCpuPerMillion ?? 0, 1)} |`,
    );
  }
  d.say();
}

interface EndToEnd {
  rate: number;
  cpu: { self: number; es: number; kafka: number };
  rss: number;
}

export async function clients(
  d: {
    say: (line?: string) => void;
    baseline: string;
    drainRun: DrainRun;
    endToEnd: (checkout: string, tag: string) => Promise<EndToEnd>;
  },
  total: number,
  current: string,
): Promise<void> {
  d.say(`## 7. Kafka clients side by side: this checkout against ${d.baseline}`);
  d.say();
  d.say('Both on the same Node, Kafka and Elasticsearch, alternated twice. "one tenant": one worker in this');
  d.say(
    `process, end to end on ${total} sflowtool records (CPU µs per record of that process, peak RSS of it);`,
  );
  d.say(
    '"24 fan-out": section 4\'s run of 24 tenants in fan-out mode (drained records/s, CPU of all workers and',
  );
  d.say('the segregator, the largest worker peak RSS).');
  d.say();
  d.say(
    '| checkout | round | one tenant records/s | one tenant CPU µs/record | one tenant peak RSS MB | 24 fan-out drained/s | 24 fan-out CPU s per million | 24 fan-out worker peak RSS MB |',
  );
  d.say('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (let roundNo = 1; roundNo <= 2; roundNo++) {
    for (const [name, checkout] of [
      ['baseline', d.baseline],
      ['this', current],
    ] as const) {
      const e = await d.endToEnd(checkout, `${name}${roundNo}`);
      const f = await d.drainRun(24, 0, { mode: 'fanout', ...(checkout !== current && { checkout }) }, total);
      d.say(
        `| ${name} | ${roundNo} | ${round(e.rate)} | ${round(e.cpu.self, 1)} | ${round(e.rss)} | ${round(f.rate)} | ${round(f.cpuPerMillion, 1)} | ${round(f.workerRss)} |`,
      );
    }
  }
  d.say();
}
