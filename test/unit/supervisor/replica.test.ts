/**
 * A replica's life with a real worker process and no services: its Kafka and Elasticsearch are
 * closed ports, so the worker starts, reports and waits; nothing here needs them to answer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { Replica, type ReplicaExit } from '../../../src/supervisor/replica.js';
import { waitFor } from '../../helpers.js';

const TEXT = [
  '[kafka]',
  'brokers = 127.0.0.1:1',
  'topic = replica-test',
  '[tenant.a]',
  'es_nodes = http://127.0.0.1:1',
  '',
].join('\n');

function replica() {
  const file = join(mkdtempSync(join(tmpdir(), 'smonnet-replica-')), 'api.cfg');
  writeFileSync(file, TEXT);
  const exits: ReplicaExit[] = [];
  let reports = 0;
  const r = new Replica({
    tenant: 'a',
    index: 0,
    logger: pino({ level: 'silent' }),
    configuration: () => ({ type: 'config', file, text: TEXT, tenant: 'a' }),
    shutdownTimeoutMs: () => 20_000,
    onReport: () => {
      reports++;
    },
    onSegregatorReport: () => {},
    onExit: (exit) => exits.push(exit),
  });
  onTestFinished(() => r.stop());
  return { r, exits, reports: () => reports };
}

describe('Replica', () => {
  it('starts a worker that reports, and stops it when asked: an exit asked for, balanced', async () => {
    const { r, exits, reports } = replica();
    r.start();
    expect(r.alive).toBe(true);
    expect(r.pid).toBeGreaterThan(0);
    await waitFor('a first report', async () => (reports() > 0 ? true : undefined), 30_000, 50);
    await r.stop();
    await waitFor('its exit', async () => (exits.length > 0 ? true : undefined), 30_000, 50);
    expect(exits[0]).toMatchObject({ asked: true, code: 0 });
    expect(r.alive).toBe(false);
  }, 60_000);

  it('reports an exit nobody asked for, and starts a new process after the delay when still wanted', async () => {
    const { r, exits } = replica();
    r.start();
    const first = r.pid!;
    process.kill(first, 'SIGKILL');
    await waitFor('its exit', async () => (exits.length > 0 ? true : undefined), 30_000, 50);
    expect(exits[0]).toMatchObject({ asked: false, signal: 'SIGKILL' });
    expect(r.alive).toBe(false);
    r.restartAfter(50, () => true);
    expect(r.state).toBe('backoff');
    await waitFor('a new process', async () => (r.alive ? true : undefined), 30_000, 20);
    expect(r.pid).not.toBe(first);
    expect(r.state).toBe('starting');
  }, 60_000);

  it('does not start again when no longer wanted, and a stop cancels a pending restart', async () => {
    vi.useFakeTimers();
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const { r } = replica();
    const asked: string[] = [];
    r.restartAfter(10, () => {
      asked.push('unwanted');
      return false;
    });
    vi.advanceTimersByTime(100);
    expect(asked).toEqual(['unwanted']);
    expect(r.alive).toBe(false);
    r.restartAfter(20, () => {
      asked.push('cancelled');
      return true;
    });
    await r.stop();
    vi.advanceTimersByTime(100);
    expect(asked).toEqual(['unwanted']);
    expect(r.alive).toBe(false);
  });
});
