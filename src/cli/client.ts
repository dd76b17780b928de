/** How CLI commands talk to a running supervisor: ProcAPI, with the token a local client can read. */
import { loadClientSettings } from '../config/parse.js';
import { SmonnetError } from '../errors.js';
import { clientToken } from '../procapi/auth.js';

export interface ApiClient {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

export function apiClient(configFile: string, url?: string): ApiClient {
  const { procapi, supervisor } = loadClientSettings(configFile);
  const host = procapi.host === '0.0.0.0' || procapi.host === '::' ? '127.0.0.1' : procapi.host;
  const base =
    url ??
    `${procapi.tlsCert ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${procapi.port}`;
  const token = clientToken(procapi, supervisor);
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      let res: Response;
      try {
        res = await fetch(`${base}${path}`, {
          method,
          headers: {
            ...(token && { authorization: `Bearer ${token}` }),
            ...(body !== undefined && { 'content-type': 'application/json' }),
          },
          ...(body !== undefined && { body: JSON.stringify(body) }),
        });
      } catch (err) {
        throw new SmonnetError(
          'UNREACHABLE',
          `cannot reach the supervisor's ProcAPI at ${base}: ${(err as Error).cause ?? (err as Error).message}`,
        );
      }
      const json = (await res.json().catch(() => ({}))) as T & {
        error?: { message: string; details: string[] };
      };
      if (!res.ok) {
        const e = json.error;
        throw new SmonnetError(
          'REFUSED',
          [`${res.status}: ${e?.message ?? res.statusText}`, ...(e?.details ?? []).map((d) => `  ${d}`)].join(
            '\n',
          ),
        );
      }
      return json;
    },
  };
}

/** key=value arguments → an object; a repeated key makes a list. */
export function keyValues(pairs: readonly string[]): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new SmonnetError('USAGE', `'${pair}' is not key=value`);
    const key = pair.slice(0, eq).trim();
    const value = pair.slice(eq + 1).trim();
    const prev = out[key];
    out[key] = prev === undefined ? value : [...(Array.isArray(prev) ? prev : [prev]), value];
  }
  return out;
}

export function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows
    .map((r) =>
      r
        .map((c, i) => (c ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
