/**
 * Interface metadata an operator knows and sFlow does not carry: per agent and ifIndex a name, a
 * description (ECS `alias`), a speed, a boundary (`external` / `internal`, which gives a flow its
 * direction) and a provider label. One file, JSON or CSV (chosen by its extension):
 *
 *   [{"agent": "192.0.2.1", "if_index": 12, "name": "Gi1/0/12", "description": "uplink b7",
 *     "speed": 10000000000, "boundary": "external", "provider": "transit-a"}]
 *
 *   agent,if_index,name,description,speed,boundary,provider
 *   192.0.2.1,12,Gi1/0/12,"uplink b7, rack 3",10000000000,external,transit-a
 *
 * Only agent, if_index and name are required.
 */
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import { EnrichmentSourceError } from '../errors.js';
import { canonicalIp } from '../net/ip.js';

export const BOUNDARIES = ['external', 'internal'] as const;
export type Boundary = (typeof BOUNDARIES)[number];

export interface InterfaceInfo {
  readonly name: string;
  readonly description: string | undefined;
  /** Bits per second. */
  readonly speed: number | undefined;
  readonly boundary: Boundary | undefined;
  readonly provider: string | undefined;
}

export interface InterfaceMap {
  /** The interface `ifIndex` of `agent`, when the file names it. */
  find(agent: string, ifIndex: number): InterfaceInfo | undefined;
  readonly size: number;
}

/** The rows as read from the file: structured-clonable, so they cross into the pool threads. */
export type InterfaceRows = ReadonlyArray<Readonly<Record<string, unknown>>>;

const COLUMNS = ['agent', 'if_index', 'name', 'description', 'speed', 'boundary', 'provider'] as const;

const optionalText = (v: unknown): string | undefined =>
  v === undefined || v === null || v === '' ? undefined : String(v);

/** One row → its key and info, or the row's problem. */
function readRow(
  row: Readonly<Record<string, unknown>>,
): { agent: string; ifIndex: number; info: InterfaceInfo } | string {
  for (const column of Object.keys(row))
    if (!(COLUMNS as readonly string[]).includes(column))
      return `unknown column '${column}' (expected ${COLUMNS.join(', ')})`;
  const agent = canonicalIp(String(row['agent'] ?? ''));
  if (agent === undefined) return `agent '${String(row['agent'] ?? '')}' is not an IP address`;
  const ifIndex = Number(row['if_index']);
  if (
    !Number.isInteger(ifIndex) ||
    ifIndex < 0 ||
    ifIndex > 0xffffffff ||
    String(row['if_index']).trim() === ''
  )
    return `if_index '${String(row['if_index'] ?? '')}' is not a number 0..4294967295`;
  const name = optionalText(row['name']);
  if (name === undefined) return 'name is missing';
  const speedText = optionalText(row['speed']);
  const speed = speedText === undefined ? undefined : Number(speedText);
  if (speed !== undefined && !(Number.isSafeInteger(speed) && speed >= 0))
    return `speed '${speedText}' is not a number of bits per second`;
  const boundary = optionalText(row['boundary'])?.toLowerCase();
  if (boundary !== undefined && !(BOUNDARIES as readonly string[]).includes(boundary))
    return `boundary '${boundary}' is not one of ${BOUNDARIES.join(', ')}`;
  return {
    agent,
    ifIndex,
    info: {
      name,
      description: optionalText(row['description']),
      speed,
      boundary: boundary as Boundary | undefined,
      provider: optionalText(row['provider']),
    },
  };
}

/** Every row checked; every bad row reported at once, by its line or position. */
export function buildInterfaceMap(rows: InterfaceRows, file: string, csv = false): InterfaceMap {
  // By agent, then ifIndex: a lookup per record side builds no key string.
  const byAgent = new Map<string, Map<number, InterfaceInfo>>();
  const problems: string[] = [];
  let size = 0;
  rows.forEach((row, i) => {
    // A CSV's first data row is its line 2, after the header.
    const where = csv ? `line ${i + 2}` : `entry ${i + 1}`;
    const read = readRow(row);
    if (typeof read === 'string') {
      problems.push(`${where}: ${read}`);
      return;
    }
    let agent = byAgent.get(read.agent);
    if (agent === undefined) {
      agent = new Map();
      byAgent.set(read.agent, agent);
    }
    if (agent.has(read.ifIndex))
      problems.push(`${where}: ${read.agent} ifIndex ${read.ifIndex} is named twice`);
    else {
      agent.set(read.ifIndex, read.info);
      size++;
    }
  });
  if (problems.length > 0) throw new EnrichmentSourceError('INTERFACES_INVALID', file, problems.join('; '));
  return { find: (agent, ifIndex) => byAgent.get(agent)?.get(ifIndex), size };
}

export const isCsvFile = (file: string): boolean => extname(file).toLowerCase() === '.csv';

/** The file's rows, not yet checked (buildInterfaceMap checks them). */
export function readInterfaceFile(file: string): InterfaceRows {
  const fail = (problem: string): never => {
    throw new EnrichmentSourceError('INTERFACES_INVALID', file, problem);
  };
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    fail(`cannot read: ${(err as NodeJS.ErrnoException).code}`);
  }
  if (isCsvFile(file)) {
    try {
      return parseCsv(text, { columns: true, skip_empty_lines: true, trim: true, comment: '#' });
    } catch (err) {
      return fail(`not CSV: ${(err as Error).message}`);
    }
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    fail(`not JSON: ${(err as Error).message}`);
  }
  if (!Array.isArray(doc) || !doc.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r)))
    fail('must be a JSON array of objects');
  return doc as InterfaceRows;
}

/** Reads and checks the interface file at once, for a process that uses it in its own thread. */
export const loadInterfaceMap = (file: string): InterfaceMap =>
  buildInterfaceMap(readInterfaceFile(file), file, isCsvFile(file));
