/** `smonnet worker`: one tenant in the foreground; the supervisor forks exactly this, with --ipc. */
import { Command, Option } from 'commander';
import { loadConfig } from '../config/parse.js';
import { SmonnetError } from '../errors.js';
import { configFromSupervisor, runWorker } from '../worker/host.js';
import { nonNegativeInt } from './options.js';

export function workerCommand(): Command {
  return new Command('worker')
    .description("run one tenant's pipeline in the foreground: Kafka → filter → enrich → Elasticsearch")
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('-t, --tenant <name>', 'tenant to run (a [tenant.NAME] section)')
    .option('--threads <n>', 'enrichment threads (overrides [enrich] threads; 0 runs inline)', nonNegativeInt)
    .option('--stats-interval <s>', 'seconds between progress log lines; 0 for none', nonNegativeInt, 10)
    .addOption(new Option('--ipc', 'take the configuration from the supervisor').hideHelp())
    .action(async (opts) => {
      if (opts.ipc) {
        const { config, tenant } = await configFromSupervisor();
        await runWorker(config, tenant, { threads: opts.threads, statsInterval: 0, ipc: true });
        return;
      }
      if (!opts.tenant) throw new SmonnetError('USAGE', "option '--tenant <name>' is required");
      await runWorker(loadConfig(opts.config), opts.tenant, {
        threads: opts.threads,
        statsInterval: opts.statsInterval,
        ipc: false,
      });
    });
}
