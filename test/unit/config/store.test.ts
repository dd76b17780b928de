import { chmodSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigStore, writeFileAtomic } from '../../../src/config/store.js';

describe('writing api.cfg', () => {
  it('keeps the mode of the file it replaces: a 0600 file holding passwords stays 0600', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'smonnet-store-'));
    const file = join(dir, 'api.cfg');
    writeFileSync(file, '[kafka]\n');
    for (const mode of [0o600, 0o640, 0o644]) {
      chmodSync(file, mode);
      await writeFileAtomic(file, `[kafka]\n; ${mode}\n`);
      expect(statSync(file).mode & 0o777).toBe(mode);
    }
    chmodSync(file, 0o600);
    await new ConfigStore(file).update((text) => `${text}[tenant.a]\nes_nodes = h:9200\n`);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain('[tenant.a]');
  });
});
