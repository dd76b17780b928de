/** `smonnet tenants list|show|add|update|remove` and `smonnet reload`, through ProcAPI. */
import { Command } from 'commander';
import type { TenantStatus } from '../supervisor/supervisor.js';
import { apiClient, keyValues, table } from './client.js';

interface TenantView {
  name: string;
  filter: Record<string, string>;
  es_nodes: string[];
  index_prefix: string;
  schema: string;
  live: TenantStatus | null;
}

const configOption = [
  '-c, --config <file>',
  'configuration file (finds ProcAPI and its token)',
  'config/api.cfg',
] as const;

export function tenantsCommand(): Command {
  const tenants = new Command('tenants').description("manage a running supervisor's tenants");
  tenants
    .command('list')
    .description('list tenants with their filter and state')
    .option(...configOption)
    .action(async (opts) => {
      const { tenants: list } = await apiClient(opts.config).request<{ tenants: TenantView[] }>(
        'GET',
        '/api/v1/tenants',
      );
      const rows = list.map((t) => [
        t.name,
        t.live?.state ?? 'stopped',
        Object.entries(t.filter)
          .map(([k, v]) => `${k}=${v}`)
          .join(' ') || '(everything)',
        t.es_nodes.join(','),
        `${t.index_prefix}-* (${t.schema})`,
      ]);
      console.log(table([['TENANT', 'STATE', 'FILTER', 'ELASTICSEARCH', 'INDICES'], ...rows]));
    });
  tenants
    .command('show')
    .description("one tenant's configuration (secrets hidden) and live state, as JSON")
    .argument('<name>')
    .option(...configOption)
    .action(async (name: string, opts) => {
      console.log(
        JSON.stringify(
          await apiClient(opts.config).request('GET', `/api/v1/tenants/${encodeURIComponent(name)}`),
          null,
          2,
        ),
      );
    });
  tenants
    .command('add')
    .description('add a tenant: smonnet tenants add lab42 vlan=42 es_nodes=http://127.0.0.1:9200')
    .argument('<name>')
    .argument('<key=value...>')
    .option(...configOption)
    .action(async (name: string, pairs: string[], opts) => {
      await apiClient(opts.config).request('POST', '/api/v1/tenants', { name, ...keyValues(pairs) });
      console.log(`added ${name}`);
    });
  tenants
    .command('update')
    .description("replace a tenant's keys: smonnet tenants update lab42 vlan=42,43 es_nodes=...")
    .argument('<name>')
    .argument('<key=value...>')
    .option(...configOption)
    .action(async (name: string, pairs: string[], opts) => {
      await apiClient(opts.config).request(
        'PUT',
        `/api/v1/tenants/${encodeURIComponent(name)}`,
        keyValues(pairs),
      );
      console.log(`updated ${name}`);
    });
  tenants
    .command('remove')
    .description('remove a tenant (its worker drains, commits and stops)')
    .argument('<name>')
    .option(...configOption)
    .action(async (name: string, opts) => {
      await apiClient(opts.config).request('DELETE', `/api/v1/tenants/${encodeURIComponent(name)}`);
      console.log(`removed ${name}`);
    });
  return tenants;
}

export function reloadCommand(): Command {
  return new Command('reload')
    .description('re-read api.cfg in the running supervisor and apply the difference (as SIGHUP)')
    .option(...configOption)
    .action(async (opts) => {
      const plan = await apiClient(opts.config).request<Record<string, string[]>>('POST', '/api/v1/reload');
      for (const k of ['added', 'removed', 'changed', 'unchanged'])
        console.log(`${k.padEnd(10)} ${plan[k]?.join(', ') || '-'}`);
    });
}
