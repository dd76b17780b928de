/**
 * The enrichment pool of one tenant worker: piscina threads running the whole processing stage
 * (src/pipeline/task.ts), so the worker's main thread only moves bytes between Kafka and
 * Elasticsearch. With threads = 0 the stage runs inline on the main thread.
 */
import { Piscina } from 'piscina';
import { entryModule } from '../util/entry.js';
import { type BatchResult, type MessageBatch, processBatch } from './process.js';
import { buildStages, type StageSpec } from './stages.js';
import { moving } from './transfer.js';

export interface Processor {
  process(batch: MessageBatch): Promise<BatchResult>;
  /** Share of the threads' capacity in use lately, 0..1 (0 when inline). */
  utilization(): number;
  close(): Promise<void>;
}

export function createProcessor(spec: StageSpec, threads: number): Processor {
  if (threads === 0) {
    // Built here too, so a bad database or ip map fails at start, as it does with threads.
    const stages = buildStages(spec);
    return {
      process: async (batch) => processBatch(batch, stages),
      utilization: () => 0,
      close: async () => {},
    };
  }
  // Opening the databases on the main thread first makes a corrupt file a start-up error with
  // its own message, instead of a pool thread dying on its first task.
  buildStages(spec);
  const task = entryModule('./task', import.meta.url);
  const pool = new Piscina({
    filename: task.url.href,
    execArgv: [...task.execArgv],
    workerData: spec,
    minThreads: threads,
    maxThreads: threads,
    idleTimeout: Number.POSITIVE_INFINITY,
  });
  return {
    process: (batch) => {
      return pool.run(moving(batch, batch.data.buffer)) as Promise<BatchResult>;
    },
    utilization: () => pool.utilization,
    close: () => pool.close(),
  };
}
