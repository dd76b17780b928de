/**
 * Reads only the fields a tenant's filter looks at, straight from a message's bytes, so a record
 * the filter rejects is dropped before anything is decoded or built for it. Only messages holding
 * one record are peeked (one line, one JSON object, one protobuf message), which is how sflowtool
 * pipes and goflow2 write to Kafka. Each format's peek lives beside its decoder.
 */
import type { WireFormat } from './detect.js';
import { peekJson } from './goflow2-json/peek.js';
import { peekProtobuf } from './goflow2-pb/peek.js';
import type { FlowView, Peek, PeekNeeds, PeekResult } from './peek-view.js';
import { peekSflowtool } from './sflowtool/peek.js';

export {
  COUNTER,
  emptyView,
  FLOW,
  type FlowView,
  type PeekNeeds,
  type PeekResult,
  UNSURE,
} from './peek-view.js';

/** Each wire format's peek. */
const PEEKS: Readonly<Record<WireFormat, Peek>> = {
  sflowtool: peekSflowtool,
  'goflow2-json': peekJson,
  'goflow2-pb': peekProtobuf,
};

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
  return PEEKS[wire](buf, start, end, needs, view);
}
