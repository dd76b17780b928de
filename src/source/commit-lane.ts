/**
 * Commit order for one partition. Chunks of a partition are delivered concurrently, across
 * fetches, but a chunk's offset is committed only after it and every chunk read before it are
 * settled: committing offset N promises that everything below N is in Elasticsearch (or filtered
 * out or dead-lettered). Once a chunk is abandoned, nothing read after it in the same consumer
 * generation is committed; the next generation re-reads from the last commit.
 */

/** What became of a chunk: every record settled, or given up (stopping, rebalance, failure). */
export type ChunkOutcome = 'settled' | 'abandoned';

export class CommitLane {
  private tail: Promise<void> = Promise.resolve();
  private brokenIn = -1;

  /**
   * `currentGeneration` tells whether a chunk's generation is still the consumer's; a failed
   * commit goes to `onCommitError` and is not fatal: the next commit covers it.
   */
  constructor(
    private readonly currentGeneration: () => number,
    private readonly onCommitError: (err: unknown) => void,
  ) {}

  /**
   * Queues the commit of a chunk behind every chunk enqueued before it. `commit` runs only if the
   * chunk settled, no earlier chunk of its generation was abandoned and its generation is still
   * the current one.
   */
  enqueue(generation: number, outcome: Promise<ChunkOutcome>, commit: () => Promise<void>): void {
    this.tail = this.tail.then(async () => {
      const settled = (await outcome.catch(() => 'abandoned')) === 'settled';
      if (!settled || this.brokenIn === generation || generation !== this.currentGeneration()) {
        this.brokenIn = generation;
        return;
      }
      try {
        await commit();
      } catch (err) {
        this.onCommitError(err);
      }
    });
  }

  /** Resolves when every queued commit has run or been skipped. */
  idle(): Promise<void> {
    return this.tail;
  }
}
