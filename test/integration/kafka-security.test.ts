/**
 * The local broker's secured listeners (scripts/services.sh: SASL_SSL with SCRAM-SHA-512, and TLS
 * with client certificates): the daemon in both modes, `smonnet gen` and dead letters go through
 * each with exact counts; no secret reaches status, ProcAPI, `config check` or the logs; a wrong
 * password or a client certificate the broker does not know leaves the tenants degraded with a
 * reason that says so.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { sampleMessages } from '../../src/gen/sample.js';
import { testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { daemonSections, freePort, runCli, startDaemon } from './daemon-fixtures.js';
import {
  countDocuments,
  createScenarioTopic,
  expectedRecords,
  readDeadLetters,
  writeScenario,
} from './worker-fixtures.js';

const env = (name: string): string => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run the tests through npm test (scripts/with-services.sh)`);
  return v;
};
const TLS = env('KAFKA_TLS_DIR');
const secret = (file: string): string => readFileSync(join(TLS, file), 'utf8').trim();
const SCRAM_PASSWORD = secret('scram.password');
const KEY_PASSWORD = secret('client-key.password');

const LISTENERS = {
  'SASL_SSL (SCRAM-SHA-512)': [
    `brokers = ${env('KAFKA_SASL_BROKERS')}`,
    'security_protocol = sasl_ssl',
    'sasl_mechanism = scram-sha-512',
    'sasl_username = smonnet',
    `sasl_password = ${SCRAM_PASSWORD}`,
    `ssl_ca_file = ${TLS}/ca.pem`,
  ],
  'mutual TLS': [
    `brokers = ${env('KAFKA_SSL_BROKERS')}`,
    'security_protocol = ssl',
    `ssl_ca_file = ${TLS}/ca.pem`,
    `ssl_cert_file = ${TLS}/client.pem`,
    `ssl_key_file = ${TLS}/client-encrypted.key`,
    `ssl_key_password = ${KEY_PASSWORD}`,
  ],
};

const GEN = {
  format: 'mixed',
  count: 1200,
  seed: 23,
  start: Date.parse('2026-11-20T12:00:00Z'),
  intervalMs: 5,
} as const;
const BAD = ['FLOW,not,a,flow', 'CNTR,broken'];

function securedScenario(kafka: string[], mode: 'direct' | 'fanout', port: number) {
  const scenario = writeScenario(
    { all: { keys: {} }, lab42: { keys: { vlan: '42, 100-110' } } },
    { kafka: [...kafka, `mode = ${mode}`], sections: daemonSections(port, '/tmp/placeholder') },
  );
  const runtimeDir = join(dirname(scenario.file), 'run');
  writeFileSync(scenario.file, readFileSync(scenario.file, 'utf8').replace('/tmp/placeholder', runtimeDir));
  return { scenario, runtimeDir };
}

/**
 * A client-credentials token endpoint on 127.0.0.1 issuing unsecured JWTs, which the broker's
 * OAUTHBEARER listener accepts (Kafka's unsecured validator); counts the tokens it gave.
 */
async function tokenEndpoint(
  clientId: string,
  secret: string,
): Promise<{ url: string; issued: () => number }> {
  let issued = 0;
  const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const server = createServer((req, res) => {
    const expected = `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
    if (req.method !== 'POST' || req.headers.authorization !== expected) {
      res.writeHead(401).end('{"error":"invalid_client"}');
      return;
    }
    const now = Math.floor(Date.now() / 1000);
    issued++;
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        access_token: `${b64({ alg: 'none' })}.${b64({ sub: clientId, iat: now, exp: now + 3600 })}.`,
        expires_in: 3600,
      }),
    );
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/token`, issued: () => issued };
}

describe('secured Kafka listeners', () => {
  it('OAUTHBEARER with a client-credentials token endpoint: exact counts, the secret never shown', async () => {
    const plain = testKafka();
    const port = await freePort();
    const secret = 'oauth-client-secret-7d2a';
    const endpoint = await tokenEndpoint('smonnet-client', secret);
    const { scenario, runtimeDir } = securedScenario(
      [
        `brokers = ${env('KAFKA_OAUTH_BROKERS')}`,
        'security_protocol = sasl_plaintext',
        'sasl_mechanism = oauthbearer',
        `sasl_oauth_token_url = ${endpoint.url}`,
        'sasl_oauth_client_id = smonnet-client',
        `sasl_oauth_client_secret = ${secret}`,
      ],
      'direct',
      port,
    );
    const es = testElasticsearch(scenario.topic);
    await createScenarioTopic(plain, scenario);
    const messages = [...sampleMessages({ ...GEN, linesPerMessage: 1, counterEvery: 50 })];
    await testKafka(scenario.config.kafka).produce(
      messages.map((m) => ({ topic: scenario.topic, key: m.key, value: Buffer.from(m.value) })),
    );
    const expected = expectedRecords(scenario.config, messages);
    const daemon = startDaemon(scenario.file, port, runtimeDir);
    for (const [name, prefix] of Object.entries(scenario.prefixes))
      await waitFor(
        `${name} to index ${expected[name]!.length} records`,
        async () => ((await countDocuments(es, `${prefix}-*`)) >= expected[name]!.length ? true : undefined),
        120_000,
        1000,
      );
    for (const [name, prefix] of Object.entries(scenario.prefixes))
      expect(await countDocuments(es, `${prefix}-*`), name).toBe(expected[name]!.length);
    expect(endpoint.issued()).toBeGreaterThan(0);
    const shown = [
      JSON.stringify((await daemon.api('GET', '/api/v1/tenants')).json),
      (await runCli(['status', '-c', scenario.file, '--json'])).output,
      (await runCli(['config', 'check', '-c', scenario.file])).output,
      daemon.output(),
    ].join('\n');
    expect(shown.includes(secret)).toBe(false);
  }, 180_000);

  for (const [listener, lines] of Object.entries(LISTENERS)) {
    it.each(['direct', 'fanout'] as const)(
      `${listener}, %s mode: exact counts, dead letters, no secret shown`,
      async (mode) => {
        const plain = testKafka();
        const port = await freePort();
        const { scenario, runtimeDir } = securedScenario(lines, mode, port);
        const es = testElasticsearch(scenario.topic);
        await createScenarioTopic(plain, scenario);
        if (mode === 'fanout')
          // The tenant topics the segregator creates go with the scenario.
          onTestFinished(() =>
            plain.deleteTopics(['all', 'lab42'].map((t) => `${scenario.topic}.tenant.${t}`)),
          );

        // gen writes through the secured listener, as the daemon reads through it.
        const gen = await runCli([
          'gen',
          '-c',
          scenario.file,
          '--topic',
          scenario.topic,
          '--format',
          GEN.format,
          '--count',
          String(GEN.count),
          '--seed',
          String(GEN.seed),
          '--start',
          String(GEN.start),
          '--interval-ms',
          String(GEN.intervalMs),
          '--compression',
          'zstd',
        ]);
        expect(gen.code, gen.output).toBe(0);
        await testKafka(scenario.config.kafka).produce(
          BAD.map((v) => ({ topic: scenario.topic, value: Buffer.from(v), partition: 0 })),
        );
        const expected = expectedRecords(scenario.config, [
          ...sampleMessages({ ...GEN, linesPerMessage: 1, counterEvery: 50 }),
        ]);

        const daemon = startDaemon(scenario.file, port, runtimeDir);
        for (const [name, prefix] of Object.entries(scenario.prefixes))
          await waitFor(
            `${name} to index ${expected[name]!.length} records`,
            async () =>
              (await countDocuments(es, `${prefix}-*`)) >= expected[name]!.length ? true : undefined,
            120_000,
            1000,
          );
        for (const [name, prefix] of Object.entries(scenario.prefixes))
          expect(await countDocuments(es, `${prefix}-*`), name).toBe(expected[name]!.length);
        // The bad records are dead-lettered through the listener, with their reason.
        const letters = await readDeadLetters(plain, scenario, BAD.length);
        expect(new Set(letters.map((l) => l.headers['smonnet-source-offset'])).size).toBe(BAD.length);

        // No secret in anything smonnet shows.
        const shown = [
          JSON.stringify((await daemon.api('GET', '/api/v1/tenants')).json),
          JSON.stringify((await daemon.api('GET', '/api/v1/tenants/all')).json),
          (await runCli(['status', '-c', scenario.file])).output,
          (await runCli(['status', '-c', scenario.file, '--json'])).output,
          (await runCli(['config', 'check', '-c', scenario.file])).output,
          gen.output,
          daemon.output(),
        ].join('\n');
        for (const s of [SCRAM_PASSWORD, KEY_PASSWORD]) expect(shown.includes(s)).toBe(false);
      },
      240_000,
    );
  }

  it.each([
    {
      what: 'a wrong SCRAM password',
      lines: LISTENERS['SASL_SSL (SCRAM-SHA-512)'].map((l) =>
        l.startsWith('sasl_password') ? 'sasl_password = not-the-password-4f1c' : l,
      ),
      reason: /the broker refused the SASL credentials/,
      hidden: 'not-the-password-4f1c',
    },
    {
      what: 'a client certificate the broker does not know',
      lines: [
        `brokers = ${env('KAFKA_SSL_BROKERS')}`,
        'security_protocol = ssl',
        `ssl_ca_file = ${TLS}/ca.pem`,
        `ssl_cert_file = ${TLS}/stranger.pem`,
        `ssl_key_file = ${TLS}/stranger.key`,
      ],
      reason: /closed every TLS connection at once: it does not accept the client certificate/,
      hidden: undefined,
    },
    {
      what: 'a broker certificate no CA given trusts',
      lines: LISTENERS['mutual TLS'].map((l) =>
        l.startsWith('ssl_ca_file') ? `ssl_ca_file = ${TLS}/stranger-ca.pem` : l,
      ),
      reason: /TLS with the broker failed: self-signed certificate/,
      hidden: KEY_PASSWORD,
    },
  ])(
    '$what: the tenant is degraded with the reason within a minute, and not crash-looping',
    async ({ lines, reason, hidden }) => {
      const plain = testKafka();
      const port = await freePort();
      const { scenario, runtimeDir } = securedScenario(lines, 'direct', port);
      await createScenarioTopic(plain, scenario);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      const started = Date.now();
      const problem = await waitFor(
        'the tenant degraded with a reason',
        async () => {
          const t = (await daemon.tenants()).find((x) => x.name === 'all');
          return t?.live?.state === 'degraded' ? t.live.problem : undefined;
        },
        60_000,
        500,
      );
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(problem).toMatch(reason);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(503);
      // Retrying with backoff inside the worker: the supervisor never had to restart it.
      const t = (await daemon.tenants()).find((x) => x.name === 'all')!;
      expect(t.live?.restarts ?? 0).toBe(0);
      if (hidden) expect(daemon.output().includes(hidden)).toBe(false);
    },
    120_000,
  );
});
