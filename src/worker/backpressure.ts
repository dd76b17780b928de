/**
 * How much a worker holds between fetching and settling. Past the byte budget the batch handler
 * waits for room (heartbeating, so the group keeps the member), and fetching pauses with it.
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

  /** Returns once the worker holds no more than its budget, or `halted()`. */
  async waitForRoom(halted: () => boolean, heartbeat: () => Promise<void>): Promise<void> {
    while (this.bytes > this.maxBytes && !halted()) {
      await this.room.wait(1_000);
      await heartbeat();
    }
  }

  /** Wakes every waiter (stopping). */
  wake(): void {
    this.room.notify();
  }
}
