import { describe, expect, it } from 'vitest';
import { deliverWithin, InFlight } from '../../../src/worker/backpressure.js';

/** Items of `bytes` each; delivering one adds it to the budget until the test settles it. */
function harness(maxBytes: number) {
  const inFlight = new InFlight(maxBytes);
  const delivered: number[] = [];
  const deliver = (bytes: number) => {
    delivered.push(bytes);
    inFlight.add(1, bytes);
  };
  const settle = (bytes: number) => inFlight.release(1, bytes);
  return { inFlight, delivered, deliver, settle };
}

/** Lets every pending promise continuation run. */
const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('deliverWithin', () => {
  it('delivers everything at once and asks for no wait while the budget has room', () => {
    const h = harness(1000);
    expect(deliverWithin(h.inFlight, [100, 200, 300], h.deliver, () => false, 2000)).toBeUndefined();
    expect(h.delivered).toEqual([100, 200, 300]);
  });

  it('delivers a whole fetch within the hold-back limit, and waits until the budget is met again', async () => {
    const h = harness(1000);
    const wait = deliverWithin(h.inFlight, [600, 600], h.deliver, () => false, 2000);
    expect(h.delivered).toEqual([600, 600]);
    let done = false;
    void wait!.then(() => {
      done = true;
    });
    await turn();
    expect(done).toBe(false);
    h.settle(600);
    await turn();
    expect(done).toBe(true);
  });

  it('holds back what does not fit, delivers it in order as room comes, and waits for the budget', async () => {
    const h = harness(1000);
    // One fetch of packs that unpacked to four times the budget.
    const items = [600, 600, 600, 600, 600, 600, 600];
    let done = false;
    const wait = deliverWithin(h.inFlight, items, h.deliver, () => false, 1500);
    expect(wait).toBeInstanceOf(Promise);
    void wait!.then(() => {
      done = true;
    });
    // Over the hold-back limit after the third: nothing more goes until something settles.
    expect(h.delivered).toEqual([600, 600, 600]);
    await turn();
    expect(h.delivered).toHaveLength(3);
    let highest = h.inFlight.bytes;
    while (h.delivered.length < items.length) {
      h.settle(600);
      await turn();
      highest = Math.max(highest, h.inFlight.bytes);
    }
    // Never more than the hold-back limit plus the one item that crossed it.
    expect(highest).toBeLessThanOrEqual(1500 + 600);
    expect(done).toBe(false);
    while (h.inFlight.bytes > 1000) {
      h.settle(600);
      await turn();
    }
    expect(done).toBe(true);
    expect(h.inFlight.bytes).toBeLessThanOrEqual(1000);
  });

  it('delivers nothing more once halted, and its wait ends', async () => {
    const h = harness(500);
    let halted = false;
    const wait = deliverWithin(h.inFlight, [600, 600, 600], h.deliver, () => halted, 500);
    expect(h.delivered).toEqual([600]);
    halted = true;
    h.inFlight.wake();
    await wait;
    h.settle(600);
    await turn();
    expect(h.delivered).toEqual([600]);
  });
});
