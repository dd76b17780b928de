import { describe, expect, it } from 'vitest';
import { Health, TROUBLE_MS } from '../../../src/worker/health.js';

describe('worker health', () => {
  const now = 1_000_000;
  const moving = { lag: 10, lastCommitAt: now - 1000, sinkReachable: true };

  it('is well while it commits', () => {
    expect(new Health().trouble(moving, now)).toBeUndefined();
  });

  it('says what failed for a minute after a failure', () => {
    const h = new Health();
    h.failed('chunk failed', new Error('boom'), now);
    expect(h.trouble(moving, now + 1000)).toBe('chunk failed: boom');
    expect(h.trouble({ ...moving, lastCommitAt: now + TROUBLE_MS }, now + TROUBLE_MS + 1)).toBeUndefined();
  });

  it('is not advancing with lag and no commit for a minute, unless Elasticsearch is away (reported apart)', () => {
    const stuck = { lag: 10, lastCommitAt: now - TROUBLE_MS - 1000, sinkReachable: true };
    expect(new Health().trouble(stuck, now)).toMatch(
      /^not advancing: 10 records behind, nothing committed for 61 s$/,
    );
    expect(new Health().trouble({ ...stuck, sinkReachable: false }, now)).toBeUndefined();
    expect(new Health().trouble({ ...stuck, lag: 0 }, now)).toBeUndefined();
  });
});
