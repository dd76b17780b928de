import { describe, expect, it } from 'vitest';
import { loadConfig, parseConfig, poolThreads } from '../../../src/config/parse.js';
import { ConfigErrors } from '../../../src/errors.js';

const SAMPLE = new URL('../../../config/api.cfg', import.meta.url).pathname;

function problems(text: string): string[] {
  try {
    parseConfig(text, '/etc/smonnet/api.cfg');
  } catch (err) {
    if (err instanceof ConfigErrors) return err.errors.map((e) => e.message);
    throw err;
  }
  return [];
}

describe('parseConfig', () => {
  it('reads the sample configuration', () => {
    const cfg = loadConfig(SAMPLE);
    expect(cfg.kafka).toEqual({
      brokers: '127.0.0.1:9092',
      topic: 'sflow',
      format: 'auto',
      deadLetterTopic: 'sflow.dlq',
      groupPrefix: 'smonnet',
      mode: 'direct',
      segregatorReplicas: 1,
      tenantTopicRetentionHours: 24,
      fetchMinBytes: 256 * 1024,
      security: { protocol: 'plaintext' },
      compression: 'zstd',
    });
    expect(cfg.enrich.threads).toBe('auto');
    // Two threads for a worker with two cores to itself, inline when workers share cores.
    expect(poolThreads(cfg, 4)).toBe(2);
    expect(poolThreads(cfg, 2)).toBe(0);
    expect(poolThreads({ ...cfg, enrich: { ...cfg.enrich, threads: 3 } }, 2)).toBe(3);
    expect(cfg.enrich.geoipCity).toMatch(/\/geoip\/GeoLite2-City\.mmdb$/);
    expect(cfg.tenants.map((t) => t.name)).toEqual(['lab42', 'physics']);
    const lab42 = cfg.tenants[0]!;
    expect(lab42.filter.vlan).toEqual([
      { from: 42, to: 42 },
      { from: 100, to: 110 },
    ]);
    expect(lab42.filter.dst_ip?.map((c) => c.family)).toEqual([4, 6]);
    expect(lab42.elasticsearch.nodes).toEqual(['http://127.0.0.1:9200']);
    expect(lab42.indexPrefix).toBe('lab42');
    expect(lab42.schema).toBe('ecs');
  });

  it('applies defaults: topic sflow, dead letters beside it, prefix sflow, schema ecs, one replica', () => {
    const cfg = parseConfig('[kafka]\n[tenant.a]\nes_nodes = h1:9200, https://h2:9243/\n', 'a.cfg');
    expect(cfg.kafka.topic).toBe('sflow');
    expect(cfg.kafka.deadLetterTopic).toBe('sflow.dlq');
    expect(cfg.tenants[0]).toMatchObject({ indexPrefix: 'sflow', schema: 'ecs', replicas: 1, filter: {} });
    expect(cfg.tenants[0]!.elasticsearch.nodes).toEqual(['http://h1:9200', 'https://h2:9243']);
  });

  it('resolves relative paths against the config file folder', () => {
    const cfg = parseConfig(
      '[kafka]\n[enrich]\nipmap = maps/ip.json\ngeoip_asn = /var/geo/asn.mmdb\n',
      '/etc/smonnet/api.cfg',
    );
    expect(cfg.enrich.ipmap).toBe('/etc/smonnet/maps/ip.json');
    expect(cfg.enrich.geoipAsn).toBe('/var/geo/asn.mmdb');
    expect(cfg.enrich.geoipCity).toBeUndefined();
  });

  it('reports every problem at once, each naming file, section and key', () => {
    const text = [
      '[kafka]',
      'format = netflow',
      'brokers = localhost',
      'fetch_min_kb = 4096',
      '[enrich]',
      'threads = many',
      '[tenant.Lab42]',
      'es_nodes = ftp://x',
      'vlan = 42, 5000',
      'dst_ip = 10.1.0.1/16',
      'proto = tcp, bogus',
      'colour = blue',
      'schema = kibana',
      '[tenant.ok]',
      'es_nodes = h:9200',
      'es_username = elastic',
      '[metrics]',
      'port = 9100',
    ].join('\n');
    expect(problems(text)).toEqual([
      '/etc/smonnet/api.cfg [metrics]: unknown section (expected [kafka], [enrich], [sampling], [procapi], [supervisor], [tenant.NAME], [alert.NAME] or [smonit])',
      "/etc/smonnet/api.cfg [tenant.Lab42]: tenant name 'Lab42' must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit",
      '/etc/smonnet/api.cfg [tenant.Lab42] colour: unknown key (allowed: vlan, src_vlan, dst_vlan, ip, src_ip, dst_ip, agent, in_if, out_if, proto, port, src_port, dst_port, if_name, in_if_name, out_if_name, ether_type, tos, ttl, tcp_flags, packet_size, ip_size, sampling_rate, src_mac, dst_mac, src_country, dst_country, src_as, dst_as, src_nat, dst_nat, es_nodes, es_username, es_password, es_api_key, es_ca_file, index_prefix, schema, replicas, group_id, networks, retention_days, kibana_url, kibana_space, kibana_username, kibana_password, kibana_api_key)',
      "/etc/smonnet/api.cfg [tenant.Lab42] vlan: '5000' is outside 0..4095",
      "/etc/smonnet/api.cfg [tenant.Lab42] dst_ip: '10.1.0.1/16' has host bits set (did you mean 10.1.0.0/16?)",
      "/etc/smonnet/api.cfg [tenant.Lab42] proto: 'bogus' is not a number or a range like 100-110 or a protocol name",
      "/etc/smonnet/api.cfg [tenant.Lab42] es_nodes: 'ftp://x' is not an http(s) URL or host:port",
      "/etc/smonnet/api.cfg [tenant.Lab42] schema: 'kibana' is not one of ecs, legacy",
      '/etc/smonnet/api.cfg [tenant.ok] es_password: es_username and es_password go together',
      "/etc/smonnet/api.cfg [kafka] format: 'netflow' is not one of auto, sflowtool, goflow2-json, goflow2-pb",
      "/etc/smonnet/api.cfg [kafka] brokers: 'localhost' is not host:port",
      "/etc/smonnet/api.cfg [kafka] fetch_min_kb: '4096' is not a whole number in 0..1024",
      "/etc/smonnet/api.cfg [enrich] threads: 'many' is not a whole number in 0..64",
    ]);
  });

  it('requires a [kafka] section and es_nodes for every tenant', () => {
    expect(problems('[tenant.a]\nvlan = 1\n')).toEqual([
      "/etc/smonnet/api.cfg [tenant.a] es_nodes: is required (the tenant's Elasticsearch, e.g. http://127.0.0.1:9200)",
      '/etc/smonnet/api.cfg [kafka]: section is missing (it names the brokers and the topic)',
    ]);
  });

  it('reads a tenant Kibana and checks its keys', () => {
    const base = '[kafka]\nbrokers = 127.0.0.1:9092\n[tenant.a]\nes_nodes = 127.0.0.1:9200\n';
    const cfg = parseConfig(
      `${base}kibana_url = https://kb.example.org:5601/\nkibana_space = networks\nkibana_api_key = abc\n`,
      '/etc/smonnet/api.cfg',
    );
    expect(cfg.tenants[0]!.kibana).toEqual({
      url: 'https://kb.example.org:5601',
      space: 'networks',
      username: undefined,
      password: undefined,
      apiKey: 'abc',
    });
    expect(parseConfig(base, '/etc/smonnet/api.cfg').tenants[0]!.kibana).toBeUndefined();
    expect(problems(`${base}kibana_space = Net Works\nkibana_username = ops\n`)).toEqual([
      '/etc/smonnet/api.cfg [tenant.a] kibana_space: needs kibana_url (the Kibana to provision)',
      '/etc/smonnet/api.cfg [tenant.a] kibana_username: needs kibana_url (the Kibana to provision)',
    ]);
    expect(
      problems(`${base}kibana_url = kb:5601\nkibana_space = Net Works\nkibana_username = ops\n`),
    ).toEqual([
      "/etc/smonnet/api.cfg [tenant.a] kibana_url: 'kb:5601' is not an http(s) URL",
      "/etc/smonnet/api.cfg [tenant.a] kibana_space: 'Net Works' is not a Kibana space id (lowercase a-z, 0-9, '_', '-')",
      '/etc/smonnet/api.cfg [tenant.a] kibana_password: kibana_username and kibana_password go together',
    ]);
  });

  it('reads the log level of the supervisor and its workers', () => {
    const base = '[kafka]\nbrokers = 127.0.0.1:9092\n';
    expect(parseConfig(base, '/etc/smonnet/api.cfg').supervisor.logLevel).toBe('info');
    expect(
      parseConfig(`${base}[supervisor]\nlog_level = debug\n`, '/etc/smonnet/api.cfg').supervisor.logLevel,
    ).toBe('debug');
    expect(problems(`${base}[supervisor]\nlog_level = loud\n`)).toEqual([
      "/etc/smonnet/api.cfg [supervisor] log_level: 'loud' is not one of fatal, error, warn, info, debug, trace, silent",
    ]);
  });

  it('reads the worker memory budget in MB: 160 by default, 0 to leave memory to V8', () => {
    const base = '[kafka]\nbrokers = 127.0.0.1:9092\n';
    const budget = (extra: string) => parseConfig(base + extra, '/x/api.cfg').supervisor.workerMemoryBytes;
    expect(budget('')).toBe(160 * 1024 * 1024);
    expect(budget('[supervisor]\nworker_memory = 0\n')).toBe(0);
    expect(budget('[supervisor]\nworker_memory = 512\n')).toBe(512 * 1024 * 1024);
    expect(problems(`${base}[supervisor]\nworker_memory = 1.5G\n`)).toEqual([
      "/etc/smonnet/api.cfg [supervisor] worker_memory: '1.5G' is not a whole number in 0..65536",
    ]);
  });

  it('reads every spelling of a flag the same, true and false included', () => {
    const base = '[kafka]\nbrokers = 127.0.0.1:9092\n';
    const enabled = (value: string) =>
      parseConfig(`${base}[procapi]\nenabled = ${value}\n`, '/x/api.cfg').procapi.enabled;
    for (const word of ['true', 'TRUE', 'yes', 'Yes', 'on', '1']) expect(enabled(word), word).toBe(true);
    for (const word of ['false', 'False', 'no', 'NO', 'off', '0']) expect(enabled(word), word).toBe(false);
    expect(parseConfig(base, '/x/api.cfg').procapi.enabled).toBe(true);
    expect(problems(`${base}[procapi]\nenabled = maybe\n`)).toEqual([
      "/etc/smonnet/api.cfg [procapi] enabled: 'maybe' is not one of true, yes, on, 1, false, no, off, 0",
    ]);
  });

  it('reads true, false and null as text where a key takes text', () => {
    const cfg = parseConfig(
      '[kafka]\ntopic = true\ngroup_prefix = null\n[tenant.a]\nes_nodes = h:9200\nindex_prefix = false\n',
      '/x/api.cfg',
    );
    expect(cfg.kafka.topic).toBe('true');
    expect(cfg.kafka.groupPrefix).toBe('null');
    expect(cfg.tenants[0]!.indexPrefix).toBe('false');
  });

  it('names an unreadable file', () => {
    expect(() => loadConfig('/nonexistent/api.cfg')).toThrow('/nonexistent/api.cfg: cannot read: ENOENT');
  });
});

describe('parseConfig refuses what ini would let through silently', () => {
  const base = '[kafka]\nbrokers = 127.0.0.1:9092\n';
  it('names repeated sections and repeated keys with their lines', () => {
    expect(
      problems(
        `${base}[tenant.a]\nes_nodes = h:9200\nvlan = 1\nvlan = 2\n[tenant.b]\nes_nodes = h:9200\nindex_prefix = b\n[tenant.a]\nproto = tcp\n`,
      ),
    ).toEqual([
      '/etc/smonnet/api.cfg [tenant.a] vlan: repeated on line 6 (first on line 5)',
      '/etc/smonnet/api.cfg [tenant.a]: section repeated on line 10 (first on line 3)',
    ]);
  });

  it('finds no protocol or field in what Object.prototype holds', () => {
    for (const name of ['constructor', '__proto__', 'toString'])
      expect(problems(`${base}[tenant.a]\nes_nodes = h:9200\nproto = ${name}\n`)).toEqual([
        `/etc/smonnet/api.cfg [tenant.a] proto: '${name}' is not a number or a range like 100-110 or a protocol name`,
      ]);
    expect(
      problems('[smonit]\nmonitor_names = x\nmonitor_params = constructor,1\nmonitor_nodes = h:9200\n')[0],
    ).toMatch(/field 'constructor' is not one of/);
  });

  it('reports every bad item of a list, not just the first', () => {
    expect(
      problems(`${base}[tenant.a]\nes_nodes = h:9200\nip = 10.0.0.0/33, 300.1.2.3/8, 2001:db8::/129\n`),
    ).toEqual([
      "/etc/smonnet/api.cfg [tenant.a] ip: prefix length '33' is not 0..32; '300.1.2.3' is not an IPv4 or IPv6 address; prefix length '129' is not 0..128",
    ]);
    expect(problems(`${base}[tenant.a]\nes_nodes = h:9200\nvlan = 5000, x, 9-3\n`)).toEqual([
      "/etc/smonnet/api.cfg [tenant.a] vlan: '5000' is outside 0..4095; 'x' is not a number or a range like 100-110; range '9-3' runs backwards",
    ]);
  });

  it("reads the original ProcAPI's sections: [server] port and [api] user / pass unless [procapi] says otherwise", () => {
    const original = `${base}[server]\nport = 5443\n[api]\nuser = admin\npass = s3cret\n[logging]\nlevel = INFO\n[cache]\nsize = 1\n[tornado]\ndebug = False\n`;
    expect(parseConfig(original, '/x/api.cfg').procapi).toMatchObject({
      host: '127.0.0.1',
      port: 5443,
      username: 'admin',
      password: 's3cret',
    });
    expect(
      parseConfig(
        `${original}[procapi]\nlisten = 127.0.0.1:9000\nusername = ops\npassword = pw\n`,
        '/x/api.cfg',
      ).procapi,
    ).toMatchObject({ port: 9000, username: 'ops', password: 'pw' });
  });
});
