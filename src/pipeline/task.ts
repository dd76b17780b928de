/**
 * Thread entry of the enrichment pool: one tenant's stages built once per thread from workerData,
 * then batches of raw messages in, bulk bodies out. The body's buffer is transferred back, not
 * copied; only the small index arrays and failures are cloned.
 */
import { Piscina } from 'piscina';
import { type BatchResult, type MessageBatch, processBatch } from './process.js';
import { buildStages, type StageSpec } from './stages.js';
import { moving } from './transfer.js';

const stages = buildStages(Piscina.workerData as StageSpec);

export default function run(batch: MessageBatch): unknown {
  const result: BatchResult = processBatch(batch, stages);
  return moving(result, result.body.buffer);
}
