/**
 * Holds a worker's resident memory near a budget. Kafka fetches, packed chunks and bulk bodies are
 * buffers outside the JavaScript heap; those whose handles lived long enough to be promoted are
 * freed only by a full collection, and V8 starts one only after 64 MB more of them have piled up.
 * With many tenants on one host each worker would sit that far above what it uses, so above the
 * budget a full collection runs at once. Below it, nothing is done and V8 keeps its own pace.
 */

/** Runs `collect` when `residentBytes` is above `limitBytes`; true when it did. */
export function collectAbove(limitBytes: number, residentBytes: number, collect: () => void): boolean {
  if (residentBytes <= limitBytes) return false;
  collect();
  return true;
}

/**
 * Checks every `everyMs`; returns a stop function. Without a budget (0) or without a collector
 * (the process was not started with --expose-gc) it does nothing.
 */
export function guardMemory(
  limitBytes: number,
  onCollect: (residentBytes: number) => void,
  everyMs = 1000,
  collect: (() => void) | undefined = globalThis.gc,
): () => void {
  if (limitBytes <= 0 || collect === undefined) return () => {};
  const timer = setInterval(() => {
    const residentBytes = process.memoryUsage.rss();
    if (collectAbove(limitBytes, residentBytes, collect)) onCollect(residentBytes);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
