/**
 * Reading api.cfg values: INI text to sections of strings, and each kind of value (flags, whole
 * numbers, ranges, networks, paths, URLs) checked the same way for every key that has that kind.
 * Problems are collected, each naming the file, the section and the key.
 */
import { isAbsolute, resolve } from 'node:path';
import ini from 'ini';
import { ConfigError } from '../errors.js';
import { type Cidr, parseCidr } from '../net/ip.js';
import { type FilterKey, filterKeyRow, type IntRange } from './filter-keys.js';

export type Section = Record<string, unknown>;

/**
 * `ini` turns `true`, `false` and `null` into JSON values (and a key without `=` into `true`);
 * every key here is read as text, so those become their spelling again, at every depth.
 */
function asText(value: unknown): unknown {
  if (typeof value === 'boolean' || value === null) return String(value);
  if (Array.isArray(value) || typeof value !== 'object') return value;
  const out: Record<string, unknown> = Object.create(null);
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = asText(v);
  return out;
}

/** The sections of an INI text, every scalar value a string (see `asText`). */
export function readIni(text: string): Record<string, unknown> {
  return asText(ini.parse(text)) as Record<string, unknown>;
}

const TRUE_WORDS = ['true', 'yes', 'on', '1'];
const FALSE_WORDS = ['false', 'no', 'off', '0'];

/** A yes/no key: one set of spellings, the same for every key that is a flag. */
export function flag(
  c: Collector,
  section: string,
  key: string,
  value: string | undefined,
  fallback: boolean,
): boolean {
  if (value === undefined) return fallback;
  const word = value.toLowerCase();
  if (TRUE_WORDS.includes(word)) return true;
  if (FALSE_WORDS.includes(word)) return false;
  c.add(section, key, `'${value}' is not one of ${[...TRUE_WORDS, ...FALSE_WORDS].join(', ')}`);
  return fallback;
}

export class Collector {
  readonly errors: ConfigError[] = [];
  constructor(readonly file: string) {}
  add(section: string | undefined, key: string | undefined, problem: string): void {
    this.errors.push(
      new ConfigError({ file: this.file, ...(section && { section }), ...(key && { key }) }, problem),
    );
  }
}

export const list = (value: string): string[] =>
  value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0);

export function intRanges(
  value: string,
  min: number,
  max: number,
  names?: Readonly<Record<string, number>>,
): IntRange[] | string {
  const out: IntRange[] = [];
  const items = list(value);
  if (items.length === 0) return 'is empty';
  for (const item of items) {
    const named = names?.[item.toLowerCase()];
    if (named !== undefined) {
      out.push({ from: named, to: named });
      continue;
    }
    const m = /^(\d+)(?:\s*-\s*(\d+))?$/.exec(item);
    if (!m) return `'${item}' is not a number or a range like 100-110${names ? ' or a protocol name' : ''}`;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < min || to > max) return `'${item}' is outside ${min}..${max}`;
    if (from > to) return `range '${item}' runs backwards`;
    out.push({ from, to });
  }
  return out;
}

export function cidrs(value: string): Cidr[] | string {
  const out: Cidr[] = [];
  const items = list(value);
  if (items.length === 0) return 'is empty';
  for (const item of items) {
    const c = parseCidr(item);
    if ('error' in c) return c.error;
    out.push(c);
  }
  return out;
}

/** A filter key's text → its values, by the key's row (config/filter-keys.ts). */
export function filterValues(key: FilterKey, value: string): IntRange[] | Cidr[] | string {
  const row = filterKeyRow(key);
  return row.kind === 'int' ? intRanges(value, 0, row.max, row.names) : cidrs(value);
}

export function strings(
  c: Collector,
  sectionName: string,
  section: Section,
  allowed: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(section)) {
    if (!allowed.includes(key)) {
      c.add(sectionName, key, `unknown key (allowed: ${allowed.join(', ')})`);
    } else if (typeof value !== 'string') {
      c.add(sectionName, key, 'must be a single value (remove [] or repeated keys)');
    } else {
      out[key] = value.trim();
    }
  }
  return out;
}

export function wholeNumber(
  c: Collector,
  section: string,
  key: string,
  value: string | undefined,
  fallback: number,
  min: number,
  max: number,
): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
    c.add(section, key, `'${value}' is not a whole number in ${min}..${max}`);
    return fallback;
  }
  return Number(value);
}

/** "h1:9200" becomes "http://h1:9200", as Smonnet's monitor_nodes wrote them. */
export function elasticsearchUrl(node: string): string | undefined {
  return httpUrl(/^[a-z]+:\/\//i.test(node) ? node : `http://${node}`);
}

/** An http(s) URL without trailing slashes, or undefined. */
export function httpUrl(text: string): string | undefined {
  try {
    const url = new URL(text);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
    return text.replace(/\/+$/, '');
  } catch {
    return undefined;
  }
}

export function pathIn(baseDir: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  return isAbsolute(value) ? value : resolve(baseDir, value);
}
