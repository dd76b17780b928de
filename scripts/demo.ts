/**
 * `npm run demo`: the whole thing on this machine. Starts the local Kafka and Elasticsearch (if
 * they are not running), streams sample traffic, runs the daemon with three sample tenants, shows
 * each tenant's progress live, adds a fourth tenant through ProcAPI halfway, and says where the
 * documents are. Ctrl-C stops everything it started. `--seconds N` ends it by itself.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { produceMessages } from '../src/gen/produce.js';
import { sampleMessages } from '../src/gen/sample.js';
import { withAdmin } from '../src/kafka/admin.js';
import { PLAINTEXT } from '../src/kafka/client.js';
import { KafkaProducer } from '../src/kafka/producer.js';

const root = new URL('../', import.meta.url).pathname;
const dir = join(root, '.cache/demo');
const seconds = (() => {
  const i = process.argv.indexOf('--seconds');
  return i > 0 ? Number(process.argv[i + 1]) : 0;
})();
const RATE = 2000;
const tty = process.stdout.isTTY;

function services(...args: string[]): string {
  return execFileSync('bash', [join(root, 'scripts/services.sh'), ...args], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

function servicesRunning(): boolean {
  try {
    services('status');
    return true;
  } catch {
    return false;
  }
}

function writeConfig(brokers: string, esUrl: string, port: number): string {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'api.cfg');
  writeFileSync(
    file,
    `; Written by npm run demo. Edit it and send SIGHUP, or use ProcAPI / smonnet tenants.
[kafka]
brokers = ${brokers}
topic = demo-sflow
dead_letter_topic = demo-sflow.dlq
group_prefix = demo

[enrich]
; MaxMind's test databases: the sample traffic uses addresses they know.
geoip_city = ${root}test/fixtures/geoip/GeoLite2-City-Test.mmdb
geoip_asn = ${root}test/fixtures/geoip/GeoLite2-ASN-Test.mmdb
ipmap = ${root}ipmap.json
threads = 1

[procapi]
listen = 127.0.0.1:${port}

[supervisor]
runtime_dir = run

[tenant.lab42]
vlan = 42, 100-110
es_nodes = ${esUrl}
index_prefix = demo-lab42

[tenant.physics]
ip = 10.2.0.0/24, 2001:db8:200::/48
es_nodes = ${esUrl}
index_prefix = demo-physics
schema = legacy

[tenant.web]
dst_port = 80, 443
es_nodes = ${esUrl}
index_prefix = demo-web
`,
  );
  return file;
}

interface Listing {
  tenants: {
    name: string;
    filter: Record<string, string>;
    live: {
      state: string;
      pids: number[];
      lag: number | null;
      stats: { consumed: number; indexed: number; deadLettered: number };
    } | null;
  }[];
}

const TENANT_PREFIXES = ['demo-lab42', 'demo-physics', 'demo-web', 'demo-chem'];

/** Documents per index prefix, after a refresh so that the last bulk counts too. */
async function documentCounts(esUrl: string, prefixes: string[]): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const p of prefixes) {
    try {
      await fetch(`${esUrl}/${p}-*/_refresh`, { method: 'POST' });
      const res = await fetch(`${esUrl}/${p}-*/_count`);
      counts.set(p, res.ok ? ((await res.json()) as { count: number }).count : 0);
    } catch {
      counts.set(p, 0);
    }
  }
  return counts;
}

async function main(): Promise<void> {
  const startedServices = !servicesRunning();
  if (startedServices)
    console.log('starting the local Kafka and Elasticsearch (the first time downloads them with mvn)…');
  services('up');
  // `env` prints only the two settings, whatever `up` (or the tools it ran) wrote on its way.
  const env = new Map(
    [...services('env').matchAll(/^(KAFKA_BROKERS|ES_URL)=(\S+)$/gm)].map((m) => [m[1], m[2]] as const),
  );
  const brokers = env.get('KAFKA_BROKERS');
  const esUrl = env.get('ES_URL');
  if (!brokers || !esUrl) throw new Error('scripts/services.sh env did not name KAFKA_BROKERS and ES_URL');
  const port = 18_500 + Math.floor(Math.random() * 400);
  const file = writeConfig(brokers, esUrl, port);

  const kafka = { brokers, security: PLAINTEXT };
  await withAdmin(kafka, 'smonnet-demo', (admin) =>
    admin.ensureTopics([{ topic: 'demo-sflow', partitions: 4 }]),
  );

  // The compiled daemon (npm run demo builds it first), as it runs in production.
  const daemon: ChildProcess = spawn(process.execPath, [join(root, 'dist/cli/main.js'), 'run', '-c', file], {
    cwd: root,
    env: { ...process.env, SMONNET_LOG_LEVEL: 'warn', SMONNET_API_TOKEN: '' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let daemonLog = '';
  daemon.stderr!.on('data', (d: Buffer) => {
    daemonLog = (daemonLog + d.toString()).slice(-4000);
  });

  const abort = new AbortController();
  const producer = new KafkaProducer(kafka, 'smonnet-demo', { idempotent: false, compression: 'lz4' });
  const streaming = produceMessages(
    producer,
    'demo-sflow',
    sampleMessages({
      format: 'mixed',
      count: 0,
      seed: Date.now() % 100_000,
      start: Date.now(),
      intervalMs: 1000 / RATE,
      linesPerMessage: 1,
      counterEvery: 50,
    }),
    { rate: RATE, batchSize: 500, signal: abort.signal },
  ).catch(() => undefined);

  const token = (): string | undefined => {
    try {
      return readFileSync(join(dir, 'run/api.token'), 'utf8').trim();
    } catch {
      return undefined;
    }
  };
  const api = async <T>(method: string, path: string, body?: unknown): Promise<T | undefined> => {
    const t = token();
    if (!t) return undefined;
    try {
      const res = await fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${t}`,
          ...(body !== undefined && { 'content-type': 'application/json' }),
        },
        ...(body !== undefined && { body: JSON.stringify(body) }),
      });
      return (await res.json()) as T;
    } catch {
      return undefined;
    }
  };

  let stopping = false;
  let added = false;
  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    abort.abort();
    await streaming;
    await producer.close().catch(() => {});
    console.log('\nstopping the daemon (workers drain and commit)…');
    daemon.kill('SIGTERM');
    await new Promise((r) => daemon.once('exit', r));
    const counts = await documentCounts(esUrl, TENANT_PREFIXES);
    console.log(`\nDocuments in ${esUrl}:`);
    for (const [p, n] of counts)
      console.log(`  ${`${p}-*`.padEnd(16)}${String(n).padStart(9)}   curl '${esUrl}/${p}-*/_count'`);
    console.log(`Config: ${file}. Run the daemon on it: node dist/cli/main.js run -c ${file}`);
    // The services stay up so the documents can be explored and the next run starts at once.
    console.log(
      `The local Kafka and Elasticsearch ${startedServices ? 'the demo started ' : ''}keep running: npm run services -- down stops them.`,
    );
    // A tenant that ran and indexed nothing is a failed demo (chem only runs once added).
    const empty = [...counts].filter(([p, n]) => n === 0 && (added || p !== 'demo-chem')).map(([p]) => p);
    if (empty.length > 0) console.error(`no documents for ${empty.join(', ')}`);
    process.exit(empty.length > 0 ? 1 : 0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  daemon.once('exit', (code) => {
    if (!stopping) {
      console.error(`the daemon exited (${code}):\n${daemonLog}`);
      process.exit(1);
    }
  });

  const started = Date.now();
  const addAt = seconds > 0 ? (seconds * 1000) / 2 : 30_000;
  let drawn = 0;
  let last = new Map<string, number>();
  let lastAt = Date.now();
  console.log(
    `streaming ${RATE} sample records/s into topic demo-sflow; ProcAPI on 127.0.0.1:${port}; Ctrl-C stops\n`,
  );
  for (;;) {
    await new Promise((r) => setTimeout(r, 1000));
    if (stopping) return;
    const elapsed = Date.now() - started;
    if (!added && elapsed >= addAt && token()) {
      added = true;
      await api('POST', '/api/v1/tenants', {
        name: 'chem',
        vlan: 300,
        es_nodes: esUrl,
        index_prefix: 'demo-chem',
      });
    }
    const listing = await api<Listing>('GET', '/api/v1/tenants');
    const now = Date.now();
    const lines = [
      `${new Date().toISOString().slice(11, 19)}  up ${Math.round(elapsed / 1000)}s${added ? '   tenant chem added through ProcAPI (hot add, no restart of the others)' : `   a tenant is added through ProcAPI at ${Math.round(addAt / 1000)}s`}`,
      `${'TENANT'.padEnd(9)}${'STATE'.padEnd(10)}${'PIDS'.padEnd(8)}${'REC/S'.padStart(7)}${'LAG'.padStart(8)}${'INDEXED'.padStart(10)}  FILTER`,
      ...(listing?.tenants ?? []).map((t) => {
        const s = t.live;
        const consumed = s?.stats.consumed ?? 0;
        const rate = Math.max(
          0,
          Math.round((consumed - (last.get(t.name) ?? consumed)) / ((now - lastAt) / 1000)),
        );
        const filter = Object.entries(t.filter)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ');
        return `${t.name.padEnd(9)}${(s?.state ?? '-').padEnd(10)}${(s?.pids.join(',') ?? '-').padEnd(8)}${String(rate).padStart(7)}${String(s?.lag ?? '-').padStart(8)}${String(s?.stats.indexed ?? 0).padStart(10)}  ${filter}`;
      }),
    ];
    last = new Map((listing?.tenants ?? []).map((t) => [t.name, t.live?.stats.consumed ?? 0]));
    lastAt = now;
    if (tty) {
      if (drawn > 0) process.stdout.write(`\x1b[${drawn}A`);
      process.stdout.write(lines.map((l) => `\x1b[2K${l}`).join('\n') + '\n');
      drawn = lines.length;
    } else if (Math.round(elapsed / 1000) % 5 === 0) {
      console.log(lines.join('\n'));
    }
    if (seconds > 0 && elapsed >= seconds * 1000) {
      await stop();
      return;
    }
  }
}

await main();
