/** A tenant worker's counters. Every record consumed ends up in exactly one of the other three. */
export interface TenantStats {
  consumed: number;
  indexed: number;
  filteredOut: number;
  deadLettered: number;
  bulkRequests: number;
  bulkMs: number;
  bulkBytes: number;
}

export const emptyStats = (): TenantStats => ({
  consumed: 0,
  indexed: 0,
  filteredOut: 0,
  deadLettered: 0,
  bulkRequests: 0,
  bulkMs: 0,
  bulkBytes: 0,
});

/** True when every consumed record is accounted for. */
export function balanced(s: TenantStats): boolean {
  return s.consumed === s.indexed + s.filteredOut + s.deadLettered;
}
