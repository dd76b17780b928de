import { readFileSync } from 'node:fs';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { TenantConfig } from '../../../src/config/types.js';
import { KibanaError } from '../../../src/errors.js';
import { importUrl, provisionKibana } from '../../../src/kibana/provision.js';
import {
  dashboardTitle,
  dataViewPattern,
  renderSavedObjects,
  scriptFields,
} from '../../../src/kibana/saved-objects.js';
import { type FakeKibana, startFakeKibana } from '../../support/kibana-server.js';

type KibanaTenant = Pick<TenantConfig, 'name' | 'indexPrefix' | 'schema' | 'kibana'>;

function tenant(kibanaUrl: string, extra: Partial<NonNullable<TenantConfig['kibana']>> = {}): KibanaTenant {
  return {
    name: 'lab42',
    indexPrefix: 'lab42',
    schema: 'ecs',
    kibana: {
      url: kibanaUrl,
      space: undefined,
      username: undefined,
      password: undefined,
      apiKey: undefined,
      ...extra,
    },
  };
}

async function fakeKibana(options?: { authorization?: string }): Promise<FakeKibana> {
  const kibana = await startFakeKibana(options);
  onTestFinished(() => kibana.close());
  return kibana;
}

describe('saved objects template', () => {
  it('fills every placeholder for both schemas, with references that resolve inside the file', () => {
    for (const schema of ['ecs', 'legacy'] as const) {
      const { ndjson, objects } = renderSavedObjects({ name: 'lab42', indexPrefix: 'lab42', schema });
      expect(ndjson).not.toMatch(/\{\{/);
      const ids = new Set(objects.map((o) => `${o.type}/${o.id}`));
      expect(ids.size).toBe(objects.length);
      for (const o of objects) {
        expect(o.id).toMatch(/^smonnet-lab42-/);
        for (const r of o.references) expect(ids.has(`${r.type}/${r.id}`), `${o.id} → ${r.id}`).toBe(true);
      }
      const dataView = objects.find((o) => o.type === 'index-pattern')!;
      expect(dataView.attributes['title']).toBe('lab42-2*,-lab42-2*-*');
      expect(dataView.attributes['timeFieldName']).toBe('@timestamp');
      const runtime = JSON.parse(dataView.attributes['runtimeFieldMap'] as string);
      expect(runtime['smonnet.bits'].script.source).toContain(
        schema === 'ecs' ? "doc['network.bytes']" : "doc['sflow_SampleRate']",
      );
      const dashboards = objects.filter((o) => o.type === 'dashboard');
      expect(dashboards.map((d) => d.attributes.title)).toEqual(['smonnet — lab42']);
      const panels = JSON.parse(dashboards[0]!.attributes['panelsJSON'] as string) as {
        panelRefName: string;
      }[];
      expect(panels.length).toBe(dashboards[0]!.references.length);
      expect(objects.map((o) => o.attributes.title)).toEqual(
        expect.arrayContaining([
          expect.stringMatching(/Traffic over time \(bits\/s/),
          'Top talkers: sources',
          'Top talkers: destinations',
          expect.stringMatching(/^Top protocols \(IANA number/),
          'Top destination ports',
          'VLANs (tagged traffic)',
          expect.stringMatching(/^Traffic in and out/),
          'Traffic by input interface (bits/s)',
          'Top input interfaces',
          'Top output interfaces',
          'Source and destination locations',
          expect.stringMatching(/autonomous systems/),
        ]),
      );
      const map = objects.find((o) => o.type === 'map')!;
      const geoFields = (
        JSON.parse(map.attributes['layerListJSON'] as string) as { sourceDescriptor: { geoField?: string } }[]
      )
        .map((l) => l.sourceDescriptor.geoField)
        .filter(Boolean);
      expect(geoFields).toEqual(
        schema === 'ecs'
          ? ['source.geo.location', 'destination.geo.location']
          : ['sflow_src_location', 'sflow_dst_location'],
      );
    }
  });

  it('refuses a template with an unknown placeholder', () => {
    expect(() =>
      renderSavedObjects({ name: 'a', indexPrefix: 'a', schema: 'ecs' }, '{"x":"{{nope}}"}\n'),
    ).toThrow(/unknown placeholder \{\{nope\}\}/);
  });

  it('excludes the counter indices from the data view', () => {
    expect(dataViewPattern('sflow')).toBe('sflow-2*,-sflow-2*-*');
    expect(dashboardTitle('x')).toBe('smonnet — x');
  });

  it('reads in scripts and panels only fields both index templates map, with the same meaning', () => {
    const mapped = (schema: 'ecs' | 'legacy'): Map<string, string> => {
      const doc = JSON.parse(
        readFileSync(
          new URL(`../../../templates/elasticsearch/${schema}-flows.json`, import.meta.url),
          'utf8',
        ),
      ) as { mappings: { properties: Record<string, unknown> } };
      const out = new Map<string, string>();
      const walk = (props: Record<string, unknown>, path: string): void => {
        for (const [name, def] of Object.entries(props)) {
          const d = def as { type?: string; properties?: Record<string, unknown> };
          if (d.properties) walk(d.properties, `${path}${name}.`);
          else out.set(`${path}${name}`, d.type ?? 'object');
        }
      };
      walk(doc.mappings.properties, '');
      return out;
    };
    const kinds: string[][] = [];
    for (const schema of ['ecs', 'legacy'] as const) {
      const fields = mapped(schema);
      // The local Elasticsearch cannot run Painless: what a script reads is checked here instead.
      for (const f of scriptFields(schema)) expect(fields.has(f), `${schema} script reads ${f}`).toBe(true);
      const { objects } = renderSavedObjects({ name: 'lab42', indexPrefix: 'lab42', schema });
      const used: string[] = [];
      for (const o of objects.filter((x) => x.type === 'lens')) {
        const layers = (
          o.attributes['state'] as {
            datasourceStates: {
              formBased: {
                layers: Record<
                  string,
                  { columns: Record<string, { sourceField?: string; dataType?: string }> }
                >;
              };
            };
          }
        ).datasourceStates.formBased.layers;
        for (const layer of Object.values(layers))
          for (const col of Object.values(layer.columns)) {
            if (!col.sourceField || col.sourceField === '@timestamp' || col.sourceField === 'smonnet.bits')
              continue;
            expect(fields.has(col.sourceField), `${schema} ${o.id} reads ${col.sourceField}`).toBe(true);
            used.push(`${o.id} ${col.dataType}`);
          }
      }
      kinds.push(used);
    }
    // Same meaning in both: protocols by IANA number (Smonnet's documents have no names), VLAN
    // panels on tagged traffic only (ECS writes no vlan for untagged, Smonnet wrote 0).
    expect(kinds[0]!.length).toBe(kinds[1]!.length);
    const panel = (schema: 'ecs' | 'legacy', id: string) =>
      renderSavedObjects({ name: 'l', indexPrefix: 'l', schema }).objects.find(
        (o) => o.id === `smonnet-l-${id}`,
      )!;
    expect(JSON.stringify(panel('ecs', 'protocols'))).toContain('"sourceField":"network.iana_number"');
    expect(JSON.stringify(panel('legacy', 'protocols'))).toContain('"sourceField":"sflow_IP_Protocol"');
    expect((panel('ecs', 'vlans').attributes['state'] as { query: unknown }).query).toEqual({
      query: 'observer.ingress.vlan.id:*',
      language: 'kuery',
    });
    expect((panel('legacy', 'vlans').attributes['state'] as { query: unknown }).query).toEqual({
      query: 'sflow_srcVlan > 0',
      language: 'kuery',
    });
  });
});

describe('provisionKibana', () => {
  it('imports through the documented API; twice creates no duplicates', async () => {
    const kibana = await fakeKibana();
    const first = await provisionKibana(tenant(kibana.url));
    const afterFirst = kibana
      .objects()
      .map((o) => `${o.type}/${o.id}`)
      .sort();
    expect(first.imported).toBe(afterFirst.length);
    const second = await provisionKibana(tenant(kibana.url));
    expect(second.imported).toBe(first.imported);
    expect(
      kibana
        .objects()
        .map((o) => `${o.type}/${o.id}`)
        .sort(),
    ).toEqual(afterFirst);
    expect(kibana.objects().filter((o) => o.type === 'dashboard')).toHaveLength(1);
    expect(kibana.objects().filter((o) => o.type === 'index-pattern')).toHaveLength(1);
    expect(kibana.requests.map((r) => [r.status, r.overwrite, r.fileName])).toEqual([
      [200, true, 'smonnet-lab42.ndjson'],
      [200, true, 'smonnet-lab42.ndjson'],
    ]);
  });

  it('uses the space path and the API key', async () => {
    const kibana = await fakeKibana({ authorization: 'ApiKey c2VjcmV0' });
    const t = tenant(kibana.url, { space: 'networks', apiKey: 'c2VjcmV0' });
    expect(importUrl(t.kibana!)).toBe(`${kibana.url}/s/networks/api/saved_objects/_import?overwrite=true`);
    await provisionKibana(t);
    expect(kibana.objects('networks').length).toBeGreaterThan(0);
    expect(kibana.objects('default')).toHaveLength(0);
  });

  it('sends basic credentials; wrong ones are a rejection that retrying cannot fix', async () => {
    const kibana = await fakeKibana({ authorization: `Basic ${Buffer.from('ops:pw').toString('base64')}` });
    await provisionKibana(tenant(kibana.url, { username: 'ops', password: 'pw' }));
    const err = await provisionKibana(tenant(kibana.url, { username: 'ops', password: 'wrong' })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(KibanaError);
    expect(err).toMatchObject({ code: 'KIBANA_REJECTED', canRetry: false, status: 401, tenant: 'lab42' });
  });

  it('an unreachable Kibana is worth retrying', async () => {
    const kibana = await fakeKibana();
    const url = kibana.url;
    await kibana.close();
    const err = await provisionKibana(tenant(url)).catch((e) => e);
    expect(err).toMatchObject({ code: 'KIBANA_UNAVAILABLE', canRetry: true, status: undefined });
    expect(err.message).toContain('tenant lab42: Kibana');
  });

  it('the stand-in is as strict as Kibana: no kbn-xsrf, no import', async () => {
    const kibana = await fakeKibana();
    const form = new FormData();
    form.append(
      'file',
      new Blob(['{"type":"index-pattern","id":"x","attributes":{},"references":[]}\n']),
      'x.ndjson',
    );
    const noXsrf = await fetch(`${kibana.url}/api/saved_objects/_import`, { method: 'POST', body: form });
    expect(noXsrf.status).toBe(400);
    expect(((await noXsrf.json()) as { message: string }).message).toMatch(/kbn-xsrf/);
    const wrongPath = await fetch(`${kibana.url}/api/saved_objects/import`, {
      method: 'POST',
      headers: { 'kbn-xsrf': 'x' },
      body: form,
    });
    expect(wrongPath.status).toBe(404);
    const once = await fetch(`${kibana.url}/api/saved_objects/_import`, {
      method: 'POST',
      headers: { 'kbn-xsrf': 'x' },
      body: form,
    });
    expect(await once.json()).toMatchObject({ success: true, successCount: 1 });
    const conflict = await fetch(`${kibana.url}/api/saved_objects/_import`, {
      method: 'POST',
      headers: { 'kbn-xsrf': 'x' },
      body: form,
    });
    expect(await conflict.json()).toMatchObject({
      success: false,
      errors: [{ error: { type: 'conflict' } }],
    });
    expect(kibana.objects()).toHaveLength(1);
  });
});
