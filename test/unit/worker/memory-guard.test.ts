import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectAbove, guardMemory } from '../../../src/worker/memory-guard.js';

describe('memory guard', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects only above the budget', () => {
    const collect = vi.fn();
    expect(collectAbove(100, 100, collect)).toBe(false);
    expect(collect).not.toHaveBeenCalled();
    expect(collectAbove(100, 101, collect)).toBe(true);
    expect(collect).toHaveBeenCalledTimes(1);
  });

  it('checks on its interval, reports each collection, and stops', () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const seen: number[] = [];
    // This process is far above a 1-byte budget: every check collects.
    const stop = guardMemory(1, (rss) => seen.push(rss), 1000, collect);
    vi.advanceTimersByTime(3000);
    expect(collect).toHaveBeenCalledTimes(3);
    expect(seen).toHaveLength(3);
    expect(seen.every((rss) => rss > 1)).toBe(true);
    stop();
    vi.advanceTimersByTime(3000);
    expect(collect).toHaveBeenCalledTimes(3);
  });

  it('does nothing without a budget or without a collector', () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const reports = vi.fn();
    guardMemory(0, reports, 1000, collect)();
    const stop = guardMemory(1, reports, 1000, undefined);
    vi.advanceTimersByTime(5000);
    stop();
    expect(collect).not.toHaveBeenCalled();
    expect(reports).not.toHaveBeenCalled();
  });
});
