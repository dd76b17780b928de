/**
 * The enrichment pool of one tenant worker: piscina threads running the whole processing stage
 * (src/enrich/task.ts), so the worker's main thread only moves bytes between Kafka and
 * Elasticsearch. With threads = 0 the stage runs inline on the main thread.
 */
import { existsSync } from 'node:fs';
import { Piscina } from 'piscina';
import { type BatchResult, type MessageBatch, processBatch } from '../pipeline/process.js';
import { buildStages, type StageSpec } from '../pipeline/stages.js';
import { moving } from './transfer.js';

export interface Processor {
  process(batch: MessageBatch): Promise<BatchResult>;
  /** Share of the threads' capacity in use lately, 0..1 (0 when inline). */
  utilization(): number;
  close(): Promise<void>;
}

/** The compiled task next to this file, or the TypeScript source when running under tsx/vitest. */
function taskFile(): { filename: string; execArgv: string[] } {
  const js = new URL('./task.js', import.meta.url);
  if (existsSync(js)) return { filename: js.href, execArgv: [] };
  return { filename: new URL('./task.ts', import.meta.url).href, execArgv: ['--import', 'tsx'] };
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
  const { filename, execArgv } = taskFile();
  const pool = new Piscina({
    filename,
    execArgv,
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
