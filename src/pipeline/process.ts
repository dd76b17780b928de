/**
 * decode → filter → enrich → document → serialize, for one batch of raw Kafka messages of one
 * partition. Pure: data in, a ready bulk body and counts out. It runs inside the enrichment
 * threads, so its input and output are flat buffers that cross threads without cloning objects.
 */
import type { InputFormat } from '../config/types.js';
import { decodeMessage } from '../decode/detect.js';
import type { RecordSink } from '../decode/types.js';
import type { IndexNamer } from '../document/index-name.js';
import type { DocumentWriter } from '../document/types.js';
import type { Enricher } from '../enrich/enricher.js';
import type { CompiledFilter } from '../filter/compile.js';
import type { SflowRecord } from '../record.js';

/** Messages of one partition, concatenated: message i is data[ends[i-1] .. ends[i]). */
export interface MessageBatch {
  readonly topic: string;
  readonly partition: number;
  readonly data: Uint8Array;
  readonly ends: Uint32Array;
  readonly offsets: Float64Array;
  /** Kafka message timestamps (ms), used when a record carries no time of its own. */
  readonly timestamps: Float64Array;
}

/** One Kafka message, as packBatch takes it. */
export interface RawMessage {
  readonly value: Uint8Array | null;
  readonly offset: number;
  readonly timestamp: number;
}

/** Concatenates messages of one partition into the flat form that crosses threads in one piece. */
export function packBatch(topic: string, partition: number, messages: readonly RawMessage[]): MessageBatch {
  let total = 0;
  for (const m of messages) total += m.value?.length ?? 0;
  const data = new Uint8Array(total);
  const ends = new Uint32Array(messages.length);
  const offsets = new Float64Array(messages.length);
  const timestamps = new Float64Array(messages.length);
  let at = 0;
  messages.forEach((m, i) => {
    if (m.value) {
      data.set(m.value, at);
      at += m.value.length;
    }
    ends[i] = at;
    offsets[i] = m.offset;
    timestamps[i] = m.timestamp;
  });
  return { topic, partition, data, ends, offsets, timestamps };
}

/** A record (or a whole message) that could not be decoded. */
export interface DecodeFailure {
  readonly message: number;
  readonly record: number;
  readonly reason: string;
  /** The offending line, when one could be cut out of the message. */
  readonly raw: string | undefined;
}

export interface BatchResult {
  /** NDJSON bulk request body: an action line and a document line per document. */
  readonly body: Uint8Array;
  /** For bulk item i: items[2i] the message, items[2i+1] the record index in that message. */
  readonly items: Uint32Array;
  readonly documents: number;
  /** Every record seen, including undecodable ones: records = documents + filtered + failures. */
  readonly records: number;
  readonly filtered: number;
  readonly failures: readonly DecodeFailure[];
}

export interface PipelineStages {
  readonly format: InputFormat;
  readonly filter: CompiledFilter;
  readonly documents: DocumentWriter;
  readonly namer: IndexNamer;
  readonly enricher: Enricher;
}

export function documentId(topic: string, partition: number, offset: number, record: number): string {
  return `${topic}-${partition}-${offset}-${record}`;
}

const encoder = new TextEncoder();

export function processBatch(batch: MessageBatch, stages: PipelineStages): BatchResult {
  const lines: string[] = [];
  const items: number[] = [];
  const failures: DecodeFailure[] = [];
  let records = 0;
  let filtered = 0;
  let message = 0;
  let kafkaTimeMs = 0;
  let offset = 0;

  const sink: RecordSink = {
    record(index: number, record: SflowRecord) {
      records++;
      const keep = record.kind === 'flow' ? stages.filter.flow(record) : stages.filter.counter(record);
      if (!keep) {
        filtered++;
        return;
      }
      const timeMs = record.timeMs ?? kafkaTimeMs;
      let index_: string;
      let doc: string;
      if (record.kind === 'flow') {
        index_ = stages.namer.flows(timeMs);
        const { enricher } = stages;
        doc = stages.documents.flow(
          record,
          enricher.lookup(record.srcIp),
          enricher.lookup(record.dstIp),
          timeMs,
        );
      } else {
        index_ = stages.namer.counters(timeMs);
        doc = stages.documents.counter(record, timeMs);
      }
      const id = documentId(batch.topic, batch.partition, offset, index);
      lines.push(`{"index":{"_index":"${index_}","_id":"${id}"}}\n${doc}\n`);
      items.push(message, index);
    },
    error(index: number, reason: string, raw?: string) {
      records++;
      failures.push({ message, record: index, reason, raw });
    },
  };

  let start = 0;
  for (message = 0; message < batch.ends.length; message++) {
    const end = batch.ends[message]!;
    kafkaTimeMs = batch.timestamps[message]!;
    offset = batch.offsets[message]!;
    if (end === start) sink.error(0, 'empty message');
    else decodeMessage(batch.data.subarray(start, end), stages.format, undefined, sink);
    start = end;
  }
  return {
    body: encoder.encode(lines.join('')),
    items: Uint32Array.from(items),
    documents: lines.length,
    records,
    filtered,
    failures,
  };
}
