/**
 * A peek at one goflow2 JSON object: a regular expression finds the filter's keys, their values
 * are read by hand, and only the tail of the message is searched once goflow2's key order is known.
 */
import { SmonnetError } from '../../errors.js';
import { PROTOCOL_NUMBERS } from '../../net/protocols.js';
import { FLOW_NUMBER_MAX as MAX, type PeekField } from '../../record.js';
import {
  FLOW,
  type FlowView,
  isAddress,
  type Peek,
  type PeekNeeds,
  type PeekResult,
  UNSURE,
} from '../peek-view.js';
import { interfaceValue, vlanOf } from '../rules.js';
import { decimal, trimEnd } from '../wire.js';
import { JSON_KEYS } from './fields.js';

// The keys of each view field, v2 before v1, as the full decoder reads `o[v2] ?? o[v1]`; inVlan
// falls back to vlan_id when src_vlan is 0.
const JSON_NAMES: Readonly<Record<PeekField, readonly string[]>> = {
  inVlan: [...JSON_KEYS.inVlan, ...JSON_KEYS.vlanId],
  outVlan: JSON_KEYS.outVlan,
  inIf: JSON_KEYS.inIf,
  outIf: JSON_KEYS.outIf,
  proto: JSON_KEYS.proto,
  srcPort: JSON_KEYS.srcPort,
  dstPort: JSON_KEYS.dstPort,
  agent: JSON_KEYS.agent,
  srcIp: JSON_KEYS.srcIp,
  dstIp: JSON_KEYS.dstIp,
};

/**
 * Every JSON key of JSON_NAMES gets a slot; `jsonValues[slot]` is its value in the message peeked:
 * a number when it was written as one, else the text between the quotes. The pattern matches only
 * these names, so length and first and last letters tell them apart without building the name.
 */
const keyCode = (length: number, first: number, last: number): number => length | (first << 5) | (last << 12);
const PEEK_KEYS: readonly string[] = Object.values(JSON_NAMES).flat();
const JSON_SLOTS = new Map(
  PEEK_KEYS.map((name, slot) => [
    keyCode(name.length, name.charCodeAt(0), name.charCodeAt(name.length - 1)),
    slot,
  ]),
);
if (JSON_SLOTS.size !== PEEK_KEYS.length)
  throw new SmonnetError('INTERNAL', 'two goflow2 JSON keys share a key code');
const jsonValues: (number | string | undefined)[] = new Array(PEEK_KEYS.length).fill(undefined);
/** Where each field's names start among the slots: the rest of its names follow in order. */
const FIRST_SLOT = Object.fromEntries(
  Object.entries(JSON_NAMES).map(([field, names]) => [field, PEEK_KEYS.indexOf(names[0]!)]),
) as Readonly<Record<PeekField, number>>;

/** `o[v2] ?? o[v1]`, the names in slots `slot` and `slot + 1`. */
const jsonPair = (slot: number): number | string | undefined => jsonValues[slot] ?? jsonValues[slot + 1];

/** The value in `slot` or `slot + 1` as an unsigned integer: 0 when absent, -1 when unsure. */
function jsonUint(slot: number, max: number): number {
  const value = jsonPair(slot);
  if (value === undefined) return 0;
  return typeof value === 'number' ? (value <= max ? value : -1) : decimal(value, max);
}

const U32 = 0xffffffff;

function jsonField(field: PeekField, view: FlowView): boolean {
  const slot = FIRST_SLOT[field];
  switch (field) {
    case 'agent':
    case 'srcIp':
    case 'dstIp': {
      const text = jsonPair(slot);
      if (typeof text !== 'string' || !isAddress(text)) return false;
      view[field] = text;
      return true;
    }
    case 'proto': {
      const value = jsonPair(slot);
      const c = typeof value === 'string' ? value.charCodeAt(0) : 48;
      view.proto =
        c >= 48 && c <= 57 ? jsonUint(slot, 255) : (PROTOCOL_NUMBERS[(value as string).toLowerCase()] ?? -1);
      return view.proto >= 0;
    }
    case 'inVlan':
    case 'outVlan': {
      // decode/rules.ts: a VLAN is 1-4094, else none; src_vlan defers to vlan_id.
      const v = jsonUint(slot, U32);
      const tag = field === 'inVlan' && vlanOf(v) === 0 ? jsonUint(slot + 2, U32) : v;
      if (v < 0 || tag < 0) return false;
      view[field] = vlanOf(tag);
      return true;
    }
    case 'inIf':
    case 'outIf': {
      const v = jsonUint(slot, U32);
      view[field] = interfaceValue(v);
      return v >= 0;
    }
    default:
      view[field] = jsonUint(slot, MAX[field]);
      return view[field] >= 0;
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const isBlank = (c: number): boolean => c === 0x20 || c === 0x09;

/**
 * The value starting at text[pos] (after the colon and any blanks), stored in `slot`: digits as a
 * number, a string without escapes as its text. Anything else (null, 8.5, 007, "a\"b"), or a
 * repeated key unless the last one wins: false, and the full decoder settles it.
 */
function readJsonValue(text: string, pos: number, slot: number, lastWins: boolean): boolean {
  if (!lastWins && jsonValues[slot] !== undefined) return false;
  let c = text.charCodeAt(pos);
  if (c === QUOTE) {
    for (let i = pos + 1; i < text.length; i++) {
      c = text.charCodeAt(i);
      if (c === QUOTE) {
        jsonValues[slot] = text.slice(pos + 1, i);
        return true;
      }
      if (c === BACKSLASH) return false;
    }
    return false;
  }
  let n = 0;
  let i = pos;
  for (; i < text.length && i - pos <= 15; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) break;
    n = n * 10 + d;
  }
  const digits = i - pos;
  if (digits === 0 || digits > 15 || (digits > 1 && c === 48)) return false;
  c = text.charCodeAt(i);
  if (!(c === 0x2c || c === 0x7d || isBlank(c))) return false;
  jsonValues[slot] = n;
  return true;
}

/**
 * How a filter's keys are found in goflow2 JSON. A regular expression finds `"key":` (native code,
 * several times faster here than a byte loop in JavaScript; `test` builds no match arrays, which
 * cost a third of the peek), and the values are read by hand. Inside a valid JSON string a key's
 * quotes would be escaped, so a match not preceded by a backslash is a real key.
 */
interface JsonSearch {
  readonly pattern: RegExp;
  /** Slots a tail must hold to settle a peek: each field's goflow2 v2 name, which outranks v1. */
  readonly required: readonly number[];
  /** How far before a message's end its first key was, last time: 0 until known. */
  tail: number;
}

/** Slack before the remembered tail: values before the keys vary in length between messages. */
const TAIL_SLACK = 64;

const searches = new WeakMap<readonly PeekField[], JsonSearch>();
function jsonSearch(fields: readonly PeekField[]): JsonSearch {
  let search = searches.get(fields);
  if (search === undefined) {
    const keys = fields.flatMap((f) => JSON_NAMES[f]);
    const required = fields.flatMap((f) => {
      const slot = FIRST_SLOT[f];
      // src_vlan 0 defers to vlan_id: goflow2 writes both.
      return f === 'inVlan' ? [slot, slot + 2] : [slot];
    });
    search = { pattern: new RegExp(`"(?:${keys.join('|')})"[ \\t]*:`, 'g'), required, tail: 0 };
    searches.set(fields, search);
  }
  return search;
}

/**
 * Reads every key of `pattern` in text[from, end) into the slots: the index of the first key, the
 * text's length when there is none, or -1 when a value (or a repeat, unless the last one wins)
 * is for the full decoder.
 */
function scanKeys(text: string, from: number, pattern: RegExp, lastWins: boolean): number {
  for (let slot = 0; slot < jsonValues.length; slot++) jsonValues[slot] = undefined;
  let first = text.length;
  pattern.lastIndex = from;
  while (pattern.test(text)) {
    const after = pattern.lastIndex;
    // Back from the colon over blanks to the key's closing quote, then to its opening one.
    let close = after - 2;
    while (text.charCodeAt(close) !== QUOTE) close--;
    let open = close - 1;
    while (text.charCodeAt(open) !== QUOTE) open--;
    if (text.charCodeAt(open - 1) === BACKSLASH) return -1;
    const code = keyCode(close - open - 1, text.charCodeAt(open + 1), text.charCodeAt(close - 1));
    let pos = after;
    while (isBlank(text.charCodeAt(pos))) pos++;
    if (!readJsonValue(text, pos, JSON_SLOTS.get(code)!, lastWins)) return -1;
    if (open < first) first = open;
  }
  return first;
}

/**
 * Settles the peek from text[from, end) alone, as goflow2's key order allows: the filter's keys sit
 * near the end, after the addresses. Nothing opens after `from`, so each key found there is a
 * top-level one, and the last of its name, the one JSON.parse keeps.
 */
function settledByTail(text: string, from: number, search: JsonSearch): boolean {
  if (text.indexOf('{', from) >= 0 || text.indexOf('[', from) >= 0) return false;
  const first = scanKeys(text, from, search.pattern, true);
  if (first < 0) return false;
  for (const slot of search.required) if (jsonValues[slot] === undefined) return false;
  search.tail = text.length - first;
  return true;
}

function fillJsonView(needs: PeekNeeds, view: FlowView): PeekResult {
  for (const field of needs.fields) if (!jsonField(field, view)) return UNSURE;
  return FLOW;
}

/** `buf` is the whole batch; only b[start, end) is this message, which detectFormat saw as {...}. */
export const peekJson: Peek = (buf, start, end, needs, view) => {
  end = trimEnd(buf, start, end);
  const text = buf.toString('latin1', start, end);
  // A line break inside: several objects, or one printed over lines. The full decoder splits them.
  if (text.indexOf('\n') >= 0) return UNSURE;
  const search = jsonSearch(needs.fields);
  const from = search.tail > 0 ? text.length - search.tail - TAIL_SLACK : 0;
  if (from > 0 && settledByTail(text, from, search)) return fillJsonView(needs, view);
  // The whole message, where a repeated key is left to the full decoder: it may be nested.
  const first = scanKeys(text, 0, search.pattern, false);
  // goflow2 writes every key, zeros included. None at all: maybe not JSON (a protobuf message
  // can start with '{' and end with '}'), which only the full decoder can tell.
  if (first < 0 || first === text.length) return UNSURE;
  search.tail = text.length - first;
  return fillJsonView(needs, view);
};
