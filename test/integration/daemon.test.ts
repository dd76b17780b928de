/**
 * The daemon (`smonnet run`, compiled) against the real Kafka and Elasticsearch: tenants as
 * processes, SIGHUP as a difference, ProcAPI, Smonnet's legacy config, crashes, shutdown, and two
 * supervisors sharing the work.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { putSection, removeSection } from '../../src/config/sections.js';
import { ES_URL, testElasticsearch, testKafka, waitFor } from '../helpers.js';
import { startFakeKibana } from '../support/kibana-server.js';
import { alive, daemonSections, freePort, runCli, startDaemon, waitRunning } from './daemon-fixtures.js';
import {
  countDocuments,
  createScenarioTopic,
  ES_RESTART_MS,
  expectedRecords,
  produce,
  services,
  traffic,
  writeScenario,
} from './worker-fixtures.js';

const SIX_TENANTS_TIMEOUT = 240_000;

interface FlowDoc {
  readonly source: { readonly ip: string };
  readonly destination: { readonly ip: string };
  readonly observer: { readonly ingress: { readonly interface: { readonly name?: string } } };
  readonly sflow: { readonly sampling_rate: number };
  readonly network: { readonly direction?: string };
}

async function scenarioWithDaemon(tenants: Parameters<typeof writeScenario>[0]) {
  const port = await freePort();
  const scenario = writeScenario(tenants, { sections: daemonSections(port, '/tmp/placeholder') });
  // The runtime folder sits beside the config file, which writeScenario just created.
  const runtimeDir = join(dirname(scenario.file), 'run');
  writeFileSync(scenario.file, readFileSync(scenario.file, 'utf8').replace('/tmp/placeholder', runtimeDir));
  return { scenario, port, runtimeDir };
}

describe('smonnet run', () => {
  it(
    'runs three tenants as processes, restarts a killed worker without loss, and exits cleanly on SIGTERM',
    async () => {
      const kafka = testKafka();
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({
        lab42: { keys: { vlan: '42, 100-110' } },
        physics: { keys: { ip: '10.2.0.0/24, 2001:db8:200::/48', schema: 'legacy' } },
        campus6: { keys: { dst_ip: '2001:db8::/32' } },
      });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const first = traffic({ count: 3000, seed: 21 });
      const second = traffic({ count: 3000, seed: 22 });
      const expected = expectedRecords(scenario.config, [...first, ...second]);
      await produce(kafka, scenario.topic, first);

      const daemon = startDaemon(scenario.file, port, runtimeDir);
      const pids = await waitRunning(daemon, ['lab42', 'physics', 'campus6']);
      expect(new Set(Object.values(pids).flat()).size).toBe(3);

      // A worker killed while records arrive is restarted, and its tenant loses nothing.
      await produce(kafka, scenario.topic, second);
      process.kill(pids['lab42']![0]!, 'SIGKILL');
      const restarted = await waitFor('lab42 restarted', async () => {
        const t = (await daemon.tenants()).find((x) => x.name === 'lab42');
        return t?.live?.state === 'running' && t.live.pids[0] !== pids['lab42']![0] ? t.live : undefined;
      });
      expect(restarted.restarts).toBe(1);
      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        await waitFor(
          `${name}: ${expected[name]!.length} documents`,
          async () =>
            (await countDocuments(es, `${prefix}-*`)) === expected[name]!.length ? true : undefined,
          90_000,
          1000,
        );
      }

      // SIGTERM: every worker drains and commits, the supervisor exits 0 and leaves no worker behind.
      const workerPids = Object.values(await waitRunning(daemon, ['lab42', 'physics', 'campus6'])).flat();
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      for (const pid of workerPids) expect(alive(pid)).toBe(false);

      // A restart finds every offset committed: it indexes nothing again.
      const again = startDaemon(scenario.file, port, runtimeDir);
      await waitRunning(again, ['lab42', 'physics', 'campus6']);
      // Lag and counters come in one report: lag 0 with nothing indexed means nothing was read again.
      const status = await waitFor(
        'every tenant at lag 0',
        async () => {
          const list = await again.tenants();
          return list.every((t) => t.live?.lag === 0) ? list : undefined;
        },
        60_000,
        500,
      );
      for (const t of status) expect(t.live?.stats.indexed, t.name).toBe(0);
      for (const [name, prefix] of Object.entries(scenario.prefixes)) {
        expect(await countDocuments(es, `${prefix}-*`), name).toBe(expected[name]!.length);
      }
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    'applies SIGHUP as a difference and refuses an invalid file while everything keeps running',
    async () => {
      const kafka = testKafka();
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({
        keep: { keys: { vlan: '42' } },
        drop: { keys: { vlan: '200' } },
        change: { keys: { vlan: '300' } },
      });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      const before = await waitRunning(daemon, ['keep', 'drop', 'change']);
      const first = traffic({ count: 2000, seed: 31 });
      await produce(kafka, scenario.topic, first);

      let text = readFileSync(scenario.file, 'utf8');
      text = removeSection(text, 'tenant.drop');
      text = putSection(text, 'tenant.change', {
        vlan: '300, 200',
        es_nodes: ES_URL,
        index_prefix: scenario.prefixes['change']!,
      });
      text = putSection(text, 'tenant.added', {
        vlan: '100-110',
        es_nodes: ES_URL,
        index_prefix: `${scenario.topic}-added`,
      });
      writeFileSync(scenario.file, text);
      daemon.child.kill('SIGHUP');
      const after = await waitRunning(daemon, ['keep', 'change', 'added']);
      expect(after['keep']).toEqual(before['keep']);
      expect(after['change']).not.toEqual(before['change']);
      expect((await daemon.tenants()).map((t) => t.name).sort()).toEqual(['added', 'change', 'keep']);
      expect(alive(before['drop']![0]!)).toBe(false);

      // The unchanged tenant loses nothing across the reload.
      const second = traffic({ count: 2000, seed: 32 });
      await produce(kafka, scenario.topic, second);
      const keepExpected = expectedRecords(scenario.config, [...first, ...second])['keep']!.length;
      await waitFor(
        'keep has every record',
        async () =>
          (await countDocuments(es, `${scenario.prefixes['keep']}-*`)) === keepExpected ? true : undefined,
        90_000,
        1000,
      );

      // An invalid file is refused: same processes, the reason reported.
      writeFileSync(scenario.file, `${text}\n[tenant.broken]\nvlan = forty-two\n`);
      daemon.child.kill('SIGHUP');
      const listing = await waitFor('reload refused', async () => {
        const r = await daemon.api<{ reloadError: string | null }>('GET', '/api/v1/tenants');
        return r.json.reloadError ? r.json : undefined;
      });
      expect(listing.reloadError).toMatch(/\[tenant\.broken\] vlan: 'forty-two' is not a number/);
      expect(await waitRunning(daemon, ['keep', 'change', 'added'])).toEqual(after);
      writeFileSync(scenario.file, text);
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    'takes a changed interface file, sampling rules and networks on SIGHUP without restarting the worker',
    async () => {
      const kafka = testKafka();
      const port = await freePort();
      const probe = writeScenario({});
      const interfaces = join(dirname(probe.file), 'interfaces.csv');
      const rows = (name: string) => `agent,if_index,name,boundary\n192.0.2.1,12,${name},internal\n`;
      writeFileSync(interfaces, rows('old-name'));
      const scenario = writeScenario(
        { lab: { keys: { vlan: '42', networks: '10.1.42.0/24' } } },
        { sections: daemonSections(port, '/tmp/placeholder'), interfaces },
      );
      const runtimeDir = join(dirname(scenario.file), 'run');
      writeFileSync(
        scenario.file,
        readFileSync(scenario.file, 'utf8').replace('/tmp/placeholder', runtimeDir),
      );
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      const before = await waitRunning(daemon, ['lab']);
      // Records carry their own time (goflow2): each batch lands in a daily index of its own.
      const batch = (seed: number, day: string) =>
        traffic({ count: 1500, seed, format: 'goflow2-json', start: Date.parse(`${day}T00:00:00Z`) });
      const first = batch(61, '2026-11-21');
      const second = batch(62, '2026-11-22');
      const prefix = scenario.prefixes['lab']!;
      const expected = (m: typeof first) => expectedRecords(scenario.config, m)['lab']!.length;
      const indexed = (day: string, count: number) =>
        waitFor(
          `${count} documents on ${day}`,
          async () => ((await countDocuments(es, `${prefix}-${day}`)) === count ? true : undefined),
          90_000,
          500,
        );
      await produce(kafka, scenario.topic, first);
      await indexed('2026.11.21', expected(first));

      writeFileSync(interfaces, rows('new-name'));
      writeFileSync(
        scenario.file,
        putSection(
          readFileSync(scenario.file, 'utf8').replace('networks = 10.1.42.0/24', 'networks = 10.0.0.0/8'),
          'sampling',
          { 'override 192.0.2.1': '7777' },
        ),
      );
      const reloads = () => daemon.output().split('enrichment sources reloaded').length - 1;
      daemon.child.kill('SIGHUP');
      await waitFor('the worker took the new configuration', async () => (reloads() >= 1 ? true : undefined));
      await produce(kafka, scenario.topic, second);
      await indexed('2026.11.22', expected(second));
      expect(await waitRunning(daemon, ['lab'])).toEqual(before);

      const through12 = async (day: string) => {
        await es.indices.refresh({ index: `${prefix}-${day}` });
        const r = await es.search<FlowDoc>({
          index: `${prefix}-${day}`,
          size: 1000,
          query: {
            bool: {
              filter: [
                { term: { 'observer.ip': '192.0.2.1' } },
                { term: { 'observer.ingress.interface.id': '12' } },
              ],
            },
          },
        });
        return r.hits.hits.map((h) => h._source!);
      };
      const old = await through12('2026.11.21');
      const now = await through12('2026.11.22');
      expect(old.length).toBeGreaterThan(0);
      expect(now.length).toBeGreaterThan(0);
      expect(new Set(old.map((d) => d.observer.ingress.interface.name))).toEqual(new Set(['old-name']));
      expect(new Set(now.map((d) => d.observer.ingress.interface.name))).toEqual(new Set(['new-name']));
      expect(new Set(old.map((d) => d.sflow.sampling_rate))).toEqual(new Set([512]));
      expect(new Set(now.map((d) => d.sflow.sampling_rate))).toEqual(new Set([7777]));
      // Directions by the tenant's networks, before and after they changed.
      const direction = (d: FlowDoc, inside: (ip: string) => boolean) => {
        const [s, t] = [inside(d.source.ip), inside(d.destination.ip)];
        return s ? (t ? 'internal' : 'outbound') : t ? 'inbound' : 'external';
      };
      for (const d of old) expect(d.network.direction).toBe(direction(d, (ip) => ip.startsWith('10.1.42.')));
      for (const d of now) expect(d.network.direction).toBe(direction(d, (ip) => ip.startsWith('10.')));
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    'serves ProcAPI: authentication, validation that writes nothing, hot adds, and 20 concurrent adds',
    async () => {
      const kafka = testKafka();
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({ base: { keys: { vlan: '42' } } });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      await waitRunning(daemon, ['base']);

      expect((await daemon.api('GET', '/api/v1/tenants', undefined, null)).status).toBe(401);
      expect((await daemon.api('GET', '/api/v1/tenants', undefined, 'Bearer wrong')).status).toBe(401);
      expect((await daemon.api('GET', '/healthz', undefined, null)).status).toBe(200);
      expect((await daemon.api('GET', '/api/v1/openapi.json', undefined, null)).json).toMatchObject({
        openapi: '3.1.0',
      });

      const original = readFileSync(scenario.file);
      const bad: [unknown, RegExp][] = [
        ['[1, 2]', /JSON object/],
        ['{"name": "x", ', /not valid JSON/],
        [{ name: 'Lab 42', vlan: '1', es_nodes: ES_URL }, /tenant name/],
        [{ name: 'ok1', vlan: '4096', es_nodes: ES_URL }, /configuration invalid/],
        [{ name: 'ok2', vlan: '1\n[kafka]\ntopic = stolen', es_nodes: ES_URL }, /line breaks/],
        [{ name: 'ok3', colour: 'blue', es_nodes: ES_URL }, /configuration invalid/],
        [{ name: 'ok4', vlan: { nested: true }, es_nodes: ES_URL }, /invalid tenant keys/],
        [{ name: 'base', vlan: '7', es_nodes: ES_URL }, /exists already/],
      ];
      for (const [body, message] of bad) {
        const r = await daemon.api<{ error: { message: string; details: string[] } }>(
          'POST',
          '/api/v1/tenants',
          body,
        );
        expect([400, 409], JSON.stringify(body)).toContain(r.status);
        expect(`${r.json.error.message} ${r.json.error.details.join(' ')}`).toMatch(message);
        expect(readFileSync(scenario.file).equals(original)).toBe(true);
      }

      // A hot add indexes within seconds.
      const added = await daemon.api('POST', '/api/v1/tenants', {
        name: 'hot',
        vlan: [100, '101-110'],
        es_nodes: ES_URL,
        index_prefix: `${scenario.topic}-hot`,
      });
      expect(added.status).toBe(201);
      await waitRunning(daemon, ['hot']);
      const records = traffic({ count: 1000, seed: 41 });
      await produce(kafka, scenario.topic, records);
      const hotConfig = writeScenario({ hot: { keys: { vlan: '100, 101-110' } } }).config;
      const hotExpected = expectedRecords(hotConfig, records)['hot']!.length;
      await waitFor(
        'hot indexes',
        async () =>
          (await countDocuments(es, `${scenario.topic}-hot-*`)) === hotExpected ? true : undefined,
        60_000,
        1000,
      );

      // Smonnet's original call, then removal.
      const legacy = await daemon.api(
        'POST',
        `/api/v1/smonit/old1?key0=sflow_dstVlan&value0=300&nodes=${encodeURIComponent(ES_URL.replace('http://', ''))}`,
      );
      expect(legacy.status).toBe(201);
      expect(readFileSync(scenario.file, 'utf8')).toMatch(
        /\[tenant\.old1\]\ndst_vlan = 300\nes_nodes = 127\.0\.0\.1:\d+\nschema = legacy/,
      );
      expect((await daemon.api('DELETE', '/api/v1/tenants/old1')).status).toBe(200);
      expect((await daemon.api('DELETE', '/api/v1/tenants/old1')).status).toBe(404);

      // Twenty writers at once: every one lands, none overwrites another.
      const names = Array.from({ length: 20 }, (_, i) => `c${i}`);
      const answers = await Promise.all(
        names.map((name, i) =>
          daemon.api('POST', '/api/v1/tenants', {
            name,
            dst_port: 1000 + i,
            es_nodes: ES_URL,
            index_prefix: `${scenario.topic}-${name}`,
          }),
        ),
      );
      expect(answers.map((a) => a.status)).toEqual(names.map(() => 201));
      const text = readFileSync(scenario.file, 'utf8');
      for (const name of names) expect(text).toContain(`[tenant.${name}]`);
      expect((await daemon.tenants()).map((t) => t.name).sort()).toEqual(['base', 'hot', ...names].sort());
      await waitRunning(daemon, names, 180_000);

      // Removing a tenant that indexed drains its worker, which leaves by itself: it is never
      // killed at shutdown_timeout, with 22 other workers busy beside it.
      expect((await daemon.api('DELETE', '/api/v1/tenants/hot')).status).toBe(200);
      expect(daemon.output()).not.toMatch(/did not stop in time/);
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    "runs Smonnet's legacy [smonit] configuration unchanged, and answers the original ProcAPI's call",
    async () => {
      const kafka = testKafka();
      const port = await freePort();
      const base = writeScenario({});
      const runtimeDir = join(dirname(base.file), 'run');
      const node = ES_URL.replace('http://', '');
      const stem = base.topic.replace(/-/g, '');
      const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => `${stem}${x}`) as [string, string, string, string];
      // The file as shared with the original ProcAPI: its port and basic auth, no [procapi] listen.
      writeFileSync(
        base.file,
        [
          readFileSync(base.file, 'utf8'),
          '[server]',
          `port = ${port}`,
          '[api]',
          'user = smonit',
          'pass = s3cret',
          '[logging]',
          'level = INFO',
          '[tornado]',
          'debug = False',
          '[procapi]',
          `default_es_nodes = ${node}`,
          '[supervisor]',
          `runtime_dir = ${runtimeDir}`,
          'shutdown_timeout = 20',
          '[smonit]',
          '; kept as written',
          'max_param_filters = 1',
          'processing_pid = 123',
          'child_procs = 124,125',
          `monitor_names = ${a}-${b}-${c}`,
          // sflow_EtherType is a field the peek cannot read: that tenant's records are all decoded.
          'monitor_params = sflow_dstVlan,42-sflow_srcVlan,200-sflow_EtherType,0x86dd',
          `monitor_nodes = ${node}--${node}--${node}`,
          'deployment_url = http://coordinator.invalid/deploy',
          '',
        ].join('\n'),
      );
      const es = testElasticsearch(`sflow-${stem}`);
      await createScenarioTopic(kafka, base);
      const daemon = startDaemon(base.file, port, runtimeDir);
      await waitRunning(daemon, [a, b, c]);
      // The original call, as the original ProcAPI's clients sent it: basic auth from [api].
      const basic = `Basic ${Buffer.from('smonit:s3cret').toString('base64')}`;
      const call = `/api/v1/smonit/${d}?key0=sflow_IP_Protocol&value0=17`;
      expect(
        (await daemon.api('POST', call, undefined, `Basic ${Buffer.from('smonit:no').toString('base64')}`))
          .status,
      ).toBe(401);
      expect((await daemon.api('POST', call, undefined, basic)).status).toBe(201);
      expect((await daemon.api('POST', call, undefined, basic)).status).toBe(409);
      await waitRunning(daemon, [a, b, c, d]);
      const records = traffic({ count: 2000, seed: 51 });
      await produce(kafka, base.topic, records);
      const flows = records.flatMap((m) => m.records).filter((r) => r.kind === 'flow');
      const expected: Record<string, number> = {
        [a]: flows.filter((r) => r.outVlan === 42).length,
        [b]: flows.filter((r) => r.inVlan === 200).length,
        [c]: flows.filter((r) => r.etype === 0x86dd).length,
        [d]: flows.filter((r) => r.proto === 17).length,
      };
      expect(Object.values(expected).every((n) => n > 0)).toBe(true);
      const counts = async () =>
        Object.fromEntries(
          await Promise.all(
            Object.keys(expected).map(async (t) => [t, await countDocuments(es, `sflow-${t}-*`)]),
          ),
        );
      await waitFor(
        'legacy tenants index',
        async () => (JSON.stringify(await counts()) === JSON.stringify(expected) ? true : undefined),
        90_000,
        1000,
      );
      const doc = await es.search<Record<string, unknown>>({ index: `sflow-${a}-*`, size: 1 });
      expect(doc.hits.hits[0]?._source).toMatchObject({
        SampleType: 'FLOW',
        type: 'sflow',
        sflow_dstVlan: 42,
      });
      // Every field of the original's document (shared/smonnet-original.md), and nothing else but
      // the enrichment fields it wrote when a lookup found something and smonnet's own smonnet_*.
      const always = [
        '@message',
        '@timestamp',
        '@version',
        'type',
        'SampleType',
        'sflow_ReporterIP',
        'sflow_inputPort',
        'sflow_outputPort',
        'sflow_srcMAC',
        'sflow_dstMAC',
        'sflow_EtherType',
        'sflow_srcVlan',
        'sflow_dstVlan',
        'sflow_srcIP',
        'sflow_dstIP',
        'sflow_IP_Protocol',
        'sflow_IPTOS',
        'sflow_IPTTL',
        'sflow_srcPort',
        'sflow_dstPort',
        'sflow_tcpFlags',
        'sflow_PacketSize',
        'sflow_IPSize',
        'sflow_SampleRate',
        'sflow_NEWsrcIP',
        'sflow_NEWdstIP',
      ];
      const whenFound = ['location', 'country', 'as'].flatMap((f) => [`sflow_src_${f}`, `sflow_dst_${f}`]);
      const fields = Object.keys(doc.hits.hits[0]!._source!);
      expect(fields).toEqual(expect.arrayContaining(always));
      expect(
        fields.filter((f) => !always.includes(f) && !whenFound.includes(f) && !f.startsWith('smonnet_')),
      ).toEqual([]);
      // As Smonnet did: processing_pid names the supervisor, every other line stays as written.
      const text = readFileSync(base.file, 'utf8');
      expect(text).toContain(
        `\n[smonit]\n; kept as written\nmax_param_filters = 1\nprocessing_pid = ${daemon.child.pid}\nchild_procs = 124,125\n`,
      );
      // Its tenants consume in the groups named after them, and max_param_filters holds on the legacy route.
      const groups = await kafka.admin().groups();
      expect(groups).toEqual(expect.arrayContaining([a, b, c, d]));
      const two = await daemon.api(
        'POST',
        `/api/v1/smonit/${a}x?key0=sflow_dstVlan&value0=5&key1=sflow_srcVlan&value1=6&nodes=${node}`,
        undefined,
        basic,
      );
      expect(two.status).toBe(400);
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    'shares partitions between two supervisors with one config: no duplicates, no loss, failover',
    async () => {
      const kafka = testKafka();
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({ all: { keys: {} } });
      const es = testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const token = 'shared-test-token';
      const one = startDaemon(scenario.file, port, runtimeDir, [], token);
      const otherPort = await freePort();
      const two = startDaemon(
        scenario.file,
        otherPort,
        runtimeDir,
        ['--listen', `127.0.0.1:${otherPort}`, '--pid-file', join(runtimeDir, 'two.pid')],
        token,
      );
      await waitRunning(one, ['all']);
      const twoPids = await waitRunning(two, ['all']);

      const records = traffic({ count: 6000, seed: 61 });
      const total = records.reduce((n, m) => n + m.records.length, 0);
      await produce(kafka, scenario.topic, records.slice(0, records.length / 2));
      await waitFor(
        'both supervisors index',
        async () => {
          const [a, b] = [
            (await one.tenants())[0]!.live!.stats.indexed,
            (await two.tenants())[0]!.live!.stats.indexed,
          ];
          return a > 0 && b > 0 ? true : undefined;
        },
        90_000,
        1000,
      );

      // The second "host" dies: its supervisor and its worker, without any goodbye.
      two.child.kill('SIGKILL');
      for (const pid of twoPids['all']!) process.kill(pid, 'SIGKILL');
      await produce(kafka, scenario.topic, records.slice(records.length / 2));
      await waitFor(
        `${total} documents after failover`,
        async () =>
          (await countDocuments(es, `${scenario.prefixes['all']}-*`)) === total ? true : undefined,
        120_000,
        1000,
      );
      // The survivor read everything (lag 0): nothing more can arrive, and nothing was doubled.
      await waitFor(
        'the surviving supervisor at lag 0',
        async () => ((await one.tenants())[0]?.live?.lag === 0 ? true : undefined),
        60_000,
        500,
      );
      expect(await countDocuments(es, `${scenario.prefixes['all']}-*`)).toBe(total);
    },
    SIX_TENANTS_TIMEOUT,
  );

  it(
    'exposes every tenant on /metrics with balanced counters and lag that falls to 0; readiness follows Elasticsearch',
    async () => {
      const kafka = testKafka();
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({
        lab: { keys: { vlan: '42, 100-110' } },
        web: { keys: { dst_port: '443' } },
      });
      testElasticsearch(scenario.topic);
      await createScenarioTopic(kafka, scenario);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      await waitRunning(daemon, ['lab', 'web']);
      const records = traffic({ count: 3000, seed: 71 });
      const total = records.reduce((n, m) => n + m.records.length, 0);
      await produce(kafka, scenario.topic, records);

      const token = readFileSync(join(runtimeDir, 'api.token'), 'utf8').trim();
      const scrape = async (): Promise<string> => {
        const res = await fetch(`http://127.0.0.1:${port}/metrics`, {
          headers: { authorization: `Bearer ${token}` },
        });
        return res.text();
      };
      const sum = (text: string, metric: string, tenant: string): number =>
        text
          .split('\n')
          .filter((l) => l.startsWith(`${metric}{`) && l.includes(`tenant="${tenant}"`))
          .reduce((n, l) => n + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
      const text = await waitFor(
        'every record counted and lag 0',
        async () => {
          const t = await scrape();
          const done = ['lab', 'web'].every(
            (tenant) =>
              // At least: a rebalance before a commit replays a chunk and counts it again.
              sum(t, 'smonnet_records_consumed_total', tenant) >= total &&
              sum(t, 'smonnet_consumer_lag', tenant) === 0,
          );
          return done ? t : undefined;
        },
        90_000,
        1000,
      );
      for (const tenant of ['lab', 'web']) {
        const consumed = sum(text, 'smonnet_records_consumed_total', tenant);
        expect(consumed).toBeGreaterThanOrEqual(total);
        expect(
          sum(text, 'smonnet_records_indexed_total', tenant) +
            sum(text, 'smonnet_records_filtered_out_total', tenant) +
            sum(text, 'smonnet_records_dead_lettered_total', tenant),
        ).toBe(consumed);
        expect(sum(text, 'smonnet_bulk_request_duration_seconds_count', tenant)).toBeGreaterThan(0);
        expect(sum(text, 'smonnet_worker_resident_memory_bytes', tenant)).toBeGreaterThan(0);
      }
      // `smonnet status` reads the same figures as the scrape.
      const status = await runCli(['status', '-c', scenario.file, '--json']);
      expect(status.code, status.output).toBe(0);
      const after = await scrape();
      const rows = JSON.parse(status.output).tenants as Record<string, number | string>[];
      for (const tenant of ['lab', 'web']) {
        expect(rows.find((r) => r['tenant'] === tenant)).toMatchObject({
          state: 'running',
          consumed: sum(after, 'smonnet_records_consumed_total', tenant),
          indexed: sum(after, 'smonnet_records_indexed_total', tenant),
          filteredOut: sum(after, 'smonnet_records_filtered_out_total', tenant),
          deadLettered: sum(after, 'smonnet_records_dead_lettered_total', tenant),
          lag: 0,
        });
      }
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);

      expect((await daemon.api('GET', '/readyz', undefined, null)).status).toBe(200);
      await services('down', 'es');
      try {
        const notReady = await waitFor(
          'not ready without Elasticsearch',
          async () => {
            const r = await daemon.api<{ ready: boolean; notReady: { tenant: string; reason: string }[] }>(
              'GET',
              '/readyz',
              undefined,
              null,
            );
            // Each worker finds out at its own next probe: wait until both have.
            return r.status === 503 && r.json.notReady.length === 2 ? r.json : undefined;
          },
          60_000,
          1000,
        );
        expect(notReady.notReady).toEqual(
          expect.arrayContaining([
            { tenant: 'lab', reason: 'Elasticsearch unreachable' },
            { tenant: 'web', reason: 'Elasticsearch unreachable' },
          ]),
        );
      } finally {
        await services('up', 'es');
      }
      await waitFor(
        'ready again',
        async () => ((await daemon.api('GET', '/readyz', undefined, null)).status === 200 ? true : undefined),
        60_000,
        1000,
      );
    },
    SIX_TENANTS_TIMEOUT + ES_RESTART_MS,
  );

  it(
    "provisions each tenant's Kibana on start and on add, once, and by hand",
    async () => {
      const kibana = await startFakeKibana({
        authorization: `Basic ${Buffer.from('kb:pw').toString('base64')}`,
      });
      onTestFinished(() => kibana.close());
      const { scenario, port, runtimeDir } = await scenarioWithDaemon({
        lab: { keys: { vlan: '42', kibana_url: kibana.url, kibana_username: 'kb', kibana_password: 'pw' } },
      });
      testElasticsearch(scenario.topic);
      await createScenarioTopic(testKafka(), scenario);
      const dashboards = (space = 'default') =>
        kibana
          .objects(space)
          .filter((o) => o.type === 'dashboard')
          .map((o) => o.attributes['title']);
      const daemon = startDaemon(scenario.file, port, runtimeDir);
      await waitRunning(daemon, ['lab']);
      await waitFor('lab provisioned', async () =>
        (await daemon.tenants())[0]?.live?.kibana?.state === 'provisioned' ? true : undefined,
      );
      expect(dashboards()).toEqual(['smonnet — lab']);
      const perTenant = kibana.objects().length;

      const added = await daemon.api('POST', '/api/v1/tenants', {
        name: 'lab2',
        vlan: '43',
        es_nodes: ES_URL,
        index_prefix: `${scenario.prefixes['lab']}-two`,
        kibana_url: kibana.url,
        kibana_space: 'lab2',
        kibana_username: 'kb',
        kibana_password: 'pw',
      });
      expect(added.status).toBe(201);
      await waitFor('lab2 provisioned', async () =>
        (await daemon.tenants()).find((t) => t.name === 'lab2')?.live?.kibana?.state === 'provisioned'
          ? true
          : undefined,
      );
      expect(dashboards('lab2')).toEqual(['smonnet — lab2']);
      const listed = await daemon.tenants();
      expect(JSON.stringify(listed)).not.toContain('"pw"');

      // A restart provisions again: the same objects, no copies.
      daemon.child.kill('SIGTERM');
      expect(await daemon.exited).toBe(0);
      const requestsBefore = kibana.requests.length;
      const again = startDaemon(scenario.file, port, runtimeDir);
      await waitRunning(again, ['lab', 'lab2']);
      await waitFor('provisioned again', async () =>
        kibana.requests.length >= requestsBefore + 2 ? true : undefined,
      );
      expect(kibana.requests.every((r) => r.status === 200)).toBe(true);
      expect(kibana.objects()).toHaveLength(perTenant);
      expect(kibana.objects('lab2')).toHaveLength(perTenant);
      expect(dashboards()).toEqual(['smonnet — lab']);

      // By hand, without the daemon's help; a tenant without Kibana is a clear error.
      const byHand = await runCli(['kibana', 'provision', '-c', scenario.file, '--tenant', 'lab2']);
      expect(byHand.code, byHand.output).toBe(0);
      expect(byHand.output).toMatch(/lab2: \d+ saved objects imported .*dashboard "smonnet — lab2"/);
      expect(kibana.objects('lab2')).toHaveLength(perTenant);
      const none = await runCli(['kibana', 'provision', '-c', scenario.file, '--tenant', 'nope']);
      expect(none).toMatchObject({ code: 1, output: expect.stringContaining("no tenant 'nope'") });
    },
    SIX_TENANTS_TIMEOUT,
  );
});
