/** Every tunable of a tenant worker, with its default in one frozen object. */
import { MAX_MESSAGE_BYTES } from '../decode/limits.js';
import type { Processor } from '../pipeline/pool.js';

const MB = 1024 * 1024;

export interface WorkerOptions {
  /** Overrides [enrich] threads. */
  readonly threads?: number;
  /** Messages per processing task. */
  readonly chunkMessages: number;
  /** Bytes per processing task, about. */
  readonly chunkBytes: number;
  /** Larger Kafka messages are dead-lettered undecoded. */
  readonly maxMessageBytes: number;
  /** Bulk requests in flight at once, over all partitions. */
  readonly bulksInFlight: number;
  /** Message bytes fetched but not yet settled before the worker stops fetching. */
  readonly maxInFlightBytes: number;
  /**
   * Message bytes handed to processing and not yet settled; what a fetch brings beyond it waits,
   * unprocessed. Above a fetch's size plus maxInFlightBytes, so an uncompressed fetch never waits.
   */
  readonly maxProcessingBytes: number;
  /** How long a stopping worker waits for chunks in flight, then for leaving its group. */
  readonly drainMs: number;
  /** Wraps each processor the worker creates: tests inject failures nobody expected with it. */
  readonly wrapProcessor?: (processor: Processor) => Processor;
}

const WORKER_DEFAULTS: Readonly<WorkerOptions> = Object.freeze({
  chunkMessages: 1000,
  chunkBytes: 2 * MB,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  bulksInFlight: 4,
  // Small: eight tenants of a 2-core host stay under 200 MB each (bench/results.md).
  maxInFlightBytes: MB,
  // A 2 MB fetch of zstd packs unpacks to about 9 MB (bench/results.md, section 4b).
  maxProcessingBytes: 4 * MB,
  drainMs: 10_000,
});

/** The defaults with what a caller overrides. */
export const workerOptions = (overrides: Partial<WorkerOptions> = {}): Readonly<WorkerOptions> =>
  Object.freeze({ ...WORKER_DEFAULTS, ...overrides });
