/** Installs a tenant's composable index templates (bodies in templates/elasticsearch/) at start. */
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import type { Schema } from '../../config/types.js';

const TEMPLATE_DIR = new URL('../../../templates/elasticsearch/', import.meta.url);

function body(name: string): { settings: object; mappings: object } {
  return JSON.parse(readFileSync(new URL(`${name}.json`, TEMPLATE_DIR), 'utf8'));
}

/**
 * Elasticsearch refuses two templates of equal priority whose patterns overlap (`sflow-*` and
 * `sflow-lab-*`). A longer prefix is more specific, so it gets the higher priority and wins for
 * its own indices; tenants with overlapping prefixes then coexist.
 */
export function templatePriority(prefix: string): { flows: number; counters: number } {
  const base = 100 + 2 * prefix.length;
  return { flows: base, counters: base + 1 + 2 * '-counters'.length };
}

export async function installTemplates(client: Client, prefix: string, schema: Schema): Promise<void> {
  const meta = { managed_by: 'smonnet', schema };
  const priority = templatePriority(prefix);
  await client.indices.putIndexTemplate({
    name: `smonnet-${prefix}-flows`,
    index_patterns: [`${prefix}-*`],
    priority: priority.flows,
    template: body(`${schema}-flows`),
    _meta: meta,
  });
  await client.indices.putIndexTemplate({
    name: `smonnet-${prefix}-counters`,
    index_patterns: [`${prefix}-counters-*`],
    priority: priority.counters,
    template: body(`${schema}-counters`),
    _meta: meta,
  });
}
