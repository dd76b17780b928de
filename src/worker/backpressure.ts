/**
 * How much a worker holds between fetching and settling. Past the byte budget the batch handler
 * waits for room, and fetching pauses with it (the group's heartbeats go on meanwhile).
 */
import { Signal } from './signal.js';

export class InFlight {
  messages = 0;
  bytes = 0;
  private readonly room = new Signal();

  constructor(private readonly maxBytes: number) {}

  add(messages: number, bytes: number): void {
    this.messages += messages;
    this.bytes += bytes;
  }

  release(messages: number, bytes: number): void {
    this.messages -= messages;
    this.bytes -= bytes;
    this.room.notify();
  }

  full(limitBytes = this.maxBytes): boolean {
    return this.bytes > limitBytes;
  }

  /** Returns once the worker holds no more than `limitBytes` (its budget), or `halted()`. */
  async waitForRoom(halted: () => boolean, limitBytes = this.maxBytes): Promise<void> {
    while (this.full(limitBytes) && !halted()) await this.room.wait(1_000);
  }

  /** Wakes every waiter (stopping). */
  wake(): void {
    this.room.notify();
  }
}

/**
 * Hands `items` to `deliver` in order while `inFlight` holds no more than `holdAboveBytes`
 * (`deliver` adds to it). Returns undefined when all went and the budget is met, else a promise
 * that delivers the rest as room comes and resolves once the budget is met again. The fetch limit
 * counts compressed bytes: a fetch of zstd packs unpacks to several times the budget, and what
 * does not fit waits here, not yet made into documents. Items left when `halted()` are never
 * delivered (their offsets stay uncommitted).
 */
export function deliverWithin<T>(
  inFlight: InFlight,
  items: readonly T[],
  deliver: (item: T) => void,
  halted: () => boolean,
  holdAboveBytes: number,
): Promise<void> | undefined {
  let next = 0;
  while (next < items.length && !inFlight.full(holdAboveBytes)) deliver(items[next++]!);
  if (next === items.length && !inFlight.full()) return undefined;
  return (async () => {
    for (; next < items.length; next++) {
      await inFlight.waitForRoom(halted, holdAboveBytes);
      if (halted()) return;
      deliver(items[next]!);
    }
    await inFlight.waitForRoom(halted);
  })();
}
