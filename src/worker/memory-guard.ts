/**
 * Holds a worker's resident memory near a budget. Kafka fetches, packed chunks and bulk bodies are
 * buffers outside the JavaScript heap; those whose handles lived long enough to be promoted are
 * freed only by a full collection, and V8 starts one only after 64 MB more of them have piled up.
 * With many tenants on one host each worker would sit that far above what it uses, so above the
 * budget a full collection runs. Below it, nothing is done and V8 keeps its own pace.
 *
 * A collection that could not bring the process under its budget (what stays resident is code,
 * heap V8 keeps reserved, live data) is not repeated every second while the process is within
 * HARD_MARGIN (15 %) of it: it costs a full heap walk each time, measured at 40 % more CPU for 8 tenants
 * draining a burst. The next one waits until the process grew again by GROWTH_BYTES, or RETRY_MS
 * passed. Beyond the margin (a worker catching up after an outage) it collects at every check.
 */

const GROWTH_BYTES = 8 * 1024 * 1024;
const RETRY_MS = 10_000;
const HARD_MARGIN = 1.15;

/** What the last collection left: its resident size afterwards, and when. */
export interface LastCollection {
  readonly residentBytes: number;
  readonly at: number;
}

/** Whether a full collection is worth running now. */
export function needsCollection(
  limitBytes: number,
  residentBytes: number,
  last: LastCollection | undefined,
  now: number,
): boolean {
  if (residentBytes <= limitBytes) return false;
  if (last === undefined || residentBytes > limitBytes * HARD_MARGIN) return true;
  return residentBytes > last.residentBytes + GROWTH_BYTES || now - last.at >= RETRY_MS;
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
  rss: () => number = () => process.memoryUsage.rss(),
): () => void {
  if (limitBytes <= 0 || collect === undefined) return () => {};
  let last: LastCollection | undefined;
  const timer = setInterval(() => {
    const residentBytes = rss();
    if (!needsCollection(limitBytes, residentBytes, last, Date.now())) return;
    collect();
    last = { residentBytes: rss(), at: Date.now() };
    onCollect(residentBytes);
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
