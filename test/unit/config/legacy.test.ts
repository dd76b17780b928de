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
        /^api\.cfg \[smonit\] monitor_params: a: field 'sflow_color' is not one of sflow_srcVlan, /,
      ),
      "api.cfg [smonit] monitor_params: group 'sflow_dstVlan' of b is not field,value pairs",
    ]);
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
