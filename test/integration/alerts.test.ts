/**
 * #17 on the real services: `smonnet gen` sends traffic at a known rate to one destination; a
 * rule on that destination fires once with the rate and recovers once after; a "no flows" rule
 * fires when production stops; a webhook that answers 500 gets the event again; rules change over
 * ProcAPI and SIGHUP while the worker keeps its pid.
 */

import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { AlertEvent } from '../../src/alert/engine.js';
import { removeSection } from '../../src/config/sections.js';
import { sampleMessages } from '../../src/gen/sample.js';
import { KAFKA_BROKERS, testKafka, waitFor } from '../helpers.js';
import { daemonSections, freePort, runCli, startDaemon, waitRunning } from './daemon-fixtures.js';
import { createScenarioTopic, writeScenario } from './worker-fixtures.js';

interface Received {
  readonly path: string;
  readonly at: number;
  readonly status: number;
  readonly event: AlertEvent;
}

/** The test's own webhook receiver on 127.0.0.1; `/flaky` answers 500 to its first request. */
async function receiver(): Promise<{ url: string; received: Received[] }> {
  const received: Received[] = [];
  let flakyAnswered = false;
  const body = (req: IncomingMessage) =>
    new Promise<string>((resolve) => {
      let text = '';
      req.on('data', (d) => {
        text += d;
      });
      req.on('end', () => resolve(text));
    });
  const server = createServer(async (req, res) => {
    const event = JSON.parse(await body(req)) as AlertEvent;
    const status = req.url === '/flaky' && !flakyAnswered ? 500 : 200;
    if (req.url === '/flaky') flakyAnswered = true;
    received.push({ path: req.url ?? '', at: Date.now(), status, event });
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  onTestFinished(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

const TARGET = '198.51.100.7';
const RATE = 400;
/**
 * A rule judges nothing until it watched a whole window (lateness 5 s + window 10 s after the
 * worker started), then the condition must hold 6 s: the traffic lasts well beyond that.
 */
const SECONDS = 30;

describe('stream alerts', () => {
  it('fires once at the produced rate and recovers once, catches silence, retries a failed webhook, changes rules live', async () => {
    const hook = await receiver();
    // What `smonnet gen` will send: the expected bits/s is RATE × the mean estimate per record.
    const gen = {
      format: 'sflowtool' as const,
      count: RATE * SECONDS,
      seed: 17,
      start: 0,
      intervalMs: 1,
      linesPerMessage: 1,
      counterEvery: 0,
      destination: TARGET,
    };
    const records = [...sampleMessages(gen)].flatMap((m) => m.records);
    const bitsPerRecord =
      records.reduce((n, r) => n + (r.kind === 'flow' ? r.frameLength * r.samplingRate * 8 : 0), 0) /
      records.length;
    const rate = RATE * bitsPerRecord;

    const port = await freePort();
    const scenario = writeScenario(
      { lab: { keys: {} } },
      {
        sections: [
          ...daemonSections(port, '/tmp/placeholder'),
          '[alert.to-target]',
          'tenant = lab',
          'value = bits_per_second',
          'group_by = destination.ip',
          'window = 10s',
          `above = ${Math.round(rate / 2)}`,
          'for = 6s',
          `webhook = ${hook.url}/hook`,
          '[alert.silence]',
          'tenant = lab',
          'value = flows_per_second',
          'group_by = none',
          'window = 5s',
          'below = 1',
          'for = 3s',
          `webhook = ${hook.url}/flaky`,
        ],
      },
    );
    const runtimeDir = join(dirname(scenario.file), 'run');
    writeFileSync(scenario.file, readFileSync(scenario.file, 'utf8').replace('/tmp/placeholder', runtimeDir));
    await createScenarioTopic(testKafka(), scenario);
    const daemon = startDaemon(scenario.file, port, runtimeDir);
    const pids = await waitRunning(daemon, ['lab']);

    const produced = await runCli([
      'gen',
      '--brokers',
      KAFKA_BROKERS,
      '--topic',
      scenario.topic,
      '--format',
      'sflowtool',
      '--count',
      String(gen.count),
      '--rate',
      String(RATE),
      '--seed',
      '17',
      '--counter-every',
      '0',
      '--to',
      TARGET,
    ]);
    const ended = Date.now();
    expect(produced.code, produced.output).toBe(0);

    const events = (path: string, rule: string) =>
      hook.received.filter((r) => r.path === path && r.event.rule === rule);
    await waitFor(
      'recovery of to-target',
      async () => (events('/hook', 'to-target').some((r) => r.event.kind === 'recovered') ? true : undefined),
      60_000,
      500,
    );
    const target = events('/hook', 'to-target');
    expect(target.map((r) => [r.event.kind, r.event.group])).toEqual([
      ['firing', { by: 'destination.ip', value: TARGET }],
      ['recovered', { by: 'destination.ip', value: TARGET }],
    ]);
    const firing = target[0]!.event;
    expect(Math.abs(firing.value - rate) / rate, `fired at ${firing.value}, produced ${rate}`).toBeLessThan(
      0.1,
    );
    expect(firing).toMatchObject({
      tenant: 'lab',
      unit: 'bits_per_second',
      condition: 'above',
      query: `destination.ip:"${TARGET}"`,
    });

    // Production stopped: the "no flows" rule fires, through a webhook whose first answer was 500.
    await waitFor(
      'silence fires after production ended',
      async () =>
        events('/flaky', 'silence').some(
          (r) => r.event.kind === 'firing' && r.status === 200 && Date.parse(r.event.since) >= ended - 6000,
        )
          ? true
          : undefined,
      60_000,
      500,
    );
    const flaky = events('/flaky', 'silence');
    expect(flaky[0]!.status).toBe(500);
    // The refused event came again, the same event, until accepted.
    expect(flaky[1]!.event).toEqual(flaky[0]!.event);
    expect(flaky[1]!.status).toBe(200);
    // The supervisor knows what its workers last reported (once a second): the report that shows
    // silence firing may come before the one that counts the refused attempt. Wait for both.
    type Live = { alerts: { firing: { rule: string }[]; rules: { rule: string; failed: number }[] } };
    const status = await waitFor('status shows silence firing and its refused attempt', async () => {
      const r = await daemon.api<{ live: Live }>('GET', '/api/v1/tenants/lab');
      const { firing, rules } = r.json.live.alerts;
      const failed = rules.find((x) => x.rule === 'silence')?.failed ?? 0;
      return firing.some((f) => f.rule === 'silence') && failed > 0 ? r.json.live : undefined;
    });
    expect(status.alerts.rules.find((r) => r.rule === 'silence')).toMatchObject({ failed: 1 });
    const metrics = await fetch(`http://127.0.0.1:${port}/metrics`, {
      headers: { authorization: `Bearer ${readFileSync(join(runtimeDir, 'api.token'), 'utf8').trim()}` },
    }).then((r) => r.text());
    expect(metrics).toMatch(/smonnet_alert_firing\{tenant="lab",rule="silence"\} 1/);
    expect(metrics).toMatch(/smonnet_alert_webhook_failures_total\{tenant="lab",rule="silence"\} 1/);

    // Rules change over ProcAPI and SIGHUP; the worker keeps running (same pid).
    const put = await daemon.api('PUT', '/api/v1/alerts/ports', {
      tenant: 'lab',
      value: 'packets_per_second',
      group_by: 'destination.port',
      above: '1M',
      webhook: `${hook.url}/hook`,
    });
    expect(put.status).toBe(201);
    const listed = await daemon.api<{ alerts: { name: string }[] }>('GET', '/api/v1/alerts');
    expect(listed.json.alerts.map((a) => a.name).sort()).toEqual(['ports', 'silence', 'to-target']);
    expect(
      (await daemon.api('PUT', '/api/v1/alerts/bad', { tenant: 'nobody', above: '1', webhook: hook.url }))
        .status,
    ).toBe(400);
    writeFileSync(scenario.file, removeSection(readFileSync(scenario.file, 'utf8'), 'alert.silence'));
    daemon.child.kill('SIGHUP');
    await waitFor('silence removed', async () => {
      const a = await daemon.api<{ live: { alerts: { rules: { rule: string }[] } } }>(
        'GET',
        '/api/v1/tenants/lab',
      );
      const rules = a.json.live.alerts.rules.map((r) => r.rule).sort();
      return rules.join() === 'ports,to-target' ? true : undefined;
    });
    expect(await waitRunning(daemon, ['lab'])).toEqual(pids);
  }, 240_000);
});
