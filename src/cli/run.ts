/** `smonnet run`: the daemon. Supervisor + ProcAPI; SIGHUP reloads, SIGTERM/SIGINT drain and exit 0. */

import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { Command } from 'commander';
import { UNUSED_LEGACY_KEYS } from '../config/legacy.js';
import { readIni } from '../config/parse.js';
import { setKey } from '../config/sections.js';
import { ConfigStore } from '../config/store.js';
import { SmonnetError } from '../errors.js';
import { createLogger, type Logger } from '../observability/logger.js';
import { createProcApi } from '../procapi/app.js';
import { resolveToken } from '../procapi/auth.js';
import { listen } from '../procapi/server.js';
import { Supervisor } from '../supervisor/supervisor.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Claims the pid file; another live supervisor on the same file is an error. */
function claimPidFile(file: string): void {
  try {
    const other = Number(readFileSync(file, 'utf8').trim());
    if (Number.isInteger(other) && other > 0 && other !== process.pid && alive(other)) {
      throw new SmonnetError(
        'ALREADY_RUNNING',
        `another smonnet supervisor runs with pid ${other} (${file})`,
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${process.pid}\n`);
}

/**
 * What Smonnet did at start for a file with [smonit]: processing_pid names the supervisor (Smonnet's
 * ProcAPI sends SIGHUP to it after editing the file), written in place, every other byte kept.
 * child_procs is left as it is; deployment_url and nodes_url are read by nothing here.
 */
async function smonitStarted(store: ConfigStore, logger: Logger, notes: readonly string[]): Promise<void> {
  try {
    await store.update((text) => setKey(text, 'smonit', 'processing_pid', String(process.pid)));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'cannot write [smonit] processing_pid');
  }
  const smonit = (readIni(await store.read())['smonit'] ?? {}) as Record<string, unknown>;
  const unused = UNUSED_LEGACY_KEYS.filter((k) => smonit[k] !== undefined && smonit[k] !== '');
  for (const note of notes) logger.warn({ note }, '[smonit] read differently from Smonnet');
  if (unused.length > 0)
    logger.info(
      { keys: unused },
      '[smonit] keys kept but not used by smonnet (tenant clusters are not provisioned)',
    );
}

export function runCommand(): Command {
  return new Command('run')
    .description('run the daemon: one worker process per tenant, ProcAPI, reload on SIGHUP')
    .option('-c, --config <file>', 'configuration file', 'config/api.cfg')
    .option('--listen <host:port>', 'ProcAPI listener (overrides [procapi] listen)')
    .option('--pid-file <file>', 'pid file (overrides [supervisor] pid_file)')
    .action(async (opts) => {
      const logger = createLogger({ name: 'smonnet' });
      const supervisor = await Supervisor.load(opts.config, logger);
      // The file is read by now; its level applies from here on, below SMONNET_LOG_LEVEL.
      if (!process.env['SMONNET_LOG_LEVEL']) logger.level = supervisor.current.supervisor.logLevel;
      const listenAt = opts.listen ? /^(.+):(\d{1,5})$/.exec(opts.listen) : undefined;
      if (opts.listen && !listenAt)
        throw new SmonnetError('USAGE', `--listen '${opts.listen}' is not host:port`);
      // Overrides let two supervisors share one config file on one machine.
      const procapi = listenAt
        ? { ...supervisor.current.procapi, host: listenAt[1]!, port: Number(listenAt[2]) }
        : supervisor.current.procapi;
      const settings = opts.pidFile
        ? { ...supervisor.current.supervisor, pidFile: opts.pidFile }
        : supervisor.current.supervisor;
      claimPidFile(settings.pidFile);
      const store = new ConfigStore(opts.config);
      if (supervisor.current.legacy) await smonitStarted(store, logger, supervisor.current.legacyNotes);
      const server = procapi.enabled
        ? await listen(
            createProcApi({
              supervisor,
              store,
              token: resolveToken(procapi, settings),
              settings: procapi,
              logger: logger.child({ component: 'procapi' }),
            }),
            procapi,
          )
        : undefined;
      if (server)
        logger.info(
          { listen: `${procapi.host}:${procapi.port}`, tls: Boolean(procapi.tlsCert) },
          'ProcAPI listening',
        );
      supervisor.start();
      logger.info(
        { tenants: supervisor.current.tenants.map((t) => t.name), pid: process.pid },
        'supervisor started',
      );

      process.on('SIGHUP', () => {
        supervisor.reload().then(
          (plan) => logger.info(plan, 'reloaded'),
          () => {}, // refused: already logged with the reason; the old configuration keeps running
        );
      });
      let stopping = false;
      const stop = (signal: string): void => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, 'shutting down: workers drain and commit');
        server?.close();
        supervisor.shutdown().then(() => {
          rmSync(settings.pidFile, { force: true });
          logger.info('supervisor stopped');
          process.exit(0);
        });
      };
      process.on('SIGTERM', () => stop('SIGTERM'));
      process.on('SIGINT', () => stop('SIGINT'));
    });
}
