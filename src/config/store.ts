/**
 * The one writer of api.cfg. Every change is validated as a whole new file before anything is
 * written, written atomically (temporary file, fsync, rename, fsync of the folder), and
 * serialized, so concurrent ProcAPI requests never interleave or lose each other's edits.
 */
import { randomBytes } from 'node:crypto';
import { open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { parseConfig } from './parse.js';
import type { AppConfig } from './types.js';

/** The mode a file has now (it may hold passwords: 0600 must stay 0600), or `fallback` if it is new. */
async function modeOf(file: string, fallback: number): Promise<number> {
  try {
    return (await stat(file)).mode & 0o7777;
  } catch {
    return fallback;
  }
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const mode = await modeOf(file, 0o640);
  const handle = await open(tmp, 'wx', mode);
  try {
    // open() applies the umask: set the mode the file had, exactly.
    await handle.chmod(mode);
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await rename(tmp, file);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  // The rename is durable only once the folder entry is on disk too.
  const folder = await open(dirname(file), 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}

export class ConfigStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly file: string) {}

  read(): Promise<string> {
    return readFile(this.file, 'utf8');
  }

  /**
   * Applies `edit` to the current text; throws (writing nothing) if `edit` throws or the result
   * does not validate. Resolves with the new configuration once it is on disk.
   */
  update(edit: (text: string, current: AppConfig) => string): Promise<AppConfig> {
    const run = async (): Promise<AppConfig> => {
      const text = await this.read();
      const next = edit(text, parseConfig(text, this.file));
      const config = parseConfig(next, this.file);
      if (next !== text) await writeFileAtomic(this.file, next);
      return config;
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => {});
    return result;
  }
}
