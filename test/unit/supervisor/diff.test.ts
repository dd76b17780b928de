import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import { planReload } from '../../../src/supervisor/diff.js';

const BASE = '[kafka]\nbrokers = 127.0.0.1:9092\n[tenant.a]\nes_nodes = 127.0.0.1:9200\n';
const config = (extra: string) => parseConfig(`${BASE}${extra}`, '/etc/smonnet/api.cfg');

describe('planReload', () => {
  it('a change of Kibana settings alone restarts no worker', () => {
    const plan = planReload(
      config('kibana_url = http://kb:5601\n'),
      config('kibana_url = http://kb2:5601\n'),
    );
    expect(plan).toMatchObject({ changed: [], unchanged: ['a'] });
    expect(planReload(config(''), config('vlan = 42\n'))).toMatchObject({ changed: ['a'] });
  });

  it('networks, retention, [enrich] and [sampling] reach running workers without a restart', () => {
    const before = parseConfig(`${BASE}networks = 10.0.0.0/8\n`, '/etc/smonnet/api.cfg');
    const after = parseConfig(
      `[enrich]\ninterfaces = if.csv\n[sampling]\ndefault = 1000\n${BASE}networks = 10.1.0.0/16\nretention_days = 30\n`,
      '/etc/smonnet/api.cfg',
    );
    expect(planReload(before, after)).toMatchObject({ changed: [], unchanged: ['a'] });
    // The Kafka side is the worker's identity.
    const moved = parseConfig(BASE.replace('9092', '9093'), '/etc/smonnet/api.cfg');
    expect(planReload(before, moved)).toMatchObject({ changed: ['a'] });
  });
});
