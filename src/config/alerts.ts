/**
 * [alert.NAME] sections: a tenant's stream alert rules.
 *
 *   [alert.lab42-ddos]
 *   tenant = lab42
 *   value = bits_per_second      ; packets_per_second, flows_per_second
 *   group_by = destination.ip    ; none, source.ip, destination.ip, destination.port, in_if, out_if, vlan
 *   window = 60s
 *   above = 500M                 ; or below = ...; suffixes k M G (powers of 1000)
 *   for = 2m
 *   recover_below = 400M         ; with above (recover_above with below); default the threshold
 *   webhook = https://hooks.example.org/lab42
 */

import { ALERT_VALUES, type AlertValue, GROUP_BYS, type GroupBy } from '../alert/group-by.js';
import type { AlertRule } from '../alert/rule.js';
import { TENANT_NAME } from './tenant.js';
import type { TenantConfig } from './types.js';
import { type Collector, httpUrl, oneOf, type Section, strings } from './values.js';

export const ALERT_KEYS = [
  'tenant',
  'value',
  'group_by',
  'window',
  'above',
  'below',
  'for',
  'recover_below',
  'recover_above',
  'webhook',
  'max_groups',
  'lateness',
] as const;

/** Rule names follow tenant names: they become section names and metric labels. */
export const ALERT_NAME = TENANT_NAME;
const UNITS: Readonly<Record<string, number>> = { '': 1, k: 1e3, m: 1e6, g: 1e9 };
const DURATIONS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** 500M, 1.5G, 0.5, 20k: a non-negative number with an optional decimal unit. */
export function quantity(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmg]?)$/i.exec(text.trim());
  return m ? Number(m[1]) * UNITS[m[2]!.toLowerCase()]! : undefined;
}

/** 60s, 2m, 1h, 500ms; a bare number is seconds. */
export function duration(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h)?$/i.exec(text.trim());
  return m ? Math.round(Number(m[1]) * DURATIONS[(m[2] ?? 's').toLowerCase()]!) : undefined;
}

function durationKey(
  c: Collector,
  where: string,
  key: string,
  value: string | undefined,
  fallbackMs: number,
  [minMs, maxMs]: readonly [number, number],
): number {
  if (value === undefined) return fallbackMs;
  const ms = duration(value);
  if (ms === undefined || ms < minMs || ms > maxMs) {
    c.add(
      where,
      key,
      `'${value}' is not a duration from ${minMs / 1000}s to ${maxMs / 1000}s (like 60s, 2m, 1h)`,
    );
    return fallbackMs;
  }
  return ms;
}

function quantityKey(
  c: Collector,
  where: string,
  key: string,
  value: string | undefined,
): number | undefined {
  if (value === undefined) return undefined;
  const q = quantity(value);
  if (q === undefined) c.add(where, key, `'${value}' is not a number (suffixes k, M, G allowed)`);
  return q;
}

export function alertRule(
  c: Collector,
  name: string,
  section: Section,
  tenants: readonly string[],
): AlertRule | undefined {
  const where = `alert.${name}`;
  const errors = c.errors.length;
  if (!ALERT_NAME.test(name))
    c.add(
      where,
      undefined,
      `rule name '${name}' must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit`,
    );
  const s = strings(c, where, section, ALERT_KEYS);
  const tenant = s['tenant'] ?? '';
  if (s['tenant'] === undefined)
    c.add(where, 'tenant', 'is required (the tenant whose flows the rule watches)');
  else if (!tenants.includes(tenant)) c.add(where, 'tenant', `'${tenant}' is not a tenant of this file`);
  const value = oneOf<AlertValue>(c, where, 'value', s['value'], 'bits_per_second', ALERT_VALUES);
  const groupBy = oneOf<GroupBy>(c, where, 'group_by', s['group_by'], 'none', GROUP_BYS);
  const above = quantityKey(c, where, 'above', s['above']);
  const below = quantityKey(c, where, 'below', s['below']);
  if ((s['above'] === undefined) === (s['below'] === undefined))
    c.add(where, s['above'] === undefined ? 'above' : 'below', 'give exactly one of above and below');
  const direction = s['below'] !== undefined ? 'below' : 'above';
  const threshold = (direction === 'above' ? above : below) ?? 0;
  const recoverKey = direction === 'above' ? 'recover_below' : 'recover_above';
  const wrongKey = direction === 'above' ? 'recover_above' : 'recover_below';
  if (s[wrongKey] !== undefined)
    c.add(where, wrongKey, `goes with ${direction === 'above' ? 'below' : 'above'}; use ${recoverKey}`);
  const recover = quantityKey(c, where, recoverKey, s[recoverKey]) ?? threshold;
  if (direction === 'above' ? recover > threshold : recover < threshold)
    c.add(
      where,
      recoverKey,
      `must be ${direction === 'above' ? 'at most' : 'at least'} the threshold (${threshold})`,
    );
  const webhook = s['webhook'] === undefined ? undefined : httpUrl(s['webhook']);
  if (s['webhook'] === undefined)
    c.add(where, 'webhook', 'is required (where firing and recovery events are posted)');
  else if (webhook === undefined) c.add(where, 'webhook', `'${s['webhook']}' is not an http(s) URL`);
  const maxGroups = s['max_groups'] === undefined ? 1000 : Number(s['max_groups']);
  if (!Number.isInteger(maxGroups) || maxGroups < 1 || maxGroups > 100_000)
    c.add(where, 'max_groups', `'${s['max_groups']}' is not a whole number in 1..100000`);
  const rule: AlertRule = {
    name,
    tenant,
    value,
    groupBy,
    windowMs: durationKey(c, where, 'window', s['window'], 60_000, [1000, 3_600_000]),
    direction,
    threshold,
    recover,
    forMs: durationKey(c, where, 'for', s['for'], 0, [0, 86_400_000]),
    webhook: webhook ?? '',
    maxGroups,
    latenessMs: durationKey(c, where, 'lateness', s['lateness'], 5000, [0, 600_000]),
    source: s,
  };
  return c.errors.length === errors ? rule : undefined;
}

/** Every [alert.NAME] section, once the tenants are known. */
export function alertRules(
  c: Collector,
  sections: Section | undefined,
  tenants: readonly TenantConfig[],
): AlertRule[] {
  const rules: AlertRule[] = [];
  const names = tenants.map((t) => t.name);
  for (const [name, section] of Object.entries(sections ?? {})) {
    if (section === null || typeof section !== 'object') {
      c.add('alert', name, 'alert rules are sections: write [alert.NAME]');
      continue;
    }
    const rule = alertRule(c, name, section as Section, names);
    // Each replica sees only its partitions: a threshold would apply to a share of the traffic.
    if (rule && (tenants.find((t) => t.name === rule.tenant)?.replicas ?? 1) > 1)
      c.add(
        `alert.${name}`,
        'tenant',
        `${rule.tenant} runs several replicas; alert rules need it to run one`,
      );
    else if (rule) rules.push(rule);
  }
  return rules;
}
