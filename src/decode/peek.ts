/**
 * Reads only the fields a tenant's filter looks at, straight from a message's bytes, so a record
 * the filter rejects is dropped before anything is decoded or built for it. A peek either fills
 * the view or gives up (`UNSURE`): then the message takes the full decoder, which also reports
 * whatever is malformed in it. Only messages holding one record are peeked (one line, one JSON
 * object, one protobuf message), which is how sflowtool pipes and goflow2 write to Kafka.
 */
import { ipFromBytes, parseIpv4, parseIpv6 } from '../net/ip.js';
import { PROTOCOL_NUMBERS } from '../net/protocols.js';
import { CNTR_TAG, FLOW_TAG, type WireFormat } from './detect.js';
import { splitDelimited } from './goflow2-pb.js';
import { uint } from './sflowtool.js';

/** The filterable fields of a flow record, filled in place by a peek. */
export interface FlowView {
  inVlan: number;
  outVlan: number;
  inIf: number;
  outIf: number;
  proto: number;
  srcPort: number;
  dstPort: number;
  agent: string;
  srcIp: string;
  dstIp: string;
}

/** Which address fields to extract: text is built only for those a filter tests. */
export interface PeekNeeds {
  readonly agent: boolean;
  readonly srcIp: boolean;
  readonly dstIp: boolean;
  /** Any of the three. */
  readonly any: boolean;
  /** Every view field the filter reads. */
  readonly fields: readonly (keyof FlowView)[];
}

export const UNSURE = 0;
export const FLOW = 1;
export const COUNTER = 2;
export type PeekResult = typeof UNSURE | typeof FLOW | typeof COUNTER;

export function emptyView(): FlowView {
  return {
    inVlan: 0,
    outVlan: 0,
    inIf: 0,
    outIf: 0,
    proto: 0,
    srcPort: 0,
    dstPort: 0,
    agent: '',
    srcIp: '',
    dstIp: '',
  };
}

const valid = new Map<string, boolean>();

/** Whether the full decoder would accept `text` as an address; answers are cached, addresses recur. */
function isAddress(text: string): boolean {
  let ok = valid.get(text);
  if (ok === undefined) {
    ok = text.indexOf(':') < 0 ? parseIpv4(text) !== undefined : parseIpv6(text) !== undefined;
    if (valid.size >= 20_000) valid.clear();
    valid.set(text, ok);
  }
  return ok;
}

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i++) s += String.fromCharCode(b[i]!);
  return s;
}

/** A decimal integer in [0, max] in b[start, end), or -1 (as the sflowtool decoder reads it). */
function digits(b: Uint8Array, start: number, end: number, max: number): number {
  if (end <= start || end - start > 15) return -1;
  let n = 0;
  for (let i = start; i < end; i++) {
    const d = b[i]! - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n <= max ? n : -1;
}

/** End of the content, trailing whitespace and line breaks excluded. */
function trimEnd(b: Uint8Array, start: number, end: number): number {
  while (
    end > start &&
    (b[end - 1] === 0x0a || b[end - 1] === 0x0d || b[end - 1] === 0x20 || b[end - 1] === 0x09)
  )
    end--;
  return end;
}

/** Numbers come back -1 when they were not valid: the full decoder must see those. */
const numbersRead = (v: FlowView): boolean =>
  v.inVlan >= 0 &&
  v.outVlan >= 0 &&
  v.inIf >= 0 &&
  v.outIf >= 0 &&
  v.proto >= 0 &&
  v.srcPort >= 0 &&
  v.dstPort >= 0;

type AddressField = 'agent' | 'srcIp' | 'dstIp';

/** Sets the addresses the filter needs; any that is absent or not an address makes the peek UNSURE. */
function fillAddresses(
  needs: PeekNeeds,
  view: FlowView,
  read: (which: AddressField) => string | undefined,
): PeekResult {
  for (const which of ['agent', 'srcIp', 'dstIp'] as const) {
    if (!needs[which]) continue;
    const text = read(which);
    if (text === undefined) return UNSURE;
    view[which] = text;
  }
  return FLOW;
}

// sflowtool FLOW fields the filter reads, by position.
const F_AGENT = 1;
const F_IN_IF = 2;
const F_OUT_IF = 3;
const F_IN_VLAN = 7;
const F_OUT_VLAN = 8;
const F_SRC_IP = 9;
const F_DST_IP = 10;
const F_PROTO = 11;
const F_SRC_PORT = 14;
const F_DST_PORT = 15;
const FLOW_FIELDS = 20;
const commas = new Int32Array(FLOW_FIELDS + 1);

function oneLine(b: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if (b[i] === 0x0a) return false;
  return true;
}

/** Integer field `n` of the line whose commas were just found. */
const field = (b: Uint8Array, n: number, max: number): number =>
  digits(b, commas[n]! + 1, commas[n + 1]!, max);

function peekSflowtool(
  b: Uint8Array,
  start: number,
  end: number,
  needs: PeekNeeds,
  view: FlowView,
): PeekResult {
  end = trimEnd(b, start, end);
  if (end - start < 5 || b[start + 4] !== 0x2c) return UNSURE;
  const tag = ((b[start]! << 24) | (b[start + 1]! << 16) | (b[start + 2]! << 8) | b[start + 3]!) >>> 0;
  if (tag === CNTR_TAG) return oneLine(b, start, end) ? COUNTER : UNSURE;
  if (tag !== FLOW_TAG) return UNSURE;
  // Field i is b[commas[i] + 1, commas[i + 1]); non-ASCII or a second line means not one plain line.
  let fields = 0;
  commas[0] = start - 1;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0x2c) {
      if (++fields >= FLOW_FIELDS) return UNSURE;
      commas[fields] = i;
    } else if (c >= 0x80 || c === 0x0a) return UNSURE;
  }
  if (fields !== FLOW_FIELDS - 1) return UNSURE;
  commas[FLOW_FIELDS] = end;
  view.inIf = field(b, F_IN_IF, 0xffffffff);
  view.outIf = field(b, F_OUT_IF, 0xffffffff);
  view.inVlan = field(b, F_IN_VLAN, 4095);
  view.outVlan = field(b, F_OUT_VLAN, 4095);
  view.proto = field(b, F_PROTO, 255);
  view.srcPort = field(b, F_SRC_PORT, 0xffff);
  view.dstPort = field(b, F_DST_PORT, 0xffff);
  if (!numbersRead(view)) return UNSURE;
  if (!needs.any) return FLOW;
  return fillAddresses(needs, view, (which) => {
    const n = which === 'agent' ? F_AGENT : which === 'srcIp' ? F_SRC_IP : F_DST_IP;
    const text = latin1(b, commas[n]! + 1, commas[n + 1]!);
    return isAddress(text) ? text : undefined;
  });
}

// goflow2 JSON: the keys of each view field, v2 (snake_case) before v1 (CamelCase), as the full
// decoder reads `o[v2] ?? o[v1]`; inVlan falls back to vlan_id when src_vlan is 0.
const JSON_NAMES: Readonly<Record<keyof FlowView, readonly string[]>> = {
  inVlan: ['src_vlan', 'SrcVlan', 'vlan_id', 'VlanId'],
  outVlan: ['dst_vlan', 'DstVlan'],
  inIf: ['in_if', 'InIf'],
  outIf: ['out_if', 'OutIf'],
  proto: ['proto', 'Proto'],
  srcPort: ['src_port', 'SrcPort'],
  dstPort: ['dst_port', 'DstPort'],
  agent: ['sampler_address', 'SamplerAddress'],
  srcIp: ['src_addr', 'SrcAddr'],
  dstIp: ['dst_addr', 'DstAddr'],
};

/**
 * Every JSON key of JSON_NAMES gets a slot; `jsonValues[slot]` is its value in the message peeked:
 * a number when it was written as one, else the text between the quotes. The pattern matches only
 * these names, so length and first and last letters tell them apart without building the name.
 */
const keyCode = (length: number, first: number, last: number): number => length | (first << 5) | (last << 12);
const JSON_KEYS = Object.values(JSON_NAMES).flat();
const JSON_SLOTS = new Map(
  JSON_KEYS.map((name, slot) => [
    keyCode(name.length, name.charCodeAt(0), name.charCodeAt(name.length - 1)),
    slot,
  ]),
);
if (JSON_SLOTS.size !== JSON_KEYS.length) throw new Error('two goflow2 JSON keys share a key code');
const jsonValues: (number | string | undefined)[] = new Array(JSON_KEYS.length).fill(undefined);
/** Where each field's names start among the slots: the rest of its names follow in order. */
const FIRST_SLOT = Object.fromEntries(
  Object.entries(JSON_NAMES).map(([field, names]) => [field, JSON_KEYS.indexOf(names[0]!)]),
) as Readonly<Record<keyof FlowView, number>>;

/** `o[v2] ?? o[v1]`, the names in slots `slot` and `slot + 1`. */
const jsonPair = (slot: number): number | string | undefined => jsonValues[slot] ?? jsonValues[slot + 1];

/** The value in `slot` or `slot + 1` as an unsigned integer: 0 when absent, -1 when unsure. */
function jsonUint(slot: number, max: number): number {
  const value = jsonPair(slot);
  if (value === undefined) return 0;
  return typeof value === 'number' ? (value <= max ? value : -1) : uint(value, max);
}

function jsonField(field: keyof FlowView, view: FlowView): boolean {
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
    case 'inVlan': {
      const v = jsonUint(slot, 0xffffffff);
      view.inVlan = v === 0 ? jsonUint(slot + 2, 0xffffffff) : v;
      return view.inVlan >= 0;
    }
    default:
      view[field] = jsonUint(slot, 0xffffffff);
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

const searches = new WeakMap<readonly (keyof FlowView)[], JsonSearch>();
function jsonSearch(fields: readonly (keyof FlowView)[]): JsonSearch {
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
function peekJson(buf: Buffer, start: number, end: number, needs: PeekNeeds, view: FlowView): PeekResult {
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
}

// goflow2 FlowMessage field numbers the filter reads.
const PB_IN_IF = 18;
const PB_OUT_IF = 19;
const PB_PROTO = 20;
const PB_SRC_PORT = 21;
const PB_DST_PORT = 22;
const PB_VLAN_ID = 29;
const PB_SRC_VLAN = 33;
const PB_DST_VLAN = 34;
const PB_AGENT = 11;
const PB_SRC_ADDR = 6;
const PB_DST_ADDR = 7;

/** Walks the fields of one FlowMessage; scalars keep their last value, as protobuf decoders do. */
function peekProtoMessage(
  b: Uint8Array,
  start: number,
  end: number,
  needs: PeekNeeds,
  view: FlowView,
): PeekResult {
  let inVlan = 0;
  let vlanId = 0;
  let outVlan = 0;
  let inIf = 0;
  let outIf = 0;
  let proto = 0;
  let srcPort = 0;
  let dstPort = 0;
  let agent = -1;
  let src = -1;
  let dst = -1;
  let agentLength = 0;
  let srcLength = 0;
  let dstLength = 0;
  let pos = start;
  while (pos < end) {
    // Tags of the fields read here take one or two bytes; longer ones only need skipping.
    let tag = b[pos++]!;
    if (tag & 0x80) {
      tag = (tag & 0x7f) | ((b[pos++]! & 0x7f) << 7);
      if (b[pos - 1]! & 0x80) {
        while (pos < end && b[pos]! & 0x80) pos++;
        pos++;
        tag = 0; // a field number beyond 2047: none the filter reads
      }
    }
    const wire = tag & 7;
    const field = tag >>> 3;
    if (wire === 0) {
      // The low 32 bits, as a uint32 reader keeps them.
      let value = 0;
      let shift = 0;
      let byte: number;
      do {
        if (pos >= end || shift > 63) return UNSURE;
        byte = b[pos++]!;
        if (shift < 32) value |= (byte & 0x7f) << shift;
        shift += 7;
      } while (byte & 0x80);
      value >>>= 0;
      if (field === PB_IN_IF) inIf = value;
      else if (field === PB_OUT_IF) outIf = value;
      else if (field === PB_PROTO) proto = value;
      else if (field === PB_SRC_PORT) srcPort = value;
      else if (field === PB_DST_PORT) dstPort = value;
      else if (field === PB_VLAN_ID) vlanId = value;
      else if (field === PB_SRC_VLAN) inVlan = value;
      else if (field === PB_DST_VLAN) outVlan = value;
    } else if (wire === 2) {
      let length = 0;
      let shift = 0;
      let byte: number;
      do {
        if (pos >= end || shift > 28) return UNSURE;
        byte = b[pos++]!;
        length += (byte & 0x7f) * 2 ** shift;
        shift += 7;
      } while (byte & 0x80);
      if (pos + length > end) return UNSURE;
      if (field === PB_AGENT) {
        agent = pos;
        agentLength = length;
      } else if (field === PB_SRC_ADDR) {
        src = pos;
        srcLength = length;
      } else if (field === PB_DST_ADDR) {
        dst = pos;
        dstLength = length;
      } else if (field >= PB_IN_IF && field <= PB_DST_VLAN && SCALAR_FIELDS.has(field)) return UNSURE;
      pos += length;
    } else if (wire === 1 || wire === 5) {
      if (field >= PB_IN_IF && field <= PB_DST_VLAN && SCALAR_FIELDS.has(field)) return UNSURE;
      pos += wire === 1 ? 8 : 4;
    } else return UNSURE;
  }
  if (pos !== end) return UNSURE;
  // The full decoder refuses a flow without its three addresses: so must a peek, or random bytes
  // that happen to walk as protobuf would be filtered out instead of dead-lettered.
  if (!isAddressLength(agentLength) || !isAddressLength(srcLength) || !isAddressLength(dstLength))
    return UNSURE;
  view.inVlan = inVlan || vlanId;
  view.outVlan = outVlan;
  view.inIf = inIf;
  view.outIf = outIf;
  view.proto = proto;
  view.srcPort = srcPort;
  view.dstPort = dstPort;
  if (!needs.any) return FLOW;
  return fillAddresses(needs, view, (which) => {
    const from = which === 'agent' ? agent : which === 'srcIp' ? src : dst;
    const length = which === 'agent' ? agentLength : which === 'srcIp' ? srcLength : dstLength;
    return from < 0 ? undefined : ipFromBytes(b.subarray(from, from + length));
  });
}

const isAddressLength = (n: number): boolean => n === 4 || n === 16;

/** Fields read as uint32: another wire type there is for the full decoder to judge. */
const SCALAR_FIELDS = new Set([
  PB_IN_IF,
  PB_OUT_IF,
  PB_PROTO,
  PB_SRC_PORT,
  PB_DST_PORT,
  PB_VLAN_ID,
  PB_SRC_VLAN,
  PB_DST_VLAN,
]);

/** A varint length prefix covering exactly the rest of b[start, end): the start of the message, or -1. */
function delimitedStart(b: Uint8Array, start: number, end: number): number {
  let length = 0;
  let shift = 0;
  let pos = start;
  let byte: number;
  do {
    if (pos >= end || shift > 28) return -1;
    byte = b[pos++]!;
    length += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return length > 0 && pos + length === end ? pos : -1;
}

function peekProtobuf(
  b: Uint8Array,
  start: number,
  end: number,
  needs: PeekNeeds,
  view: FlowView,
): PeekResult {
  // One prefixed message, as goflow2 writes: read it. Several: the full decoder. No prefix: whole.
  const body = delimitedStart(b, start, end);
  if (body >= 0) return peekProtoMessage(b, body, end, needs, view);
  if (splitDelimited(b.subarray(start, end)) !== undefined) return UNSURE;
  return peekProtoMessage(b, start, end, needs, view);
}

/**
 * Peeks at message b[start, end) in `wire` format. `buf` is the same bytes as a Buffer (for its
 * native search), shared by every message of a batch.
 */
export function peekMessage(
  wire: WireFormat,
  buf: Buffer,
  start: number,
  end: number,
  needs: PeekNeeds,
  view: FlowView,
): PeekResult {
  if (wire === 'sflowtool') return peekSflowtool(buf, start, end, needs, view);
  if (wire === 'goflow2-json') return peekJson(buf, start, end, needs, view);
  return peekProtobuf(buf, start, end, needs, view);
}
