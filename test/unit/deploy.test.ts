import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/parse.js';

const root = new URL('../../', import.meta.url).pathname;
const hasSystemdAnalyze = spawnSync('systemd-analyze', ['--version']).status === 0;

describe('deployment files', () => {
  it.skipIf(!hasSystemdAnalyze)('the systemd unit passes systemd-analyze verify', () => {
    // verify checks that ExecStart's program exists: the unit names the Node.js npm ci installs
    // under /opt/smonnet, which this checkout has under its own root.
    const unit = join(mkdtempSync(join(tmpdir(), 'smonnet-unit-')), 'smonnet.service');
    writeFileSync(
      unit,
      readFileSync(`${root}deploy/smonnet.service`, 'utf8').replaceAll('/opt/smonnet/', root),
    );
    const out = execFileSync('systemd-analyze', ['verify', unit], {
      encoding: 'utf8',
      stdio: 'pipe',
    });
    expect(out).toBe('');
  });

  it('the container and compose configuration is valid', () => {
    const cfg = parseConfig(readFileSync(`${root}deploy/api.compose.cfg`, 'utf8'), '/etc/smonnet/api.cfg');
    expect(cfg.procapi).toMatchObject({ host: '0.0.0.0', port: 8080 });
    expect(cfg.tenants.map((t) => t.name)).toEqual(['lab42']);
  });
});
