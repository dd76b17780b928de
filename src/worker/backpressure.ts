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

  full(): boolean {
    return this.bytes > this.maxBytes;
  }

  /** Returns once the worker holds no more than its budget, or `halted()`. */
  async waitForRoom(halted: () => boolean): Promise<void> {
    while (this.full() && !halted()) await this.room.wait(1_000);
  }

  /** Wakes every waiter (stopping). */
  wake(): void {
    this.room.notify();
  }
}
