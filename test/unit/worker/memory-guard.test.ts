import { afterEach, describe, expect, it, vi } from 'vitest';
import { guardMemory, needsCollection } from '../../../src/worker/memory-guard.js';

const MB = 1024 * 1024;

describe('memory guard', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('collects only above the budget, and repeats only after growth or a while', () => {
    expect(needsCollection(100 * MB, 100 * MB, undefined, 0)).toBe(false);
    expect(needsCollection(100 * MB, 101 * MB, undefined, 0)).toBe(true);
    // The last collection left 102 MB resident: collecting again at once would not help.
    const last = { residentBytes: 102 * MB, at: 0 };
    expect(needsCollection(100 * MB, 105 * MB, last, 1000)).toBe(false);
    expect(needsCollection(100 * MB, 109 * MB, last, 1000)).toBe(false);
    expect(needsCollection(100 * MB, 103 * MB, last, 10_000)).toBe(true);
    expect(needsCollection(100 * MB, 90 * MB, last, 60_000)).toBe(false);
    // Far above the budget (more than 15 %): at every check.
    expect(needsCollection(100 * MB, 116 * MB, { residentBytes: 116 * MB, at: 0 }, 1000)).toBe(true);
    expect(needsCollection(100 * MB, 114 * MB, { residentBytes: 110 * MB, at: 0 }, 1000)).toBe(false);
  });

  it('checks on its interval, reports each collection, and stops', () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    const seen: number[] = [];
    // Growing fast above a 1-byte budget (each look at it 20 MB more): every check collects.
    let rss = 100 * MB;
    const stop = guardMemory(
      1,
      (r) => seen.push(r),
      1000,
      collect,
      () => (rss += 20 * MB),
    );
    vi.advanceTimersByTime(3000);
    expect(collect).toHaveBeenCalledTimes(3);
    expect(seen).toHaveLength(3);
    stop();
    vi.advanceTimersByTime(3000);
    expect(collect).toHaveBeenCalledTimes(3);
  });

  it('does not repeat a collection that left the process where it was', () => {
    vi.useFakeTimers();
    const collect = vi.fn();
    // 200 MB resident against a 190 MB budget, whatever a collection does.
    const stop = guardMemory(
      190 * MB,
      () => {},
      1000,
      collect,
      () => 200 * MB,
    );
    vi.advanceTimersByTime(9000);
    expect(collect).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2000);
    expect(collect).toHaveBeenCalledTimes(2);
    stop();
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
