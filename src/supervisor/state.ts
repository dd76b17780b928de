/** A tenant's state, read from its replicas' (pure, so the rule is tested on its own). */

export type WorkerState = 'starting' | 'running' | 'stopping' | 'backoff';
export type TenantState = 'starting' | 'running' | 'degraded' | 'failed' | 'stopping';

export interface ReplicaView {
  readonly state: WorkerState;
  /** Why its process is unhealthy though running, as it last said. */
  readonly trouble: string | undefined;
}

/**
 * `failed` after a crash loop; `degraded` when some replicas run but not all, or when one reports
 * trouble (failures lately, no progress with lag, Kafka refusing it) even while starting; `problem`
 * says why.
 */
export function tenantState(
  failed: boolean,
  replicas: readonly ReplicaView[],
  live: readonly ReplicaView[],
): { state: TenantState; problem: string | undefined } {
  if (failed) return { state: 'failed', problem: 'crash-looping, marked failed' };
  const running = live.filter((r) => r.state === 'running').length;
  const trouble = live.map((r) => r.trouble).find((p) => p !== undefined);
  if (running === replicas.length)
    return trouble ? { state: 'degraded', problem: trouble } : { state: 'running', problem: undefined };
  if (replicas.some((r) => r.state === 'stopping')) return { state: 'stopping', problem: undefined };
  // A worker that cannot even start (refused credentials, an untrusted certificate) says why.
  if (running > 0 || trouble)
    return { state: 'degraded', problem: trouble ?? `${running} of ${replicas.length} workers running` };
  return { state: 'starting', problem: undefined };
}
