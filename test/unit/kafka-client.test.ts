import { createRequire } from 'node:module';
import kafkajs from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { kafkajsLevel, quietIdleRequestQueues } from '../../src/kafka-client.js';

interface Queue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  scheduleCheckPendingRequests(): void;
}

describe('kafkajs request queues', () => {
  it('arm no timer when nothing is pending and nothing throttles, and still do when something is', () => {
    expect(quietIdleRequestQueues()).toBe(true);
    const RequestQueue = createRequire(import.meta.url)('kafkajs/src/network/requestQueue/index.js') as {
      prototype: Queue;
    };
    const queue = (pending: unknown[], throttledUntil: number): Queue =>
      Object.assign(Object.create(RequestQueue.prototype) as Queue, {
        pending,
        throttledUntil,
        throttleCheckTimeoutId: null,
      });
    // kafkajs 2.2.4 armed a 1 ms timer here, and again from it, forever.
    const idle = queue([], -1);
    idle.scheduleCheckPendingRequests();
    expect(idle.throttleCheckTimeoutId).toBeNull();
    for (const busy of [queue([{}], -1), queue([], Date.now() + 60_000)]) {
      busy.scheduleCheckPendingRequests();
      expect(busy.throttleCheckTimeoutId).not.toBeNull();
      clearTimeout(busy.throttleCheckTimeoutId!);
    }
  });
});

describe('kafkajs log lines', () => {
  it('keep their level, except error answers kafkajs or its caller still handles', () => {
    const { logLevel } = kafkajs;
    expect(kafkajsLevel(logLevel.ERROR, 'Response CreateTopics(key: 19, version: 3)')).toBe('debug');
    expect(kafkajsLevel(logLevel.ERROR, 'Crash: KafkaJSNumberOfRetriesExceeded')).toBe('error');
    expect(kafkajsLevel(logLevel.WARN, 'Limiting retries for the idempotent producer')).toBe('warn');
    expect(kafkajsLevel(logLevel.INFO, 'Consumer has joined the group')).toBe('debug');
    expect(kafkajsLevel(logLevel.DEBUG, 'Request Fetch')).toBe('trace');
  });
});
