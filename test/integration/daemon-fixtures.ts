/** Fixtures for the daemon: supervisor processes (the compiled dist/, as deployed) and a ProcAPI client. */
import type { ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import type { TenantStatus } from '../../src/supervisor/supervisor.js';
import { spawnCaptured, waitFor } from '../helpers.js';

const root = new URL('../../', import.meta.url).pathname;
const MAIN = join(root, 'dist/cli/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The [procapi] and [supervisor] sections of a test config: its own port and runtime folder. */
export function daemonSections(port: number, runtimeDir: string): string[] {
  return [
    '[procapi]',
    `listen = 127.0.0.1:${port}`,
    '[supervisor]',
    `runtime_dir = ${runtimeDir}`,
    'shutdown_timeout = 20',
  ];
}

export interface Daemon {
  readonly child: ChildProcess;
  readonly port: number;
  readonly output: () => string;
  readonly exited: Promise<number | null>;
  api<T = Record<string, unknown>>(
    method: string,
    path: string,
    body?: unknown,
    auth?: string | null,
  ): Promise<{ status: number; json: T }>;
  tenants(): Promise<{ name: string; live: TenantStatus | null }[]>;
}

/** `token`: a shared SMONNET_API_TOKEN, for supervisors sharing one runtime folder; else generated. */
export function startDaemon(
  configFile: string,
  port: number,
  runtimeDir: string,
  extraArgs: string[] = [],
  token?: string,
): Daemon {
  if (!existsSync(MAIN)) throw new Error('dist/ is missing: run npm run build (npm test does)');
  const { child, output, exited } = spawnCaptured([MAIN, 'run', '-c', configFile, ...extraArgs], {
    SMONNET_LOG_LEVEL: 'info',
    SMONNET_API_TOKEN: token ?? '',
  });
  const currentToken = (): string => token ?? readFileSync(join(runtimeDir, 'api.token'), 'utf8').trim();
  const api: Daemon['api'] = async (method, path, body, auth) => {
    const authorization = auth === null ? undefined : (auth ?? `Bearer ${currentToken()}`);
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      method,
      headers: {
        ...(authorization && { authorization }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
    return { status: res.status, json: (await res.json()) as never };
  };
  return {
    child,
    port,
    output,
    exited,
    api,
    tenants: async () =>
      (await api<{ tenants: { name: string; live: TenantStatus | null }[] }>('GET', '/api/v1/tenants')).json
        .tenants,
  };
}

/** Waits until the daemon answers and every tenant named is running; returns their pids. */
export async function waitRunning(
  daemon: Daemon,
  names: readonly string[],
  timeoutMs = 90_000,
): Promise<Record<string, number[]>> {
  return waitForOrExplain(
    daemon,
    `tenants ${names.join(', ')} running`,
    async () => {
      const list = await daemon.tenants();
      const pids: Record<string, number[]> = {};
      for (const name of names) {
        const t = list.find((x) => x.name === name);
        if (t?.live?.state !== 'running') return undefined;
        pids[name] = t.live.pids;
      }
      return pids;
    },
    timeoutMs,
    500,
  );
}

/** waitFor, and on time-out the end of the daemon's output in the error, to say why. */
async function waitForOrExplain<T>(daemon: Daemon, ...args: Parameters<typeof waitFor<T>>): Promise<T> {
  try {
    return await waitFor(...args);
  } catch (err) {
    const tail = daemon
      .output()
      .split('\n')
      .filter((l) => !l.includes('"level":20'))
      .slice(-15)
      .join('\n');
    throw new Error(`${(err as Error).message}\n--- daemon output ---\n${tail}`);
  }
}

export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Runs a one-shot `smonnet` command (compiled) to its end: exit code and output. */
export async function runCli(args: readonly string[]): Promise<{ code: number | null; output: string }> {
  const { output, exited } = spawnCaptured([MAIN, ...args], { SMONNET_LOG_LEVEL: 'warn' });
  const code = await exited;
  return { code, output: output() };
}
