/**
 * decode → filter → enrich → document → serialize, for one batch of raw Kafka messages of one
 * partition. Pure: data in, a ready bulk body and counts out. It runs inside the enrichment
 * threads, so its input and output are flat buffers that cross threads without cloning objects.
 */

import type { GroupBy } from '../alert/group-by.js';
import { AlertAccumulator, type AlertSum } from '../alert/sums.js';
import type { InputFormat } from '../config/types.js';
import type { WireFormat } from '../decode/detect.js';
import { decodeMessage, wireFormat } from '../decode/detect.js';
import { COUNTER, emptyView, FLOW, peekMessage } from '../decode/peek.js';
import { plausibleTime } from '../decode/rules.js';
import type { RecordSink } from '../decode/types.js';
import type { IndexNamer } from '../document/index-name.js';
import type { DocumentWriter } from '../document/types.js';
import { type ContextOf, NO_CONTEXT } from '../enrich/context.js';
import type { Enricher } from '../enrich/enricher.js';
import type { SamplingRates } from '../enrich/sampling.js';
import type { CompiledFilter } from '../filter/compile.js';
import { IF_SINGLE, type SflowRecord } from '../record.js';
import { BodyWriter, documentId } from '../sink/elasticsearch/bulk-body.js';

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

/** The stage a record failed in; the dead letter says which. */
export type Stage = 'decode' | 'filter' | 'enrich' | 'document' | 'encode' | 'process';

/** A record (or a whole message) that could not be processed. */
export interface DecodeFailure {
  readonly message: number;
  readonly record: number;
  readonly reason: string;
  readonly stage: Stage;
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
  /** Records whose own time was not plausible (decode/rules.ts): they carry the Kafka time. */
  readonly timesReplaced: number;
  /** Per-second sums of the flows written, for the tenant's alert rules; empty without rules. */
  readonly alerts: readonly AlertSum[];
}

export interface PipelineStages {
  readonly format: InputFormat;
  readonly filter: CompiledFilter;
  readonly documents: DocumentWriter;
  readonly namer: IndexNamer;
  readonly enricher: Enricher;
  /** Corrected sampling rates ([sampling]); undefined when there are no rules. */
  readonly sampling: SamplingRates | undefined;
  /** Interfaces and direction; undefined when the tenant has no networks and no interface file. */
  readonly context: ContextOf | undefined;
  /** What the tenant's alert rules group by; empty: no sums are made. */
  readonly alertGroupBys: readonly GroupBy[];
}

/** Room for a typical ECS document and its action line: growing is rare. */
const BYTES_PER_DOCUMENT = 1200;

const view = emptyView();

/** True when a peek at the raw bytes shows the filter rejects the message's one record. */
function rejectedUnread(
  wire: WireFormat,
  bytes: Buffer,
  start: number,
  end: number,
  stages: PipelineStages,
): boolean {
  const seen = peekMessage(wire, bytes, start, end, stages.filter.needs, view);
  if (seen === FLOW) return !stages.filter.flow(view);
  return seen === COUNTER && stages.filter.countersNever;
}

export function processBatch(batch: MessageBatch, stages: PipelineStages): BatchResult {
  const body = new BodyWriter(batch.ends.length * BYTES_PER_DOCUMENT);
  let documents = 0;
  const items: number[] = [];
  const failures: DecodeFailure[] = [];
  let records = 0;
  let filtered = 0;
  let message = 0;
  let kafkaTimeMs = 0;
  let offset = 0;

  let timesReplaced = 0;
  let stage: Stage = 'decode';

  const fail = (index: number, reason: string, raw: string | undefined, where: Stage): void => {
    records++;
    failures.push({ message, record: index, reason, stage: where, raw });
  };

  const { sampling, context } = stages;
  const alerts = stages.alertGroupBys.length > 0 ? new AlertAccumulator(stages.alertGroupBys) : undefined;
  /** Filters, enriches and writes one record; a failure costs that record alone. */
  const take = (index: number, record: SflowRecord): void => {
    stage = 'filter';
    if (sampling && record.kind === 'flow') {
      // Before the filter: a filter on sampling_rate sees the rate that is indexed.
      const rate = sampling(
        record.agent,
        record.inIfKind === IF_SINGLE ? record.inIf : -1,
        record.samplingRate,
      );
      if (rate !== record.samplingRate) record = { ...record, samplingRate: rate };
    }
    const keep = record.kind === 'flow' ? stages.filter.flow(record) : stages.filter.counter(record);
    records++;
    if (!keep) {
      filtered++;
      return;
    }
    const timeMs = plausibleTime(record.timeMs, kafkaTimeMs) ?? kafkaTimeMs;
    if (record.timeMs !== undefined && timeMs !== record.timeMs) timesReplaced++;
    let index_: string;
    let doc: string;
    if (record.kind === 'flow') {
      stage = 'enrich';
      const { enricher } = stages;
      const source = enricher.lookup(record.srcIp);
      const destination = enricher.lookup(record.dstIp);
      if (stages.filter.testsEnrichment) {
        stage = 'filter';
        if (!stages.filter.enriched(record, source, destination)) {
          filtered++;
          return;
        }
      }
      const flowContext = context ? context(record) : NO_CONTEXT;
      stage = 'document';
      index_ = stages.namer.flows(timeMs);
      doc = stages.documents.flow(record, source, destination, timeMs, flowContext);
    } else {
      stage = 'document';
      index_ = stages.namer.counters(timeMs);
      doc = stages.documents.counter(record, timeMs);
    }
    stage = 'encode';
    const id = documentId(batch.topic, batch.partition, offset, index);
    body.write(`{"index":{"_index":"${index_}","_id":"${id}"}}\n${doc}\n`);
    documents++;
    items.push(message, index);
    if (alerts && record.kind === 'flow') alerts.add(record, timeMs);
  };

  const sink: RecordSink = {
    record(index: number, record: SflowRecord) {
      const counted = records;
      try {
        take(index, record);
      } catch (err) {
        // Counted once, as this failure: a kept record is counted before it is enriched.
        if (records !== counted) records--;
        fail(index, `${stage} failed: ${(err as Error).message}`, undefined, stage);
      }
    },
    error(index: number, reason: string, raw?: string) {
      fail(index, reason, raw, 'decode');
    },
  };

  const { filter } = stages;
  const peeking = !filter.keepsAll && filter.peekable;
  const detecting = stages.format === 'auto';
  const bytes = Buffer.from(batch.data.buffer, batch.data.byteOffset, batch.data.byteLength);
  let start = 0;
  for (message = 0; message < batch.ends.length; message++) {
    const end = batch.ends[message]!;
    kafkaTimeMs = batch.timestamps[message]!;
    offset = batch.offsets[message]!;
    if (end === start) sink.error(0, 'empty message');
    else {
      try {
        // Detected once: the peek and the decoder both take this message as that format.
        const wire = wireFormat(stages.format, bytes, start, end);
        if (peeking && rejectedUnread(wire, bytes, start, end, stages)) {
          records++;
          filtered++;
        } else decodeMessage(batch.data.subarray(start, end), wire, detecting, undefined, sink);
      } catch (err) {
        // A decoder that throws is a bug; the message is dead-lettered and the batch goes on.
        fail(0, `decode failed: ${(err as Error).message}`, undefined, 'decode');
      }
    }
    start = end;
  }
  return {
    body: body.done(),
    items: Uint32Array.from(items),
    documents,
    records,
    filtered,
    failures,
    timesReplaced,
    alerts: alerts ? alerts.done() : [],
  };
}
