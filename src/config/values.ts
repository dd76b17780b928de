/**
 * Reading api.cfg values: INI text to sections of strings, and each kind of value (flags, whole
 * numbers, ranges, networks, paths, URLs) checked the same way for every key that has that kind.
 * Problems are collected, each naming the file, the section and the key.
 */

import { isAbsolute, resolve } from 'node:path';
import ini from 'ini';
import { ConfigError } from '../errors.js';
import { type Cidr, parseCidr } from '../net/ip.js';
import { macHex } from '../net/mac.js';
import { type FilterKey, type FilterSpec, filterKeyRow, type IntRange } from './filter-keys.js';

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

/**
 * Sections and keys written twice: `ini` silently merges a repeated section and keeps the last of
 * a repeated key, which hides an operator's mistake. Each repeat is named with its line numbers.
 */
export function repeats(
  text: string,
): { section: string | undefined; key: string | undefined; problem: string }[] {
  const out: { section: string | undefined; key: string | undefined; problem: string }[] = [];
  const sections = new Map<string, number>();
  let section: string | undefined;
  let keys = new Map<string, number>();
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    const n = i + 1;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1]!.trim();
      const first = sections.get(section);
      if (first !== undefined)
        out.push({
          section,
          key: undefined,
          problem: `section repeated on line ${n} (first on line ${first})`,
        });
      else sections.set(section, n);
      keys = new Map();
      return;
    }
    const assignment = /^([^=;#\s][^=]*?)\s*=/.exec(line);
    if (!assignment) return;
    const key = assignment[1]!;
    const first = keys.get(key);
    if (first !== undefined)
      out.push({ section, key, problem: `repeated on line ${n} (first on line ${first})` });
    else keys.set(key, n);
  });
  return out;
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

/** What an item parser says of a bad item (its values may be strings themselves). */
interface Problem {
  readonly problem: string;
}
const problem = (text: string): Problem => ({ problem: text });
const isProblem = (v: unknown): v is Problem =>
  typeof v === 'object' && v !== null && Object.hasOwn(v, 'problem');

/** A list's values, or every problem of its items at once (one per bad item, joined by '; '). */
function listOf<T>(value: string, item: (text: string) => T | Problem): T[] | string {
  const items = list(value);
  if (items.length === 0) return 'is empty';
  const out: T[] = [];
  const problems: string[] = [];
  for (const text of items) {
    const parsed = item(text);
    if (isProblem(parsed)) problems.push(parsed.problem);
    else out.push(parsed);
  }
  return problems.length > 0 ? problems.join('; ') : out;
}

export function intRanges(
  value: string,
  min: number,
  max: number,
  names?: Readonly<Record<string, number>>,
): IntRange[] | string {
  return listOf(value, (item): IntRange | Problem => {
    const named = names?.[item.toLowerCase()];
    if (named !== undefined) return { from: named, to: named };
    // Hex too: Smonnet's documents print EtherType, TOS and TCP flags as 0x0800, 0x00, 0x18.
    const m = /^(\d+|0x[0-9a-f]+)(?:\s*-\s*(\d+|0x[0-9a-f]+))?$/i.exec(item);
    if (!m)
      return problem(
        `'${item}' is not a number or a range like 100-110${names ? ' or a protocol name' : ''}`,
      );
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < min || to > max) return problem(`'${item}' is outside ${min}..${max}`);
    if (from > to) return problem(`range '${item}' runs backwards`);
    return { from, to };
  });
}

export function cidrs(value: string): Cidr[] | string {
  return listOf(value, (item): Cidr | Problem => {
    const c = parseCidr(item);
    return 'error' in c ? problem(c.error) : c;
  });
}

/** MAC addresses in any common spelling (00:11:22:33:44:55, 0011.2233.4455, 001122334455). */
export function macs(value: string): string[] | string {
  return listOf(value, (item) => {
    return macHex(item) ?? problem(`'${item}' is not a MAC address`);
  });
}

/** AS numbers (64500 or AS64500, as digits) or organization names (lowercased). */
const asValues = (value: string): string[] | string =>
  listOf(value, (item) => {
    const number = /^(?:as)?(\d{1,10})$/i.exec(item);
    return number ? String(Number(number[1])) : item.toLowerCase();
  });

/** A filter key's text → its values, by the key's row (config/filter-keys.ts). */
export function filterValues(key: FilterKey, value: string): FilterSpec[FilterKey] | string {
  const row = filterKeyRow(key);
  switch (row.kind) {
    case 'int':
      return intRanges(value, 0, row.max, row.names);
    case 'address':
    case 'nat':
      return cidrs(value);
    case 'mac':
      return macs(value);
    case 'country':
      return listOf(value, (item) => item.toLowerCase());
    case 'as':
      return asValues(value);
    case 'ifname':
      return listOf(value, (item) => item);
  }
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
      c.add(sectionName, key, "must be a single value (write 'key = a, b', not 'key[] = ...')");
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

/** One of `allowed`, else the problem is collected (the caller's value stands in until then). */
export function oneOf<T extends string>(
  c: Collector,
  section: string,
  key: string,
  value: string | undefined,
  fallback: T,
  allowed: readonly T[],
): T {
  if (value === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(value))
    c.add(section, key, `'${value}' is not one of ${allowed.join(', ')}`);
  return value as T;
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
