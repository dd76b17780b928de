import type { FlowContext } from '../enrich/context.js';
import type { AddressInfo } from '../enrich/enricher.js';
import type { CounterRecord, FlowRecord } from '../record.js';

/** Writes documents as JSON text, ready for a bulk body. */
export interface DocumentWriter {
  flow(
    record: FlowRecord,
    source: AddressInfo,
    destination: AddressInfo,
    timeMs: number,
    context: FlowContext,
  ): string;
  counter(record: CounterRecord, timeMs: number): string;
}
