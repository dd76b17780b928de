import type { WorkerAlerts } from '../worker/alerts.js';

/** A tenant worker's counters. Every record consumed ends up in exactly one of the other three. */
export interface TenantStats {
  consumed: number;
  indexed: number;
  filteredOut: number;
  deadLettered: number;
  /** deadLettered by why: undecodable, over the size limit, refused by Elasticsearch. */
  deadLetteredDecode: number;
  deadLetteredOversized: number;
  deadLetteredRejected: number;
  bulkRequests: number;
  bulkMs: number;
  bulkBytes: number;
  /** Records whose own time was not plausible and took their Kafka message's time. */
  timesReplaced: number;
  /** Chunks that failed as a whole (a bug): each was processed again message by message. */
  chunkFailures: number;
  /** Times the consumer restarted from the last commit after an unexpected failure. */
  consumerRestarts: number;
  /** Daily indices deleted because they were older than retention_days. */
  indicesDeleted: number;
}

export const emptyStats = (): TenantStats => ({
  consumed: 0,
  indexed: 0,
  filteredOut: 0,
  deadLettered: 0,
  deadLetteredDecode: 0,
  deadLetteredOversized: 0,
  deadLetteredRejected: 0,
  bulkRequests: 0,
  bulkMs: 0,
  bulkBytes: 0,
  timesReplaced: 0,
  chunkFailures: 0,
  consumerRestarts: 0,
  indicesDeleted: 0,
});

/** Counters added key by key (a replica's to the totals of those that exited). */
function addCounters<T extends { [K in keyof T]: number }>(empty: T, a: T, b: T): T {
  for (const key of Object.keys(empty) as (keyof T)[]) empty[key] = (a[key] + b[key]) as T[keyof T];
  return empty;
}

export const addStats = (a: TenantStats, b: TenantStats): TenantStats => addCounters(emptyStats(), a, b);

/** True when every consumed record is accounted for. */
export function balanced(s: TenantStats): boolean {
  return s.consumed === s.indexed + s.filteredOut + s.deadLettered;
}

/** What a worker is doing right now (not cumulative). */
export interface WorkerGauges {
  /** Kafka messages handed to processing and not yet settled. */
  readonly inFlightMessages: number;
  /** Share of the enrichment pool's capacity in use, 0..1. */
  readonly poolUtilization: number;
  /** Whether the tenant's Elasticsearch answered the last request or ping. */
  readonly elasticsearchReachable: boolean;
  readonly lagByPartition: Readonly<Record<string, number>>;
  readonly residentBytes: number;
  /** Why the worker is unhealthy though running (repeated failures, no progress with lag). */
  readonly trouble?: string | undefined;
  /** Its alert rules: what fires, and each rule's figures; absent without rules. */
  readonly alerts?: WorkerAlerts | undefined;
}

/**
 * The segregator's counters (fan-out mode). Every record it consumed was routed to at least one
 * tenant, matched none, or was dead-lettered.
 */
export interface SegregatorStats {
  consumed: number;
  routed: number;
  unmatched: number;
  deadLettered: number;
  /** deadLettered by why: undecodable, over the size limit. */
  deadLetteredDecode: number;
  deadLetteredOversized: number;
}

export const emptySegregatorStats = (): SegregatorStats => ({
  consumed: 0,
  routed: 0,
  unmatched: 0,
  deadLettered: 0,
  deadLetteredDecode: 0,
  deadLetteredOversized: 0,
});

export const addSegregatorStats = (a: SegregatorStats, b: SegregatorStats): SegregatorStats =>
  addCounters(emptySegregatorStats(), a, b);

export const segregatorBalanced = (s: SegregatorStats): boolean =>
  s.consumed === s.routed + s.unmatched + s.deadLettered;

/** What the segregator is doing right now. */
export interface SegregatorGauges {
  readonly lagByPartition: Readonly<Record<string, number>>;
  readonly residentBytes: number;
  /** Why it cannot read or route now (Kafka refusing it, the topic missing), or undefined. */
  readonly trouble?: string | undefined;
  /** Messages of the source topic routed to each tenant since it started. */
  readonly routedTo: Readonly<Record<string, number>>;
}
