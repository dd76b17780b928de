#!/usr/bin/env node
/**
 * The `smonnet` command. Exit codes come from the error catalogue (src/errors.ts): 0 success,
 * 1 failure (including a refused change), 2 bad usage, 3 the supervisor's ProcAPI cannot be reached.
 */
import { Command, CommanderError } from 'commander';
import { catalogued, ERROR_CATALOGUE } from '../errors.js';
import { configCommand } from './config.js';
import { genCommand } from './gen.js';
import { kibanaCommand } from './kibana.js';
import { runCommand } from './run.js';
import { statusCommand } from './status.js';
import { reloadCommand, tenantsCommand } from './tenants.js';
import { workerCommand } from './worker.js';

const program = new Command('smonnet')
  .description('multi-tenant sFlow segregator: one Kafka topic in, each tenant its own Elasticsearch')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(runCommand())
  .addCommand(workerCommand())
  .addCommand(tenantsCommand())
  .addCommand(reloadCommand())
  .addCommand(statusCommand())
  .addCommand(configCommand())
  .addCommand(kibanaCommand())
  .addCommand(genCommand());

const overrideExits = (c: Command): void => {
  c.exitOverride();
  for (const sub of c.commands) overrideExits(sub);
};
overrideExits(program);

// Commands that answer and end; `run` and `worker` keep the process alive on purpose.
const ONE_SHOT = new Set(['tenants', 'reload', 'status', 'config', 'kibana']);

try {
  await program.parseAsync(process.argv);
  // An idle keep-alive connection would hold a finished one-shot command open for seconds.
  if (ONE_SHOT.has(process.argv[2] ?? '')) process.exit(0);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : ERROR_CATALOGUE.USAGE.exitCode);
  }
  const e = catalogued(err);
  process.stderr.write(`smonnet: ${e.message}\n`);
  process.exit(e.exitCode);
}
