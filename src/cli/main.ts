#!/usr/bin/env node
/** The `smonnet` command. Exit codes: 0 success, 1 failure at run time, 2 bad usage. */
import { Command, CommanderError } from 'commander';
import { genCommand } from './gen.js';
import { workerCommand } from './worker.js';

export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

const program = new Command('smonnet')
  .description('multi-tenant sFlow segregator: one Kafka topic in, each tenant its own Elasticsearch')
  .showHelpAfterError()
  .exitOverride()
  .addCommand(genCommand())
  .addCommand(workerCommand());

for (const command of program.commands) command.exitOverride();

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) {
    // --help and --version end here too, with exit code 0.
    process.exit(err.exitCode === 0 ? 0 : EXIT_USAGE);
  }
  process.stderr.write(`smonnet: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(EXIT_FAILURE);
}
