/**
 * Imports a tenant's data view and dashboard into its Kibana through the saved objects import
 * API. Object ids are derived from the tenant name and the import overwrites, so provisioning
 * again updates the same objects instead of adding copies.
 */
import type { KibanaSettings, TenantConfig } from '../config/types.js';
import { KibanaError } from '../errors.js';
import { renderSavedObjects } from './saved-objects.js';

export interface ProvisionResult {
  readonly url: string;
  readonly imported: number;
  readonly objects: readonly { readonly type: string; readonly id: string }[];
}

interface ImportResponse {
  success?: boolean;
  successCount?: number;
  errors?: { type: string; id: string; error?: { type?: string; message?: string } }[];
}

export function importUrl(kibana: KibanaSettings): string {
  const space = kibana.space === undefined ? '' : `/s/${encodeURIComponent(kibana.space)}`;
  return `${kibana.url}${space}/api/saved_objects/_import?overwrite=true`;
}

function authorization(kibana: KibanaSettings): Record<string, string> {
  if (kibana.apiKey !== undefined) return { authorization: `ApiKey ${kibana.apiKey}` };
  if (kibana.username !== undefined)
    return {
      authorization: `Basic ${Buffer.from(`${kibana.username}:${kibana.password ?? ''}`).toString('base64')}`,
    };
  return {};
}

export async function provisionKibana(
  tenant: Pick<TenantConfig, 'name' | 'indexPrefix' | 'schema' | 'kibana'>,
  options: { signal?: AbortSignal; timeoutMs?: number } = {},
): Promise<ProvisionResult> {
  const kibana = tenant.kibana;
  if (kibana === undefined)
    throw new KibanaError(tenant.name, '-', undefined, 'the tenant has no kibana_url');
  const { ndjson, objects } = renderSavedObjects(tenant);
  const form = new FormData();
  form.append('file', new Blob([ndjson], { type: 'application/ndjson' }), `smonnet-${tenant.name}.ndjson`);
  const url = importUrl(kibana);
  const signals = [AbortSignal.timeout(options.timeoutMs ?? 30_000)];
  if (options.signal) signals.push(options.signal);
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      // Kibana refuses state-changing API calls without kbn-xsrf (any value).
      headers: { 'kbn-xsrf': 'smonnet', ...authorization(kibana) },
      body: form,
      signal: AbortSignal.any(signals),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new KibanaError(tenant.name, kibana.url, undefined, cause ?? (err as Error).message);
  }
  const text = await response.text();
  let body: ImportResponse & { message?: string };
  try {
    body = JSON.parse(text);
  } catch {
    throw new KibanaError(
      tenant.name,
      kibana.url,
      response.status,
      `not a JSON answer: ${text.slice(0, 200)}`,
    );
  }
  if (!response.ok)
    throw new KibanaError(tenant.name, kibana.url, response.status, body.message ?? text.slice(0, 200));
  if (body.success !== true) {
    const refused = (body.errors ?? [])
      .map((e) => `${e.type} ${e.id}: ${e.error?.message ?? e.error?.type ?? 'refused'}`)
      .join('; ');
    throw new KibanaError(
      tenant.name,
      kibana.url,
      response.status,
      `import refused: ${refused || text.slice(0, 200)}`,
    );
  }
  return {
    url: kibana.url,
    imported: body.successCount ?? objects.length,
    objects: objects.map((o) => ({ type: o.type, id: o.id })),
  };
}
