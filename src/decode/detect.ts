/**
 * Per-message format detection and dispatch. The first meaningful byte tells the text formats
 * apart ('{' JSON, "FLOW,"/"CNTR," sflowtool); anything else is tried as goflow2 protobuf.
 */
import type { InputFormat } from '../config/types.js';
import type { SflowRecord } from '../record.js';
import { decodeGoflow2Json } from './goflow2-json/decode.js';
import { decodeGoflow2Pb, splitDelimited } from './goflow2-pb/decode.js';
import { decodeSflowtool } from './sflowtool/decode.js';
import { CNTR_TAG, FLOW_TAG } from './sflowtool/fields.js';
import type { RecordSink } from './types.js';

export type WireFormat = Exclude<InputFormat, 'auto'>;

const isSpace = (b: number): boolean => b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;

/** The format of message buf[start, end); without allocating, as it runs for every message. */
export function detectFormat(buf: Uint8Array, start = 0, end = buf.length): WireFormat {
  let i = start;
  while (i < end && isSpace(buf[i]!)) i++;
  const b = buf[i];
  if (b === 0x7b) {
    // A protobuf message of 123 bytes also starts with 0x7b ('{') as its length prefix;
    // JSON must close as well as open.
    let j = end - 1;
    while (j > i && isSpace(buf[j]!)) j--;
    if (buf[j] === 0x7d) return 'goflow2-json';
    return 'goflow2-pb';
  }
  // "FLOW," or "CNTR,": the whole tag, so a protobuf starting with those bytes is not taken.
  if (i + 5 <= end && buf[i + 4] === 0x2c) {
    const tag = ((buf[i]! << 24) | (buf[i + 1]! << 16) | (buf[i + 2]! << 8) | buf[i + 3]!) >>> 0;
    if (tag === FLOW_TAG || tag === CNTR_TAG) return 'sflowtool';
  }
  return 'goflow2-pb';
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Reads `buf` as length-delimited protobuf only if that explains all of it: every part decodes
 * to a valid flow. Used when a message that looked like text turns out not to be.
 */
function decodedAsProtobuf(buf: Uint8Array, timeMs: number | undefined, sink: RecordSink): boolean {
  if (!splitDelimited(buf)) return false;
  const records: [number, SflowRecord][] = [];
  let clean = true;
  decodeGoflow2Pb(buf, timeMs, {
    record: (i, r) => records.push([i, r]),
    error: () => {
      clean = false;
    },
  });
  if (!clean) return false;
  for (const [i, r] of records) sink.record(i, r);
  return true;
}

/** The format `format` names, or the one detected for message buf[start, end) when it is 'auto'. */
export const wireFormat = (format: InputFormat, buf: Uint8Array, start = 0, end = buf.length): WireFormat =>
  format === 'auto' ? detectFormat(buf, start, end) : format;

/**
 * Decodes one Kafka message value in `wire` format (detected once, by the caller); every record and
 * every problem goes to `sink`. `detected` says the format was guessed: text that does not decode at
 * all may then still be protobuf.
 */
export function decodeMessage(
  buf: Uint8Array,
  wire: WireFormat,
  detected: boolean,
  timeMs: number | undefined,
  sink: RecordSink,
): void {
  if (wire === 'goflow2-pb') {
    decodeGoflow2Pb(buf, timeMs, sink);
    return;
  }
  // Auto-detected text that does not decode at all may be protobuf whose first and last bytes
  // happened to look like text ('{' ... '}'): try that before calling the message bad.
  const fallback = detected && wire === 'goflow2-json';
  let text: string;
  try {
    text = utf8.decode(buf);
  } catch {
    if (fallback && decodedAsProtobuf(buf, timeMs, sink)) return;
    sink.error(0, `message is not valid UTF-8 (${wire} is text)`);
    return;
  }
  if (wire === 'sflowtool') {
    decodeSflowtool(text, timeMs, sink);
    return;
  }
  if (!fallback) {
    decodeGoflow2Json(text, timeMs, sink);
    return;
  }
  const held: Array<() => void> = [];
  let decoded = 0;
  decodeGoflow2Json(text, timeMs, {
    record: (i, r) => {
      decoded++;
      held.push(() => sink.record(i, r));
    },
    error: (i, reason, raw) => held.push(() => sink.error(i, reason, raw)),
  });
  if (decoded === 0 && held.length > 0 && decodedAsProtobuf(buf, timeMs, sink)) return;
  for (const emit of held) emit();
}

/** One message in a configured format ('auto' detects it): for callers outside the batch loop. */
export function decodeValue(
  buf: Uint8Array,
  format: InputFormat,
  timeMs: number | undefined,
  sink: RecordSink,
): void {
  decodeMessage(buf, wireFormat(format, buf), format === 'auto', timeMs, sink);
}
