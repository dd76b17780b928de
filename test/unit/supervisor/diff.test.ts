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
});
