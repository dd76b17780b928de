/** `smonnet kibana provision`: a tenant's data view and dashboard, by hand, without a daemon. */

import { Command } from 'commander';
import { loadConfig } from '../config/parse.js';
import { SmonnetError } from '../errors.js';
import { provisionKibana } from '../kibana/provision.js';
import { dashboardTitle, dataViewPattern } from '../kibana/saved-objects.js';

export function kibanaCommand(): Command {
  const kibana = new Command('kibana').description("provision tenants' Kibana saved objects");
  kibana
    .command('provision')
    .description('import the data view and dashboard of a tenant (or every tenant with kibana_url)')
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('-t, --tenant <name>', 'only this tenant')
    .action(async (opts: { config: string; tenant?: string }) => {
      const cfg = loadConfig(opts.config);
      const tenants = cfg.tenants.filter((t) => opts.tenant === undefined || t.name === opts.tenant);
      if (opts.tenant !== undefined && tenants.length === 0)
        throw new SmonnetError('NOT_FOUND', `${opts.config}: no tenant '${opts.tenant}'`);
      const withKibana = tenants.filter((t) => t.kibana !== undefined);
      if (withKibana.length === 0)
        throw new SmonnetError(
          'NOT_FOUND',
          `${opts.config}: ${opts.tenant ? `tenant '${opts.tenant}' has` : 'no tenant has'} no kibana_url`,
        );
      for (const t of withKibana) {
        const result = await provisionKibana(t);
        console.log(
          `${t.name}: ${result.imported} saved objects imported into ${result.url}: data view ${dataViewPattern(t.indexPrefix)}, dashboard "${dashboardTitle(t.name)}"`,
        );
      }
    });
  return kibana;
}
