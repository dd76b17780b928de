/** `smonnet status`: one line per tenant, from two samples of the supervisor a second apart. */
import { Command } from 'commander';
import type { SegregatorStatus, TenantStatus } from '../supervisor/supervisor.js';
import { apiClient, table } from './client.js';

interface Listing {
  tenants: { name: string; live: TenantStatus | null }[];
  segregator?: SegregatorStatus | null;
  reloadError: string | null;
}

export function statusCommand(): Command {
  return new Command('status')
    .description(
      'tenants of the running supervisor: pids, state, records/s, lag, the counters of /metrics, Kibana, alerts firing',
    )
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('--json', 'print JSON instead of a table')
    .action(async (opts) => {
      const api = apiClient(opts.config);
      const first = await api.request<Listing>('GET', '/api/v1/tenants');
      const t0 = Date.now();
      await new Promise((r) => setTimeout(r, 1000));
      const second = await api.request<Listing>('GET', '/api/v1/tenants');
      const seconds = (Date.now() - t0) / 1000;
      const rows = second.tenants.map((t) => {
        const before = first.tenants.find((x) => x.name === t.name)?.live?.stats.consumed ?? 0;
        const s = t.live;
        return {
          tenant: t.name,
          pids: s?.pids ?? [],
          state: s?.state ?? 'stopped',
          recordsPerSecond: s ? Math.max(0, Math.round((s.stats.consumed - before) / seconds)) : 0,
          lag: s?.lag ?? null,
          consumed: s?.stats.consumed ?? 0,
          indexed: s?.stats.indexed ?? 0,
          filteredOut: s?.stats.filteredOut ?? 0,
          deadLettered: s?.stats.deadLettered ?? 0,
          restarts: s?.restarts ?? 0,
          problem: s?.problem ?? null,
          kibana: s?.kibana ?? null,
          alertsFiring: s?.alerts?.firing ?? [],
        };
      });
      if (opts.json) {
        console.log(
          JSON.stringify(
            { tenants: rows, segregator: second.segregator ?? null, reloadError: second.reloadError },
            null,
            2,
          ),
        );
        return;
      }
      console.log(
        table([
          [
            'TENANT',
            'PIDS',
            'STATE',
            'RECORDS/S',
            'LAG',
            'CONSUMED',
            'INDEXED',
            'FILTERED-OUT',
            'DEAD-LETTERED',
            'RESTARTS',
            'KIBANA',
          ],
          ...rows.map((r) => [
            r.tenant,
            r.pids.join(',') || '-',
            r.state,
            String(r.recordsPerSecond),
            r.lag === null ? '-' : String(r.lag),
            String(r.consumed),
            String(r.indexed),
            String(r.filteredOut),
            String(r.deadLettered),
            String(r.restarts),
            r.kibana?.state ?? '-',
          ]),
        ]),
      );
      const seg = second.segregator;
      if (seg)
        console.log(
          `\nsegregator (fan-out): ${seg.state}, pids ${seg.pids.join(',') || '-'}, lag ${seg.lag ?? '-'}, records consumed ${seg.stats.consumed}, routed ${seg.stats.routed}, matching no tenant ${seg.stats.unmatched}, dead-lettered ${seg.stats.deadLettered}`,
        );
      for (const r of rows) if (r.problem) console.log(`\n${r.tenant}: ${r.state}: ${r.problem}`);
      for (const r of rows)
        for (const a of r.alertsFiring)
          console.log(
            `\n${r.tenant}: alert ${a.rule}${a.group === null ? '' : ` [${a.group}]`} firing since ${a.since}, now ${Math.round(a.value)}`,
          );
      for (const r of rows)
        if (r.kibana?.error) console.log(`\n${r.tenant}: Kibana ${r.kibana.state}: ${r.kibana.error}`);
      if (second.reloadError) console.log(`\nlast reload refused:\n${second.reloadError}`);
    });
}
