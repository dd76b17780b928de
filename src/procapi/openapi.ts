/** ProcAPI's OpenAPI 3.1 description, served at /api/v1/openapi.json. */
import { ALERT_KEYS } from '../config/alerts.js';
import { FILTER_KEYS } from '../config/filter-keys.js';
import { TENANT_KEYS } from '../config/tenant.js';

const SETTING_KEYS = TENANT_KEYS.filter((k) => !(FILTER_KEYS as readonly string[]).includes(k));

const error = { $ref: '#/components/responses/Error' };
const tenantKeys = {
  type: 'object',
  description: `Keys of a [tenant.NAME] section: filter keys (${FILTER_KEYS.join(', ')}), ${SETTING_KEYS.join(', ')}. Values are strings, numbers or lists of them.`,
  additionalProperties: {
    oneOf: [{ type: 'string' }, { type: 'number' }, { type: 'array', items: { type: ['string', 'number'] } }],
  },
};

const alertKeys = {
  type: 'object',
  description: `Keys of an [alert.NAME] section: ${ALERT_KEYS.join(', ')}.`,
  additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] },
};

export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'smonnet ProcAPI',
    version: '1',
    description: 'Tenants and alert rules of a smonnet supervisor: list, add, change, remove, reload.',
  },
  servers: [{ url: '/' }],
  security: [{ bearer: [] }, { basic: [] }],
  components: {
    securitySchemes: { bearer: { type: 'http', scheme: 'bearer' }, basic: { type: 'http', scheme: 'basic' } },
    responses: {
      Error: {
        description: 'An error: code, message, details',
        content: {
          'application/json': {
            schema: {
              type: 'object',
              properties: {
                error: {
                  type: 'object',
                  properties: {
                    code: { type: 'string' },
                    message: { type: 'string' },
                    details: { type: 'array', items: { type: 'string' } },
                  },
                  required: ['code', 'message', 'details'],
                },
              },
            },
          },
        },
      },
    },
    schemas: {
      TenantKeys: tenantKeys,
      NewTenant: {
        allOf: [
          {
            type: 'object',
            properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9_-]{0,62}$' } },
            required: ['name'],
          },
          tenantKeys,
        ],
      },
    },
  },
  paths: {
    '/healthz': {
      get: {
        security: [],
        summary: 'The supervisor is alive',
        responses: { '200': { description: 'alive' } },
      },
    },
    '/readyz': {
      get: {
        security: [],
        summary: 'Every tenant is consuming',
        responses: {
          '200': { description: 'ready' },
          '503': { description: 'not ready, with the tenants that are not' },
        },
      },
    },
    '/api/v1/tenants': {
      get: {
        summary: 'List tenants with their configuration (secrets hidden) and live state',
        responses: { '200': { description: 'tenants' }, '401': error },
      },
      post: {
        summary: 'Add a tenant',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/NewTenant' } } },
        },
        responses: { '201': { description: 'added and started' }, '400': error, '401': error, '409': error },
      },
    },
    '/api/v1/alerts': {
      get: {
        summary: 'Alert rules, each with its figures and the groups firing now',
        responses: { '200': { description: 'rules' }, '401': error },
      },
    },
    '/api/v1/alerts/{name}': {
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One alert rule',
        responses: { '200': { description: 'the rule' }, '401': error, '404': error },
      },
      put: {
        summary: 'Write an [alert.NAME] section (create or replace); the worker keeps running',
        requestBody: {
          required: true,
          content: { 'application/json': { schema: alertKeys } },
        },
        responses: {
          '200': { description: 'replaced' },
          '201': { description: 'created' },
          '400': error,
          '401': error,
        },
      },
      delete: {
        summary: 'Remove an alert rule',
        responses: { '200': { description: 'removed' }, '401': error, '404': error },
      },
    },
    '/api/v1/tenants/{name}': {
      parameters: [{ name: 'name', in: 'path', required: true, schema: { type: 'string' } }],
      get: {
        summary: 'One tenant',
        responses: { '200': { description: 'the tenant' }, '401': error, '404': error },
      },
      put: {
        summary: "Replace a tenant's keys",
        requestBody: {
          required: true,
          content: { 'application/json': { schema: { $ref: '#/components/schemas/TenantKeys' } } },
        },
        responses: {
          '200': { description: 'changed and restarted' },
          '400': error,
          '401': error,
          '404': error,
          '409': error,
        },
      },
      delete: {
        summary: 'Remove a tenant',
        responses: {
          '200': { description: 'removed and stopped' },
          '401': error,
          '404': error,
          '409': error,
        },
      },
    },
    '/api/v1/reload': {
      post: {
        summary: 'Re-read api.cfg and apply the difference (as SIGHUP)',
        responses: { '200': { description: 'what changed' }, '400': error, '401': error },
      },
    },
    '/api/v1/smonit/{name}': {
      post: {
        summary: "Smonnet's original call: add a tenant from key0/value0... query pairs",
        parameters: [
          { name: 'name', in: 'path', required: true, schema: { type: 'string' } },
          {
            name: 'key0',
            in: 'query',
            required: true,
            schema: { type: 'string' },
            description: 'a Smonnet field, e.g. sflow_dstVlan',
          },
          { name: 'value0', in: 'query', required: true, schema: { type: 'string' } },
          {
            name: 'nodes',
            in: 'query',
            required: true,
            schema: { type: 'string' },
            description: 'host:port[,host:port]',
          },
        ],
        responses: { '201': { description: 'added' }, '400': error, '401': error, '409': error },
      },
    },
    '/metrics': {
      get: {
        summary:
          'Prometheus metrics of every tenant (records, dead letters by reason, bulk latency, lag, restarts, memory)',
        responses: { '200': { description: 'text exposition format' }, '401': error },
      },
    },
    '/api/v1/openapi.json': {
      get: { security: [], summary: 'This document', responses: { '200': { description: 'OpenAPI 3.1' } } },
    },
  },
} as const;
