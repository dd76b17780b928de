/**
 * What a reload changes: tenants added, removed, changed (restart) and unchanged (untouched).
 * A tenant's identity is its own section plus the Kafka settings every worker runs with, so a
 * change of broker or topic restarts every tenant. What a worker takes on the fly is left out:
 * Kibana keys (re-provisioned), networks and retention_days, [enrich] and [sampling] (sent to the
 * running worker, which rebuilds its processing pool).
 */
import { KIBANA_KEYS } from '../config/parse.js';

/** Tenant keys a running worker takes from a reload without restarting. */
const LIVE_KEYS: readonly string[] = [...KIBANA_KEYS, 'networks', 'retention_days'];

import type { AppConfig, TenantConfig } from '../config/types.js';
import { runners } from '../fanout/route.js';

export function tenantIdentity(config: AppConfig, tenant: TenantConfig): string {
  const sorted = Object.fromEntries(
    Object.entries(tenant.source)
      .filter(([key]) => !LIVE_KEYS.includes(key))
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  return JSON.stringify({
    tenant: sorted,
    schema: tenant.schema,
    kafka: config.kafka,
  });
}

export interface ReloadPlan {
  readonly added: string[];
  readonly removed: string[];
  readonly changed: string[];
  readonly unchanged: string[];
}

export function planReload(before: AppConfig, after: AppConfig): ReloadPlan {
  const old = new Map(runners(before).map((t) => [t.name, tenantIdentity(before, t)]));
  const plan: ReloadPlan = { added: [], removed: [], changed: [], unchanged: [] };
  for (const t of runners(after)) {
    const was = old.get(t.name);
    if (was === undefined) plan.added.push(t.name);
    else if (was !== tenantIdentity(after, t)) plan.changed.push(t.name);
    else plan.unchanged.push(t.name);
  }
  for (const name of old.keys()) if (!runners(after).some((t) => t.name === name)) plan.removed.push(name);
  return plan;
}
