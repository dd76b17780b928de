import { describe, expect, it } from 'vitest';
import { type ChunkOutcome, CommitLane } from '../../../src/source/commit-lane.js';

/** A chunk whose outcome the test decides later. */
function pending() {
  let settle!: (o: ChunkOutcome) => void;
  const outcome = new Promise<ChunkOutcome>((r) => {
    settle = r;
  });
  return { outcome, settle };
}

/** A lane of generation `generation()` that records what it commits and which commits failed. */
function recordingLane(generation: () => number = () => 0) {
  const committed: string[] = [];
  const errors: string[] = [];
  const lane = new CommitLane(generation, (err) => errors.push((err as Error).message));
  const enqueue = (gen: number, outcome: Promise<ChunkOutcome>, label: string) =>
    lane.enqueue(gen, outcome, async () => void committed.push(label));
  return { lane, committed, errors, enqueue };
}

/** Lets every continuation of the promises settled so far run: nothing here waits for time. */
const everyContinuation = () => new Promise((r) => setImmediate(r));

describe('CommitLane', () => {
  it('commits in read order even when later chunks settle first', async () => {
    const { lane, committed, enqueue } = recordingLane();
    const chunks = [pending(), pending(), pending()];
    for (const [i, c] of chunks.entries()) enqueue(0, c.outcome, `c${i}`);
    chunks[2]!.settle('settled');
    chunks[1]!.settle('settled');
    await everyContinuation();
    expect(committed).toEqual([]);
    chunks[0]!.settle('settled');
    await lane.idle();
    expect(committed).toEqual(['c0', 'c1', 'c2']);
  });

  it('commits nothing read after an abandoned chunk of the same generation', async () => {
    let generation = 0;
    const { lane, committed, enqueue } = recordingLane(() => generation);
    const outcomes: ChunkOutcome[] = ['settled', 'abandoned', 'settled', 'settled'];
    for (const [i, o] of outcomes.entries()) enqueue(0, Promise.resolve(o), `g0c${i}`);
    await lane.idle();
    // The next generation re-reads from the last commit and commits again.
    generation = 1;
    enqueue(1, Promise.resolve('settled'), 'g1c0');
    await lane.idle();
    expect(committed).toEqual(['g0c0', 'g1c0']);
  });

  it('skips the commits of a generation that is no longer current', async () => {
    let generation = 0;
    const { lane, committed, enqueue } = recordingLane(() => generation);
    const late = pending();
    enqueue(0, Promise.resolve('settled'), 'c0');
    enqueue(0, late.outcome, 'c1');
    await everyContinuation();
    generation = 1; // a rebalance while chunk 1 was in flight
    late.settle('settled');
    await lane.idle();
    expect(committed).toEqual(['c0']);
  });

  it('reports a failed commit and keeps committing later chunks', async () => {
    const { lane, committed, errors, enqueue } = recordingLane();
    lane.enqueue(0, Promise.resolve('settled'), async () => {
      throw new Error('REBALANCE_IN_PROGRESS');
    });
    enqueue(0, Promise.resolve('settled'), 'c1');
    await lane.idle();
    expect(errors).toEqual(['REBALANCE_IN_PROGRESS']);
    expect(committed).toEqual(['c1']);
  });

  it('treats a rejected outcome as abandoned', async () => {
    const { lane, committed, enqueue } = recordingLane();
    enqueue(0, Promise.reject(new Error('pool died')), 'c0');
    enqueue(0, Promise.resolve('settled'), 'c1');
    await lane.idle();
    expect(committed).toEqual([]);
  });
});
