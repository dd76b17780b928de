/**
 * Smonnet's original `[smonit]` section, read as tenants so an existing install runs unchanged:
 *
 *   monitor_names  = user1-user2                          tenants, separated by '-'
 *   monitor_params = sflow_dstVlan,42-sflow_dstIP,1.2.3.4   per tenant ('-'), field,value pairs
 *   monitor_nodes  = h1:9200,h2:9200--h3:9200              per tenant ('--'), nodes by ','
 *   new_monitor    = add,field,value,name,host:port,...    one more tenant
 *
 * Legacy tenants write the legacy document schema into `sflow-<name>-YYYY.MM.DD`, so Smonnet's
 * dashboards (index pattern `sflow-*`) keep working.
 */
import { LEGACY_FILTER_FIELDS } from './filter-keys.js';

/** The [tenant.NAME] keys of a tenant defined the Smonnet way. */
export function legacyTenantKeys(
  name: string,
  filterKeys: Record<string, string>,
  nodes: string,
): Record<string, string> {
  // Smonnet's consumer group was the tenant's name: keeping it resumes where the prototype was.
  return { ...filterKeys, es_nodes: nodes, schema: 'legacy', index_prefix: `sflow-${name}`, group_id: name };
}

export const LEGACY_KEYS = [
  'monitor_names',
  'monitor_params',
  'monitor_nodes',
  'new_monitor',
  // Read by Smonnet's ProcAPI (max_filters in its own copy of the file): most pairs per tenant.
  'max_param_filters',
  'max_filters',
  // Written by Smonnet at start: smonnet rewrites processing_pid with the supervisor's pid.
  'processing_pid',
  // Written by Smonnet's children: smonnet leaves it as it is.
  'child_procs',
  // Smonnet's ProcAPI created each tenant's cluster through these: smonnet does not.
  'deployment_url',
  'nodes_url',
] as const;

/** [smonit] keys smonnet accepts and does not use. */
export const UNUSED_LEGACY_KEYS = ['child_procs', 'deployment_url', 'nodes_url'] as const;

export interface LegacyResult {
  /** Tenant name → keys of an equivalent [tenant.NAME] section. */
  readonly tenants: Record<string, Record<string, string>>;
  /** Problems, each with the [smonit] key it is about. */
  readonly errors: Array<{ key: string; problem: string }>;
  /** Where smonnet reads the section differently from Smonnet, worth an operator's look. */
  readonly notes: string[];
}

/**
 * Document fields every Smonnet document had with one value: a pair naming that value keeps every
 * flow (`SampleType,FLOW` is the original repository's own example), another value keeps none.
 */
const CONSTANT_FIELDS: Readonly<Record<string, string>> = {
  SampleType: 'FLOW',
  type: 'sflow',
  '@version': '1',
};

/** Document fields an equality test on could never have selected traffic. */
const UNFILTERABLE_FIELDS: Readonly<Record<string, string>> = {
  '@message': 'the whole sflowtool line',
  '@timestamp': 'the processing time',
  sflow_src_location: 'a geo point',
  sflow_dst_location: 'a geo point',
};

/** Filter keys for legacy `field,value` pairs; several values of one field OR together. */
export function legacyFilter(
  pairs: ReadonlyArray<readonly [string, string]>,
): { keys: Record<string, string> } | { error: string } {
  const keys: Record<string, string> = {};
  for (const [field, value] of pairs) {
    const constant = Object.hasOwn(CONSTANT_FIELDS, field) ? CONSTANT_FIELDS[field] : undefined;
    if (constant !== undefined) {
      if (value.trim().toLowerCase() !== constant.toLowerCase())
        return {
          error: `${field} '${value}' never matches: every flow Smonnet indexed had ${field} ${constant}`,
        };
      continue;
    }
    const unfilterable = Object.hasOwn(UNFILTERABLE_FIELDS, field) ? UNFILTERABLE_FIELDS[field] : undefined;
    if (unfilterable !== undefined)
      return { error: `field '${field}' holds ${unfilterable}: filter on another field` };
    const key = LEGACY_FILTER_FIELDS[field];
    if (!key)
      return {
        error: `field '${field}' is not one of ${[...Object.keys(CONSTANT_FIELDS), ...Object.keys(LEGACY_FILTER_FIELDS)].join(', ')}`,
      };
    if (value.trim() === '') return { error: `field '${field}' has no value` };
    keys[key] = keys[key] ? `${keys[key]}, ${value.trim()}` : value.trim();
  }
  return { keys };
}

/**
 * Smonnet applied only a tenant's first pair; smonnet applies them all, as whoever wrote several
 * meant. Said once per such tenant, since the tenant then receives less than under Smonnet.
 */
function pairsNote(name: string, pairs: ReadonlyArray<readonly [string, string]>): string | undefined {
  if (pairs.length < 2) return undefined;
  const [field, value] = pairs[0]!;
  return `${name}: ${pairs.length} field,value pairs; Smonnet applied only the first (${field},${value}), smonnet requires every field to match (several values of one field: any)`;
}

function pairsOf(text: string): Array<[string, string]> | undefined {
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length % 2 !== 0) return undefined;
  const pairs: Array<[string, string]> = [];
  for (let i = 0; i < parts.length; i += 2) pairs.push([parts[i]!, parts[i + 1]!]);
  return pairs;
}

export function legacyTenants(section: Readonly<Record<string, string>>): LegacyResult {
  const errors: Array<{ key: string; problem: string }> = [];
  const tenants: Record<string, Record<string, string>> = {};
  const notes: string[] = [];
  const names = (section['monitor_names'] ?? '')
    .split('-')
    .map((n) => n.trim())
    .filter(Boolean);
  const params = (section['monitor_params'] ?? '').split('-').map((p) => p.trim());
  const nodes = (section['monitor_nodes'] ?? '').split('--').map((n) => n.trim());
  if (names.length > 0) {
    if (params.length !== names.length) {
      errors.push({
        key: 'monitor_params',
        problem: `has ${params.length} groups for ${names.length} monitor_names`,
      });
    }
    if (nodes.length !== names.length) {
      errors.push({
        key: 'monitor_nodes',
        problem: `has ${nodes.length} groups (separated by '--') for ${names.length} monitor_names`,
      });
    }
  }
  names.forEach((name, i) => {
    const pairs = pairsOf(params[i] ?? '');
    if (!pairs) {
      errors.push({
        key: 'monitor_params',
        problem: `group '${params[i]}' of ${name} is not field,value pairs`,
      });
      return;
    }
    const filter = legacyFilter(pairs);
    if ('error' in filter) {
      errors.push({ key: 'monitor_params', problem: `${name}: ${filter.error}` });
      return;
    }
    tenants[name] = legacyTenantKeys(name, filter.keys, nodes[i] ?? '');
    const note = pairsNote(name, pairs);
    if (note) notes.push(note);
  });
  const extra = section['new_monitor']?.trim();
  if (extra) {
    // add,<field>,<value>[,<field>,<value>...],<name>,<host:port>[,<host:port>...]
    const [action, ...rest] = extra.split(',').map((p) => p.trim());
    let hostsFrom = rest.length;
    while (hostsFrom > 0 && rest[hostsFrom - 1]!.includes(':')) hostsFrom--;
    const name = rest[hostsFrom - 1];
    const pairs = pairsOf(rest.slice(0, Math.max(0, hostsFrom - 1)).join(','));
    const hosts = rest.slice(hostsFrom);
    if (action !== 'add') {
      errors.push({ key: 'new_monitor', problem: `action '${action}' is not understood (only 'add')` });
    } else if (!name || !pairs || pairs.length === 0 || hosts.length === 0) {
      errors.push({
        key: 'new_monitor',
        problem: 'expected add,field,value[,field,value...],name,host:port[,host:port...]',
      });
    } else if (tenants[name]) {
      // A name that runs already gets one more process in its consumer group: Smonnet's scale-out.
      const keys = tenants[name]!;
      keys['replicas'] = String(Number(keys['replicas'] ?? '1') + 1);
    } else {
      const filter = legacyFilter(pairs);
      if ('error' in filter) errors.push({ key: 'new_monitor', problem: filter.error });
      else {
        tenants[name] = legacyTenantKeys(name, filter.keys, hosts.join(', '));
        const note = pairsNote(name, pairs);
        if (note) notes.push(note);
      }
    }
  }
  return { tenants, errors, notes };
}
