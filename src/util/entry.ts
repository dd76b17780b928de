/**
 * A module to run in another thread or process: the compiled .js beside the caller, or, under tsx
 * and vitest (no dist/), the TypeScript source run through tsx.
 */
import { existsSync } from 'node:fs';

export interface Entry {
  readonly url: URL;
  readonly execArgv: readonly string[];
}

/** `path` is relative to `base` (the caller's import.meta.url), without its extension. */
export function entryModule(path: string, base: string): Entry {
  const js = new URL(`${path}.js`, base);
  if (existsSync(js)) return { url: js, execArgv: [] };
  return { url: new URL(`${path}.ts`, base), execArgv: ['--import', 'tsx'] };
}
