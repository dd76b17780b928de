/**
 * A stand-in for Kibana's saved objects import API, strict where Kibana is: it answers only the
 * documented paths, refuses requests without `kbn-xsrf` or with the wrong credentials, reads the
 * multipart body and its `.ndjson` file part, refuses conflicts unless `overwrite=true`, and
 * reports references that point nowhere. It keeps what was imported, per space, for assertions.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StoredObject {
  type: string;
  id: string;
  attributes: Record<string, unknown>;
  references: { type: string; id: string; name: string }[];
}

export interface ImportRequest {
  path: string;
  space: string;
  overwrite: boolean;
  status: number;
  fileName: string | undefined;
}

const KNOWN_TYPES = new Set(['index-pattern', 'lens', 'map', 'dashboard', 'visualization', 'search']);
const IMPORT_PATH = /^(?:\/s\/([a-z0-9_-]+))?\/api\/saved_objects\/_import$/;

export interface FakeKibana {
  readonly url: string;
  readonly requests: ImportRequest[];
  /** space → "type/id" → object */
  readonly spaces: Map<string, Map<string, StoredObject>>;
  objects(space?: string): StoredObject[];
  close(): Promise<void>;
}

/** Answers and returns the status, so a handler can `return send(...)`. */
function send(res: ServerResponse, status: number, body: unknown): number {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
  return status;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const badRequest = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

export async function startFakeKibana(options: { authorization?: string } = {}): Promise<FakeKibana> {
  const requests: ImportRequest[] = [];
  const spaces = new Map<string, Map<string, StoredObject>>();

  async function handle(req: IncomingMessage, res: ServerResponse, request: ImportRequest): Promise<number> {
    const url = new URL(req.url ?? '/', 'http://kibana');
    const match = IMPORT_PATH.exec(url.pathname);
    if (!match) return send(res, 404, { statusCode: 404, error: 'Not Found', message: 'Not Found' });
    if (req.method !== 'POST') return send(res, 405, { statusCode: 405, message: 'Method Not Allowed' });
    if (options.authorization !== undefined && req.headers.authorization !== options.authorization)
      return send(res, 401, { statusCode: 401, error: 'Unauthorized', message: 'Unauthorized' });
    if (req.headers['kbn-xsrf'] === undefined)
      return send(res, 400, badRequest('Request must contain a kbn-xsrf header.'));
    const overwrite = url.searchParams.get('overwrite') === 'true';
    if (overwrite && url.searchParams.get('createNewCopies') === 'true')
      return send(res, 400, badRequest('cannot use [overwrite] with [createNewCopies]'));
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('multipart/form-data; boundary='))
      return send(res, 415, { statusCode: 415, error: 'Unsupported Media Type' });
    let file: File | string | null;
    try {
      const form = await new Response(await readBody(req), {
        headers: { 'content-type': contentType },
      }).formData();
      file = form.get('file');
    } catch (err) {
      return send(res, 400, badRequest(`invalid multipart body: ${(err as Error).message}`));
    }
    if (file === null || typeof file === 'string')
      return send(res, 400, badRequest('[request body.file]: expected a file part'));
    request.fileName = file.name;
    if (!file.name.endsWith('.ndjson'))
      return send(res, 400, badRequest(`Invalid file extension ${file.name.replace(/^[^.]*/, '')}`));
    const lines = (await file.text()).split('\n').filter((l: string) => l.trim() !== '');
    const incoming: StoredObject[] = [];
    for (const line of lines) {
      let o: StoredObject;
      try {
        o = JSON.parse(line);
      } catch {
        return send(res, 400, badRequest('Unexpected token in the NDJSON file'));
      }
      if (typeof o.type !== 'string' || typeof o.id !== 'string' || typeof o.attributes !== 'object')
        return send(res, 400, badRequest(`object without type, id or attributes: ${line.slice(0, 80)}`));
      incoming.push(o);
    }
    const space = match[1] ?? 'default';
    const store = spaces.get(space) ?? new Map<string, StoredObject>();
    spaces.set(space, store);
    const key = (o: { type: string; id: string }) => `${o.type}/${o.id}`;
    const inFile = new Set(incoming.map(key));
    const errors: unknown[] = [];
    for (const o of incoming) {
      if (!KNOWN_TYPES.has(o.type)) {
        errors.push({ type: o.type, id: o.id, error: { type: 'unsupported_type' } });
        continue;
      }
      const missing = (o.references ?? []).filter((r) => !inFile.has(key(r)) && !store.has(key(r)));
      if (missing.length > 0) {
        errors.push({ type: o.type, id: o.id, error: { type: 'missing_references', references: missing } });
        continue;
      }
      if (store.has(key(o)) && !overwrite)
        errors.push({ type: o.type, id: o.id, error: { type: 'conflict' } });
    }
    if (errors.length > 0) return send(res, 200, { success: false, successCount: 0, errors });
    for (const o of incoming) store.set(key(o), o);
    return send(res, 200, {
      success: true,
      successCount: incoming.length,
      successResults: incoming.map((o) => ({
        type: o.type,
        id: o.id,
        meta: { title: o.attributes['title'] },
        ...(overwrite && { overwrite: true }),
      })),
    });
  }

  const server: Server = createServer((req, res) => {
    const request: ImportRequest = {
      path: req.url ?? '',
      space: '',
      overwrite: false,
      status: 0,
      fileName: undefined,
    };
    requests.push(request);
    const url = new URL(req.url ?? '/', 'http://kibana');
    request.space = IMPORT_PATH.exec(url.pathname)?.[1] ?? 'default';
    request.overwrite = url.searchParams.get('overwrite') === 'true';
    handle(req, res, request).then(
      (status) => {
        request.status = status;
      },
      (err: Error) => {
        request.status = 500;
        send(res, 500, { statusCode: 500, message: err.message });
      },
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    spaces,
    objects: (space = 'default') => [...(spaces.get(space)?.values() ?? [])],
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
