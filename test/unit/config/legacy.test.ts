import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { ConfigErrors } from '../../../src/errors.js';

const SMONIT = `; an untouched Smonnet api.cfg
[smonit]
monitor_names = user1-user2
monitor_params = sflow_dstVlan,42-sflow_dstIP,1.2.3.4,sflow_dstIP,10.9.0.0/16
monitor_nodes = h1:9200,h2:9200--h3:9200
new_monitor = add,sflow_srcVlan,7,user3,h4:9200
`;

describe('legacy [smonit] configuration', () => {
  it('reads monitor_names, monitor_params, monitor_nodes and new_monitor as tenants', () => {
    const cfg = parseConfig(SMONIT, 'api.cfg');
    expect(cfg.legacy).toBe(true);
    expect(cfg.kafka.topic).toBe('sflow');
    expect(cfg.tenants.map((t) => [t.name, t.schema, t.elasticsearch.nodes])).toEqual([
      ['user1', 'legacy', ['http://h1:9200', 'http://h2:9200']],
      ['user2', 'legacy', ['http://h3:9200']],
      ['user3', 'legacy', ['http://h4:9200']],
    ]);
    expect(cfg.tenants[0]!.filter.dst_vlan).toEqual([{ from: 42, to: 42 }]);
    expect(cfg.tenants[1]!.filter.dst_ip?.map((c) => c.bits)).toEqual([32, 16]);
    expect(cfg.tenants[2]!.filter.src_vlan).toEqual([{ from: 7, to: 7 }]);
  });

  it('names the [smonit] key of each problem', () => {
    let messages: string[] = [];
    try {
      parseConfig(
        '[smonit]\nmonitor_names = a-b\nmonitor_params = sflow_color,red-sflow_dstVlan\nmonitor_nodes = h:9200\n',
        'api.cfg',
      );
    } catch (err) {
      messages = (err as ConfigErrors).errors.map((e) => e.message);
    }
    expect(messages).toEqual([
      "api.cfg [smonit] monitor_nodes: has 1 groups (separated by '--') for 2 monitor_names",
      expect.stringMatching(
        /^api\.cfg \[smonit\] monitor_params: a: field 'sflow_color' is not one of SampleType, type, @version, sflow_srcVlan, /,
      ),
      "api.cfg [smonit] monitor_params: group 'sflow_dstVlan' of b is not field,value pairs",
    ]);
  });
});

describe("Smonnet's own files", () => {
  it("runs the seed README's api.cfg: every key accepted, new_monitor naming a running tenant scales it out", () => {
    const seed = [
      '[smonit]',
      'max_param_filters = 1',
      'processing_pid = 123',
      'child_procs = 124,125',
      'monitor_names = user1-user2',
      'monitor_params = sflow_dstVlan,42-sflow_dstIP,1.2.3.4',
      'monitor_nodes = esnode1:9200,esnode2:9200--esnode3:9200,esnode1:9201',
      'new_monitor = add,sflow_dstVlan,42,user1,esnode2:9201,esnode3:9201',
      '',
    ].join('\n');
    const cfg = parseConfig(seed, 'api.cfg');
    expect(cfg.legacyMaxFilters).toBe(1);
    expect(cfg.tenants.map((t) => [t.name, t.replicas, t.groupId])).toEqual([
      ['user1', 2, 'user1'],
      ['user2', 1, 'user2'],
    ]);
  });

  it("runs the original repository's api.cfg: SampleType,FLOW keeps every flow, the cluster URLs are kept unused", () => {
    const original = [
      '[smonit]',
      'max_param_filters = 1',
      'processing_pid = ',
      'child_procs = ',
      'monitor_names = u1-u2',
      'monitor_params = SampleType,FLOW-SampleType,FLOW',
      'monitor_nodes = h1:9200--h2:9200',
      'new_monitor = ',
      'deployment_url = http://coordinator:8000/deploy',
      'nodes_url = http://coordinator:8000/nodes',
      '',
    ].join('\n');
    const cfg = parseConfig(original, 'api.cfg');
    expect(cfg.tenants.map((t) => [t.name, t.filter])).toEqual([
      ['u1', {}],
      ['u2', {}],
    ]);
    const refused = (params: string) =>
      parseConfig(
        `[smonit]\nmonitor_names = x\nmonitor_params = ${params}\nmonitor_nodes = h:9200\n`,
        'a.cfg',
      );
    expect(() => refused('SampleType,CNTR')).toThrow(
      /SampleType 'CNTR' never matches: every flow Smonnet indexed had SampleType FLOW/,
    );
    // The original's field names, and smonnet's earlier spellings of them.
    expect(refused('sflow_IP_Protocol,6').tenants[0]!.filter.proto).toEqual([{ from: 6, to: 6 }]);
    expect(refused('sflow_ReporterIP,192.0.2.1').tenants[0]!.filter.agent?.[0]?.bits).toBe(32);
    expect(refused('sflow_IPProtocol,17').tenants[0]!.filter.proto).toEqual([{ from: 17, to: 17 }]);
  });

  it("refuses the fields no equality could select on, and notes that Smonnet applied only a tenant's first pair", () => {
    const params = (p: string) =>
      parseConfig(`[smonit]\nmonitor_names = x\nmonitor_params = ${p}\nmonitor_nodes = h:9200\n`, 'a.cfg');
    expect(() => params('@message,FLOW')).toThrow(/field '@message' holds the whole sflowtool line/);
    expect(() => params('sflow_src_location,1')).toThrow(/holds a geo point/);
    expect(() => params('type,netflow')).toThrow(
      /type 'netflow' never matches: every flow Smonnet indexed had type sflow/,
    );
    expect(params('type,sflow,@version,1').tenants[0]!.filter).toEqual({});
    expect(params('sflow_dstVlan,42').legacyNotes).toEqual([]);
    expect(params('sflow_dstVlan,42,sflow_IP_Protocol,6').legacyNotes).toEqual([
      'x: 2 field,value pairs; Smonnet applied only the first (sflow_dstVlan,42), smonnet requires every field to match (several values of one field: any)',
    ]);
  });

  it('reads new_monitor with several field/value pairs and IPv6 values', () => {
    const cfg = parseConfig(
      '[smonit]\nnew_monitor = add,sflow_dstVlan,7,sflow_dstIP,2001:db8::1,solo,h1:9200,h2:9200\n',
      'api.cfg',
    );
    expect(cfg.tenants.map((t) => [t.name, t.elasticsearch.nodes])).toEqual([
      ['solo', ['http://h1:9200', 'http://h2:9200']],
    ]);
    expect(cfg.tenants[0]!.filter.dst_vlan).toEqual([{ from: 7, to: 7 }]);
    expect(cfg.tenants[0]!.filter.dst_ip?.[0]?.bits).toBe(128);
  });
});

describe('smonnet config migrate', () => {
  it('rewrites [smonit] as equivalent [tenant.NAME] sections and keeps everything else', async () => {
    const { migrateText } = await import('../../../src/cli/config.js');
    const text = `; kept comment\n[kafka]\ntopic = flows\n\n${SMONIT.replace('; an untouched Smonnet api.cfg\n', '')}`;
    const out = migrateText(text);
    expect(out).not.toContain('[smonit]');
    expect(out).toContain('; kept comment\n[kafka]\ntopic = flows\n');
    const before = parseConfig(text, 'api.cfg');
    const after = parseConfig(out, 'api.cfg');
    expect(after.legacy).toBe(false);
    const view = (c: typeof before) =>
      c.tenants.map((t) => [t.name, t.schema, t.indexPrefix, t.elasticsearch.nodes, t.filter, t.groupId]);
    expect(view(after)).toEqual(view(before));
  });

  it('migrates a file that config check accepts without [kafka], and keeps each consumer group', async () => {
    const { migrateText } = await import('../../../src/cli/config.js');
    const before = parseConfig(SMONIT, 'api.cfg');
    // Smonnet's consumer group was the tenant's name: a switch-over resumes where it was.
    expect(before.tenants.map((t) => t.groupId)).toEqual(['user1', 'user2', 'user3']);
    const after = parseConfig(migrateText(SMONIT), 'api.cfg');
    expect(after.kafka).toEqual(before.kafka);
    expect(after.tenants.map((t) => [t.name, t.groupId])).toEqual(
      before.tenants.map((t) => [t.name, t.groupId]),
    );
  });
});
