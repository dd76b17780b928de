/** A tenant's Elasticsearch client. Retries are ours (src/sink/elasticsearch/retry.ts), not the client's. */
import { readFileSync } from 'node:fs';
import { Client } from '@elastic/elasticsearch';
import type { ElasticsearchSettings } from '../../config/types.js';

export function createElasticsearchClient(settings: ElasticsearchSettings): Client {
  const auth = settings.apiKey
    ? { apiKey: settings.apiKey }
    : settings.username !== undefined && settings.password !== undefined
      ? { username: settings.username, password: settings.password }
      : undefined;
  return new Client({
    nodes: [...settings.nodes],
    ...(auth && { auth }),
    ...(settings.caFile && { tls: { ca: readFileSync(settings.caFile) } }),
    maxRetries: 0,
    requestTimeout: 60_000,
    compression: false,
    // The default ('replace') clones every failed request's diagnostics key by key, the bulk body
    // too: a 1 MB body became a million one-byte entries per retry, and a worker retrying through
    // an outage grew to 280 MB. 'remove' drops the headers (where credentials are) and the
    // connection without walking the body.
    redaction: { type: 'remove' },
  });
}
