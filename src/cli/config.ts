/** `smonnet config check|migrate`: validate a file without starting anything; rewrite [smonit]. */

import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { legacyTenants } from '../config/legacy.js';
import { loadConfig, readIni } from '../config/parse.js';
import { hasSection, putSection, removeSection } from '../config/sections.js';
import { writeFileAtomic } from '../config/store.js';
import { SmonnetError } from '../errors.js';

/** The same file with [smonit] replaced by equivalent [tenant.NAME] sections. */
export function migrateText(text: string): string {
  const smonit = (readIni(text)['smonit'] ?? {}) as Record<string, string>;
  const { tenants } = legacyTenants(smonit);
  let out = removeSection(text, 'smonit');
  // A file of [smonit] alone runs on [kafka]'s defaults: it needs the section once [smonit] is gone.
  if (!hasSection(out, 'kafka')) out = putSection(out, 'kafka', {});
  for (const [name, keys] of Object.entries(tenants)) out = putSection(out, `tenant.${name}`, keys);
  return out;
}

export function configCommand(): Command {
  const config = new Command('config').description('check or migrate a configuration file');
  config
    .command('check')
    .description('validate a configuration without starting anything (exit 1 with every problem)')
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .action((opts) => {
      const cfg = loadConfig(opts.config);
      console.log(
        `${opts.config}: ok, ${cfg.tenants.length} tenant(s): ${cfg.tenants.map((t) => t.name).join(', ') || 'none'}${cfg.legacy ? ' (from [smonit])' : ''}`,
      );
      for (const note of cfg.legacyNotes) console.log(`note: [smonit] ${note}`);
    });
  config
    .command('migrate')
    .description(
      'rewrite a Smonnet [smonit] section as [tenant.NAME] sections (prints; --write replaces the file)',
    )
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('--write', 'replace the file (atomically) instead of printing')
    .action(async (opts) => {
      const cfg = loadConfig(opts.config);
      if (!cfg.legacy)
        throw new SmonnetError('USAGE', `${opts.config} has no [smonit] section: nothing to migrate`);
      const next = migrateText(readFileSync(opts.config, 'utf8'));
      // The rewritten file must describe the same tenants.
      const { parseConfig } = await import('../config/parse.js');
      const migrated = parseConfig(next, opts.config);
      if (migrated.tenants.length !== cfg.tenants.length)
        throw new SmonnetError('INTERNAL', 'migration lost tenants; file left unchanged');
      if (opts.write) {
        await writeFileAtomic(opts.config, next);
        console.error(`${opts.config}: migrated ${migrated.tenants.length} tenant(s)`);
      } else {
        process.stdout.write(next);
      }
    });
  return config;
}
