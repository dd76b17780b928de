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
   * Queues the commit of a chunk behind every chunk enqueued before it. `commit` runs only if the
   * chunk settled, no earlier chunk of its generation was abandoned and its generation is still
   * the current one. A failed commit is reported and not fatal: the next one covers it.
   */
  enqueue(
    generation: number,
    outcome: Promise<ChunkOutcome>,
    currentGeneration: () => number,
    commit: () => Promise<void>,
    onCommitError: (err: unknown) => void,
  ): void {
    this.tail = this.tail.then(async () => {
      const settled = (await outcome.catch(() => 'abandoned')) === 'settled';
      if (!settled || this.brokenIn === generation || generation !== currentGeneration()) {
        this.brokenIn = generation;
        return;
      }
      try {
        await commit();
      } catch (err) {
        onCommitError(err);
      }
    });
  }

  /** Resolves when every queued commit has run or been skipped. */
  idle(): Promise<void> {
    return this.tail;
  }
}
