/** Webhook delivery against real HTTP servers on 127.0.0.1 that the test scripts answer by answer. */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AlertEvent } from '../../../src/alert/engine.js';
import { WebhookSender } from '../../../src/alert/webhook.js';
import { waitFor } from '../../helpers.js';

const event = (value: number, rule = 'ddos'): AlertEvent => ({
  kind: 'firing',
  rule,
  tenant: 'lab42',
  group: null,
  value,
  unit: 'bits_per_second',
  condition: 'above',
  threshold: 1,
  since: '2026-12-03T00:00:00.000Z',
  at: '2026-12-03T00:00:01.000Z',
  query: '*',
});

/** A webhook answering each POST with the next status of `statuses` (then 204); it keeps what came. */
async function webhook(statuses: number[] = []) {
  const received: AlertEvent[] = [];
  const answers = [...statuses];
  let held: (() => void) | undefined;
  let holding = false;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const answer = () => {
        const status = answers.shift() ?? 204;
        if (status < 300) received.push(JSON.parse(body) as AlertEvent);
        res.writeHead(status).end();
      };
      if (holding) held = answer;
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    received,
    /** Holds the next answer until release(): the webhook is slow. */
    hold: () => {
      holding = true;
    },
    held: () => held !== undefined,
    release: () => {
      holding = false;
      held?.();
      held = undefined;
    },
  };
}

const sender = (maxQueued = 1000) => {
  const s = new WebhookSender(pino({ level: 'silent' }), {
    backoff: { initialMs: 5, maxMs: 20 },
    timeoutMs: 5_000,
    maxQueued,
  });
  onTestFinished(() => s.stop());
  return s;
};

describe('WebhookSender', () => {
  it('delivers in order, retrying a failing webhook until it answers 2xx', async () => {
    const hook = await webhook([500, 503]);
    const s = sender();
    for (const v of [1, 2, 3]) s.send(hook.url, event(v));
    await waitFor(
      'three events acknowledged',
      // As the sender saw it: the webhook keeps an event before its answer arrives.
      async () => (s.figures('ddos').sent === 3 ? true : undefined),
      10_000,
      5,
    );
    expect(hook.received.map((e) => e.value)).toEqual([1, 2, 3]);
    expect(s.figures('ddos')).toEqual({ sent: 3, failed: 2, dropped: 0 });
    expect(s.queued).toBe(0);
  });

  it('holds back only the events of a webhook that is down', async () => {
    const down = await webhook(Array(1000).fill(500));
    const up = await webhook();
    const s = sender();
    s.send(down.url, event(1, 'a'));
    s.send(up.url, event(2, 'b'));
    await waitFor(
      'the other webhook acknowledged',
      async () => (s.figures('b').sent === 1 ? true : undefined),
      10_000,
      5,
    );
    await waitFor(
      'retries of the one down',
      async () => (s.figures('a').failed >= 2 ? true : undefined),
      10_000,
      5,
    );
    expect(down.received).toEqual([]);
    expect(s.figures('b')).toEqual({ sent: 1, failed: 0, dropped: 0 });
  });

  it('drops the oldest event when a queue is full, and counts it', async () => {
    const hook = await webhook();
    hook.hold();
    const s = sender(2);
    // The first is in flight (held) and counts in the queue; each event past the cap pushes out the
    // oldest one waiting, never the one being sent.
    // A rule per event, so the figures say which event went where.
    for (const v of [1, 2, 3, 4]) s.send(hook.url, event(v, `r${v}`));
    await waitFor(
      'the first request at the webhook',
      async () => (hook.held() ? true : undefined),
      10_000,
      5,
    );
    hook.release();
    await waitFor(
      'the rest acknowledged',
      // As the sender saw it: the webhook keeps an event before its answer arrives.
      async () => (s.queued === 0 ? true : undefined),
      10_000,
      5,
    );
    expect(hook.received.map((e) => e.value)).toEqual([1, 4]);
    expect([1, 2, 3, 4].map((v) => s.figures(`r${v}`))).toEqual([
      { sent: 1, failed: 0, dropped: 0 },
      { sent: 0, failed: 0, dropped: 1 },
      { sent: 0, failed: 0, dropped: 1 },
      { sent: 1, failed: 0, dropped: 0 },
    ]);
    expect(s.queued).toBe(0);
  });
});
