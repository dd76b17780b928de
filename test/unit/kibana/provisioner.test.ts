import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { parseConfig } from '../../../src/config/parse.js';
import type { TenantConfig } from '../../../src/config/types.js';
import { KibanaError } from '../../../src/errors.js';
import { KibanaProvisioner } from '../../../src/kibana/provisioner.js';
import { waitFor } from '../../helpers.js';

const BASE = '[kafka]\nbrokers = 127.0.0.1:9092\n[tenant.a]\nes_nodes = 127.0.0.1:9200\n';
const config = (extra: string) => parseConfig(`${BASE}${extra}`, '/etc/smonnet/api.cfg');
const tenantWith = (extra: string): TenantConfig => config(extra).tenants[0]!;

function provisioner(outcomes: (Error | undefined)[]) {
  const calls: string[] = [];
  const p = new KibanaProvisioner(
    pino({ level: 'silent' }),
    async (t) => {
      calls.push(t.kibana!.url);
      const outcome = outcomes.shift();
      if (outcome) throw outcome;
      return { url: t.kibana!.url, imported: 10, objects: [] };
    },
    { initialMs: 5, maxMs: 20 },
  );
  onTestFinished(() => p.close());
  return { p, calls };
}

/** Until tenant a's provisioning reached `state` (retries back off 5-20 ms here). */
const reached = (p: KibanaProvisioner, state: string) =>
  waitFor(`provisioning ${state}`, async () => (p.status('a')?.state === state ? true : undefined), 5_000, 5);

describe('KibanaProvisioner', () => {
  it('retries an unreachable Kibana with backoff until it answers', async () => {
    const down = new KibanaError('a', 'http://kb:5601', undefined, 'ECONNREFUSED');
    const { p, calls } = provisioner([down, down]);
    p.ensure(tenantWith('kibana_url = http://kb:5601\n'));
    await reached(p, 'provisioned');
    expect(calls).toHaveLength(3);
    expect(p.status('a')).toMatchObject({ state: 'provisioned', url: 'http://kb:5601' });
  });

  it('a refusal waits for the operator; ensure() after a reload tries again', async () => {
    const { p, calls } = provisioner([new KibanaError('a', 'http://kb:5601', 401, 'Unauthorized')]);
    const t = tenantWith('kibana_url = http://kb:5601\n');
    p.ensure(t);
    await reached(p, 'failed');
    expect(calls).toHaveLength(1);
    expect(p.status('a')).toMatchObject({ state: 'failed', error: expect.stringContaining('HTTP 401') });
    p.ensure(t);
    await reached(p, 'provisioned');
  });

  it('does not provision the same settings twice, but does when they change', async () => {
    const { p, calls } = provisioner([]);
    p.ensure(tenantWith('kibana_url = http://kb:5601\n'));
    await reached(p, 'provisioned');
    // The same settings: ensure() decides at once to leave the provisioned tenant alone.
    p.ensure(tenantWith('kibana_url = http://kb:5601\n'));
    expect(p.status('a')?.state).toBe('provisioned');
    expect(calls).toEqual(['http://kb:5601']);
    p.ensure(tenantWith('kibana_url = http://kb2:5601\n'));
    await reached(p, 'provisioned');
    expect(calls).toEqual(['http://kb:5601', 'http://kb2:5601']);
    p.ensure(tenantWith(''));
    expect(p.status('a')).toBeUndefined();
  });
});
