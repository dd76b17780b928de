import { describe, expect, it } from 'vitest';
import { type ChunkOutcome, CommitLane } from '../../../src/worker/commit-lane.js';

/** A chunk whose outcome the test decides later. */
function pending() {
  let settle!: (o: ChunkOutcome) => void;
  const outcome = new Promise<ChunkOutcome>((r) => {
    settle = r;
  });
  return { outcome, settle };
}

describe('CommitLane', () => {
  it('commits in read order even when later chunks settle first', async () => {
    const lane = new CommitLane();
    const committed: number[] = [];
    const chunks = [pending(), pending(), pending()];
    chunks.forEach((c, i) => {
      lane.enqueue(
        0,
        c.outcome,
        () => 0,
        async () => void committed.push(i),
        () => {},
      );
    });
    chunks[2]!.settle('settled');
    chunks[1]!.settle('settled');
    await new Promise((r) => setTimeout(r, 5));
    expect(committed).toEqual([]);
    chunks[0]!.settle('settled');
    await lane.idle();
    expect(committed).toEqual([0, 1, 2]);
  });

  it('commits nothing read after an abandoned chunk of the same generation', async () => {
    const lane = new CommitLane();
    const committed: string[] = [];
    const outcomes: ChunkOutcome[] = ['settled', 'abandoned', 'settled', 'settled'];
    outcomes.forEach((o, i) => {
      lane.enqueue(
        0,
        Promise.resolve(o),
        () => 0,
        async () => void committed.push(`g0c${i}`),
        () => {},
      );
    });
    // The next generation re-reads from the last commit and commits again.
    lane.enqueue(
      1,
      Promise.resolve('settled'),
      () => 1,
      async () => void committed.push('g1c0'),
      () => {},
    );
    await lane.idle();
    expect(committed).toEqual(['g0c0', 'g1c0']);
  });

  it('skips the commits of a generation that is no longer current', async () => {
    const lane = new CommitLane();
    let generation = 0;
    const committed: number[] = [];
    const late = pending();
    lane.enqueue(
      0,
      Promise.resolve('settled'),
      () => generation,
      async () => void committed.push(0),
      () => {},
    );
    lane.enqueue(
      0,
      late.outcome,
      () => generation,
      async () => void committed.push(1),
      () => {},
    );
    await new Promise((r) => setTimeout(r, 5));
    generation = 1; // a rebalance while chunk 1 was in flight
    late.settle('settled');
    await lane.idle();
    expect(committed).toEqual([0]);
  });

  it('reports a failed commit and keeps committing later chunks', async () => {
    const lane = new CommitLane();
    const committed: number[] = [];
    const errors: string[] = [];
    lane.enqueue(
      0,
      Promise.resolve('settled'),
      () => 0,
      async () => {
        throw new Error('REBALANCE_IN_PROGRESS');
      },
      (err) => errors.push((err as Error).message),
    );
    lane.enqueue(
      0,
      Promise.resolve('settled'),
      () => 0,
      async () => void committed.push(1),
      () => {},
    );
    await lane.idle();
    expect(errors).toEqual(['REBALANCE_IN_PROGRESS']);
    expect(committed).toEqual([1]);
  });

  it('treats a rejected outcome as abandoned', async () => {
    const lane = new CommitLane();
    const committed: number[] = [];
    lane.enqueue(
      0,
      Promise.reject(new Error('pool died')),
      () => 0,
      async () => void committed.push(0),
      () => {},
    );
    lane.enqueue(
      0,
      Promise.resolve('settled'),
      () => 0,
      async () => void committed.push(1),
      () => {},
    );
    await lane.idle();
    expect(committed).toEqual([]);
  });
});
