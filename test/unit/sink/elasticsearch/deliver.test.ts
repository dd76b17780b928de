import { type Client, errors } from '@elastic/elasticsearch';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { DeliveryAborted } from '../../../../src/errors.js';
import { RateLimitedLog } from '../../../../src/observability/rate-limited.js';
import { type DeliveryContext, deliver } from '../../../../src/sink/elasticsearch/deliver.js';

/** A bulk body of `n` items whose documents are {"n": i}. */
function body(n: number): Uint8Array {
  let text = '';
  for (let i = 0; i < n; i++) text += `{"index":{"_index":"t","_id":"${i}"}}\n{"n":${i}}\n`;
  return new TextEncoder().encode(text);
}

/** The item numbers a request carried, read back from its body. */
const itemsOf = (bulk: Buffer): number[] =>
  bulk
    .toString()
    .split('\n')
    .filter((l) => l.startsWith('{"n"'))
    .map((l) => (JSON.parse(l) as { n: number }).n);

type Answer = (items: number[]) => unknown;

const responseError = (statusCode: number, type: string) =>
  new errors.ResponseError({
    body: { error: { type, reason: type } },
    statusCode,
    headers: {},
    warnings: null,
    meta: {} as never,
  });

/** A client whose bulk answers come from `answers` in turn (the last one repeats), recording requests. */
function fakeBulk(answers: Answer[]) {
  const requests: number[][] = [];
  const client = {
    transport: {
      request: async (params: { bulkBody: Buffer }) => {
        const items = itemsOf(params.bulkBody);
        requests.push(items);
        const answer = answers[Math.min(requests.length - 1, answers.length - 1)]!;
        const result = answer(items);
        if (result instanceof Error) throw result;
        return result;
      },
    },
  } as unknown as Client;
  return { client, requests };
}

const indexed: Answer = (items) => ({ errors: false, items: items.map(() => ({ index: { status: 201 } })) });
const itemStatus =
  (status: (item: number) => number): Answer =>
  (items) => ({
    errors: true,
    items: items.map((i) => ({
      index: {
        status: status(i),
        ...(status(i) >= 300 && { error: { type: `e${status(i)}`, reason: `item ${i}` } }),
      },
    })),
  });

function context(client: Client, halted = () => false): DeliveryContext {
  return { client, tenant: 't', warn: new RateLimitedLog(pino({ level: 'silent' })), halted };
}

describe('deliver', () => {
  it('indexes a body in one request when Elasticsearch takes it', async () => {
    const { client, requests } = fakeBulk([indexed]);
    expect(await deliver(context(client), body(5), 5)).toEqual({ indexed: 5, rejected: [] });
    expect(requests).toEqual([[0, 1, 2, 3, 4]]);
  });

  it('halves a body answered 413 until each part fits, keeping item numbers', async () => {
    const { client, requests } = fakeBulk([
      (items) =>
        items.length > 2 ? responseError(413, 'too_large') : itemStatus((i) => (i === 3 ? 400 : 201))(items),
    ]);
    const d = await deliver(context(client), body(5), 5);
    expect(d.indexed).toBe(4);
    expect(d.rejected).toEqual([{ item: 3, reason: 'e400: item 3' }]);
    expect(requests).toEqual([[0, 1, 2, 3, 4], [0, 1, 2], [0, 1], [2], [3, 4]]);
  });

  it('resends only the items answered 429 or 5xx, and dead-letters only those refused for good', async () => {
    let round = 0;
    const { client, requests } = fakeBulk([
      itemStatus((i) => (i === 1 ? 429 : i === 2 ? 503 : i === 4 ? 400 : 201)),
      (items) => {
        round++;
        return indexed(items);
      },
    ]);
    const d = await deliver(context(client), body(5), 5);
    expect(d).toEqual({ indexed: 4, rejected: [{ item: 4, reason: 'e400: item 4' }] });
    expect(requests).toEqual([
      [0, 1, 2, 3, 4],
      [1, 2],
    ]);
    expect(round).toBe(1);
  });

  it('waits out an unreachable or overloaded Elasticsearch and then indexes everything', async () => {
    const { client, requests } = fakeBulk([
      () => new errors.ConnectionError('connect ECONNREFUSED'),
      () => responseError(503, 'unavailable'),
      () => responseError(401, 'security_exception'),
      indexed,
    ]);
    expect(await deliver(context(client), body(3), 3)).toEqual({ indexed: 3, rejected: [] });
    expect(requests).toHaveLength(4);
  });

  it('refuses every item of a request refused as a whole for good', async () => {
    const { client } = fakeBulk([() => responseError(400, 'illegal_argument_exception')]);
    const d = await deliver(context(client), body(2), 2);
    expect(d.indexed).toBe(0);
    expect(d.rejected.map((r) => r.item)).toEqual([0, 1]);
    expect(d.rejected[0]!.reason).toMatch(/HTTP 400.*illegal_argument_exception/);
  });

  it('gives up with DeliveryAborted when told to stop while waiting, settling nothing', async () => {
    let stop = false;
    const { client } = fakeBulk([
      () => {
        stop = true;
        return new errors.ConnectionError('connect ECONNREFUSED');
      },
    ]);
    await expect(
      deliver(
        context(client, () => stop),
        body(2),
        2,
      ),
    ).rejects.toBeInstanceOf(DeliveryAborted);
  });
});
