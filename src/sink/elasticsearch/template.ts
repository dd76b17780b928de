/** Installs a tenant's composable index templates (bodies in templates/elasticsearch/) at start. */
import { readFileSync } from 'node:fs';
import type { Client } from '@elastic/elasticsearch';
import type { Schema } from '../../config/types.js';

const TEMPLATE_DIR = new URL('../../../templates/elasticsearch/', import.meta.url);

function body(name: string): { settings: object; mappings: object } {
  return JSON.parse(readFileSync(new URL(`${name}.json`, TEMPLATE_DIR), 'utf8'));
}

export async function installTemplates(client: Client, prefix: string, schema: Schema): Promise<void> {
  const meta = { managed_by: 'smonnet', schema };
  await client.indices.putIndexTemplate({
    name: `smonnet-${prefix}-flows`,
    index_patterns: [`${prefix}-*`],
    priority: 200,
    template: body(`${schema}-flows`),
    _meta: meta,
  });
  await client.indices.putIndexTemplate({
    name: `smonnet-${prefix}-counters`,
    index_patterns: [`${prefix}-counters-*`],
    priority: 210,
    template: body(`${schema}-counters`),
    _meta: meta,
  });
}
