/** What every section of the benchmark shares: sizes from the environment, the output, a tenant's configuration. */
import { parseConfig } from '../dist/config/parse.js';
import { BROKERS } from './kafka.js';
import { configText } from './stages.js';

export const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
export const STAGE_RECORDS = env('BENCH_STAGE_RECORDS', 1_000_000);
export const RECORDS = env('BENCH_RECORDS', 200_000);
export const LAG_SECONDS = env('BENCH_LAG_SECONDS', 60);
export const LAG_RATES = (process.env['BENCH_LAG_RATES'] ?? '20000,6000').split(',').map(Number);
/** BENCH_TRACE=1: the scaling section prints its progress at every poll (stderr). */
export const TRACE = process.env['BENCH_TRACE'] === '1';
/** Records of the untimed burst each scaling run starts with (BENCH_WARMUP; 0: none). */
export const WARMUP = Number(process.env['BENCH_WARMUP'] ?? 20_000);
export const SECTIONS = 'stages,pool,limits,scaling,codecs,clients,lag,outage';
/** Another checkout, built (`npm ci && npm run build`): section 7 runs its daemon beside this one's. */
export const BASELINE = process.env['BENCH_BASELINE']?.replace(/\/?$/, '/');
export const ONLY = new Set((process.env['BENCH_ONLY'] ?? SECTIONS).split(','));
export const ES_URL = process.env['ES_URL'] ?? 'http://127.0.0.1:9200';
export const root = new URL('../', import.meta.url).pathname;
export const run = `bench-${Date.now().toString(36)}`;
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const round = (n: number, digits = 0) => n.toFixed(digits);
export const us = (perSecond: number) => round(1e6 / perSecond, 2);

export const out: string[] = [];
export function say(line = ''): void {
  console.log(line);
  out.push(line);
}

export function tenantConfig(topic: string, prefix: string, threads: number): ReturnType<typeof parseConfig> {
  const text = configText([], { root, prefix, threads })
    .replace('brokers = 127.0.0.1:9092', `brokers = ${BROKERS}`)
    .replace('topic = bench', `topic = ${topic}\ndead_letter_topic = ${topic}.dlq\ngroup_prefix = ${prefix}`)
    .replace('es_nodes = http://127.0.0.1:9200', `es_nodes = ${ES_URL}`);
  return parseConfig(text, 'bench.cfg');
}
