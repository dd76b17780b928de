import { describe, expect, it } from 'vitest';
import { type ReplicaView, tenantState } from '../../../src/supervisor/state.js';

const replica = (state: ReplicaView['state'], trouble?: string): ReplicaView => ({ state, trouble });

describe('tenant state', () => {
  it('is running when every replica runs well, degraded with the reason when one reports trouble', () => {
    const two = [replica('running'), replica('running')];
    expect(tenantState(false, two, two)).toEqual({ state: 'running', problem: undefined });
    const troubled = [replica('running'), replica('running', 'chunk failed: boom')];
    expect(tenantState(false, troubled, troubled)).toEqual({
      state: 'degraded',
      problem: 'chunk failed: boom',
    });
  });

  it('is degraded with some replicas down, failed after a crash loop', () => {
    const replicas = [replica('running'), replica('backoff')];
    expect(tenantState(false, replicas, [replicas[0]!])).toEqual({
      state: 'degraded',
      problem: '1 of 2 workers running',
    });
    expect(tenantState(true, replicas, []).state).toBe('failed');
    expect(tenantState(false, [replica('starting')], [replica('starting')]).state).toBe('starting');
  });

  it('is degraded, not starting, when a worker that cannot start says why', () => {
    const refused = replica('starting', 'cannot reach Kafka: the broker refused the SASL credentials');
    expect(tenantState(false, [refused], [refused])).toEqual({
      state: 'degraded',
      problem: 'cannot reach Kafka: the broker refused the SASL credentials',
    });
  });
});
