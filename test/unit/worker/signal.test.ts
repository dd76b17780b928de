import { describe, expect, it } from 'vitest';
import { Signal } from '../../../src/worker/signal.js';

describe('Signal', () => {
  it('wakes every waiter on notify, long before their timeout', async () => {
    const signal = new Signal();
    const started = Date.now();
    const waits = [signal.wait(10_000), signal.wait(10_000)];
    signal.notify();
    await Promise.all(waits);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('ends a wait at its timeout when nobody notifies, and forgets the waiter', async () => {
    const signal = new Signal();
    let woken = false;
    await signal.wait(10).then(() => {
      woken = true;
    });
    expect(woken).toBe(true);
    // A later notify finds nobody left over from the timed-out wait.
    expect((signal as unknown as { waiters: Set<unknown> }).waiters.size).toBe(0);
  });
});
