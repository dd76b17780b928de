import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished } from 'vitest';
import { loadConfig, parseConfig } from '../../../src/config/parse.js';
import { ConfigStore } from '../../../src/config/store.js';
import { createProcApi } from '../../../src/procapi/app.js';
import type { Supervisor, TenantStatus } from '../../../src/supervisor/supervisor.js';

const TEXT = '[kafka]\nbrokers = 127.0.0.1:9092\n[tenant.a]\nes_nodes = h:9200\n';

/** ProcAPI over a temporary api.cfg, with a supervisor that reports `status` and reloads nothing. */
async function procApi(status: Partial<TenantStatus>[] = [], text = TEXT) {
  const file = join(mkdtempSync(join(tmpdir(), 'smonnet-api-')), 'api.cfg');
  writeFileSync(file, text);
  // Like the real one, it knows a change of the file only once it reloaded it.
  let current = loadConfig(file);
  const supervisor = {
    get current() {
      return current;
    },
    status: () => status,
    segregatorStatus: () => null,
    reload: async () => {
      await new Promise((r) => setTimeout(r, 20));
      current = loadConfig(file);
      return { ok: true, added: [], removed: [], changed: [], unchanged: [] };
    },
  } as unknown as Supervisor;
  const app = createProcApi({
    supervisor,
    store: new ConfigStore(file),
    token: 'secret',
    settings: parseConfig(text, file).procapi,
    logger: pino({ level: 'silent' }),
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  onTestFinished(() => new Promise<void>((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const post = (body: string | Buffer, headers: Record<string, string>) =>
    fetch(`${base}/api/v1/tenants`, {
      method: 'POST',
      headers: { authorization: 'Bearer secret', ...headers },
      body,
    });
  return { file, base, post };
}

describe('ProcAPI', () => {
  it('answers 413 for a body over 64 kB and 415 for a charset or encoding it does not read; the file stays', async () => {
    const { file, post } = await procApi();
    const big = JSON.stringify({ name: 'b', es_nodes: 'h:9200', vlan: '1', pad: 'x'.repeat(70_000) });
    const tooLarge = await post(big, { 'content-type': 'application/json' });
    expect(tooLarge.status).toBe(413);
    expect(((await tooLarge.json()) as { error: { code: string } }).error.code).toBe('PAYLOAD_TOO_LARGE');
    const body = JSON.stringify({ name: 'b', es_nodes: 'h:9200' });
    const charset = await post(body, { 'content-type': 'application/json; charset=koi8-r' });
    expect(charset.status).toBe(415);
    const encoding = await post(body, { 'content-type': 'application/json', 'content-encoding': 'compress' });
    expect(encoding.status).toBe(415);
    expect(((await encoding.json()) as { error: { code: string } }).error.code).toBe(
      'UNSUPPORTED_MEDIA_TYPE',
    );
    expect(readFileSync(file, 'utf8')).toBe(TEXT);
  });

  it('is not ready while a tenant is degraded, and says why', async () => {
    const { base } = await procApi([
      { name: 'a', state: 'degraded', problem: 'chunk failed: boom', elasticsearchReachable: true },
    ]);
    const res = await fetch(`${base}/readyz`);
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      ready: false,
      notReady: [{ tenant: 'a', reason: 'degraded: chunk failed: boom' }],
    });
  });

  it('adds a legacy tenant once when ten requests for it race: the check reads the file it changes', async () => {
    const { file, base } = await procApi();
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        fetch(`${base}/api/v1/smonit/lgrace?key0=sflow_dstVlan&value0=30&nodes=h:9200`, {
          method: 'POST',
          headers: { authorization: 'Bearer secret' },
        }).then((r) => r.status),
      ),
    );
    expect(answers.sort()).toEqual([201, ...Array(9).fill(409)]);
    expect(readFileSync(file, 'utf8').match(/\[tenant\.lgrace\]/g)).toHaveLength(1);
  });

  it("takes Smonnet ProcAPI's own call, with basic auth from its [api] section and a default cluster", async () => {
    const original = `${TEXT}[server]\nport = 5443\n[api]\nuser = admin\npass = s3cret\n[tornado]\ndebug = False\n[logging]\nlevel = INFO\n`;
    const call = async (base: string, auth: string) =>
      fetch(`${base}/api/v1/smonit/lab9?key0=sflow_dstVlan&value0=9&no_nodes=3`, {
        method: 'POST',
        headers: { authorization: `Basic ${Buffer.from(auth).toString('base64')}` },
      });
    const without = await procApi([], original);
    expect((await call(without.base, 'admin:wrong')).status).toBe(401);
    const refused = await call(without.base, 'admin:s3cret');
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toMatch(
      /does not create tenant clusters through deployment_url: pass nodes=.* or set \[procapi\] default_es_nodes/,
    );
    const withDefault = await procApi([], `${original}[procapi]\ndefault_es_nodes = h9:9200\n`);
    expect((await call(withDefault.base, 'admin:s3cret')).status).toBe(201);
    expect(readFileSync(withDefault.file, 'utf8')).toMatch(
      /\[tenant\.lab9\]\ndst_vlan = 9\nes_nodes = h9:9200\n/,
    );
  });
});
