import { describe, expect, it } from 'vitest';
import { DaemonMetrics, type WorkerView } from '../../../src/observability/metrics.js';
import { emptyStats, type TenantStats } from '../../../src/observability/stats.js';

const stats = (s: Partial<TenantStats>): TenantStats => ({ ...emptyStats(), ...s });
const value = (text: string, series: string): number | undefined => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
};

describe('daemon metrics', () => {
  it('grow counters by the difference between reports, and not backwards when a worker restarts', async () => {
    let workers: WorkerView[] = [];
    const m = new DaemonMetrics({
      workers: () => workers,
      tenants: () => [{ tenant: 'lab', up: true, failed: false }],
    });
    m.register('lab');
    m.report(
      'lab',
      emptyStats(),
      stats({ consumed: 10, indexed: 7, filteredOut: 2, deadLettered: 1, deadLetteredDecode: 1 }),
      [[120, 5000]],
    );
    m.report(
      'lab',
      stats({ consumed: 10, indexed: 7, filteredOut: 2, deadLettered: 1, deadLetteredDecode: 1 }),
      stats({ consumed: 15, indexed: 12, filteredOut: 2, deadLettered: 1, deadLetteredDecode: 1 }),
      [],
    );
    // A restarted process counts from zero again: its first report adds, never subtracts.
    m.restarted('lab');
    m.report('lab', emptyStats(), stats({ consumed: 4, indexed: 4 }), []);
    workers = [
      {
        tenant: 'lab',
        replica: 0,
        running: true,
        gauges: {
          inFlightMessages: 3,
          poolUtilization: 0.5,
          elasticsearchReachable: true,
          lagByPartition: { '0': 5, '1': 0 },
          residentBytes: 1e8,
        },
      },
    ];
    const text = await m.registry.metrics();
    expect(value(text, 'smonnet_records_consumed_total{tenant="lab"}')).toBe(19);
    expect(value(text, 'smonnet_records_indexed_total{tenant="lab"}')).toBe(16);
    expect(value(text, 'smonnet_records_filtered_out_total{tenant="lab"}')).toBe(2);
    expect(value(text, 'smonnet_records_dead_lettered_total{tenant="lab",reason="decode"}')).toBe(1);
    expect(value(text, 'smonnet_records_dead_lettered_total{tenant="lab",reason="rejected"}')).toBe(0);
    expect(value(text, 'smonnet_worker_restarts_total{tenant="lab"}')).toBe(1);
    expect(value(text, 'smonnet_bulk_request_duration_seconds_count{tenant="lab"}')).toBe(1);
    expect(value(text, 'smonnet_consumer_lag{tenant="lab",partition="0"}')).toBe(5);
    expect(value(text, 'smonnet_in_flight_messages{tenant="lab"}')).toBe(3);
    expect(value(text, 'smonnet_elasticsearch_reachable{tenant="lab"}')).toBe(1);
    expect(value(text, 'smonnet_tenant_up{tenant="lab"}')).toBe(1);
    expect(text).toContain('smonnet_supervisor_process_resident_memory_bytes');
  });

  it('forget the gauges of a worker that is gone', async () => {
    let workers: WorkerView[] = [
      {
        tenant: 'x',
        replica: 0,
        running: true,
        gauges: {
          inFlightMessages: 9,
          poolUtilization: 0,
          elasticsearchReachable: true,
          lagByPartition: {},
          residentBytes: 1,
        },
      },
    ];
    const m = new DaemonMetrics({
      workers: () => workers,
      tenants: () => [{ tenant: 'x', up: false, failed: false }],
    });
    expect(value(await m.registry.metrics(), 'smonnet_in_flight_messages{tenant="x"}')).toBe(9);
    workers = [];
    expect(value(await m.registry.metrics(), 'smonnet_in_flight_messages{tenant="x"}')).toBe(0);
  });
});
