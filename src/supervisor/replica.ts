/**
 * One worker process of a tenant, as the supervisor keeps it: spawned with the tenant's
 * configuration, its latest figures, stopped on request (drain, then a kill at the deadline), and
 * spawned again after a delay when it exited unasked. Whether it may be spawned again (a crash
 * loop, a removed tenant) is the supervisor's decision.
 */

import { type ChildProcess, fork } from 'node:child_process';
import type { SupervisorMessage, WorkerMessage } from '../ipc.js';
import type { Logger } from '../observability/logger.js';
import {
  emptySegregatorStats,
  emptyStats,
  type SegregatorGauges,
  type SegregatorStats,
  type TenantStats,
  type WorkerGauges,
} from '../observability/stats.js';
import { entryModule } from '../util/entry.js';
import type { WorkerState } from './state.js';

/**
 * A worker's live data is bounded (a fetch, its chunks, their bulk bodies), but V8 sizes its heap
 * for throughput and lets a process grow far beyond that. Smaller young-generation spaces keep
 * each worker's resident memory near what it uses, which matters with many tenants on one host;
 * the scavenges they add cost little next to decoding. `gc` lets a worker above its memory budget
 * collect at once (worker/memory-guard.ts).
 */
const WORKER_V8_FLAGS = ['--max-semi-space-size=4', '--expose-gc'];

/**
 * glibc keeps what a thread freed in that thread's arena (up to 8 per core) and returns it to the
 * system late: a worker catching up after an outage decompresses and frees tens of MB a second on
 * libuv's threads, and stayed ~10 MB over its budget + 20 % on memory freed long before
 * (bench/results.md, section 6). Two arenas and an earlier trim hold it near what it uses. What the
 * operator's environment sets wins; other C libraries ignore both.
 */
const WORKER_MALLOC_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: String(1024 * 1024) };

/** How the supervisor starts a worker process; tests and `run` use the default. */
function workerEntry(): { module: string; execArgv: string[] } {
  const entry = entryModule('../cli/main', import.meta.url);
  return { module: entry.url.pathname, execArgv: [...entry.execArgv] };
}

export interface ReplicaDeps {
  readonly tenant: string;
  readonly index: number;
  readonly logger: Logger;
  /** What a starting worker is told to run: the supervisor's current configuration. */
  readonly configuration: () => SupervisorMessage;
  /** How long a stopping worker gets before it is killed. */
  readonly shutdownTimeoutMs: () => number;
  /** A report came: `previous` is what the replica had before it (for counters' increments). */
  readonly onReport: (previous: TenantStats, report: Extract<WorkerMessage, { type: 'stats' }>) => void;
  /** The same from fan-out mode's segregator. */
  readonly onSegregatorReport: (
    previous: SegregatorStats,
    report: Extract<WorkerMessage, { type: 'segregator-stats' }>,
  ) => void;
  /** The process exited; `asked` when stop() was called. `stats` are its last figures. */
  readonly onExit: (exit: ReplicaExit) => void;
}

export interface ReplicaExit {
  readonly code: number | null;
  readonly signal: string | null;
  readonly asked: boolean;
  readonly stats: TenantStats;
  readonly segregatorStats: SegregatorStats;
  readonly logger: Logger;
}

export class Replica {
  state: WorkerState = 'starting';
  startedAt = 0;
  stats: TenantStats = emptyStats();
  lag: number | undefined;
  gauges: WorkerGauges | undefined;
  /** Fan-out mode's segregator reports these instead of stats and gauges. */
  segregatorStats: SegregatorStats = emptySegregatorStats();
  segregatorGauges: SegregatorGauges | undefined;
  private child: ChildProcess | undefined;
  private restartTimer: NodeJS.Timeout | undefined;

  constructor(private readonly deps: ReplicaDeps) {}

  get index(): number {
    return this.deps.index;
  }

  /** Its process id while a process runs. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Why its process is unhealthy though running, as it last said; undefined when it is not. */
  get trouble(): string | undefined {
    return this.gauges?.trouble ?? this.segregatorGauges?.trouble;
  }

  /** A process runs (starting, running or stopping). */
  get alive(): boolean {
    return this.child !== undefined;
  }

  start(): void {
    const { module, execArgv } = workerEntry();
    const child = fork(module, ['worker', '--ipc'], {
      execArgv: [...WORKER_V8_FLAGS, ...execArgv],
      env: { ...WORKER_MALLOC_ENV, ...process.env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    this.child = child;
    this.state = 'starting';
    this.startedAt = Date.now();
    const logger = this.deps.logger.child({ tenant: this.deps.tenant, replica: this.index, pid: child.pid });
    logger.info('worker started');
    this.send(this.deps.configuration());
    child.on('message', (m: WorkerMessage) => {
      if (m.type === 'ready') this.state = 'running';
      else if (m.type === 'stats') {
        this.deps.onReport(this.stats, m);
        this.stats = m.stats;
        this.lag = m.lag;
        this.gauges = m.gauges;
      } else if (m.type === 'segregator-stats') {
        this.deps.onSegregatorReport(this.segregatorStats, m);
        this.segregatorStats = m.stats;
        this.lag = m.lag;
        this.segregatorGauges = m.gauges;
      } else if (m.type === 'enrichment-reload-failed')
        logger.error({ error: m.error }, 'worker kept its previous enrichment sources');
    });
    child.on('exit', (code, signal) => {
      const { stats, segregatorStats } = this;
      this.stats = emptyStats();
      this.segregatorStats = emptySegregatorStats();
      this.lag = undefined;
      this.gauges = undefined;
      this.segregatorGauges = undefined;
      this.child = undefined;
      const asked = this.state === 'stopping';
      if (asked) logger.info({ code, signal }, 'worker stopped');
      this.deps.onExit({ code, signal, asked, stats, segregatorStats, logger });
    });
  }

  /** In backoff: a new process after `delayMs`, if `wanted()` still says so then. */
  restartAfter(delayMs: number, wanted: () => boolean): void {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.state = 'backoff';
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      if (wanted()) this.start();
    }, delayMs);
  }

  send(message: SupervisorMessage): void {
    if (this.child?.connected) this.child.send(message);
  }

  /** Asks the worker to drain and exit; kills it at the deadline. Resolves once it is gone. */
  stop(): Promise<void> {
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.state = 'stopping';
    if (!child || child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => {
        this.deps.logger.warn({ pid: child.pid }, 'worker did not stop in time: killing it');
        child.kill('SIGKILL');
      }, this.deps.shutdownTimeoutMs());
      child.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      if (child.connected) child.send({ type: 'stop' } satisfies SupervisorMessage);
      else child.kill('SIGTERM');
    });
  }
}
