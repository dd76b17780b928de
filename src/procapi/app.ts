/**
 * ProcAPI: list, add, change and remove tenants (and alert rules, procapi/alerts.ts) over HTTP. Every change is validated as a whole
 * new api.cfg before it is written (atomically, one writer at a time), then goes through the same
 * reload as SIGHUP. On any error nothing is written.
 */

import express, { type Request } from 'express';
import { FILTER_KEYS } from '../config/filter-keys.js';
import { legacyFilter, legacyTenantKeys } from '../config/legacy.js';
import { TENANT_NAME } from '../config/parse.js';
import { hasSection, putSection, removeSection } from '../config/sections.js';
import type { ConfigStore } from '../config/store.js';
import type { AppConfig, ProcApiSettings, TenantConfig } from '../config/types.js';
import { SmonnetError } from '../errors.js';
import type { Logger } from '../observability/logger.js';
import type { Supervisor, TenantStatus } from '../supervisor/supervisor.js';
import { alertRoutes } from './alerts.js';
import { authenticate } from './auth.js';
import { errorHandler } from './errors.js';
import { openApiDocument } from './openapi.js';

export interface ProcApiDeps {
  readonly supervisor: Supervisor;
  readonly store: ConfigStore;
  readonly token: string;
  readonly settings: ProcApiSettings;
  readonly logger: Logger;
}

const SECRET_KEYS = ['es_password', 'es_api_key', 'kibana_password', 'kibana_api_key'];
const KEY = /^[a-z][a-z_]{0,40}$/;
// A value goes into an INI line: no line breaks, and nothing the parser would read as a comment.
const UNSAFE_VALUE = /[\r\n;#]/;

function tenantView(t: TenantConfig, live: TenantStatus | undefined) {
  const keys = Object.fromEntries(
    Object.entries(t.source).map(([k, v]) => [k, SECRET_KEYS.includes(k) ? '********' : v]),
  );
  return {
    name: t.name,
    config: keys,
    filter: Object.fromEntries(
      Object.entries(t.source).filter(([k]) => (FILTER_KEYS as string[]).includes(k)),
    ),
    es_nodes: t.elasticsearch.nodes,
    index_prefix: t.indexPrefix,
    schema: t.schema,
    replicas: t.replicas,
    live: live ?? null,
  };
}

/** A JSON body → the keys of a [tenant.NAME] section. */
export function sectionKeys(body: unknown): Record<string, string> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new SmonnetError(
      'BAD_REQUEST',
      'the body must be a JSON object of tenant keys, e.g. {"name": "lab42", "vlan": "42", "es_nodes": "http://127.0.0.1:9200"}',
    );
  }
  const keys: Record<string, string> = {};
  const problems: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (key === 'name') continue;
    if (!KEY.test(key)) {
      problems.push(`key '${key}' is not a tenant key`);
      continue;
    }
    const items = Array.isArray(value) ? value : [value];
    if (
      items.length === 0 ||
      !items.every((v) => typeof v === 'string' || (typeof v === 'number' && Number.isFinite(v)))
    ) {
      problems.push(`${key}: expected a string, a number or a list of them`);
      continue;
    }
    const text = items.map(String).join(', ').trim();
    if (UNSAFE_VALUE.test(text)) problems.push(`${key}: line breaks, ';' and '#' are not allowed in values`);
    else keys[key] = text;
  }
  if (problems.length > 0) throw new SmonnetError('BAD_REQUEST', 'invalid tenant keys', problems);
  return keys;
}

function tenantName(name: unknown): string {
  if (typeof name !== 'string' || !TENANT_NAME.test(name)) {
    throw new SmonnetError(
      'BAD_REQUEST',
      `tenant name ${JSON.stringify(name)} must be 1-63 of a-z, 0-9, '_' and '-', starting with a letter or digit`,
    );
  }
  return name;
}

export function createProcApi(deps: ProcApiDeps): express.Express {
  const { supervisor, store } = deps;
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '64kb' }));

  const live = (name: string) => supervisor.status().find((s) => s.name === name);
  const find = (name: string) => {
    const t = supervisor.current.tenants.find((x) => x.name === name);
    if (!t) throw new SmonnetError('NOT_FOUND', `no tenant '${name}'`);
    return t;
  };
  /** Writes a new [tenant.NAME] section (or removes one), then reloads as SIGHUP would. */
  const change = async (edit: (text: string, current: AppConfig) => string) => {
    await store.update(edit);
    return supervisor.reload();
  };
  const rejectLegacy = (name: string, text: string): void => {
    if (
      !hasSection(text, `tenant.${name}`) &&
      supervisor.current.legacy &&
      supervisor.current.tenants.some((t) => t.name === name)
    ) {
      throw new SmonnetError(
        'CONFLICT',
        `tenant '${name}' comes from the [smonit] section: run 'smonnet config migrate' to edit it here`,
      );
    }
  };

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    const notReady = supervisor.status().flatMap((s) => {
      if (s.state === 'failed') return [{ tenant: s.name, reason: 'crash-looping, marked failed' }];
      if (s.state === 'degraded') return [{ tenant: s.name, reason: `degraded: ${s.problem}` }];
      if (s.state !== 'running') return [{ tenant: s.name, reason: `worker ${s.state}` }];
      if (!s.elasticsearchReachable) return [{ tenant: s.name, reason: 'Elasticsearch unreachable' }];
      return [];
    });
    res.status(notReady.length === 0 ? 200 : 503).json({ ready: notReady.length === 0, notReady });
  });
  app.get('/metrics', authenticate(deps.token, deps.settings), async (_req, res) => {
    res.type(supervisor.metrics.registry.contentType).send(await supervisor.metrics.registry.metrics());
  });
  app.get('/api/v1/openapi.json', (_req, res) => {
    res.json(openApiDocument);
  });

  const api = express.Router();
  api.use(authenticate(deps.token, deps.settings));
  api.get('/tenants', (_req, res) => {
    res.json({
      tenants: supervisor.current.tenants.map((t) => tenantView(t, live(t.name))),
      // Fan-out mode's segregator, in its own terms: consumed, routed, unmatched, dead-lettered, lag.
      segregator: supervisor.segregatorStatus(),
      reloadError: supervisor.lastReloadError ?? null,
    });
  });
  api.get('/tenants/:name', (req: Request<{ name: string }>, res) => {
    const t = find(req.params.name);
    res.json(tenantView(t, live(t.name)));
  });
  api.post('/tenants', async (req, res) => {
    const keys = sectionKeys(req.body);
    const name = tenantName((req.body as { name?: unknown }).name);
    const reload = await change((text) => {
      if (hasSection(text, `tenant.${name}`) || supervisor.current.tenants.some((t) => t.name === name)) {
        throw new SmonnetError(
          'CONFLICT',
          `tenant '${name}' exists already (PUT /api/v1/tenants/${name} changes it)`,
        );
      }
      return putSection(text, `tenant.${name}`, keys);
    });
    res.status(201).json({ tenant: tenantView(find(name), live(name)), reload });
  });
  api.put('/tenants/:name', async (req: Request<{ name: string }>, res) => {
    const name = tenantName(req.params.name);
    const keys = sectionKeys(req.body);
    const reload = await change((text) => {
      rejectLegacy(name, text);
      if (!hasSection(text, `tenant.${name}`))
        throw new SmonnetError('NOT_FOUND', `no tenant '${name}' (POST /api/v1/tenants creates one)`);
      return putSection(text, `tenant.${name}`, keys);
    });
    res.json({ tenant: tenantView(find(name), live(name)), reload });
  });
  api.delete('/tenants/:name', async (req: Request<{ name: string }>, res) => {
    const name = tenantName(req.params.name);
    const reload = await change((text) => {
      rejectLegacy(name, text);
      if (!hasSection(text, `tenant.${name}`)) throw new SmonnetError('NOT_FOUND', `no tenant '${name}'`);
      return removeSection(text, `tenant.${name}`);
    });
    res.json({ removed: name, reload });
  });
  api.use(alertRoutes(supervisor, store, sectionKeys));
  api.post('/reload', async (_req, res) => {
    res.json(await supervisor.reload());
  });
  // The original ProcAPI call: POST /api/v1/smonit/NAME?key0=sflow_dstVlan&value0=42&nodes=h:9200
  api.post('/smonit/:name', async (req: Request<{ name: string }>, res) => {
    const name = tenantName(req.params.name);
    const q = req.query as Record<string, unknown>;
    const pairs: Array<[string, string]> = [];
    for (let i = 0; q[`key${i}`] !== undefined; i++)
      pairs.push([String(q[`key${i}`]), String(q[`value${i}`] ?? '')]);
    if (pairs.length === 0)
      throw new SmonnetError('BAD_REQUEST', 'expected key0=FIELD&value0=VALUE (key1, value1, ...)');
    const max = supervisor.current.legacyMaxFilters;
    if (max > 0 && pairs.length > max)
      throw new SmonnetError('BAD_REQUEST', `at most ${max} field/value pairs ([smonit] max_param_filters)`);
    const filter = legacyFilter(pairs);
    if ('error' in filter) throw new SmonnetError('BAD_REQUEST', filter.error);
    // Smonnet's ProcAPI created the tenant's cluster (no_nodes of them) through deployment_url;
    // smonnet uses a cluster that exists: the call's nodes, else [procapi] default_es_nodes.
    const nodes = String(q['nodes'] ?? q['node'] ?? deps.settings.defaultEsNodes ?? '');
    if (nodes === '')
      throw new SmonnetError(
        'BAD_REQUEST',
        "smonnet does not create tenant clusters through deployment_url: pass nodes=host:port[,host:port] (the tenant's Elasticsearch) or set [procapi] default_es_nodes",
      );
    const keys = sectionKeys(legacyTenantKeys(name, filter.keys, nodes));
    // Checked on the file about to change, inside the store's one-writer queue: concurrent
    // requests for one name see each other's writes.
    const reload = await change((text, current) => {
      if (current.tenants.some((t) => t.name === name))
        throw new SmonnetError('CONFLICT', `tenant '${name}' exists already`);
      return putSection(text, `tenant.${name}`, keys);
    });
    res.status(201).json({ tenant: tenantView(find(name), live(name)), reload });
  });
  app.use('/api/v1', api);
  app.use((_req, _res, next) =>
    next(new SmonnetError('NOT_FOUND', 'no such endpoint (see /api/v1/openapi.json)')),
  );
  app.use(errorHandler(deps.logger));
  return app;
}
