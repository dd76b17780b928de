import type { SflowRecord } from '../record.js';

/**
 * Where a decoder puts what it found. `index` is the record's position in its Kafka message (a
 * line, or a length-delimited protobuf message), stable across replays: documents ids use it.
 */
export interface RecordSink {
  record(index: number, record: SflowRecord): void;
  /** `raw` is the offending part when it can be cut out (a line); else the whole message is. */
  error(index: number, reason: string, raw?: string): void;
}
